"""Fuzzed rosters: a clear error or a load, never a traceback, the store unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from roster_fuzz import Fuzzer

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.store import open_store


@pytest.fixture(scope="module")
def fuzzer(tmp_path_factory: pytest.TempPathFactory, tiny_city: CityGraph) -> Iterator[Fuzzer]:
    work = tmp_path_factory.mktemp("fuzz")
    with open_store(f"embedded:{work / 'store.rdb'}") as store:
        yield Fuzzer(tiny_city, store, work)


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_fuzzed_rosters_are_clear_errors_or_loads(fuzzer: Fuzzer, data: st.DataObject) -> None:
    assert fuzzer.run(data) in ("refused", "conflict", "loaded")
