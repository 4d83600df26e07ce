"""Rosters: CityGraph to and from files.

CSV layout (the neo4j-admin import header convention, so the same files bulk-load a
real Neo4j with ``neo4j-admin database import full``)::

    DIR/nodes/<Label>.csv           id:ID,name,households:int,old:boolean,...,:LABEL
    DIR/relationships/<TYPE>.csv    :START_ID,:END_ID,role,:TYPE

UTF-8, with or without Excel's byte-order mark; booleans ``true``/``false``; an empty
cell is a missing value. Ids are one global id space. Reading checks everything
before anything is built and raises :class:`~redwuye_graph.errors.ValidationError`
listing every problem with file, row and field. JSON (read and write) and GraphML
(write) hold the same graph; the ``neo4j-admin`` export adds the import command
(``import.sh``) and the constraints to create after it (``constraints.cypher``).
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import math
import os
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from redwuye_graph.errors import Problem, ValidationError
from redwuye_graph.schema import (
    FLOAT_TEXT,
    INT_TEXT,
    NODE_SPECS,
    REL_SPECS,
    Label,
    PropType,
    RelType,
)

if TYPE_CHECKING:
    from redwuye_graph.citygraph import CityGraph, Origin

__all__ = [
    "FORMATS",
    "export",
    "import_command",
    "read_csv",
    "read_graphml",
    "read_json",
    "read_roster",
    "read_xlsx",
    "write_csv",
    "write_graphml",
    "write_json",
    "write_neo4j_admin",
    "write_xlsx",
]

JSON_FORMAT = "redwuye-graph/1"
#: Largest roster file read (a city's JSON roster is about 60 MB).
MAX_FILE_BYTES = 1 << 30


def _header(name: str, ptype: PropType) -> str:
    return f"{name}:{ptype}" if ptype is not PropType.STRING else name


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _write_table(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def write_csv(city: CityGraph, out_dir: Path | str) -> Path:
    """Write the graph as roster CSV files under ``out_dir``; rows sorted by id."""
    out = Path(out_dir)
    (out / "nodes").mkdir(parents=True, exist_ok=True)
    (out / "relationships").mkdir(parents=True, exist_ok=True)
    for label, spec in NODE_SPECS.items():
        cols = [c for c in spec.props if c != "id"]
        header = ["id:ID", *(_header(c, spec.props[c]) for c in cols), ":LABEL"]
        rows = [[r["id"], *(_format(r.get(c)) for c in cols), str(label)]
                for r in city.node_rows(label)]
        _write_table(out / "nodes" / f"{label}.csv", header, rows)
    for rtype, rspec in REL_SPECS.items():
        cols = list(rspec.props)
        header = [":START_ID", ":END_ID", *(_header(c, rspec.props[c]) for c in cols), ":TYPE"]
        rows = [[r["start"], r["end"], *(_format(r.get(c)) for c in cols), str(rtype)]
                for r in city.rel_rows(rtype)]
        _write_table(out / "relationships" / f"{rtype}.csv", header, rows)
    return out


def import_command(database: str = "neo4j", admin: str = "neo4j-admin") -> str:
    """The ``neo4j-admin database import full`` command that bulk-loads a roster written by
    :func:`write_csv`, run from the roster's directory: one ``--nodes`` per label and one
    ``--relationships`` per type (files without rows included), a flag per line."""
    flags = [*(f"--nodes=nodes/{label}.csv" for label in NODE_SPECS),
             *(f"--relationships=relationships/{rtype}.csv" for rtype in REL_SPECS)]
    return " \\\n    ".join([f"{admin} database import full {database}", *flags])


def write_neo4j_admin(city: CityGraph, out_dir: Path | str) -> Path:
    """The roster CSVs plus what a Neo4j user runs to bulk-load them: ``import.sh`` (the
    complete ``neo4j-admin database import full`` command) and ``constraints.cypher``
    (the uniqueness constraints to create once the database runs)."""
    from redwuye_graph.queries import CONSTRAINTS

    out = write_csv(city, out_dir)
    (out / "constraints.cypher").write_text(CONSTRAINTS.read_text(encoding="utf-8"),
                                            encoding="utf-8")
    script = [
        "#!/bin/sh",
        "# Bulk-load this roster into a new or empty Neo4j 5 database with neo4j-admin (the",
        "# database stopped), then create the uniqueness constraints on id:",
        "#   sh import.sh [DATABASE [OPTION...]]   (default neo4j; options go to neo4j-admin,",
        "#     e.g. --overwrite-destination to replace a database; NEO4J_ADMIN: the",
        "#     neo4j-admin to run, default neo4j-admin)",
        "#   (start Neo4j)",
        "#   cypher-shell -d neo4j -f constraints.cypher",
        "# Written by 'redwuye export --format neo4j-admin'.",
        "set -e",
        'cd "$(dirname "$0")"',
        'database="${1:-neo4j}"',
        '[ $# -gt 0 ] && shift',
        import_command('"$database" "$@"', "${NEO4J_ADMIN:-neo4j-admin}"),
    ]
    path = out / "import.sh"
    path.write_text("\n".join(script) + "\n", encoding="utf-8")
    path.chmod(0o755)
    return out


def _parse_cell(ptype: PropType, cell: str) -> Any:
    """A CSV cell as a typed value; ValueError with a message a person can act on.

    Integers and floats are ASCII digits only, as neo4j-admin reads them (no ``1_000``,
    no full-width digits, no ``nan``/``inf``); booleans are ``true`` or ``false``.
    """
    if ptype is PropType.INT:
        if not INT_TEXT.fullmatch(cell) or len(cell) > 40:
            raise ValueError(f"{cell!r} is not a whole number (digits 0-9 only, e.g. 806)")
        return int(cell)
    if ptype is PropType.FLOAT:
        if not FLOAT_TEXT.fullmatch(cell) or len(cell) > 400:
            raise ValueError(f"{cell!r} is not a number (digits 0-9 and '.', e.g. 0.54)")
        value = float(cell)
        if not math.isfinite(value):
            raise ValueError(f"{cell!r} is too large a number")
        return value
    if ptype is PropType.BOOLEAN:
        word = cell.strip().lower()
        if word not in ("true", "false"):
            raise ValueError(f"{cell!r} is not true or false")
        return word == "true"
    return cell


class _Builder:
    """Builds a CityGraph from located records of any roster format, collecting problems.

    Each problem is reported once, where it is: a node whose record was rejected is
    remembered (``seen``) so relationships to it are not reported as unknown, and a
    rejected relationship marks its source ``incomplete`` so no "has no ..." follows.
    """

    def __init__(self) -> None:
        from redwuye_graph.citygraph import CityGraph

        self.city = CityGraph()
        self.problems: list[Problem] = []
        #: Every id met, built or not: where it was first seen.
        self.seen: dict[str, Origin] = {}
        self.names: dict[str, list[str]] = defaultdict(list)
        self.labels: dict[str, Label] = {}
        #: Node records without an id, by label: an unknown id may be one of them.
        self.idless: dict[Label, list[Origin]] = defaultdict(list)
        #: A node source could not be read at all: unknown ids may be its nodes.
        self.lost_nodes = False
        #: Relationship types whose source could not be read at all.
        self.lost_types: set[RelType] = set()
        self.incomplete: set[tuple[str, RelType]] = set()
        #: Column headers of each file by property (``households`` -> ``households:int``).
        self.headers: dict[str, dict[str, str]] = {}
        self._suggested = 0

    def problem(self, where: str, row: int | None, field: str | None, message: str) -> None:
        self.problems.append(Problem(where, row, field, message))

    def node(self, where: str, row: int | None, label: Label, node_id: Any,
             props: dict[str, Any], ok: bool, id_field: str) -> None:
        """Add one node record (``ok``: every value of it parsed)."""
        if node_id is None or node_id == "":
            self.problem(where, row, id_field, "missing id")
            self.idless[label].append((where, row))
            return
        from redwuye_graph.citygraph import id_problem

        bad = id_problem(node_id)
        if isinstance(node_id, str):
            if node_id in self.seen:
                first = self.seen[node_id]
                at = f", row {first[1]}" if first[1] is not None else ""
                self.problem(where, row, id_field,
                             f"duplicate id {node_id!r} (first in {first[0]}{at})")
                return
            self.seen[node_id] = (where, row)
            self.labels[node_id] = label
            if isinstance(props.get("name"), str):
                self.names[props["name"]].append(node_id)
        if bad is not None:
            self.problem(where, row, id_field, bad)
        elif ok:
            self.city.add_node(label, node_id, origin=(where, row), **props)

    def rel(self, where: str, row: int | None, rtype: RelType, start: Any, end: Any,
            props: dict[str, Any], ok: bool, fields: tuple[str, str]) -> None:
        """Add one relationship record (``ok``: every value of it parsed)."""
        bad = False
        pairs = REL_SPECS[rtype].pairs
        ends = ({s for s, _ in pairs}, {t for _, t in pairs})
        for field, node_id, want in zip(fields, (start, end), ends, strict=True):
            if node_id is None or node_id == "":
                self.problem(where, row, field, "missing id")
                bad = True
            elif not isinstance(node_id, str):
                self.problem(where, row, field, f"{node_id!r} is not an id (text)")
                bad = True
            elif node_id not in self.seen:
                if not self.lost_nodes:
                    self.problem(where, row, field, f"unknown node {node_id!r}"
                                 f"{self.suggest(node_id, want)}{self.idless_hint(want)}")
                bad = True
        if isinstance(start, str) and (bad or not ok or start not in self.city
                                       or end not in self.city):
            self.incomplete.add((start, rtype))
            return
        if bad or not ok or end not in self.city:
            return
        if self.city.graph.has_edge(start, end, key=rtype):
            first = self.city.origins[(start, end, rtype)]
            at = f" (first at row {first[1]})" if first[1] is not None else ""
            self.problem(where, row, None, f"duplicate relationship {start}->{end}{at}")
            return
        self.city.add_rel(rtype, start, end, origin=(where, row), **props)

    def suggest(self, text: str, labels: set[Label]) -> str:
        """'; did you mean …' for an unknown id: the node of that name, or a close id
        among the nodes with one of ``labels``."""
        if text in self.names:
            ids = [i for i in self.names[text] if self.labels.get(i) in labels]
            if ids:
                return f"; that is the name of {', '.join(ids[:3])} - use the id, not the name"
            other = self.names[text][0]
            return (f"; that is the name of {other}, a {self.labels.get(other)}, but here a "
                    f"{' or '.join(sorted(labels))} is expected")
        self._suggested += 1
        if self._suggested > 20:  # a close match costs a pass over every id
            return ""
        close = difflib.get_close_matches(
            text, [i for i, lbl in self.labels.items() if lbl in labels], n=1, cutoff=0.75)
        if not close:
            return ""
        name = self.city.props(close[0]).get("name") if close[0] in self.city else None
        return f"; did you mean {close[0]}{f' {name}' if name else ''}?"

    def idless_hint(self, labels: set[Label]) -> str:
        """' (or the … without an id …)' when a record of one of ``labels`` lacks its id."""
        found = [(lbl, o) for lbl in sorted(labels) for o in self.idless.get(lbl, [])]
        if not found:
            return ""
        if len(found) == 1:
            label, (where, row) = found[0]
            return f" (or the {label} without an id at {where}, row {row})"
        return f" (or one of the {len(found)} rows without an id)"

    def finish(self) -> CityGraph:
        """The graph, or ValidationError listing every problem."""
        def incomplete(node_id: str, rtype: RelType) -> bool:
            return rtype in self.lost_types or (node_id, rtype) in self.incomplete

        problems = self.problems + [
            replace(p, field=self.headers.get(p.where, {}).get(p.field, p.field)) if p.field
            else p for p in self.city.validate(incomplete)]
        if problems:
            raise ValidationError(problems)
        return self.city


def _allowed(fixed: dict[str, str], props: dict[str, PropType]) -> str:
    names = [*fixed, *(_header(p, t) for p, t in props.items() if p != "id")]
    return ", ".join(names)


class _CsvFiles:
    """Reads the CSV files of one roster directory into a :class:`_Builder`."""

    def __init__(self, root: Path, builder: _Builder):
        self.root = root
        self.b = builder
        self._names: dict[Path, str] = {}

    def name(self, path: Path) -> str:
        """The file's name relative to the roster directory, as problems show it."""
        if path not in self._names:
            self._names[path] = path.relative_to(self.root).as_posix()
        return self._names[path]

    def text(self, path: Path) -> tuple[str, bool] | None:
        """The file's text (undecodable bytes replaced) and whether it decoded cleanly."""
        name = self.name(path)
        try:
            if path.is_dir():
                self.b.problem(name, None, None, "is a folder; expected a CSV file")
                return None
            if path.stat().st_size > MAX_FILE_BYTES:
                self.b.problem(name, None, None, f"file of {path.stat().st_size:,} bytes; at "
                               f"most {MAX_FILE_BYTES:,} are read")
                return None
            raw = path.read_bytes()
        except OSError as exc:
            self.b.problem(name, None, None, f"cannot be read: {exc.strerror or exc}")
            return None
        try:
            return raw.decode("utf-8-sig"), True
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self.b.problem(name, line, None,
                           f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                           "save the file as UTF-8 (Excel: 'CSV UTF-8')")
            return raw.decode("utf-8-sig", errors="replace"), False

    def rows(self, path: Path, text: str) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
        name = self.name(path)
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(reader, None)
            if header is None:
                self.b.problem(name, 1, None, "file is empty; expected a header row")
                return None
            body = [(reader.line_num, row) for row in reader if row]
        except csv.Error as exc:
            line = reader.line_num
            hint = (f"a cell is longer than {csv.field_size_limit():,} characters"
                    if "field larger" in str(exc) else str(exc))
            self.b.problem(name, line, None, f"cannot be read as CSV: {hint}")
            return None
        return header, body

    def columns(self, path: Path, header: list[str], props: dict[str, PropType],
                fixed: dict[str, str], required: tuple[str, ...]
                ) -> dict[int, tuple[str, PropType]] | None:
        """Map column index -> (property, type); ``fixed`` renames the special columns."""
        name = self.name(path)
        cols: dict[int, tuple[str, PropType]] = {}
        ok = True
        first: dict[str, int] = {}
        for i, col in enumerate(header):
            col = col.strip()
            if col in first:
                self.b.problem(name, 1, col, f"column appears twice (columns {first[col] + 1} "
                               f"and {i + 1}); keep one")
                ok = False
                continue
            first[col] = i
            if col in fixed:
                cols[i] = (fixed[col], PropType.STRING)
                continue
            prop, _, tname = col.partition(":")
            if prop not in props or prop == "id":
                close = difflib.get_close_matches(col, [*fixed, *props], n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                self.b.problem(name, 1, col, f"unknown column; {hint}allowed: "
                               f"{_allowed(fixed, props)}")
                ok = False
            elif (tname or "string") != props[prop]:
                self.b.problem(name, 1, col,
                               f"column type must be {_header(prop, props[prop])}")
                ok = False
            else:
                cols[i] = (prop, props[prop])
                self.b.headers.setdefault(name, {})[prop] = col
        for col in (c for c in required if c not in first):
            self.b.problem(name, 1, col, "required column is missing")
            ok = False
        return cols if ok else None

    def parse(self, path: Path, line: int, row: list[str], header: list[str],
              cols: dict[int, tuple[str, PropType]]) -> tuple[dict[str, Any], bool] | None:
        """Typed values of a row and whether every cell parsed; None if the row is ragged."""
        if len(row) != len(header):
            self.b.problem(self.name(path), line, None,
                           f"{len(row)} fields, header has {len(header)}")
            return None
        values: dict[str, Any] = {}
        ok = True
        for i, (prop, ptype) in cols.items():
            cell = row[i]
            if cell == "":
                continue
            try:
                values[prop] = _parse_cell(ptype, cell)
            except ValueError as exc:
                self.b.problem(self.name(path), line, header[i], str(exc))
                ok = False
        return values, ok

    def records(self, path: Path, props: dict[str, PropType], fixed: dict[str, str],
                required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, Any], bool]] | None:
        """``(line, values, every cell parsed)`` for each row; None if the file is rejected."""
        got = self.text(path)
        if got is None:
            return None
        text, clean = got
        parsed = self.rows(path, text)
        if parsed is None:
            return None
        header, body = parsed
        cols = self.columns(path, header, props, fixed, required)
        if cols is None or not clean:
            self.salvage_ids(path, header, body, fixed)
            return None
        return (
            (line, *parsed_row) for line, row in body
            if (parsed_row := self.parse(path, line, row, header, cols)) is not None)

    def salvage_ids(self, path: Path, header: list[str], body: list[tuple[int, list[str]]],
                    fixed: dict[str, str]) -> None:
        """Remember the ids of a rejected node file, so rows naming them are not 'unknown'."""
        id_cols = [i for i, c in enumerate(header) if fixed.get(c.strip()) == "_id"]
        if not id_cols:
            if "_id" in fixed.values():
                self.b.lost_nodes = True
            return
        for line, row in body:
            if len(row) > id_cols[0] and row[id_cols[0]]:
                self.b.seen.setdefault(row[id_cols[0]], (self.name(path), line))

    def read_nodes(self) -> None:
        for path in sorted((self.root / "nodes").glob("*.csv")):
            if path.stem not in NODE_SPECS:
                close = difflib.get_close_matches(path.stem, list(NODE_SPECS), n=1)
                hint = f"did you mean {close[0]}.csv? " if close else ""
                self.b.problem(self.name(path), None, None,
                               f"unknown label {path.stem!r}; {hint}node files are named "
                               f"<Label>.csv with Label one of {', '.join(NODE_SPECS)}")
                self.b.lost_nodes = True
                continue
            label = Label(path.stem)
            name = self.name(path)
            fixed = {"id:ID": "_id", ":LABEL": "_label"}
            rows = self.records(path, NODE_SPECS[label].props, fixed, ("id:ID",))
            if rows is None:
                continue
            for line, values, ok in rows:
                if values.pop("_label", str(label)) != label:
                    self.b.problem(name, line, ":LABEL", f"label must be {label} in this file")
                self.b.node(name, line, label, values.pop("_id", None), values, ok, "id:ID")

    def read_rels(self) -> None:
        rel_dir = self.root / "relationships"
        for path in sorted(rel_dir.glob("*.csv")) if rel_dir.is_dir() else []:
            if path.stem not in REL_SPECS:
                close = difflib.get_close_matches(path.stem, list(REL_SPECS), n=1)
                hint = f"did you mean {close[0]}.csv? " if close else ""
                self.b.problem(self.name(path), None, None,
                               f"unknown relationship type {path.stem!r}; {hint}allowed: "
                               f"{', '.join(REL_SPECS)}")
                continue
            rtype = RelType(path.stem)
            name = self.name(path)
            rows = self.records(path, REL_SPECS[rtype].props,
                                {":START_ID": "_start", ":END_ID": "_end", ":TYPE": "_type"},
                                (":START_ID", ":END_ID"))
            if rows is None:
                self.b.lost_types.add(rtype)
                continue
            for line, values, ok in rows:
                if values.pop("_type", str(rtype)) != rtype:
                    self.b.problem(name, line, ":TYPE", f"type must be {rtype} in this file")
                start, end = values.pop("_start", None), values.pop("_end", None)
                self.b.rel(name, line, rtype, start, end, values, ok, (":START_ID", ":END_ID"))


def read_csv(in_dir: Path | str) -> CityGraph:
    """Read a roster directory; raise ValidationError listing every problem found."""
    root = Path(in_dir)
    if not (root / "nodes").is_dir():
        raise ValidationError([Problem(str(root), None, None,
                                       "not a roster directory: no 'nodes' folder")])
    builder = _Builder()
    files = _CsvFiles(root, builder)
    files.read_nodes()
    files.read_rels()
    return builder.finish()


def write_json(city: CityGraph, path: Path | str) -> Path:
    """Write the graph as one JSON document (nodes and relationships sorted)."""
    doc = {
        "format": JSON_FORMAT,
        "nodes": [{"label": str(lbl), **row} for lbl in Label for row in city.node_rows(lbl)],
        "relationships": [{"type": str(t), **row} for t in RelType for row in city.rel_rows(t)],
    }
    out = Path(path)
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return out


def _read_bytes(src: Path) -> bytes:
    """A roster file's bytes; ValidationError if it is not a readable, bounded file."""
    try:
        if src.is_dir():
            raise ValidationError([Problem(str(src), None, None,
                                           "is a folder; expected a roster file")])
        size = src.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValidationError([Problem(str(src), None, None, f"file of {size:,} bytes; "
                                           f"at most {MAX_FILE_BYTES:,} are read")])
        return src.read_bytes()
    except OSError as exc:
        raise ValidationError([Problem(str(src), None, None,
                                       f"cannot be read: {exc.strerror or exc}")]) from None


def _json_list(doc: dict[str, Any], key: str, where: str, b: _Builder) -> list[Any]:
    items = doc.get(key, [])
    if not isinstance(items, list):
        b.problem(where, None, key, f"must be a list of records, not {_kind(items)}")
        return []
    return items


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false",
            type(None): "null"}.get(type(value), "a number")


def read_json(path: Path | str) -> CityGraph:
    """Read a document written by :func:`write_json`, validating it."""
    src = Path(path)
    where = src.name
    raw = _read_bytes(src)
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ValidationError([Problem(where, raw[: exc.start].count(b"\n") + 1, None,
                                       "not valid UTF-8; save the file as UTF-8")]) from None
    except json.JSONDecodeError as exc:
        raise ValidationError([Problem(where, exc.lineno, None,
                                       f"not a JSON roster: {exc.msg} (column {exc.colno})")]
                              ) from None
    except RecursionError:
        raise ValidationError([Problem(where, None, None,
                                       "not a JSON roster: nested too deeply")]) from None
    if not isinstance(doc, dict):
        raise ValidationError([Problem(where, None, None, f"a JSON roster is an object with "
                                       f"'format', 'nodes' and 'relationships', not {_kind(doc)}")])
    if doc.get("format") != JSON_FORMAT:
        raise ValidationError([Problem(where, None, "format",
                                       f"expected format {JSON_FORMAT!r}")])
    b = _Builder()
    for i, node in enumerate(_json_list(doc, "nodes", where, b)):
        at = f"{where} nodes[{i}]"
        if not isinstance(node, dict):
            b.problem(at, None, None, f"a node is an object, not {_kind(node)}")
            continue
        node = dict(node)
        label = node.pop("label", None)
        if not isinstance(label, str) or label not in NODE_SPECS:
            b.problem(at, None, "label", f"unknown label {_short(label)}; one of "
                      f"{', '.join(NODE_SPECS)}")
            if isinstance(node.get("id"), str):
                b.seen.setdefault(node["id"], (at, None))
            continue
        b.node(at, None, Label(label), node.pop("id", None), node, True, "id")
    for i, rel in enumerate(_json_list(doc, "relationships", where, b)):
        at = f"{where} relationships[{i}]"
        if not isinstance(rel, dict):
            b.problem(at, None, None, f"a relationship is an object, not {_kind(rel)}")
            continue
        rel = dict(rel)
        rtype = rel.pop("type", None)
        if not isinstance(rtype, str) or rtype not in REL_SPECS:
            b.problem(at, None, "type", f"unknown relationship type {_short(rtype)}; one of "
                      f"{', '.join(REL_SPECS)}")
            continue
        b.rel(at, None, RelType(rtype), rel.pop("start", None), rel.pop("end", None), rel,
              True, ("start", "end"))
    return b.finish()


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def read_graphml(path: Path | str) -> CityGraph:
    """Read a GraphML file written by :func:`write_graphml` (or edited in yEd/Gephi).

    Nodes carry their label in the ``label`` attribute, edges their type in ``type``.
    """
    src = Path(path)
    where = src.name
    raw = _read_bytes(src)
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise ValidationError([Problem(where, None, None, "GraphML with a DOCTYPE or ENTITY "
                                       "declaration is not read")])
    import warnings

    import networkx as nx

    try:
        with warnings.catch_warnings():  # data without a <key> type is read as text, which
            warnings.simplefilter("ignore", UserWarning)  # the roster's checks then type
            g = nx.read_graphml(io.BytesIO(raw), force_multigraph=True)
    except Exception as exc:  # the XML parser and networkx raise many kinds
        raise ValidationError([Problem(where, None, None, f"not a GraphML roster: "
                                       f"{exc.__class__.__name__}: {exc}")]) from None
    b = _Builder()
    for node_id, data in g.nodes(data=True):
        at = f"{where} node {node_id!r}"
        props = dict(data)
        label = props.pop("label", None)
        if not isinstance(label, str) or label not in NODE_SPECS:
            b.problem(at, None, "label", f"unknown label {_short(label)}; one of "
                      f"{', '.join(NODE_SPECS)}")
            b.seen.setdefault(str(node_id), (at, None))
            continue
        b.node(at, None, Label(label), node_id, props, True, "id")
    for start, end, _, data in g.edges(keys=True, data=True):
        at = f"{where} edge {start!r}->{end!r}"
        props = dict(data)
        rtype = props.pop("type", None)
        if not isinstance(rtype, str) or rtype not in REL_SPECS:
            b.problem(at, None, "type", f"unknown relationship type {_short(rtype)}; one of "
                      f"{', '.join(REL_SPECS)}")
            continue
        b.rel(at, None, RelType(rtype), start, end, props, True, ("source", "target"))
    return b.finish()


def write_graphml(city: CityGraph, path: Path | str) -> Path:
    """Write GraphML for Gephi, yEd or networkx (node attribute ``label``, edge ``type``)."""
    import networkx as nx

    out = Path(path)
    nx.write_graphml(city.to_networkx(), out)
    return out


def write_xlsx(city: CityGraph, path: Path | str) -> Path:
    """Write an Excel workbook, one sheet per kind (:mod:`redwuye_graph.workbook`)."""
    from redwuye_graph.workbook import write_xlsx as write

    return write(city, path)


def read_xlsx(path: Path | str) -> CityGraph:
    """Read an Excel workbook roster (:mod:`redwuye_graph.workbook`)."""
    from redwuye_graph.workbook import read_xlsx as read

    return read(path)


#: Export formats by name: function(city, path) -> path.
FORMATS: dict[str, Callable[[CityGraph, Path | str], Path]] = {
    "csv": write_csv,
    "json": write_json,
    "graphml": write_graphml,
    "xlsx": write_xlsx,
    "neo4j-admin": write_neo4j_admin,
}


def export(city: CityGraph, fmt: str, path: Path | str) -> Path:
    """Export in one of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return FORMATS[fmt](city, path)


def read_roster(path: Path | str) -> CityGraph:
    """Read a roster in any format: a CSV directory, ``.json``, ``.graphml``, ``.xlsx``.

    Raises ValidationError (one problem naming the path) for a path that does not
    exist, a broken or looping link, or an unknown kind of file.
    """
    src = Path(path)
    if not os.path.lexists(src):
        raise ValidationError([Problem(str(src), None, None, "does not exist; give a roster "
                                       "directory or a .json, .graphml or .xlsx file")])
    try:
        src.stat()
    except OSError as exc:
        raise ValidationError([Problem(str(src), None, None, "is a broken or looping link "
                                       f"({exc.strerror})")]) from None
    if src.is_dir():
        return read_csv(src)
    readers = {".json": read_json, ".graphml": read_graphml, ".xlsx": read_xlsx}
    reader = readers.get(src.suffix.lower())
    if reader is None:
        raise ValidationError([Problem(str(src), None, None, f"unknown roster format "
                                       f"{src.suffix or '(no suffix)'!r}; give a roster directory "
                                       f"(CSV) or a {', '.join(readers)} file")])
    return reader(src)
