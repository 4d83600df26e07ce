"""The store contract on a real Neo4j 5 (started for the session by tests/conftest.py)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any

import pytest
import store_contract as contract

from redwuye_graph.generate import generate
from redwuye_graph.queries import bind, get_query
from redwuye_graph.schema import Label
from redwuye_graph.store import GraphStore, open_store

pytestmark = [pytest.mark.neo4j, pytest.mark.xdist_group("neo4j")]


def test_round_trip(neo4j_store: GraphStore, tmp_path: Path) -> None:
    contract.round_trip(neo4j_store, tmp_path)


def test_load_is_idempotent(neo4j_store: GraphStore) -> None:
    contract.load_is_idempotent(neo4j_store)


def test_bad_graph_writes_nothing(neo4j_store: GraphStore) -> None:
    contract.bad_graph_writes_nothing(neo4j_store)


def test_load_modes(neo4j_store: GraphStore) -> None:
    contract.load_modes(neo4j_store)


def test_failed_replace_keeps_the_old_graph(neo4j_store: GraphStore) -> None:
    contract.failed_replace_keeps_old_graph(neo4j_store)


def test_constraint_refuses_a_duplicate_id(neo4j_store: GraphStore) -> None:
    import neo4j.exceptions

    neo4j_store.apply_schema()
    neo4j_store.run("CREATE (:Estate {id: $id, name: 'a'})", {"id": "E-dup"})
    with pytest.raises(neo4j.exceptions.ConstraintError):
        neo4j_store.run("CREATE (:Estate {id: $id, name: 'b'})", {"id": "E-dup"})


@pytest.mark.slow
def test_killed_load_then_rerun_converges(neo4j_store: GraphStore, neo4j_uri: str) -> None:
    contract.interrupted_load_converges(neo4j_store, neo4j_uri, close_first=False)
    contract.expect_city(neo4j_store, generate("district", seed=5))


class _DroppingProxy:
    """TCP proxy to Neo4j that cuts every open connection once, after ``cut_after`` bytes."""

    def __init__(self, target_port: int, cut_after: int):
        self.target_port = target_port
        self.cut_after = cut_after
        self.forwarded = 0
        self.cuts = 0
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._open += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
                with self._lock:
                    self.forwarded += len(data)
                    cut = self.cuts == 0 and self.forwarded > self.cut_after
                    if cut:
                        self.cuts = 1
                        for s in self._open:
                            s.shutdown(socket.SHUT_RDWR)
                        self._open.clear()
        except OSError:
            pass

    def close(self) -> None:
        self.server.close()


@pytest.mark.slow
def test_dropped_bolt_connection_is_retried_and_converges(neo4j_store: GraphStore,
                                                          neo4j_uri: str) -> None:
    port = int(neo4j_uri.rsplit(":", 1)[1])
    proxy = _DroppingProxy(port, cut_after=300_000)
    city = generate("district", seed=6)
    try:
        with open_store(f"bolt://127.0.0.1:{proxy.port}") as store:
            store.load(city)
    finally:
        proxy.close()
    assert proxy.cuts == 1
    contract.expect_city(neo4j_store, city)


def _operators(plan: dict[str, Any]) -> set[str]:
    """Every operator of a PROFILE plan (``operatorType`` without its ``@neo4j`` suffix)."""
    return {plan["operatorType"].split("@")[0]}.union(
        *(_operators(child) for child in plan.get("children", [])))


def test_stats_reads_the_count_store(neo4j_store: GraphStore, monkeypatch: pytest.MonkeyPatch
                                     ) -> None:
    neo4j_store.load(generate("tiny", seed=3))
    sent: list[str] = []
    run = neo4j_store.run
    monkeypatch.setattr(neo4j_store, "run", lambda q, p=None: sent.append(q) or run(q, p))
    stats = neo4j_store.stats()
    assert len(sent) == len(stats["nodes"]) + len(stats["relationships"])
    for query in sent:
        _, summary, _ = neo4j_store._driver.execute_query(  # type: ignore[attr-defined]
            "PROFILE " + query, database_=neo4j_store.database)  # type: ignore[attr-defined]
        operators = _operators(summary.profile)
        # A scan or an expand would read every node or relationship of the label or type.
        assert operators & {"NodeCountFromCountStore", "RelationshipCountFromCountStore"}, query
        assert not {o for o in operators if "Scan" in o or "Expand" in o}, (query, operators)


def test_apoc_meta_stats_counts_the_loaded_nodes(neo4j_store: GraphStore) -> None:
    city = generate("tiny", seed=3)
    neo4j_store.load(city)
    [row] = neo4j_store.run("CALL apoc.meta.stats() YIELD nodeCount, relCount, labels, "
                            "relTypesCount RETURN nodeCount, relCount, labels, relTypesCount")
    counts = city.counts()
    assert row["labels"] == {k: v for k, v in counts["nodes"].items() if v}
    assert row["nodeCount"] == sum(counts["nodes"].values())
    assert row["relTypesCount"] == {k: v for k, v in counts["relationships"].items() if v}
    assert row["relCount"] == sum(counts["relationships"].values())


@pytest.mark.parametrize(("name", "param", "label"), [
    ("coverage/estate", "community", "Community"), ("coverage/estate", "street", "Street"),
    ("coverage/vacuum", "district", "District"), ("coverage/summary", "district", "District")])
def test_a_given_id_filter_seeks_the_index(neo4j_store: GraphStore, name: str, param: str,
                                          label: str) -> None:
    city = generate("tiny", seed=3)
    neo4j_store.load(city)
    query = get_query(name)
    bound = bind(query, {param: min(n for n, _, _ in city.nodes(Label(label)))})

    def plan(statement: str) -> set[str]:
        _, summary, _ = neo4j_store._driver.execute_query(  # type: ignore[attr-defined]
            "PROFILE " + statement, bound,
            database_=neo4j_store.database)  # type: ignore[attr-defined]
        return _operators(summary.profile)

    # The generic null-or filter starts from a scan (of a label or a relationship type);
    # the runner's shape seeks the id index and scans nothing.
    assert any("Scan" in o for o in plan(query.statement))
    shape = plan(query.statement_for(bound))
    assert "NodeUniqueIndexSeek" in shape
    assert not any("Scan" in o for o in shape), shape
