"""The store contract on a real Neo4j 5 (started for the session by tests/conftest.py)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
import store_contract as contract

from redwuye_graph.generate import generate
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
