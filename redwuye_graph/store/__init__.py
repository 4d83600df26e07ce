"""Graph stores behind one interface, chosen by URI.

- ``embedded:PATH`` (default ``embedded:redwuye.rdb``): FalkorDBLite, no server to install;
- ``neo4j://HOST:PORT`` / ``bolt://HOST:PORT``: Neo4j 5 over Bolt, credentials from
  ``NEO4J_USER`` / ``NEO4J_PASSWORD``.
"""

from __future__ import annotations

from redwuye_graph.errors import StoreError
from redwuye_graph.store.base import GraphStore, LoadReport

__all__ = ["DEFAULT_URI", "GraphStore", "LoadReport", "open_store"]

DEFAULT_URI = "embedded:redwuye.rdb"
_NEO4J_SCHEMES = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")


def open_store(uri: str = DEFAULT_URI) -> GraphStore:
    """Open the store a URI names; close it (or use ``with``) when done."""
    if uri.startswith("embedded:"):
        from redwuye_graph.store.embedded import DEFAULT_PATH, EmbeddedStore

        return EmbeddedStore(uri.removeprefix("embedded:") or DEFAULT_PATH)
    if uri.startswith(_NEO4J_SCHEMES):
        from redwuye_graph.store.neo4j import Neo4jStore

        return Neo4jStore(uri)
    raise StoreError(f"unknown store URI {uri!r}; use embedded:PATH (e.g. embedded:city.rdb) "
                     "or neo4j://HOST:7687 / bolt://HOST:7687")
