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

__all__ = ["ENV", "city", "serve", "served"]

#: Environment variables that pass the city's source from :func:`serve` to the page.
ENV = {"preset": "REDWUYE_DASHBOARD_PRESET", "store": "REDWUYE_DASHBOARD_STORE",
       "graph_seed": "REDWUYE_DASHBOARD_GRAPH_SEED"}


@cache
def city() -> CityGraph:
    """The dashboard's city, built once per server process from :data:`ENV`.

    Returns
    -------
    CityGraph
        The city of the store in ``REDWUYE_DASHBOARD_STORE`` if set, else the preset in
        ``REDWUYE_DASHBOARD_PRESET`` (default ``district``) generated with the seed in
        ``REDWUYE_DASHBOARD_GRAPH_SEED`` (default 1).
    """
    store = os.environ.get(ENV["store"])
    if store:
        from redwuye_graph.store import open_store

        if store.startswith("embedded:") and not Path(store.removeprefix("embedded:")).exists():
            raise StoreError(f"no store at {store.removeprefix('embedded:')}; create one with "
                             f"'redwuye load ROSTERS --store {store}'")
        with open_store(store) as db:
            return db.read()
    name = check_preset(os.environ.get(ENV["preset"], DEFAULT_PRESET), "--preset")
    return generate(name, seed=int(os.environ.get(ENV["graph_seed"], "1")))


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

    run.main(["redwuye_graph.dashboard.page", "--host", host, "--port", str(port),
              "--production", "--no-open", "--log-level", "warning"], standalone_mode=False)


@contextmanager
def served(preset: str = DEFAULT_PRESET, timeout: float = 120) -> Iterator[str]:
    """Run ``redwuye dashboard --preset PRESET`` in a child process on a free port.

    Yields the page's URL once the server accepts connections; stops the server on
    exit. Raises ``RuntimeError`` with the server's output if it does not come up.
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
                        output = log.read().decode(errors="replace")
                        raise RuntimeError(f"the dashboard did not start in {timeout:.0f} s:"
                                           f"\n{output[-3000:]}") from None
                    time.sleep(0.3)
            yield f"http://127.0.0.1:{port}/"
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
