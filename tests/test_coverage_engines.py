"""Two engines agree: every library query gives identical rows on FalkorDB and Neo4j 5.

The same random cities (see ``test_coverage_oracle``) are loaded into the embedded store
and into a real local Neo4j; the raw rows must be equal value for value and type for
type (an ``int`` from one engine and a ``float`` from the other is a difference).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from test_coverage_examples import example_city
from test_coverage_oracle import cities, expected_tables

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.generate import generate
from redwuye_graph.queries import bind, get_query, graph_text, load_library
from redwuye_graph.store import GraphStore, open_store

pytestmark = [pytest.mark.neo4j, pytest.mark.xdist_group("neo4j")]

#: Keep Neo4j's cached plans when a new small graph changes its statistics (planning
#: every query again for every example made each take seconds). Plans only, not results.
NEO4J_PREFIX = "CYPHER replan=skip "


@pytest.fixture(scope="module")
def engines(neo4j_uri: str, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[GraphStore, GraphStore]]:
    path = tmp_path_factory.mktemp("engines") / "store.rdb"
    with open_store(f"embedded:{path}") as falkor, open_store(neo4j_uri) as neo4j:
        yield falkor, neo4j


def typed(rows: list[dict[str, Any]]) -> list[list[tuple[str, str, Any]]]:
    """Each value with its type; a path (each driver has its own class) as the runner's text."""
    return [[(k, type(v).__name__, v) for k, v in ((k, graph_text(v)) for k, v in row.items())]
            for row in rows]


def check_engines_agree(engines: tuple[GraphStore, GraphStore], city: CityGraph,
                        only: set[str] | None = None) -> None:
    """Every query of the library (or those in ``only``) gives the same typed rows."""
    falkor, neo4j = engines
    for db in engines:
        db.clear()
        db.load(city)
    checked = set()
    for name, params, _ in expected_tables(city):
        if only is not None and name not in only:
            continue
        query = get_query(name)
        bound = bind(query, params)
        statement = query.statement_for(bound)
        a, b = falkor.run(statement, bound), neo4j.run(NEO4J_PREFIX + statement,
                                                          bound)
        assert typed(a) == typed(b), f"{name} {params}"
        checked.add(name)
    assert checked == (set(load_library()) if only is None else only)


def test_engines_agree_on_the_example_city(engines: tuple[GraphStore, GraphStore]) -> None:
    # Fast: a fresh Neo4j plans each long query once (seconds each), so only three here;
    # the random-city tests below check every query.
    check_engines_agree(engines, example_city(), {"coverage/estate", "coverage/summary",
                                                  "coverage/graph/estate"})


@pytest.mark.slow
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(city=cities)
def test_engines_agree_on_random_cities(engines: tuple[GraphStore, GraphStore],
                                        city: CityGraph) -> None:
    check_engines_agree(engines, city)


@pytest.mark.slow
def test_engines_agree_on_a_district(engines: tuple[GraphStore, GraphStore]) -> None:
    check_engines_agree(engines, generate("district", seed=2))


@pytest.mark.slow
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(city=cities)
def test_engines_agree_on_many_random_cities(engines: tuple[GraphStore, GraphStore],
                                             city: CityGraph) -> None:
    check_engines_agree(engines, city)
