"""Rosters: CityGraph to and from files.

CSV layout (the neo4j-admin import header convention, so the same files bulk-load a
real Neo4j with ``neo4j-admin database import full``)::

    DIR/nodes/<Label>.csv           id:ID,name,households:int,old:boolean,...,:LABEL
    DIR/relationships/<TYPE>.csv    :START_ID,:END_ID,role,:TYPE

UTF-8, with or without Excel's byte-order mark; booleans ``true``/``false``; an empty
cell is a missing value. Ids are one global id space. Reading checks everything
before anything is built and raises :class:`~redwuye_graph.errors.ValidationError`
listing every problem with file, row and field. JSON (read and write) and GraphML
(write) hold the same graph.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.errors import Problem, ValidationError
from redwuye_graph.schema import NODE_SPECS, REL_SPECS, Label, PropType, RelType

__all__ = [
    "FORMATS",
    "export",
    "read_csv",
    "read_json",
    "write_csv",
    "write_graphml",
    "write_json",
]

JSON_FORMAT = "redwuye-graph/1"


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


_PARSERS: dict[PropType, Callable[[str], Any]] = {
    PropType.STRING: str,
    PropType.INT: int,
    PropType.FLOAT: float,
    PropType.BOOLEAN: lambda s: {"true": True, "false": False}[s.strip().lower()],
}


class _Reader:
    """Collects problems while the roster files are parsed."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def problem(self, path: Path, row: int | None, field: str | None, message: str) -> None:
        self.problems.append(Problem(self.name(path), row, field, message))

    def name(self, path: Path) -> str:
        """The file's name relative to the roster directory, as problems show it."""
        return path.relative_to(self.root).as_posix()

    def rows(self, path: Path) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self.problem(path, line, None,
                         f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                         "save the file as UTF-8 (Excel: 'CSV UTF-8')")
            return None
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(reader)
        except StopIteration:
            self.problem(path, 1, None, "file is empty; expected a header row")
            return None
        body = [(reader.line_num, row) for row in reader if row]
        return header, body

    def columns(self, path: Path, header: list[str], props: dict[str, PropType],
                fixed: dict[str, str], required: tuple[str, ...]
                ) -> dict[int, tuple[str, PropType]] | None:
        """Map column index -> (property, type); ``fixed`` renames the special columns."""
        cols: dict[int, tuple[str, PropType]] = {}
        ok = True
        for i, col in enumerate(header):
            col = col.strip()
            if col in fixed:
                cols[i] = (fixed[col], PropType.STRING)
                continue
            name, _, tname = col.partition(":")
            if name not in props:
                self.problem(path, 1, col, f"unknown column; allowed: {', '.join(props)}")
                ok = False
            elif (tname or "string") != props[name]:
                self.problem(path, 1, col, f"column type must be {_header(name, props[name])}")
                ok = False
            else:
                cols[i] = (name, props[name])
        present = {c.strip() for c in header}
        for col in (c for c in required if c not in present):
            self.problem(path, 1, col, "required column is missing")
            ok = False
        return cols if ok else None

    def parse(self, path: Path, line: int, row: list[str], header: list[str],
              cols: dict[int, tuple[str, PropType]]) -> tuple[dict[str, Any], bool] | None:
        """Typed values of a row and whether every cell parsed; None if the row is ragged."""
        if len(row) != len(header):
            self.problem(path, line, None, f"{len(row)} fields, header has {len(header)}")
            return None
        values: dict[str, Any] = {}
        ok = True
        for i, (name, ptype) in cols.items():
            cell = row[i]
            if cell == "":
                continue
            try:
                values[name] = _PARSERS[ptype](cell)
            except (ValueError, KeyError):
                self.problem(path, line, header[i], f"{cell!r} is not of type {ptype}")
                ok = False
        return values, ok

    def records(self, path: Path, props: dict[str, PropType], fixed: dict[str, str],
                required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, Any], bool]]:
        """Yield ``(line, values, every cell parsed)`` for each row of a readable file."""
        parsed = self.rows(path)
        if parsed is None:
            return
        header, body = parsed
        cols = self.columns(path, header, props, fixed, required)
        if cols is None:
            return
        for line, row in body:
            parsed_row = self.parse(path, line, row, header, cols)
            if parsed_row is not None:
                yield line, *parsed_row


def read_csv(in_dir: Path | str) -> CityGraph:
    """Read a roster directory; raise ValidationError listing every problem found."""
    root = Path(in_dir)
    if not (root / "nodes").is_dir():
        raise ValidationError([Problem(str(root), None, None,
                                       "not a roster directory: no 'nodes' folder")])
    r = _Reader(root)
    city = CityGraph()
    seen: dict[str, tuple[str, int]] = {}
    for path in sorted((root / "nodes").glob("*.csv")):
        if path.stem not in NODE_SPECS:
            r.problem(path, None, None, f"unknown label {path.stem!r}; node files are named "
                      f"<Label>.csv with Label one of {', '.join(NODE_SPECS)}")
            continue
        label = Label(path.stem)
        name = r.name(path)
        for line, values, ok in r.records(path, NODE_SPECS[label].props,
                                          {"id:ID": "_id", ":LABEL": "_label"}, ("id:ID",)):
            if values.pop("_label", str(label)) != label:
                r.problem(path, line, ":LABEL", f"label must be {label} in this file")
            node_id = values.pop("_id", None)
            if node_id is None:
                r.problem(path, line, "id:ID", "missing id")
                continue
            if node_id in seen:
                first = seen[node_id]
                r.problem(path, line, "id:ID",
                          f"duplicate id {node_id!r} (first in {first[0]}, row {first[1]})")
                continue
            seen[node_id] = (name, line)
            if ok:
                city.add_node(label, node_id, origin=seen[node_id], **values)

    rel_dir = root / "relationships"
    for path in sorted(rel_dir.glob("*.csv")) if rel_dir.is_dir() else []:
        if path.stem not in REL_SPECS:
            r.problem(path, None, None, f"unknown relationship type {path.stem!r}; allowed: "
                      f"{', '.join(REL_SPECS)}")
            continue
        rtype = RelType(path.stem)
        name = r.name(path)
        for line, values, ok in r.records(
                path, REL_SPECS[rtype].props,
                {":START_ID": "_start", ":END_ID": "_end", ":TYPE": "_type"},
                (":START_ID", ":END_ID")):
            if values.pop("_type", str(rtype)) != rtype:
                r.problem(path, line, ":TYPE", f"type must be {rtype} in this file")
            start, end = values.pop("_start", None), values.pop("_end", None)
            bad = False
            for field, node_id in ((":START_ID", start), (":END_ID", end)):
                if node_id is None:
                    r.problem(path, line, field, "missing id")
                    bad = True
                elif node_id not in seen:
                    r.problem(path, line, field, f"unknown node {node_id!r}")
                    bad = True
            # An endpoint whose own row was broken is already reported: skip quietly.
            if bad or not ok or start not in city or end not in city:
                continue
            assert start is not None and end is not None
            if city.graph.has_edge(start, end, key=rtype):
                first = city.origins[(start, end, rtype)]
                r.problem(path, line, None, f"duplicate relationship {start}->{end} "
                          f"(first at row {first[1]})")
                continue
            city.add_rel(rtype, start, end, origin=(name, line), **values)

    problems = r.problems + city.validate()
    if problems:
        raise ValidationError(problems)
    return city


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


def read_json(path: Path | str) -> CityGraph:
    """Read a document written by :func:`write_json`, validating it."""
    src = Path(path)
    try:
        doc = json.loads(src.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError([Problem(str(src), getattr(exc, "lineno", None), None,
                                       f"not a JSON roster: {exc}")]) from exc
    if not isinstance(doc, dict) or doc.get("format") != JSON_FORMAT:
        raise ValidationError([Problem(str(src), None, "format",
                                       f"expected format {JSON_FORMAT!r}")])
    problems: list[Problem] = []
    city = CityGraph()
    for i, node in enumerate(doc.get("nodes", [])):
        where = f"{src} nodes[{i}]"
        label, node_id = node.pop("label", None), node.pop("id", None)
        if label not in NODE_SPECS or not isinstance(node_id, str) or node_id in city:
            problems.append(Problem(where, None, None,
                                    f"bad node: label {label!r}, id {node_id!r} (unknown label, "
                                    "missing or duplicate id)"))
            continue
        city.add_node(label, node_id, origin=(where, i), **node)
    for i, rel in enumerate(doc.get("relationships", [])):
        where = f"{src} relationships[{i}]"
        rtype, start, end = rel.pop("type", None), rel.pop("start", None), rel.pop("end", None)
        if rtype not in REL_SPECS or start not in city or end not in city:
            problems.append(Problem(where, None, None,
                                    f"bad relationship {rtype!r} {start!r}->{end!r}"))
            continue
        city.add_rel(rtype, start, end, origin=(where, i), **rel)
    problems += city.validate()
    if problems:
        raise ValidationError(problems)
    return city


def write_graphml(city: CityGraph, path: Path | str) -> Path:
    """Write GraphML for Gephi, yEd or networkx (node attribute ``label``, edge ``type``)."""
    out = Path(path)
    nx.write_graphml(city.to_networkx(), out)
    return out


#: Export formats by name: function(city, path) -> path.
FORMATS: dict[str, Callable[[CityGraph, Path | str], Path]] = {
    "csv": write_csv,
    "json": write_json,
    "graphml": write_graphml,
}


def export(city: CityGraph, fmt: str, path: Path | str) -> Path:
    """Export in one of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return FORMATS[fmt](city, path)
