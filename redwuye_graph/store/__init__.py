"""Graph stores behind one interface, chosen by URI.

- ``embedded:PATH`` (default ``embedded:redwuye.rdb``): FalkorDBLite, no server to install;
- ``neo4j://HOST:PORT`` / ``bolt://HOST:PORT``: Neo4j 5 over Bolt, credentials from
  ``NEO4J_USER`` / ``NEO4J_PASSWORD`` or the URI (``bolt://USER:PASSWORD@HOST:PORT``;
  :func:`public_uri` is what may be shown).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from redwuye_graph.errors import StoreError

if TYPE_CHECKING:
    from redwuye_graph.store.base import GraphStore, LoadMode, LoadReport

__all__ = ["DEFAULT_URI", "GraphStore", "LoadMode", "LoadReport", "check_uri", "open_store",
           "public_text", "public_uri"]

DEFAULT_URI = "embedded:redwuye.rdb"
_NEO4J_SCHEMES = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")


def public_uri(uri: str) -> str:
    """``uri`` as it may be printed or kept: without a ``user:password@`` part.

    >>> public_uri("bolt://neo4j:secret@db:7687")
    'bolt://db:7687'
    >>> public_uri("bolt://neo4j:p@ss@db:7687")
    'bolt://db:7687'
    """
    return re.sub(r"^([A-Za-z0-9+.-]+://)[^/]*@", r"\1", uri)  # to the last @: p@ss too


def public_text(text: str) -> str:
    """``text`` (a scenario file, a message) with every URI in it as :func:`public_uri`.

    >>> public_text('store = "bolt://neo4j:secret@db:7687"')
    'store = "bolt://db:7687"'
    """
    return re.sub(r"\b([A-Za-z][A-Za-z0-9+.-]*://)[^/\s\"']*@", r"\1", text)


def check_uri(uri: str) -> None:
    """Refuse (:class:`StoreError`) a store URI that is not one :func:`open_store` opens:
    an unknown scheme, a malformed address (``bolt://[::1``), a port outside 1-65535. The
    message names the URI without its password; callers add where it came from."""
    shown = public_uri(uri)
    if uri.startswith("embedded:"):
        return
    if not uri.startswith(_NEO4J_SCHEMES):
        raise StoreError(f"unknown store URI {shown!r}; use embedded:PATH (e.g. "
                         "embedded:city.rdb) or neo4j://HOST:7687 / bolt://HOST:7687")
    from urllib.parse import urlsplit

    try:
        port = urlsplit(uri).port
    except ValueError as exc:
        if "port" not in str(exc).lower():
            raise StoreError(f"{shown}: not a valid URI ({exc}); e.g. bolt://127.0.0.1:7687 "
                             "or bolt://[::1]:7687") from None
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raise StoreError(f"{shown}: the port must be a number from 1 to 65535")


def __getattr__(name: str) -> Any:
    """``GraphStore``, ``LoadMode`` and ``LoadReport``, imported on first use."""
    if name in ("GraphStore", "LoadMode", "LoadReport"):
        from redwuye_graph.store import base

        return getattr(base, name)
    raise AttributeError(f"module 'redwuye_graph.store' has no attribute {name!r}")


def open_store(uri: str = DEFAULT_URI, must_exist: bool = False) -> GraphStore:
    """Open the store a URI names; close it (or use ``with``) when done.

    With ``must_exist``, an embedded file that does not exist yet is an error instead
    of a new, empty store (for commands that only read).
    """
    check_uri(uri)
    if uri.startswith("embedded:"):
        from pathlib import Path

        from redwuye_graph.store.embedded import DEFAULT_PATH, EmbeddedStore

        path = Path(uri.removeprefix("embedded:") or DEFAULT_PATH)
        if must_exist and not path.exists():
            raise StoreError(f"no store at {path}; create one with "
                             f"'redwuye load ROSTERS --store embedded:{path}'")
        return EmbeddedStore(path)
    from redwuye_graph.store.neo4j import Neo4jStore

    return Neo4jStore(uri)
