"""Start the dashboard's Solara server for a generated preset or a store's city."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.errors import StoreError
from redwuye_graph.generate import DEFAULT_PRESET, check_preset, generate

__all__ = ["ENV", "city", "page_url", "serve", "served", "source"]

#: Environment variables that pass the city's source from :func:`serve` to the page.
ENV = {"preset": "REDWUYE_DASHBOARD_PRESET", "store": "REDWUYE_DASHBOARD_STORE",
       "graph_seed": "REDWUYE_DASHBOARD_GRAPH_SEED"}


def source() -> dict[str, str | int]:
    """Where the dashboard's city comes from, as a scenario file names it (from :data:`ENV`).

    Returns
    -------
    dict
        ``{"store": URI}`` if ``REDWUYE_DASHBOARD_STORE`` is set, else ``{"preset": NAME,
        "graph_seed": SEED}`` from ``REDWUYE_DASHBOARD_PRESET`` (default ``district``) and
        ``REDWUYE_DASHBOARD_GRAPH_SEED`` (default 1).
    """
    store = os.environ.get(ENV["store"])
    if store:
        return {"store": store}
    return {"preset": check_preset(os.environ.get(ENV["preset"], DEFAULT_PRESET), "--preset"),
            "graph_seed": int(os.environ.get(ENV["graph_seed"], "1"))}


@cache
def city() -> CityGraph:
    """The dashboard's city, built once per server process: the store's or the generated
    preset of :func:`source`."""
    where = source()
    if "store" in where:
        from redwuye_graph.store import open_store

        store = str(where["store"])
        if store.startswith("embedded:") and not Path(store.removeprefix("embedded:")).exists():
            raise StoreError(f"no store at {store.removeprefix('embedded:')}; create one with "
                             f"'redwuye load ROSTERS --store {store}'")
        with open_store(store) as db:
            return db.read()
    return generate(str(where["preset"]), seed=int(where["graph_seed"]))


#: Loopback addresses the page is opened on by the name ``localhost``: browsers treat
#: http://localhost as a secure context, so Solara sets its session cookie Secure with
#: SameSite=None there; on http://127.0.0.1 it falls back to SameSite=Lax and warns.
_LOOPBACK = ("127.0.0.1", "localhost")


def page_url(host: str, port: int) -> str:
    """The URL to open the dashboard served on ``host``:``port`` (``localhost`` for the
    loopback address)."""
    return f"http://{'localhost' if host in _LOOPBACK else host}:{port}/"


def serve(preset: str | None = None, store: str | None = None, graph_seed: int = 1,
          host: str = "127.0.0.1", port: int = 8765) -> None:
    """Build the city, then serve the dashboard until interrupted.

    Parameters
    ----------
    preset : a generator preset (default
        :data:`~redwuye_graph.generate.DEFAULT_PRESET` when no store is given).
    store : a store URI to read the city from, instead of a preset.
    graph_seed : seed of the generated city.
    host, port : where the server listens.
    """
    if preset is not None and store is not None:
        raise ValueError("give --preset or --store, not both")
    os.environ[ENV["preset"]] = preset or DEFAULT_PRESET
    os.environ[ENV["graph_seed"]] = str(graph_seed)
    os.environ.pop(ENV["store"], None)
    if store is not None:
        os.environ[ENV["store"]] = store
    city.cache_clear()
    city()  # fail here, on the command line, rather than in the page
    from solara.__main__ import run

    # the name localhost binds 127.0.0.1 and is what Solara prints to open
    run.main(["redwuye_graph.dashboard.page", "--host",
              "localhost" if host in _LOOPBACK else host, "--port", str(port),
              "--production", "--no-open", "--log-level", "warning"], standalone_mode=False)


@contextmanager
def served(preset: str = DEFAULT_PRESET, timeout: float = 120,
           output: list[str] | None = None) -> Iterator[str]:
    """Run ``redwuye dashboard --preset PRESET`` in a child process on a free port.

    Yields the page's URL once the server accepts connections; stops the server on
    exit, then appends what it printed to ``output`` when given. Raises ``RuntimeError``
    with the server's output if it does not come up.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    command = [str(Path(sys.executable).with_name("redwuye")), "dashboard", "--preset", preset,
               "--http-port", str(port)]
    # The log is a file, not a pipe, so a chatty server never blocks on a full pipe.
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                  env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        server.kill()
                        server.wait()
                        log.seek(0)
                        printed = log.read().decode(errors="replace")
                        raise RuntimeError(f"the dashboard did not start in {timeout:.0f} s:"
                                           f"\n{printed[-3000:]}") from None
                    time.sleep(0.3)
            yield page_url("127.0.0.1", port)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            if output is not None:
                log.seek(0)
                output.append(log.read().decode(errors="replace"))
