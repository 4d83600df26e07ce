"""Shared fixtures: small cities, an embedded store in a temp dir, a real local Neo4j."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.generate import generate
from redwuye_graph.store import GraphStore, open_store

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def tiny_city() -> CityGraph:
    return generate("tiny", seed=7)


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[GraphStore]:
    with open_store(f"embedded:{tmp_path / 'store.rdb'}") as store:
        yield store


@pytest.fixture(scope="session")
def neo4j_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bolt URI of a real Neo4j 5: $REDWUYE_TEST_NEO4J_URI, else a private one for the session.

    The session's server has its own database, so tests never touch a server that a
    user started with ``redwuye neo4j start``.
    """
    if uri := os.environ.get("REDWUYE_TEST_NEO4J_URI"):
        yield uri
        return
    from redwuye_graph import neo4j_local

    cache = neo4j_local.scratch_cache(tmp_path_factory.mktemp("neo4j"))
    with neo4j_local.running(cache, bolt_port=0) as server:
        yield server.uri


@pytest.fixture
def neo4j_store(neo4j_uri: str) -> Iterator[GraphStore]:
    with open_store(neo4j_uri) as store:
        store.clear()
        yield store
