"""The named Cypher library: load ``cypher/**/*.cypher`` by name and run with parameters.

Each file holds one query and starts with a header of ``//`` comment lines (the format
is described in ``cypher/README.md``)::

    // name: coverage/summary
    // purpose: Coverage counts and shares rolled up to one level.
    // param: level: string in community|street|district|city|all - the level to roll up to
    // param: district: string = null - only this district (id)
    // returns: level, area, name, estates, ...

Parameters reach the store only as Cypher parameters (``$name``), never pasted into
the text. Values from the command line (strings) are converted to the declared type.

Examples
--------
>>> library = load_library()
>>> library["coverage/summary"].param("level").choices
('community', 'street', 'district', 'city', 'all')
>>> bind(library["coverage/summary"], {"level": "street"})["district"] is None
True
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from redwuye_graph.schema import (
    FLOAT_TEXT,
    INT64_MAX,
    INT64_MIN,
    INT_TEXT,
    NODE_SPECS,
    REL_SPECS,
    Label,
    RelType,
)

if TYPE_CHECKING:
    import pandas as pd

    from redwuye_graph.store.base import GraphStore

__all__ = [
    "CONSTRAINTS",
    "CYPHER_DIR",
    "PARAM_TYPES",
    "Query",
    "QueryError",
    "QueryParam",
    "bind",
    "constraint_statements",
    "cypher_literal",
    "get_query",
    "graph_text",
    "lint_schema",
    "load_library",
    "parse_query",
    "preamble",
    "run_group",
    "run_query",
    "table",
]

#: Where the library lives: ``redwuye_graph/cypher/``, installed with the package (the
#: repository's top-level ``cypher/`` is a link to it, for Neo4j's own tools).
CYPHER_DIR = Path(__file__).resolve().parent / "cypher"
#: The Neo4j DDL (not a query): one uniqueness constraint on ``id`` per label, one
#: statement per line; run by the Neo4j store before a load, and by a user after a bulk import.
CONSTRAINTS = CYPHER_DIR / "schema" / "constraints.cypher"

#: Parameter types a header may declare.
PARAM_TYPES = ("string", "int", "float", "boolean")

_FIELD = re.compile(r"^//\s?(name|purpose|param|returns|rule):\s*(.*)$")
_CONTINUATION = re.compile(r"^//\s{2,}(\S.*)$")
_PARAM = re.compile(
    r"^(?P<name>[a-z_][a-z0-9_]*):\s*(?P<type>\w+)"
    r"(?:\s*=\s*(?P<default>\S+))?"
    r"(?:\s+in\s+(?P<choices>[\w|-]+))?"
    r"\s+-\s+(?P<doc>.+)$"
)
_USED = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
#: The optional filter ``($x IS NULL OR n.key = $x)`` (parenthesised, as every query writes it).
_NULL_OR = re.compile(r"\(\$(?P<name>[a-z_][a-z0-9_]*) IS NULL OR "
                      r"(?P<test>[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]* = \$(?P=name))\)")
_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")
#: Parameter names that count rows (``LIMIT $limit``): never negative.
COUNTING = ("limit",)


def _a(kind: str) -> str:
    """``a string``, ``an int``: a parameter type with its article."""
    return f"an {kind}" if kind == "int" else f"a {kind}"


class QueryError(ValueError):
    """A query name, a parameter or a query file is wrong; the message says what is right."""


@dataclass(frozen=True)
class QueryParam:
    """One declared parameter: type, default (``None`` = null), allowed values, meaning."""

    name: str
    type: str
    required: bool
    default: Any
    choices: tuple[str, ...]
    doc: str

    def convert(self, value: Any) -> Any:
        """Check ``value`` (or convert it from a command-line string) to the declared type."""
        if value is None:
            if self.required:
                raise QueryError(f"parameter {self.name!r} is required ({self.describe()})")
            return None
        if isinstance(value, str) and self.type != "string":
            value = self._from_text(value)
        expected = {"string": (str,), "int": (int,), "float": (float, int),
                    "boolean": (bool,)}[self.type]
        if (isinstance(value, bool) and self.type != "boolean") or not isinstance(value, expected):
            raise QueryError(f"parameter {self.name!r} must be {_a(self.type)}, "
                             f"not {value!r} ({self.describe()})")
        if self.choices and value not in self.choices:
            raise QueryError(f"parameter {self.name!r} must be one of "
                             f"{', '.join(self.choices)}, not {value!r}")
        if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
            raise QueryError(f"parameter {self.name!r}: {value} is beyond the 64-bit integer "
                             f"range ({self.describe()})")
        if self.name in COUNTING and isinstance(value, int) and value < 0:
            raise QueryError(f"parameter {self.name!r} counts rows: give 0 or more, not {value} "
                             f"({self.describe()})")
        if isinstance(value, float) and not math.isfinite(value):
            raise QueryError(f"parameter {self.name!r} must be a finite number, not {value!r} "
                             f"({self.describe()})")
        return float(value) if isinstance(value, int) and self.type == "float" else value

    def _from_text(self, text: str) -> Any:
        number = {"int": INT_TEXT, "float": FLOAT_TEXT}.get(self.type)
        if number is not None:
            if not number.fullmatch(text) or len(text) > 400:
                raise QueryError(f"parameter {self.name!r} must be {_a(self.type)}, not "
                                 f"{text[:60]!r} ({self.describe()}; ASCII digits)")
            return int(text) if self.type == "int" else float(text)
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise QueryError(f"parameter {self.name!r} must be a boolean (true or false), "
                         f"not {text!r}")

    def describe(self) -> str:
        """One line: ``name: type [= default] [in a|b] - doc``."""
        out = f"{self.name}: {self.type}"
        if not self.required:
            out += " = null" if self.default is None else f" = {self.default}"
        if self.choices:
            out += f" in {'|'.join(self.choices)}"
        return f"{out} - {self.doc}"


@dataclass(frozen=True)
class Query:
    """One library query: its header fields and its Cypher text."""

    name: str
    purpose: str
    params: tuple[QueryParam, ...]
    returns: tuple[str, ...]
    rule: str
    text: str
    path: Path

    @property
    def statement(self) -> str:
        """The Cypher the runner sends: the file without its ``:param`` preamble."""
        return "\n".join(line for line in self.text.splitlines()
                         if not line.startswith(":param "))

    def statement_for(self, values: Mapping[str, Any]) -> str:
        """:attr:`statement` for bound ``values``: each optional filter ``($x IS NULL OR
        n.id = $x)`` becomes ``true`` when ``x`` is null and ``n.id = $x`` when it is given.

        Same rows; but the generic form cannot use an index (Neo4j scans the label and
        filters), while ``n.id = $x`` is an index seek. One statement per set of given
        filters, each planned once; values still go as parameters only.
        """
        return _NULL_OR.sub(lambda m: "true" if values.get(m["name"]) is None else m["test"],
                            self.statement)

    def for_shell(self, values: Mapping[str, Any]) -> str:
        """The query as a cypher-shell / Neo4j Browser script that sets every parameter to
        ``values`` (checked ones, from :func:`bind`) in a ``:param`` preamble after the
        header; with the defaults, the file as it is."""
        lines = self.statement.splitlines()
        end = next((i for i, line in enumerate(lines) if not line.startswith("//")), len(lines))
        return "\n".join([*lines[:end], *preamble(self.params, values), *lines[end:]]) + "\n"

    def param(self, name: str) -> QueryParam:
        """The declared parameter called ``name``."""
        for p in self.params:
            if p.name == name:
                return p
        raise QueryError(f"query {self.name} has no parameter {name!r}; "
                         f"its parameters: {_names(self.params)}")


def _names(params: tuple[QueryParam, ...]) -> str:
    return ", ".join(p.name for p in params) or "none"


def cypher_literal(value: Any) -> str:
    """``value`` (null, boolean, number or string) as a Cypher literal; a string is quoted
    with its backslashes and quotes escaped, so it reads back as the same string."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def preamble(params: tuple[QueryParam, ...], values: Mapping[str, Any] | None = None
             ) -> list[str]:
    """``:param NAME => VALUE;`` lines (cypher-shell and Neo4j Browser) for ``values``, by
    default the header's defaults (a required parameter without a value gets no line)."""
    values = {p.name: p.default for p in params if not p.required} if values is None else values
    return [f":param {p.name} => {cypher_literal(values[p.name])};"
            for p in params if p.name in values]


def _parse_param(text: str, where: str) -> QueryParam:
    match = _PARAM.match(text)
    if not match:
        raise QueryError(f"{where}: bad param line {text!r}; expected "
                         "'NAME: TYPE [= DEFAULT] [in A|B] - meaning'")
    ptype = match["type"]
    if ptype not in PARAM_TYPES:
        raise QueryError(f"{where}: parameter type {ptype!r} is not one of "
                         f"{', '.join(PARAM_TYPES)}")
    choices = tuple(match["choices"].split("|")) if match["choices"] else ()
    raw = match["default"]
    param = QueryParam(match["name"], ptype, raw is None, None, choices, match["doc"].strip())
    if raw is None or raw == "null":
        return param
    return replace(param, default=param.convert(raw))


def parse_query(text: str, path: Path) -> Query:
    """Parse one query file's header; raise :class:`QueryError` naming what is wrong."""
    fields: dict[str, list[str]] = {"param": []}
    last: str | None = None
    for line in text.splitlines():
        if not line.startswith("//"):
            break
        if match := _FIELD.match(line):
            last = match[1]
            if last == "param":
                fields["param"].append(match[2].strip())
            elif last in fields:
                raise QueryError(f"{path}: header field {last!r} appears twice")
            else:
                fields[last] = [match[2].strip()]
        elif (cont := _CONTINUATION.match(line)) and last is not None:
            fields[last][-1] += " " + cont[1].strip()
        elif line.strip() != "//":
            raise QueryError(f"{path}: header line {line!r} is neither 'KEY: value' "
                             "(name, purpose, param, returns, rule) nor an indented continuation")
    for key in ("name", "purpose", "returns"):
        if key not in fields:
            raise QueryError(f"{path}: header has no '// {key}:' line")
    params = tuple(_parse_param(p, str(path)) for p in fields["param"])
    lines = text.splitlines()
    body = lines[next((i for i, line in enumerate(lines) if not line.startswith("//")),
                      len(lines)):]
    found = [line for line in body if line.startswith(":param ")]
    if found != body[:len(found)] or found != preamble(params):
        raise QueryError(f"{path}: the lines after the header must be the ':param' preamble "
                         f"of the header's defaults, {' '.join(preamble(params)) or 'none'}, "
                         f"not {' '.join(found) or 'none'}")
    query = Query(
        name=fields["name"][0],
        purpose=fields["purpose"][0],
        params=params,
        returns=tuple(c.strip() for c in fields["returns"][0].split(",")),
        rule=fields.get("rule", [""])[0],
        text=text,
        path=path,
    )
    used = set(_USED.findall(_strip_comments(text)))
    declared = {p.name for p in params}
    if used != declared:
        raise QueryError(f"{path}: parameters used {sorted(used)} differ from those "
                         f"declared {sorted(declared)}")
    return query


def _strip_comments(text: str) -> str:
    return "\n".join(line.split("//", 1)[0] for line in text.splitlines())


@cache
def _library(root: Path) -> dict[str, Query]:
    library: dict[str, Query] = {}
    for path in sorted(root.rglob("*.cypher")):
        if path.name == CONSTRAINTS.name and path.parent.name == CONSTRAINTS.parent.name:
            continue  # DDL, not a query
        query = parse_query(path.read_text(encoding="utf-8"), path)
        expected = path.relative_to(root).with_suffix("").as_posix()
        if query.name != expected:
            raise QueryError(f"{path}: header name {query.name!r} should be {expected!r}")
        library[query.name] = query
    return library


def constraint_statements(path: Path = CONSTRAINTS) -> list[str]:
    """The statements of :data:`CONSTRAINTS` (without their ``;``), in file order."""
    return [line.strip().removesuffix(";") for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("//")]


def load_library(root: Path = CYPHER_DIR) -> dict[str, Query]:
    """Every query under ``root``, by name (``folder/file`` without ``.cypher``), sorted."""
    if not root.is_dir():
        raise QueryError(f"the Cypher library {root} is missing; run from a checkout of "
                         "redwuye-graph")
    return dict(_library(root.resolve()))


def get_query(name: str, root: Path = CYPHER_DIR) -> Query:
    """The query called ``name``; an unknown name raises with the closest names."""
    library = load_library(root)
    if name in library:
        return library[name]
    close = difflib.get_close_matches(name, list(library), n=3, cutoff=0.8)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    raise QueryError(f"unknown query {name!r}; {hint}'redwuye queries' lists all "
                     f"{len(library)}")


def bind(query: Query, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every declared parameter of ``query`` with a checked value (defaults filled in)."""
    given = dict(params or {})
    unknown = sorted(set(given) - {p.name for p in query.params})
    if unknown:
        raise QueryError(f"query {query.name} has no parameter {', '.join(map(repr, unknown))}; "
                         f"its parameters: {_names(query.params)}")
    return {p.name: p.convert(given.get(p.name, p.default)) for p in query.params}


def _node_text(node: Any) -> tuple[Any, str]:
    """``(key, '(:Label id)')`` of either driver's node (key: how a relationship names it)."""
    if hasattr(node, "element_id"):  # neo4j.graph.Node
        return node.element_id, f"(:{':'.join(sorted(node.labels))} {node.get('id')})"
    return node.id, f"(:{':'.join(node.labels or [])} {node.properties.get('id')})"


def graph_text(value: Any) -> Any:
    """A path returned by either store (FalkorDB's or the Neo4j driver's) as one line,
    ``(:Person P0000051)-[:MEMBER_OF]->(:PartyOrg G00012)``; any other value as it is.

    The graph companions (``coverage/graph/``) return paths for Neo4j Browser's graph
    view; the runner's tables, csv and json show them so.
    """
    if hasattr(value, "relationships"):  # neo4j.graph.Path
        nodes, rels = list(value.nodes), list(value.relationships)
        ends = [(r.type, r.start_node.element_id) for r in rels]
    elif type(value).__name__ == "Path" and hasattr(value, "edges"):  # falkordb.Path
        nodes, rels = value.nodes(), value.edges()
        ends = [(e.relation, getattr(e.src_node, "id", e.src_node)) for e in rels]
    else:
        return value
    keys, texts = zip(*map(_node_text, nodes), strict=True)
    out = texts[0]
    for i, (rtype, start) in enumerate(ends):
        forward = start == keys[i]
        out += f"{'' if forward else '<'}-[:{rtype}]-{'>' if forward else ''}{texts[i + 1]}"
    return out


def table(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """Rows as a DataFrame; columns holding nulls stay ``object`` so integers stay integers."""
    import pandas as pd

    raw = pd.DataFrame(rows, columns=columns, dtype=object)
    frame = raw.infer_objects()
    for column in raw.columns[raw.isna().any()]:
        frame[column] = raw[column]
    return frame


def run_query(store: GraphStore, name: str, params: Mapping[str, Any] | None = None
              ) -> pd.DataFrame:
    """Run a library query on ``store``; one row per result, columns as its header says."""
    query = get_query(name)
    bound = bind(query, params)
    try:
        rows = store.run(query.statement_for(bound), bound)
    except Exception as exc:  # driver errors differ per backend; name the query and store
        raise QueryError(f"{name} failed on {store.uri}: {exc.__class__.__name__}: "
                         f"{exc}") from exc
    if rows and list(rows[0]) != list(query.returns):
        raise QueryError(f"{query.path}: the query returns {list(rows[0])} but its header "
                         f"says {list(query.returns)}")
    return table([{k: graph_text(v) for k, v in row.items()} for row in rows],
                 list(query.returns))


def run_group(store: GraphStore, folder: str, params: Mapping[str, Any] | None = None
              ) -> dict[str, pd.DataFrame]:
    """Run every query in ``folder`` (e.g. ``compliance``), passing each the params it declares."""
    given = dict(params or {})
    names = [n for n in load_library() if n.startswith(f"{folder}/")]
    if not names:
        raise QueryError(f"no queries in folder {folder!r}; folders: "
                         f"{', '.join(sorted({n.split('/')[0] for n in load_library()}))}")
    out = {}
    for name in names:
        query = get_query(name)
        own = {k: v for k, v in given.items() if k in {p.name for p in query.params}}
        out[name] = run_query(store, name, own)
    return out


def lint_schema() -> dict[str, list[str]]:
    """Labels, relationship types and property keys of the schema, for Neo4j's linter.

    ``tools/cypher-lint/lint.mjs`` reads this (as JSON) so that a misspelt label, type or
    property in a query is reported: ``python -m redwuye_graph.queries lint-schema``.
    """
    keys = {k for spec in NODE_SPECS.values() for k in spec.props}
    keys |= {k for spec in REL_SPECS.values() for k in spec.props}
    return {"labels": sorted(map(str, Label)), "relationshipTypes": sorted(map(str, RelType)),
            "propertyKeys": sorted(keys)}


if __name__ == "__main__":
    import json
    import sys

    if sys.argv[1:] != ["lint-schema"]:
        sys.exit("usage: python -m redwuye_graph.queries lint-schema")
    print(json.dumps(lint_schema(), indent=1))
