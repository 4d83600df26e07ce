"""The store interface shared by the embedded FalkorDBLite store and Neo4j.

Loads are validated first (nothing is written when the graph breaks the schema),
then written in UNWIND batches with MERGE on ``id``, so a rerun after an interruption
converges to the same graph. Labels and relationship types in the load queries come
from :mod:`redwuye_graph.schema`, never from user input; every value is a parameter.
"""

from __future__ import annotations

import difflib
import time
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import TYPE_CHECKING, Any

from redwuye_graph.errors import ConflictError
from redwuye_graph.schema import Label, RelType

if TYPE_CHECKING:
    from redwuye_graph.citygraph import CityGraph

__all__ = ["GraphStore", "LoadMode", "LoadReport", "Progress", "check_conflicts", "conflicts"]

#: Called with the number of elements just written (for progress bars).
Progress = Callable[[int], None]


@dataclass(frozen=True)
class LoadReport:
    """What a load wrote and how long each phase took (schema time is in ``seconds``)."""

    nodes: int
    relationships: int
    seconds: float
    node_seconds: float
    relationship_seconds: float


#: One write: a query and the rows it UNWINDs.
Batch = tuple[str, list[dict[str, Any]]]


class LoadMode(StrEnum):
    """How a load treats what the store already holds.

    ``check`` (the default) refuses a graph whose nodes the store holds in another
    version (other label, properties or relationships among the graph's own nodes) and
    otherwise adds it; ``merge`` MERGEs on ``id`` and overwrites properties, keeping
    whatever else the store holds (stale relationships included); ``replace`` makes the
    store exactly the graph.
    """

    CHECK = "check"
    MERGE = "merge"
    REPLACE = "replace"


def _batches(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _plan(city: CityGraph, size: int) -> tuple[list[Batch], list[Batch]]:
    """The node batches and the relationship batches that write ``city``."""
    nodes: list[Batch] = []
    for label in Label:
        rows = [{"id": r["id"], "props": r} for r in city.node_rows(label)]
        nodes += [(node_merge_query(label), batch) for batch in _batches(rows, size)]
    groups: dict[tuple[RelType, Label, Label], list[dict[str, Any]]] = defaultdict(list)
    for start, end, rtype, props in city.rels():
        groups[(rtype, city.label(start), city.label(end))].append(
            {"start": start, "end": end, "props": dict(props)})
    rels: list[Batch] = []
    for (rtype, start_label, end_label), rows in sorted(groups.items()):
        rows.sort(key=lambda r: (r["start"], r["end"]))
        query = rel_merge_query(rtype, start_label, end_label)
        rels += [(query, batch) for batch in _batches(rows, size)]
    return nodes, rels


def conflicts(stored: CityGraph, city: CityGraph) -> list[str]:
    """Every way ``stored`` disagrees with ``city`` on ``city``'s own nodes.

    A node of both with another label or other properties, and a relationship between
    two of ``city``'s nodes that only one of them holds or holds with other properties.
    """
    out: list[str] = []
    for node_id, label, props in city.nodes():
        if node_id not in stored:
            continue
        old_label, old = stored.label(node_id), stored.props(node_id)
        if old_label is not label:
            out.append(f"{node_id}: a {old_label} in the store, a {label} in the roster")
        elif old != props:
            changed = sorted(k for k in set(old) | set(props) if old.get(k) != props.get(k))
            out.append(f"{node_id}: " + ", ".join(
                f"{k} {_show(old.get(k))} in the store, {_show(props.get(k))} in the roster"
                for k in changed))
    new = {(s, e, t): p for s, e, t, p in city.rels()}
    old_rels = {(s, e, t): p for s, e, t, p in stored.rels() if s in city and e in city}
    for key in sorted(set(new) | set(old_rels)):
        start, end, rtype = key
        if key not in old_rels and (start in stored and end in stored):
            out.append(f"{start} {rtype} {end}: only in the roster")
        elif key not in new:
            out.append(f"{start} {rtype} {end}: only in the store")
        elif key in old_rels and old_rels[key] != new[key]:
            out.append(f"{start} {rtype} {end}: {old_rels[key]} in the store, "
                       f"{new[key]} in the roster")
    return out


def _show(value: Any) -> str:
    return "(none)" if value is None else repr(value)


def check_conflicts(store: GraphStore, city: CityGraph) -> None:
    """Raise :class:`ConflictError` if ``store`` holds other versions of ``city``'s nodes,
    or if adding ``city`` to what it holds would break the schema."""
    if not any(store.stats()["nodes"].values()):
        return
    stored = store.read()
    found = conflicts(stored, city)
    if not found:
        merged = stored.copy()
        for node_id, label, props in city.nodes():
            merged.add_node(label, node_id, origin=city.origins.get(node_id), **props)
        for start, end, rtype, props in city.rels():
            merged.add_rel(rtype, start, end, origin=city.origins.get((start, end, rtype)),
                           **props)
        found = [str(p) for p in merged.validate()]
    if found:
        raise ConflictError(store.uri, found)


def node_merge_query(label: Label) -> str:
    """MERGE a batch of ``{id, props}`` rows as ``label`` nodes; props replace old ones."""
    return f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) SET n = row.props"


def rel_merge_query(rtype: RelType, start: Label, end: Label) -> str:
    """MERGE a batch of ``{start, end, props}`` rows as ``rtype`` relationships."""
    return (f"UNWIND $rows AS row MATCH (a:{start} {{id: row.start}}) "
            f"MATCH (b:{end} {{id: row.end}}) "
            f"MERGE (a)-[r:{rtype}]->(b) SET r = row.props")


class GraphStore(ABC):
    """A graph database holding one city. Use as a context manager."""

    uri: str
    batch_size = 5000

    # -- backend specifics ---------------------------------------------------------
    @abstractmethod
    def run(self, query: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run one Cypher statement with parameters; rows as dicts keyed by column."""

    @abstractmethod
    def apply_schema(self) -> None:
        """Create the uniqueness constraints / indexes on ``id`` (idempotent)."""

    @abstractmethod
    def clear(self) -> None:
        """Delete the whole graph (the schema may stay)."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection (and, embedded, stop the server)."""

    def _write_batch(self, query: str, rows: list[dict[str, Any]]) -> None:
        """Write one batch atomically; backends add retries or transactions."""
        self.run(query, {"rows": rows})

    def _end_load(self, ok: bool) -> None:  # noqa: B027 - optional hook
        """Hook after a load: ``ok`` is False when it raised."""

    def _delete_all(self) -> None:
        """Delete every node and relationship as part of a replacing load."""
        self.run("MATCH (n) DETACH DELETE n")

    def _write_all(self, batches: list[Batch], replace: bool, progress: Progress) -> None:
        """Write every batch (after deleting the old graph when ``replace``), all or nothing.

        The default writes batch by batch and leaves undoing a failure to
        :meth:`_end_load`; Neo4j overrides this with one transaction.
        """
        ok = False
        try:
            if replace:
                self._delete_all()
                self.apply_schema()
            for query, rows in batches:
                self._write_batch(query, rows)
                progress(len(rows))
            ok = True
        finally:
            self._end_load(ok)

    # -- shared behaviour -----------------------------------------------------------
    def load(self, city: CityGraph, progress: Progress | None = None,
             mode: LoadMode | str = LoadMode.CHECK) -> LoadReport:
        """Validate ``city``, then write it in one of the :class:`LoadMode` modes.

        Raises :class:`~redwuye_graph.errors.ValidationError` before writing anything
        if the graph breaks the schema, and :class:`~redwuye_graph.errors.ConflictError`
        (mode ``check``) if the store holds other versions of its nodes. A load that
        fails part-way leaves the store as it was.
        """
        mode = LoadMode(mode)
        city.check()
        started = time.perf_counter()
        if mode is LoadMode.CHECK:
            check_conflicts(self, city)
        self.apply_schema()
        node_batches, rel_batches = _plan(city, self.batch_size)
        n_node_batches = len(node_batches)
        marks: dict[str, float] = {"nodes": time.perf_counter()}
        written = {"batches": 0}

        def tick(n: int) -> None:
            written["batches"] += 1
            if written["batches"] == n_node_batches:
                marks["rels"] = time.perf_counter()
            if progress:
                progress(n)

        if n_node_batches == 0:
            marks["rels"] = marks["nodes"]
        self._write_all(node_batches + rel_batches, mode is LoadMode.REPLACE, tick)
        done = time.perf_counter()
        return LoadReport(len(city), city.graph.number_of_edges(), done - started,
                          marks.get("rels", done) - marks["nodes"],
                          done - marks.get("rels", done))

    def read(self) -> CityGraph:
        """Read the whole graph back as a CityGraph."""
        from redwuye_graph.citygraph import CityGraph

        city = CityGraph()
        for label in Label:
            for row in self.run(f"MATCH (n:{label}) RETURN properties(n) AS p"):
                props = dict(row["p"])
                city.add_node(label, props.pop("id"), **props)
        for rtype in RelType:
            for row in self.run(f"MATCH (a)-[r:{rtype}]->(b) "
                                "RETURN a.id AS start, b.id AS end, properties(r) AS p"):
                city.add_rel(rtype, row["start"], row["end"], **dict(row["p"]))
        return city

    def unknown_id(self, label: Label, node_id: str) -> str | None:
        """None if a ``label`` node has id ``node_id``; else why not, with the node a
        person probably meant (``did you mean C00012 路砦社区?``)."""
        if self.run(f"MATCH (n:{label} {{id: $id}}) RETURN count(n) AS n", {"id": node_id}
                    )[0]["n"]:
            return None
        rows = self.run(f"MATCH (n:{label}) RETURN n.id AS id, n.name AS name")
        message = f"no {label} with id {node_id!r}"
        named = sorted(r["id"] for r in rows if r["name"] == node_id)
        if named:
            return f"{message}; that is the name of {', '.join(named[:3])}: give its id"
        by_name = {r["name"]: r["id"] for r in rows if isinstance(r["name"], str)}
        names = {r["id"]: r["name"] for r in rows}
        close = difflib.get_close_matches(node_id, list(names), n=1, cutoff=0.6)
        if not close:
            close = [by_name[n] for n in difflib.get_close_matches(node_id, list(by_name), n=1,
                                                                   cutoff=0.5)]
        if close:
            return f"{message}; did you mean {close[0]} {names[close[0]]}?"
        return f"{message} ({len(rows):,} in the store)"

    def stats(self) -> dict[str, dict[str, int]]:
        """Counts per node label and relationship type of the schema, zeros included.

        One ``count`` per label and per type, which Neo4j answers from its count store
        (on a city: 16 db hits for the labels instead of 85,507 for a scan of every node).
        """
        nodes = {str(lbl): self.run(f"MATCH (n:{lbl}) RETURN count(n) AS n")[0]["n"]
                 for lbl in Label}
        rels = {str(t): self.run(f"MATCH ()-[r:{t}]->() RETURN count(r) AS n")[0]["n"]
                for t in RelType}
        return {"nodes": nodes, "relationships": rels}

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
