from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
import store_contract as contract

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.errors import StoreError
from redwuye_graph.generate import generate
from redwuye_graph.schema import Label, RelType
from redwuye_graph.store import GraphStore, open_store


def test_round_trip(embedded: GraphStore, tmp_path: Path) -> None:
    contract.round_trip(embedded, tmp_path)


def test_floats_keep_15_significant_digits(embedded: GraphStore) -> None:
    """What docs/schema.md says: FalkorDB answers with 15 significant digits."""
    rows = embedded.run("RETURN $x AS x, $y AS y", {"x": 0.30000000000000004, "y": 0.54})
    assert rows == [{"x": 0.3, "y": 0.54}]


def test_a_multi_step_optional_match_loses_paths(embedded: GraphStore) -> None:
    """What cypher/README.md says: on FalkorDB a multi-step OPTIONAL MATCH gives one path
    where one person sits on two owners' committees of the estate (there are two), so
    the library splits such matches into one-step ones. When an upgrade fixes this, the
    first assertion fails: then the note (and the split) may go."""
    city = CityGraph()
    city.add_node(Label.DISTRICT, "D", name="d")
    city.add_node(Label.STREET, "S", name="s")
    city.add_rel(RelType.IN_DISTRICT, "S", "D")
    city.add_node(Label.COMMUNITY, "C", name="c")
    city.add_rel(RelType.IN_STREET, "C", "S")
    city.add_node(Label.ESTATE, "E", name="e")
    city.add_rel(RelType.IN_COMMUNITY, "E", "C")
    city.add_node(Label.PERSON, "P", name="p")
    for oc in ("O1", "O2"):
        city.add_node(Label.OWNERS_COMMITTEE, oc, name=oc)
        city.add_rel(RelType.COMMITTEE_OF, oc, "E")
        city.add_rel(RelType.MEMBER_OF, "P", oc, role="member")
    embedded.load(city)
    multi = ("MATCH (e:Estate) OPTIONAL MATCH (e)<-[:COMMITTEE_OF]-(o)<-[:MEMBER_OF]-(p:Person) "
             "RETURN count(p) AS paths")
    split = ("MATCH (e:Estate) OPTIONAL MATCH (e)<-[:COMMITTEE_OF]-(o) "
             "OPTIONAL MATCH (o)<-[:MEMBER_OF]-(p:Person) RETURN count(p) AS paths")
    assert embedded.run(multi, {}) == [{"paths": 1}]
    assert embedded.run(split, {}) == [{"paths": 2}]


def test_load_is_idempotent(embedded: GraphStore) -> None:
    contract.load_is_idempotent(embedded)


def test_bad_graph_writes_nothing(embedded: GraphStore) -> None:
    contract.bad_graph_writes_nothing(embedded)


def test_load_modes(embedded: GraphStore) -> None:
    contract.load_modes(embedded)


def test_failed_replace_keeps_the_old_graph(embedded: GraphStore) -> None:
    contract.failed_replace_keeps_old_graph(embedded)


def test_persists_across_reopen(tmp_path: Path) -> None:
    city = generate("tiny", seed=3)
    uri = f"embedded:{tmp_path / 'city.rdb'}"
    with open_store(uri) as store:
        store.load(city)
    with open_store(uri) as store:
        assert store.read() == city


def test_second_opener_is_refused_clearly(embedded: GraphStore) -> None:
    with pytest.raises(StoreError, match="open in another process"):
        open_store(embedded.uri)


def test_failed_write_midway_rolls_back(embedded: GraphStore, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    before = generate("tiny", seed=1)
    embedded.load(before)
    calls = {"n": 0}
    real = type(embedded)._write_batch

    def flaky(self: GraphStore, query: str, rows: list) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise ConnectionError("simulated fault")
        real(self, query, rows)

    monkeypatch.setattr(type(embedded), "_write_batch", flaky)
    with pytest.raises(ConnectionError):
        embedded.load(generate("tiny", seed=2), mode="merge")
    monkeypatch.undo()
    contract.expect_city(embedded, before)


@pytest.mark.slow
def test_killed_load_then_rerun_converges(tmp_path: Path) -> None:
    uri = f"embedded:{tmp_path / 'city.rdb'}"
    contract.interrupted_load_converges(open_store(uri), uri, close_first=True)
    with open_store(uri) as store:
        contract.expect_city(store, generate("district", seed=5))


def test_no_server_outlives_a_crashed_owner(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        from redwuye_graph.store import open_store
        store = open_store("embedded:{tmp_path / 'c.rdb'}")
        print(store.pid, flush=True)
        import time; time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    server = int(proc.stdout.readline())
    assert psutil.pid_exists(server)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(server):
        time.sleep(0.05)
    assert not _alive(server)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
