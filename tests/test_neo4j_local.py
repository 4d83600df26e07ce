"""The local Neo4j server: start, Bolt, constraints, status/stop, no orphans.

Needs Java 17+ and Maven (first run downloads the jars); marked ``neo4j``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from redwuye_graph import neo4j_local
from redwuye_graph.neo4j_local import LocalNeo4j, ensure_jars

pytestmark = [pytest.mark.neo4j, pytest.mark.xdist_group("neo4j")]

REPO = Path(__file__).resolve().parent.parent
#: Waits here are for a condition (a process gone); this is only when they give up, generous
#: for a loaded machine (a JVM shutting down with both cores busy).
DEADLINE_S = 120


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    """A fresh cache directory (own database) that reuses the shared jars."""
    yield neo4j_local.scratch_cache(tmp_path)
    neo4j_local.stop(tmp_path)


def _pid_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_running_server_enforces_unique_ids(cache: Path) -> None:
    neo4j = pytest.importorskip("neo4j")
    from neo4j.exceptions import ConstraintError

    assert ensure_jars(cache) == cache / "lib"  # cached: no second download
    assert neo4j_local.status(cache) is None
    with neo4j_local.running(cache) as server:
        assert server.uri == f"bolt://127.0.0.1:{server.bolt_port}"
        assert neo4j_local.status(cache) == server
        assert neo4j_local.start(cache, 0, detach=False) == server  # reused, not a second one
        with pytest.raises(neo4j_local.Neo4jLocalError, match="already runs"):
            neo4j_local.start(cache, server.bolt_port + 1)

        with neo4j.GraphDatabase.driver(server.uri, auth=None) as driver:
            driver.verify_connectivity()
            driver.execute_query(
                "CREATE CONSTRAINT person_id IF NOT EXISTS FOR (n:Person) REQUIRE n.id IS UNIQUE"
            )
            driver.execute_query("CREATE (:Person {id: 'P1', name: 'Ada'})")
            with pytest.raises(ConstraintError):
                driver.execute_query("CREATE (:Person {id: 'P1', name: 'Bob'})")
            records, _, _ = driver.execute_query("MATCH (n:Person) RETURN n.name AS name")
            assert [r["name"] for r in records] == ["Ada"]

        assert neo4j_local.stop(cache) is True
        assert not _pid_alive(server.pid)
        assert neo4j_local.status(cache) is None
        assert neo4j_local.stop(cache) is False


def _pid_printed_by(script: str) -> int:
    """Run ``script`` in a child Python (the repo importable); the pid it prints last."""
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
                         text=True, timeout=300, check=True)
    return int(out.stdout.split()[-1])


def test_server_dies_with_its_python_parent(cache: Path) -> None:
    script = textwrap.dedent(
        f"""
        import os, sys
        from pathlib import Path
        from redwuye_graph.neo4j_local import start
        server = start(Path({str(cache)!r}), 0, detach=False)
        print(server.pid, flush=True)
        os._exit(0)
        """
    )
    pid = _pid_printed_by(script)
    deadline = time.monotonic() + DEADLINE_S
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = _pid_alive(pid)
    if alive:
        os.kill(pid, 9)
    assert not alive, "java server outlived its non-detached Python parent"
    assert neo4j_local.status(cache) is None  # stale pid file is cleaned up
    assert not (cache / "neo4j.pid").exists()


def test_detached_server_survives_and_stops(cache: Path) -> None:
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from redwuye_graph.neo4j_local import start
        print(start(Path({str(cache)!r}), 0).pid)
        """
    )
    pid = _pid_printed_by(script)
    server = neo4j_local.status(cache)
    assert isinstance(server, LocalNeo4j)
    assert server.pid == pid
    assert neo4j_local.stop(cache) is True
    assert not _pid_alive(pid)


def test_busy_port_and_missing_tools_give_clear_errors(
    cache: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(neo4j_local.Neo4jLocalError, match="already in use"):
            neo4j_local.start(cache, busy.getsockname()[1])
    assert neo4j_local.status(cache) is None

    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(neo4j_local.Neo4jLocalError, match="`java` is not on PATH"):
        neo4j_local.start(cache, 0)
    with pytest.raises(neo4j_local.Neo4jLocalError, match="`mvn` is not on PATH"):
        ensure_jars(tmp_path_factory.mktemp("empty-cache"))
