"""redwuye-graph: graph, Cypher and simulation toolkit for Red Property (红色物业) governance.

The organisation lives in one in-memory form, :class:`CityGraph`; stores (the embedded
FalkorDBLite default and Neo4j) are opened by URI with :func:`open_store`; the named
Cypher library in ``cypher/`` runs on either with :func:`run_query`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from redwuye_graph.errors import Problem, StoreError, ValidationError
from redwuye_graph.generate import PRESETS, PolicyLevels, Preset, generate, preset
from redwuye_graph.queries import load_library, run_query
from redwuye_graph.rosters import read_csv, read_json, write_csv, write_graphml, write_json
from redwuye_graph.schema import Label, RelType
from redwuye_graph.store import GraphStore, open_store

if TYPE_CHECKING:
    from redwuye_graph.citygraph import CityGraph
    from redwuye_graph.linkage import estate_linkage


def __getattr__(name: str) -> Any:
    """``CityGraph`` and ``estate_linkage``, imported on first use: they need networkx and
    pandas, which ``redwuye --help`` should not pay for."""
    if name == "CityGraph":
        from redwuye_graph.citygraph import CityGraph

        return CityGraph
    if name == "estate_linkage":
        from redwuye_graph.linkage import estate_linkage

        return estate_linkage
    raise AttributeError(f"module 'redwuye_graph' has no attribute {name!r}")


__all__ = [
    "PRESETS",
    "CityGraph",
    "GraphStore",
    "Label",
    "PolicyLevels",
    "Preset",
    "Problem",
    "RelType",
    "StoreError",
    "ValidationError",
    "estate_linkage",
    "generate",
    "load_library",
    "open_store",
    "preset",
    "read_csv",
    "read_json",
    "run_query",
    "write_csv",
    "write_graphml",
    "write_json",
]
