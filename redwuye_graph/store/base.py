"""The store interface shared by the embedded FalkorDBLite store and Neo4j.

Loads are validated first (nothing is written when the graph breaks the schema),
then written in UNWIND batches with MERGE on ``id``, so a rerun after an interruption
converges to the same graph. Labels and relationship types in the load queries come
from :mod:`redwuye_graph.schema`, never from user input; every value is a parameter.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.schema import Label, RelType

__all__ = ["GraphStore", "LoadReport", "Progress"]

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


def _batches(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


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

    # -- shared behaviour -----------------------------------------------------------
    def load(self, city: CityGraph, progress: Progress | None = None) -> LoadReport:
        """Validate ``city``, then MERGE it into the store (idempotent).

        Raises :class:`~redwuye_graph.errors.ValidationError` before writing anything
        if the graph breaks the schema.
        """
        city.check()
        started = time.perf_counter()
        self.apply_schema()
        ok = False
        try:
            nodes_started = time.perf_counter()
            for label in Label:
                rows = [{"id": r["id"], "props": r} for r in city.node_rows(label)]
                for batch in _batches(rows, self.batch_size):
                    self._write_batch(node_merge_query(label), batch)
                    if progress:
                        progress(len(batch))
            rels_started = time.perf_counter()
            groups: dict[tuple[RelType, Label, Label], list[dict[str, Any]]] = defaultdict(list)
            for start, end, rtype, props in city.rels():
                key = (rtype, city.label(start), city.label(end))
                groups[key].append({"start": start, "end": end, "props": dict(props)})
            for (rtype, start_label, end_label), rows in sorted(groups.items()):
                rows.sort(key=lambda r: (r["start"], r["end"]))
                query = rel_merge_query(rtype, start_label, end_label)
                for batch in _batches(rows, self.batch_size):
                    self._write_batch(query, batch)
                    if progress:
                        progress(len(batch))
            rels_done = time.perf_counter()
            ok = True
        finally:
            self._end_load(ok)
        return LoadReport(len(city), city.graph.number_of_edges(),
                          time.perf_counter() - started, rels_started - nodes_started,
                          rels_done - rels_started)

    def read(self) -> CityGraph:
        """Read the whole graph back as a CityGraph."""
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

    def stats(self) -> dict[str, dict[str, int]]:
        """Counts per node label and relationship type, zeros included."""
        nodes = {str(lbl): 0 for lbl in Label}
        for row in self.run("MATCH (n) UNWIND labels(n) AS label "
                            "RETURN label, count(*) AS n"):
            nodes[row["label"]] = row["n"]
        rels = {str(t): 0 for t in RelType}
        for row in self.run("MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n"):
            rels[row["type"]] = row["n"]
        return {"nodes": nodes, "relationships": rels}

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
