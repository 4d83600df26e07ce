"""Checks every store must pass; test_store_embedded and test_store_neo4j run them."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.errors import ConflictError, ValidationError
from redwuye_graph.generate import generate
from redwuye_graph.rosters import read_csv, write_csv
from redwuye_graph.schema import Label, RelType
from redwuye_graph.store import GraphStore

REPO = Path(__file__).resolve().parents[1]


def round_trip(store: GraphStore, tmp_path: Path) -> None:
    """generate -> export -> import -> load -> read back: an equal CityGraph."""
    city = generate("tiny", seed=11)
    loaded = read_csv(write_csv(city, tmp_path / "roster"))
    report = store.load(loaded)
    assert (report.nodes, report.relationships) == (len(city), city.graph.number_of_edges())
    back = store.read()
    assert back == city, back.diff(city)
    assert store.stats() == city.counts()


def load_is_idempotent(store: GraphStore) -> None:
    city = generate("tiny", seed=12)
    store.load(city)
    store.load(city)
    assert store.stats() == city.counts()
    assert store.read() == city


def bad_graph_writes_nothing(store: GraphStore) -> None:
    good = generate("tiny", seed=13)
    store.load(good)
    bad = generate("tiny", seed=14)
    bad.add_rel(RelType.MEMBER_OF, next(iter(n for n, _, _ in bad.nodes(Label.PERSON))),
                next(iter(n for n, _, _ in bad.nodes(Label.OWNERS_COMMITTEE))), role="emperor")
    with pytest.raises(ValidationError, match="unknown role 'emperor'"):
        store.load(bad)
    assert store.read() == good


_LOADER = textwrap.dedent("""
    import sys
    from redwuye_graph.generate import generate
    from redwuye_graph.store import open_store
    city = generate("district", seed=5)
    store = open_store(sys.argv[1])
    store.batch_size = 200
    def tick(n):
        print("batch", flush=True)
    store.load(city, progress=tick)
    print("done", flush=True)
""")


def interrupted_load_converges(store: GraphStore, uri: str, close_first: bool) -> None:
    """Kill a loading process after a few batches; rerun; the graph is exact."""
    if close_first:
        store.close()
    proc = subprocess.Popen([sys.executable, "-c", _LOADER, uri], stdout=subprocess.PIPE,
                            text=True, cwd=REPO)
    assert proc.stdout is not None
    for _ in range(5):
        assert proc.stdout.readline() == "batch\n"
    proc.kill()
    proc.wait()
    rerun = subprocess.run([sys.executable, "-c", _LOADER, uri], capture_output=True,
                           text=True, cwd=REPO, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.endswith("done\n")


def expect_city(store: GraphStore, city: CityGraph) -> None:
    assert store.stats() == city.counts()
    back = store.read()
    assert back == city, back.diff(city)


def _corrected(city: CityGraph) -> CityGraph:
    """``city`` as a corrected roster: a party organisation moved to another host, an
    estate's households changed and a person dropped (the issue's reload case)."""
    fixed = city.copy()
    org = next(n for n, _, p in fixed.nodes(Label.PARTY_ORG) if p["level"] == "branch")
    old_host = fixed.out(org, RelType.PARTY_ORG_OF)[0]
    new_host = next(n for n, _, _ in fixed.nodes(fixed.label(old_host)) if n != old_host)
    fixed.graph.remove_edge(org, old_host, key=RelType.PARTY_ORG_OF)
    fixed.add_rel(RelType.PARTY_ORG_OF, org, new_host)
    estate = next(n for n, _, _ in fixed.nodes(Label.ESTATE))
    fixed.props(estate)["households"] += 1
    person = next(n for n, _, _ in fixed.nodes(Label.PERSON))
    fixed.graph.remove_node(person)
    fixed.check()
    return fixed


def load_modes(store: GraphStore) -> None:
    """check refuses a changed roster naming the ids; replace makes the store exactly the
    roster; merge keeps stale relationships (and so can break the one-host rule)."""
    city = generate("tiny", seed=15)
    store.load(city)
    fixed = _corrected(city)
    with pytest.raises(ConflictError) as err:
        store.load(fixed)
    text = str(err.value)
    org = next(n for n, _, p in fixed.nodes(Label.PARTY_ORG) if p["level"] == "branch")
    assert f"{org} PARTY_ORG_OF" in text and "households" in text
    assert "--replace" in text and "nothing was written" in text
    expect_city(store, city)

    store.load(fixed, mode="merge")
    merged = store.read()
    assert len(merged.out(org, RelType.PARTY_ORG_OF)) == 2  # the stale host stays
    assert merged.validate() != []

    store.load(fixed, mode="replace")
    expect_city(store, fixed)
    store.load(fixed)  # the same roster again: no conflict


def failed_replace_keeps_old_graph(store: GraphStore) -> None:
    """A replace whose write fails part-way leaves the old graph, whole."""
    before = generate("tiny", seed=16)
    store.load(before, mode="replace")
    after = generate("tiny", seed=17)
    original = type(store)._write_all

    def failing(self: GraphStore, batches: list, replace: bool, progress: object) -> None:
        bad = [*batches[:3], ("THIS IS NOT CYPHER $rows", batches[3][1])]
        original(self, bad, replace, progress)  # type: ignore[arg-type]

    type(store)._write_all = failing  # type: ignore[method-assign]
    try:
        with pytest.raises(Exception):  # noqa: B017 - each backend's syntax error
            store.load(after, mode="replace")
    finally:
        type(store)._write_all = original  # type: ignore[method-assign]
    expect_city(store, before)
