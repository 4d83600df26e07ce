"""A local Neo4j 5 Community server on loopback, for development and tests.

The jars come from Maven Central through ``neo4j-server/pom.xml`` (``mvn`` must be on
PATH the first time); ``neo4j-server/LocalNeo4j.java`` runs them as an embedded DBMS
with Bolt on ``127.0.0.1`` and authentication off. Everything lives under one
cache directory (default ``$REDWUYE_CACHE/neo4j`` or ``<repo>/.cache/redwuye/neo4j``)::

    lib/          jars, plus a marker holding the pom's SHA-256
    plugins/      APOC core (``neo4j-server/plugins/pom.xml``), loaded as a server's
                  plugins folder
    shell-lib/    cypher-shell's jars (``neo4j-server/shell/pom.xml``), fetched on first use
    home/         the Neo4j home: data/ and logs/debug.log (neo4j-admin's NEO4J_HOME)
    neo4j.pid     JSON: pid, bolt_port, uri, home of the running server
    neo4j.log     the Java program's stdout and stderr

One server runs per cache directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "LocalNeo4j",
    "Neo4jLocalError",
    "admin_command",
    "default_cache_dir",
    "ensure_jars",
    "ensure_plugins",
    "running",
    "scratch_cache",
    "start",
    "status",
    "stop",
]

_REPO = Path(__file__).resolve().parent.parent
_POM = _REPO / "neo4j-server" / "pom.xml"
_PROGRAM = _REPO / "neo4j-server" / "LocalNeo4j.java"
_MARKER = ".pom.sha256"
_SHELL_POM = _REPO / "neo4j-server" / "shell" / "pom.xml"
_PLUGINS_POM = _REPO / "neo4j-server" / "plugins" / "pom.xml"
_SHELL_MAIN = "org.neo4j.shell.Main"
_ADMIN_MAIN = "org.neo4j.cli.AdminTool"
_READY = "READY bolt://"
_JAVA_OPTS = ["-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError"]

# Servers started by this process; a non-detached server lives as long as its stdin pipe.
_children: dict[int, subprocess.Popen[bytes]] = {}


class Neo4jLocalError(RuntimeError):
    """The local Neo4j server cannot be fetched, started or reached."""


@dataclass(frozen=True)
class LocalNeo4j:
    """A running local server.

    Attributes
    ----------
    uri : str
        Bolt URI, e.g. ``bolt://127.0.0.1:7687`` (no authentication).
    pid : int
        Process id of the Java server.
    home : Path
        Neo4j home directory (``data/``, ``logs/debug.log``).
    bolt_port : int
        The Bolt port on 127.0.0.1.
    log_file : Path
        The server's stdout and stderr.
    http_port : int or None
        The HTTP port on 127.0.0.1 (Neo4j Browser at ``/browser/``), None when off.
    """

    uri: str
    pid: int
    home: Path
    bolt_port: int
    log_file: Path
    http_port: int | None = None

    @property
    def browser_url(self) -> str | None:
        """Neo4j Browser's address, connecting to this server's Bolt port without auth."""
        if self.http_port is None:
            return None
        return (f"http://127.0.0.1:{self.http_port}/browser/?dbms=bolt://127.0.0.1:"
                f"{self.bolt_port}&preselectAuthMethod=NO_AUTH")


def default_cache_dir() -> Path:
    """Return the default cache directory for the local server.

    Returns
    -------
    Path
        ``$REDWUYE_CACHE/neo4j`` if the variable is set, else
        ``<repo or cwd>/.cache/redwuye/neo4j``.
    """
    root = os.environ.get("REDWUYE_CACHE")
    if root:
        return Path(root).expanduser() / "neo4j"
    in_repo = (_REPO / ".git").exists() or (_REPO / "pyproject.toml").exists()
    base = _REPO if in_repo else Path.cwd()
    return base / ".cache" / "redwuye" / "neo4j"


def _cache(cache_dir: Path | None) -> Path:
    path = (cache_dir if cache_dir is not None else default_cache_dir()).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise Neo4jLocalError(
            f"`{name}` is not on PATH; the local Neo4j server needs Java 17+ and Maven"
        )
    return found


@contextlib.contextmanager
def _locked(lock_file: Path) -> Iterator[None]:
    with open(lock_file, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_jars(cache_dir: Path) -> Path:
    """Fetch the Neo4j jars with Maven, once per pom content.

    Parameters
    ----------
    cache_dir : Path
        Cache directory; the jars go to ``cache_dir/lib``.

    Returns
    -------
    Path
        The directory holding the jars (for ``java -cp '<lib>/*'``).

    Raises
    ------
    Neo4jLocalError
        If the pom is missing, ``mvn`` is not on PATH, or Maven fails.
    """
    return _fetch(_POM, _cache(cache_dir), "lib", "neo4j-bolt-*.jar")


def ensure_plugins(cache_dir: Path) -> Path:
    """Fetch the server's plugins (APOC core) with Maven, once per pom content, into
    ``cache_dir/plugins``; return that folder."""
    return _fetch(_PLUGINS_POM, _cache(cache_dir), "plugins", "apoc-core-*.jar")


def _fetch(pom: Path, cache: Path, folder: str, probe: str) -> Path:
    """Copy a pom's runtime jars into ``cache/folder`` with Maven, once per pom content
    (``probe``: a jar that must be among them)."""
    if not pom.is_file():
        raise Neo4jLocalError(f"{pom} not found; the local server needs a source checkout")
    lib = cache / folder
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    marker = lib / _MARKER
    if marker.is_file() and marker.read_text().strip() == digest:
        return lib
    with _locked(cache / (".jars.lock" if folder == "lib" else f".{folder}.lock")):
        if marker.is_file() and marker.read_text().strip() == digest:
            return lib  # another process finished while we waited
        mvn = _tool("mvn")
        tmp = cache / f"{folder}.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        cmd = [
            mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(pom),
            "dependency:copy-dependencies", f"-DoutputDirectory={tmp}",
        ]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not any(tmp.glob(probe)):
            out = (proc.stdout + proc.stderr).strip()[-3000:]
            raise Neo4jLocalError(f"fetching Neo4j jars failed ({shlex.join(cmd)}):\n{out}")
        (tmp / _MARKER).write_text(digest + "\n")
        if lib.is_symlink():
            lib.unlink()
        shutil.rmtree(lib, ignore_errors=True)
        tmp.rename(lib)
    return lib


def scratch_cache(directory: Path) -> Path:
    """Make ``directory`` a cache for a throw-away server that shares the default jars.

    The server started from it has its own database, so tests and benchmarks never
    touch a server a user started with ``redwuye neo4j start``.

    Parameters
    ----------
    directory : Path
        An empty directory.

    Returns
    -------
    Path
        ``directory``, with ``lib`` and ``plugins`` linked to the default cache's.
    """
    for folder in (ensure_jars(default_cache_dir()), ensure_plugins(default_cache_dir())):
        (directory / folder.name).symlink_to(folder, target_is_directory=True)
    return directory


def _pid_file(cache: Path) -> Path:
    return cache / "neo4j.pid"


def _alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    cmdline = Path(f"/proc/{pid}/cmdline")
    if Path("/proc/self").exists():
        # Linux: also rules out zombies (empty cmdline) and a recycled pid.
        try:
            return b"LocalNeo4j" in cmdline.read_bytes()
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def status(cache_dir: Path | None = None) -> LocalNeo4j | None:
    """Return the server running from this cache directory, if any.

    Parameters
    ----------
    cache_dir : Path, optional
        Cache directory; default :func:`default_cache_dir`.

    Returns
    -------
    LocalNeo4j or None
        The running server, or None (a stale pid file is removed).
    """
    cache = _cache(cache_dir)
    pid_file = _pid_file(cache)
    try:
        info = json.loads(pid_file.read_text())
    except (OSError, ValueError):
        return None
    if not _alive(int(info["pid"])):
        pid_file.unlink(missing_ok=True)
        return None
    return LocalNeo4j(
        uri=info["uri"],
        pid=int(info["pid"]),
        home=Path(info["home"]),
        bolt_port=int(info["bolt_port"]),
        log_file=cache / "neo4j.log",
        http_port=info.get("http_port"),
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def start(
    cache_dir: Path | None = None,
    bolt_port: int = 7687,
    *,
    detach: bool = True,
    timeout: float = 180,
    http_port: int | None = None,
) -> LocalNeo4j:
    """Start the local server, or return the one already running from this cache.

    Parameters
    ----------
    cache_dir : Path, optional
        Cache directory; default :func:`default_cache_dir`.
    bolt_port : int
        Bolt port on 127.0.0.1; 0 picks a free port (or accepts the running server's).
    detach : bool
        True: the server outlives this Python process (own session; stop it with
        :func:`stop`). False: it shuts down when this process exits (it watches a
        stdin pipe held by this process).
    timeout : float
        Seconds to wait for the server to accept Bolt connections.
    http_port : int, optional
        Also serve HTTP (and Neo4j Browser) on this port of 127.0.0.1; 0 picks a free
        port; None: no HTTP.

    Returns
    -------
    LocalNeo4j
        The running server.

    Raises
    ------
    Neo4jLocalError
        If Java/Maven are missing, the port is taken, or the server does not come up.
    """
    cache = _cache(cache_dir)
    with _locked(cache / ".start.lock"):
        return _start_locked(cache, bolt_port, detach, timeout, http_port)


def _start_locked(cache: Path, bolt_port: int, detach: bool, timeout: float,
                  http_port: int | None) -> LocalNeo4j:
    current = status(cache)
    if current is not None:
        if bolt_port in (0, current.bolt_port) and (
                http_port is None or http_port in (0, current.http_port)):
            return current
        if bolt_port in (0, current.bolt_port):
            raise Neo4jLocalError(
                f"a local Neo4j server from {cache} already runs without HTTP on port "
                f"{http_port} (pid {current.pid}); stop it first")
        raise Neo4jLocalError(
            f"a local Neo4j server from {cache} already runs on port {current.bolt_port} "
            f"(pid {current.pid}); stop it first"
        )
    java = _tool("java")
    lib = ensure_jars(cache)
    plugins = ensure_plugins(cache)
    port = bolt_port or _free_port()
    http = None if http_port is None else (http_port or _free_port())
    for taken in (port, http):
        if taken is not None and _port_in_use(taken):
            raise Neo4jLocalError(f"port {taken} on 127.0.0.1 is already in use by another "
                                  "program")
    home = cache / "home"
    log_file = cache / "neo4j.log"
    opts = shlex.split(os.environ.get("REDWUYE_NEO4J_JAVA_OPTS", "")) or _JAVA_OPTS
    # The plugins also go on the class path, as a server's launcher puts them: their
    # kernel extensions (APOC's configuration) load from there.
    classpath = os.pathsep.join(f"{folder}{os.sep}*" for folder in (lib, plugins))
    cmd = [java, *opts, "-cp", classpath, str(_PROGRAM)]
    cmd += ["--home", str(home), "--bolt-port", str(port), "--plugins", str(plugins)]
    if http is not None:
        cmd += ["--http-port", str(http)]
    if not detach:
        cmd.append("--watch-stdin")
    with open(log_file, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=cache,
            stdin=subprocess.DEVNULL if detach else subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=detach,
        )
    _children[proc.pid] = proc
    deadline = time.monotonic() + timeout
    while _READY not in _tail(log_file, 1 << 20) or (http is not None
                                                     and not _port_in_use(http)):
        if proc.poll() is not None:
            _children.pop(proc.pid, None)
            raise Neo4jLocalError(
                f"Neo4j exited with code {proc.returncode}; {log_file}:\n{_tail(log_file)}"
            )
        if time.monotonic() > deadline:
            _terminate(proc.pid)
            raise Neo4jLocalError(
                f"Neo4j not ready after {timeout:.0f} s; {log_file}:\n{_tail(log_file)}"
            )
        time.sleep(0.2)
    server = LocalNeo4j(f"bolt://127.0.0.1:{port}", proc.pid, home, port, log_file, http)
    info = {
        "pid": proc.pid,
        "bolt_port": port,
        "http_port": http,
        "uri": server.uri,
        "home": str(home),
        "detached": detach,
    }
    tmp = _pid_file(cache).with_suffix(".tmp")
    tmp.write_text(json.dumps(info) + "\n")
    tmp.replace(_pid_file(cache))
    return server


def _terminate(pid: int, grace: float = 60) -> None:
    """SIGTERM ``pid`` (clean Neo4j shutdown), SIGKILL after ``grace`` seconds."""
    child = _children.pop(pid, None)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if child is not None:
        try:
            child.wait(grace)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if child.stdin is not None:
            child.stdin.close()
        return
    deadline = time.monotonic() + grace
    while _alive(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.2)


def stop(cache_dir: Path | None = None) -> bool:
    """Stop the server running from this cache directory.

    Parameters
    ----------
    cache_dir : Path, optional
        Cache directory; default :func:`default_cache_dir`.

    Returns
    -------
    bool
        True if a server was stopped, False if none was running.
    """
    cache = _cache(cache_dir)
    current = status(cache)
    if current is None:
        return False
    _terminate(current.pid)
    _pid_file(cache).unlink(missing_ok=True)
    return True


@contextlib.contextmanager
def running(
    cache_dir: Path | None = None,
    bolt_port: int = 0,
    *,
    timeout: float = 180,
) -> Iterator[LocalNeo4j]:
    """Run a server for the duration of a ``with`` block (e.g. a pytest fixture).

    The server is started non-detached, so it also dies with this process. If a
    server from this cache directory is already running (and ``bolt_port`` is 0 or
    its port), it is reused and left running on exit.

    Parameters
    ----------
    cache_dir : Path, optional
        Cache directory; default :func:`default_cache_dir`.
    bolt_port : int
        Bolt port on 127.0.0.1; 0 picks a free port.
    timeout : float
        Seconds to wait for the server to come up.

    Yields
    ------
    LocalNeo4j
        The running server.
    """
    before = status(cache_dir)
    server = start(cache_dir, bolt_port, detach=False, timeout=timeout)
    try:
        yield server
    finally:
        if before is None or before.pid != server.pid:
            stop(cache_dir)


def shell_command(cache_dir: Path | None = None, args: list[str] | None = None) -> list[str]:
    """The command that runs Neo4j's cypher-shell against the running local server.

    Parameters
    ----------
    cache_dir : Path, optional
        Cache directory of the server; default :func:`default_cache_dir`.
    args : list of str, optional
        More cypher-shell arguments (``-f FILE``, ``--param``, a query, ...).

    Raises
    ------
    Neo4jLocalError
        If no server runs from the cache, or Java/Maven are missing.
    """
    cache = _cache(cache_dir)
    server = status(cache)
    if server is None:
        hint = "" if cache_dir is None else f" --cache {shlex.quote(str(cache_dir))}"
        raise Neo4jLocalError(f"no local Neo4j runs from {cache}; start one with "
                              f"'redwuye neo4j start{hint}'")
    java = _tool("java")
    lib = _fetch(_SHELL_POM, cache, "shell-lib", "cypher-shell-*.jar")
    return [java, "-cp", f"{lib}{os.sep}*", _SHELL_MAIN, "-a", server.uri, *(args or [])]


def admin_command(cache_dir: Path | None = None, args: list[str] | None = None
                  ) -> tuple[list[str], dict[str, str]]:
    """The command and environment that run Neo4j's neo4j-admin on the local server's home.

    Parameters
    ----------
    cache_dir : Path, optional
        Cache directory of the server; default :func:`default_cache_dir`.
    args : list of str, optional
        neo4j-admin's arguments (``database import full neo4j --nodes=...``).

    Raises
    ------
    Neo4jLocalError
        If Java/Maven are missing, or ``args`` import while the server runs.
    """
    cache = _cache(cache_dir)
    args = list(args or [])
    server = status(cache)
    if server is not None and args[:2] == ["database", "import"]:
        hint = "" if cache_dir is None else f" --cache {shlex.quote(str(cache_dir))}"
        raise Neo4jLocalError(f"the local Neo4j from {cache} runs (pid {server.pid}); an "
                              f"import needs it stopped: 'redwuye neo4j stop{hint}'")
    java = _tool("java")
    lib = ensure_jars(cache)
    home = cache / "home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "NEO4J_HOME": str(home)}
    return [java, "-cp", f"{lib}{os.sep}*", _ADMIN_MAIN, *args], env
