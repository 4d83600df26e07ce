"""A hypothesis fuzzer over rosters: every roster is a clear error or a load, never a
traceback, and a refused roster leaves the store as it was.

Each example mutates a clean roster (CSV cells, headers, rows, raw bytes, files turned
into folders or link loops; JSON documents with parts replaced by arbitrary JSON;
GraphML text) and then reads it with :func:`read_roster`. A ValidationError must name
where each problem is; a roster that reads is loaded (mode ``check``) into a store
holding the clean city: a ConflictError must leave the store unchanged, a load must
leave exactly the roster's graph (and the store is then reset). ``test_roster_fuzz``
runs a few dozen examples; ``benchmarks/fuzz_rosters.py`` runs 10,000 and counts.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.errors import ConflictError, ValidationError
from redwuye_graph.rosters import read_roster, write_csv, write_graphml, write_json
from redwuye_graph.store import GraphStore

__all__ = ["Fuzzer"]

_SPECIAL = ["", " ", "1_000", "１２３", "12.0", "1e400", "nan", "inf", "-inf", "-1", "0",
            "true", "TRUE", "yes", "null", "9223372036854775808", "-9223372036854775809",
            "100000000000000000000", "\x00", "a\x1bb", "\ud800", "路砦社区", "AAA", "未评级",
            "emperor", "secretary", "branch", "x" * 1001, "x" * 200_000, '"', "a,b", "\n"]

cells = st.one_of(
    st.sampled_from(_SPECIAL),
    st.text(max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
    | st.sampled_from(_SPECIAL),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=4),
    max_leaves=12)


def _split(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _join(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


class Fuzzer:
    """Holds the clean roster and the store; :meth:`run` checks one drawn roster."""

    def __init__(self, city: CityGraph, store: GraphStore, workdir: Path):
        self.city = city
        self.store = store
        self.workdir = workdir
        clean = write_csv(city, workdir / "clean")
        self.files = {p.relative_to(clean).as_posix(): p.read_bytes()
                      for p in sorted(clean.rglob("*.csv"))}
        self.json = json.loads(write_json(city, workdir / "clean.json").read_text("utf-8"))
        self.graphml = write_graphml(city, workdir / "clean.graphml").read_bytes()
        store.load(city, mode="replace")
        self.fingerprint = store.read().fingerprint()
        self.outcomes: Counter[str] = Counter()

    # -- drawing rosters -------------------------------------------------------------
    def _csv_roster(self, data: st.DataObject, root: Path) -> Path:
        files = dict(self.files)
        for _ in range(data.draw(st.integers(1, 4), label="edits")):
            name = data.draw(st.sampled_from(sorted(files)), label="file")
            kind = data.draw(st.sampled_from(
                ["cell", "cell", "cell", "header", "drop_row", "dup_row", "extra_column",
                 "bytes", "truncate", "remove", "folder", "loop", "rename"]), label="edit")
            files[name] = self._edit_csv(data, files, name, kind, root)
        for name, content in files.items():
            path = root / name
            if content == b"<folder>":
                path.mkdir(parents=True, exist_ok=True)
            elif content == b"<loop>":
                path.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(path.name, path)
            elif content != b"<removed>":
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
        return root

    def _edit_csv(self, data: st.DataObject, files: dict[str, bytes], name: str, kind: str,
                  root: Path) -> bytes:
        raw = files[name]
        if raw.startswith(b"<"):
            return raw
        if kind in ("remove", "folder", "loop"):
            return {"remove": b"<removed>", "folder": b"<folder>", "loop": b"<loop>"}[kind]
        if kind == "bytes":
            at = data.draw(st.integers(0, len(raw)), label="at")
            return raw[:at] + data.draw(st.binary(min_size=1, max_size=6), label="bytes") + raw[at:]
        if kind == "truncate":
            return raw[: data.draw(st.integers(0, len(raw)), label="at")]
        if kind == "rename":
            files[name.rsplit("/", 1)[0] + "/" + data.draw(
                st.sampled_from(["Estates.csv", "X.csv", "serves.csv"]), label="to")] = raw
            return b"<removed>"
        try:
            rows = _split(raw.decode("utf-8"))
        except (UnicodeDecodeError, csv.Error):  # an earlier edit broke it: keep it broken
            return raw
        if not rows or not rows[0]:
            return raw
        if kind == "header":
            col = data.draw(st.integers(0, len(rows[0]) - 1), label="col")
            rows[0][col] = data.draw(st.sampled_from(
                [*rows[0], "households:integer", "colour", "", "id:ID", ":TYPE"]), label="to")
        elif kind == "extra_column":
            rows = [[*r, data.draw(cells, label="cell")] for r in rows]
        elif len(rows) > 1:
            row = data.draw(st.integers(1, len(rows) - 1), label="row")
            if kind == "drop_row":
                del rows[row]
            elif kind == "dup_row":
                rows.insert(row, list(rows[row]))
            elif rows[row]:
                col = data.draw(st.integers(0, len(rows[row]) - 1), label="col")
                rows[row][col] = data.draw(cells, label="cell")
        return _join(rows).encode("utf-8", errors="surrogatepass")

    def _json_roster(self, data: st.DataObject, path: Path) -> Path:
        doc: Any = json.loads(json.dumps(self.json))
        for _ in range(data.draw(st.integers(1, 3), label="edits")):
            doc = self._edit_json(data, doc)
        if data.draw(st.booleans(), label="raw"):
            text = json.dumps(doc, ensure_ascii=False)
            at = data.draw(st.integers(0, len(text)), label="at")
            text = text[:at] + data.draw(st.text(max_size=3), label="noise") + text[at:]
            path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
        else:
            path.write_bytes(json.dumps(doc, ensure_ascii=False).encode(
                "utf-8", errors="surrogatepass"))
        return path

    def _edit_json(self, data: st.DataObject, doc: Any) -> Any:
        where = data.draw(st.sampled_from(["root", "list", "record", "value", "value"]),
                          label="where")
        if where == "root" or not isinstance(doc, dict):
            return data.draw(json_values, label="doc")
        key = data.draw(st.sampled_from(["nodes", "relationships"]), label="key")
        items = doc.get(key)
        if where == "list" or not isinstance(items, list) or not items:
            doc[key] = data.draw(json_values, label="list")
            return doc
        i = data.draw(st.integers(0, len(items) - 1), label="i")
        if where == "record" or not isinstance(items[i], dict):
            items[i] = data.draw(json_values, label="record")
        else:
            field = data.draw(st.sampled_from([*sorted(items[i]), "extra"]), label="field")
            items[i][field] = data.draw(json_values, label="value")
        return doc

    def _graphml_roster(self, data: st.DataObject, path: Path) -> Path:
        text = self.graphml.decode("utf-8")
        for _ in range(data.draw(st.integers(1, 3), label="edits")):
            at = data.draw(st.integers(0, len(text)), label="at")
            cut = data.draw(st.integers(0, 20), label="cut")
            text = text[:at] + data.draw(st.sampled_from(
                ["", "<", ">", '"', "&amp;", "&bogus;", "x", "1e400", "nan", "<!ENTITY a 'b'>"]),
                label="noise") + text[at + cut:]
        path.write_bytes(text.encode("utf-8"))
        return path

    # -- the property ----------------------------------------------------------------
    def run(self, data: st.DataObject) -> str:
        """Draw one roster, check it; return the outcome (raises on a mishandled one)."""
        fmt = data.draw(st.sampled_from(["csv", "csv", "csv", "json", "json", "graphml"]),
                        label="format")
        tmp = Path(tempfile.mkdtemp(dir=self.workdir))
        try:
            draw: dict[str, Callable[[st.DataObject, Path], Path]] = {
                "csv": self._csv_roster, "json": self._json_roster,
                "graphml": self._graphml_roster}
            target = tmp / {"csv": "roster", "json": "r.json", "graphml": "r.graphml"}[fmt]
            outcome = self._check(draw[fmt](data, target))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.outcomes[f"{fmt} {outcome}"] += 1
        return outcome

    def _check(self, path: Path) -> str:
        try:
            city = read_roster(path)
        except ValidationError as err:
            assert err.problems, "a ValidationError without problems"
            for problem in err.problems:
                assert problem.where and problem.message, problem
                assert "Traceback" not in problem.message and "<" not in problem.message[:1]
            return "refused"
        try:
            self.store.load(city)
        except ConflictError as err:
            assert err.differences
            assert self.store.read().fingerprint() == self.fingerprint, "store changed"
            return "conflict"
        loaded = self.store.read()
        assert loaded.fingerprint() == _union(self.city, city).fingerprint(), "wrong graph"
        self.store.load(self.city, mode="replace")
        return "loaded"


def _union(a: CityGraph, b: CityGraph) -> CityGraph:
    out = a.copy()
    for node_id, label, props in b.nodes():
        out.add_node(label, node_id, **props)
    for start, end, rtype, props in b.rels():
        out.add_rel(rtype, start, end, **props)
    return out
