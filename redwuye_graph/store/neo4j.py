"""Neo4j over Bolt with the official ``neo4j`` driver; all driver calls live here.

Credentials come from ``NEO4J_USER`` / ``NEO4J_PASSWORD``, or from the URI
(``bolt://user:password@host:7687``); they are never printed (the store keeps and shows
the URI without them). The database comes from ``NEO4J_DATABASE`` (default ``neo4j``).
A load is one managed write transaction, retried by the driver on transient errors: it is
written whole or not at all, and loads MERGE on ``id`` so a rerun converges to the same
graph.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from redwuye_graph.errors import StoreError, one_line
from redwuye_graph.store import check_uri
from redwuye_graph.store.base import Batch, GraphStore, Progress

__all__ = ["Neo4jStore", "split_uri"]


def split_uri(uri: str) -> tuple[str, tuple[str, str] | None]:
    """A Bolt URI without the ``user:password@`` it may carry, and those credentials.

    Raises :class:`StoreError` (never printing the password) for a malformed URI or a
    port outside 1-65535 (:func:`~redwuye_graph.store.check_uri`).

    >>> split_uri("bolt://neo4j:secret@127.0.0.1:7687")
    ('bolt://127.0.0.1:7687', ('neo4j', 'secret'))
    """
    check_uri(uri)
    parts = urlsplit(uri)
    credentials = None
    if "@" in parts.netloc:
        userinfo, _, host = parts.netloc.rpartition("@")
        user, _, password = userinfo.partition(":")
        credentials = (unquote(user), unquote(password))
        parts = parts._replace(netloc=host)
    return urlunsplit(parts), credentials


class Neo4jStore(GraphStore):
    """A Neo4j 5 database reached over Bolt (``neo4j://`` or ``bolt://`` URIs)."""

    def __init__(self, uri: str, database: str | None = None):
        import neo4j

        uri, credentials = split_uri(uri)
        self.uri = uri
        self.database = database or os.environ.get("NEO4J_DATABASE", "neo4j")
        user = os.environ.get("NEO4J_USER", "neo4j")
        password = os.environ.get("NEO4J_PASSWORD")
        if credentials is not None:
            user, password = credentials[0] or user, credentials[1] or password
        auth = (user, password) if password else None
        # "Unknown label/type" notices are expected on a partial graph: not shown.
        self._driver = neo4j.GraphDatabase.driver(
            uri, auth=auth, max_transaction_retry_time=30.0,
            notifications_disabled_classifications=[
                neo4j.NotificationDisabledClassification.UNRECOGNIZED])
        try:
            self._driver.verify_connectivity()
        except Exception as exc:
            self._driver.close()
            raise StoreError(f"cannot reach Neo4j at {uri}: {exc.__class__.__name__}: "
                             f"{one_line(str(exc))}. "
                             "Is it running ('redwuye neo4j start'), and are NEO4J_USER / "
                             "NEO4J_PASSWORD right?") from exc

    def run(self, query: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run one statement in an auto-retried transaction; rows as dicts (a node,
        relationship or path as the driver's object, as FalkorDB's store gives its own)."""
        records, _, _ = self._driver.execute_query(query, dict(params or {}),
                                                   database_=self.database)
        return [dict(zip(record.keys(), record.values(), strict=True)) for record in records]

    def _write_all(self, batches: list[Batch], replace: bool, progress: Progress) -> None:
        """Every batch in one write transaction (retried whole on transient errors), so a
        load that fails or is killed leaves the database as it was."""
        def work(tx: Any) -> None:
            if replace:
                tx.run("MATCH (n) DETACH DELETE n").consume()
            for query, rows in batches:
                tx.run(query, rows=rows).consume()
                progress(len(rows))

        with self._driver.session(database=self.database) as session:
            session.execute_write(work)

    def apply_schema(self) -> None:
        """The uniqueness constraints of ``cypher/schema/constraints.cypher``, one per
        label's ``id`` (idempotent)."""
        from redwuye_graph.queries import constraint_statements

        for statement in constraint_statements():
            self.run(statement)

    def clear(self) -> None:
        """Delete every node and relationship, in batches (an implicit transaction)."""
        with self._driver.session(database=self.database) as session:
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
                        ).consume()

    def close(self) -> None:
        """Close the driver."""
        self._driver.close()
