"""Executors: run one function over many items, serially, in a process pool or on Dask.

Every executor is a context manager with the same :meth:`Executor.imap`, which yields
``(index, value, error)`` as items finish (in any order). A failing item yields its
error and costs nothing else:

- ``serial``: in this process, in order;
- ``local``: a pool of worker processes (``spawn``: no global start method is set). A
  worker that dies breaks Python's pool; the pool is replaced and the items that were in
  flight are run again one at a time, so only the item that kills its worker fails.
  The workers die with the process that started them, even when it is SIGKILLed
  (:func:`~redwuye_graph.files.die_with_parent`; the kernel watches the thread that
  submits, so use the executor from a thread that outlives it);
- ``dask``: a ``distributed.LocalCluster`` started for the run (scheduler, workers and
  dashboard on 127.0.0.1 only), or, with ``dask=tcp://host:8786``, an existing scheduler
  (one that does not answer in 5 s is an error). Dask reschedules the items of a
  dead worker; an item that keeps killing workers fails with ``KilledWorker``.

Examples
--------
>>> with make_executor("serial") as ex:
...     sorted(ex.imap(abs, [-2, 3]))
[(0, 2, None), (1, 3, None)]
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any, Self

from redwuye_graph.extras import require
from redwuye_graph.files import die_with_parent

__all__ = ["EXECUTORS", "DaskExecutor", "Executor", "LocalExecutor", "SerialExecutor",
           "make_executor"]

#: Executor kinds accepted by :func:`make_executor` (``dask`` also as ``dask=ADDRESS``).
EXECUTORS = ("serial", "local", "dask")

#: Where a Dask LocalCluster (scheduler, workers, dashboard) listens: this machine only.
LOOPBACK = "127.0.0.1"
#: How long to wait for a Dask scheduler given by address.
CONNECT_SECONDS = 5

#: What :meth:`Executor.imap` yields: item index, value (``None`` on error), error text.
Done = tuple[int, Any, str | None]


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class Executor:
    """Base of the executors: a context manager that maps a function over items."""

    name = "executor"
    workers = 1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Release workers and connections."""

    def imap(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[Done]:
        """Yield ``(index, fn(items[index]), None)`` or ``(index, None, error)`` as done."""
        raise NotImplementedError


class SerialExecutor(Executor):
    """Runs every item in this process, in order."""

    name = "serial"

    def imap(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[Done]:
        """Yield ``(index, fn(items[index]), None)`` or ``(index, None, error)`` as done."""
        for i, item in enumerate(items):
            try:
                value = fn(item)
            except Exception as exc:
                yield i, None, _error(exc)
            else:
                yield i, value, None


def _start_worker(parent: int) -> None:
    """First thing in a pool worker: die with ``parent``, also if it is already gone."""
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the kernel was asked to watch it
        os._exit(1)


class LocalExecutor(Executor):
    """A pool of ``workers`` processes on this machine (default: one per core)."""

    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1
        self._context = multiprocessing.get_context("spawn")
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=self._context,
                                   initializer=_start_worker, initargs=(os.getpid(),))

    def close(self) -> None:
        """Stop the worker processes."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _renew(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = self._new_pool()

    def _submit(self, fn: Callable[[Any], Any], items: Sequence[Any], queue: deque[int],
                running: dict[Future[Any], tuple[int, bool]], alone: bool) -> bool:
        """Submit the item at the head of ``queue``; False if the pool broke since the last wait.

        The item then stays at the head of ``queue`` (it never ran); the futures in flight
        report the break, or with none in flight the pool is replaced here.
        """
        i = queue.popleft()
        try:
            running[self._pool.submit(fn, items[i])] = (i, alone)
        except BrokenProcessPool:
            queue.appendleft(i)
            if not running:
                self._renew()
            return False
        return True

    def imap(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[Done]:
        """Yield ``(index, fn(items[index]), None)`` or ``(index, None, error)`` as done.

        At most ``workers`` items are in flight. After a worker death the items that were
        in flight become suspects and run alone: one that kills its worker alone fails.
        """
        pending = deque(range(len(items)))
        suspects: deque[int] = deque()
        running: dict[Future[Any], tuple[int, bool]] = {}
        while pending or suspects or running:
            if suspects:
                if not running:
                    self._submit(fn, items, suspects, running, alone=True)
            else:
                while pending and len(running) < self.workers:
                    if not self._submit(fn, items, pending, running, alone=False):
                        break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            if any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                done = set(running)  # every future of a broken pool is finished
                self._renew()
            for future in done:
                i, alone = running.pop(future)
                exc = future.exception()
                if exc is None:
                    yield i, future.result(), None
                elif isinstance(exc, BrokenProcessPool):
                    if alone:
                        yield i, None, "worker died (BrokenProcessPool)"
                    else:
                        suspects.append(i)
                else:
                    yield i, None, _error(exc)


class DaskExecutor(Executor):
    """Dask distributed: a ``LocalCluster`` of ``workers`` processes, or a scheduler."""

    name = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None):
        dist: Any = importlib.import_module("distributed")  # untyped: keep it Any
        self.address = address
        self._cluster: Any = None
        self.client: Any
        if address is None:
            # saturation 1: a worker holds only the run it executes, so a worker's death
            # makes only that run suspect (Dask's default 1.1 queues a second one on it)
            config: Any = importlib.import_module("dask").config
            with config.set({"distributed.scheduler.worker-saturation": 1.0}):
                self._cluster = dist.LocalCluster(n_workers=workers or os.cpu_count() or 1,
                                                  threads_per_worker=1, processes=True,
                                                  host=LOOPBACK,
                                                  dashboard_address=f"{LOOPBACK}:0",
                                                  silence_logs=logging.CRITICAL)
            self.client = dist.Client(self._cluster)
        else:
            try:
                self.client = dist.Client(address, timeout=CONNECT_SECONDS)
            except (OSError, TimeoutError) as exc:
                raise ConnectionError(f"executor dask={address}: no Dask scheduler answered "
                                      f"in {CONNECT_SECONDS} s ({type(exc).__name__}); start "
                                      "one or check the address") from None
        info = self.client.scheduler_info()
        self.workers = max(1, sum(w["nthreads"] for w in info["workers"].values()))

    def close(self) -> None:
        """Disconnect; stop the cluster if this executor started it."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def imap(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[Done]:
        """Yield ``(index, fn(items[index]), None)`` or ``(index, None, error)`` as done."""
        as_completed: Any = importlib.import_module("distributed").as_completed
        futures = {self.client.submit(fn, item, pure=False): i for i, item in enumerate(items)}
        for future in as_completed(futures):
            i = futures.pop(future)
            try:  # waits if the result was lost with its worker and is being recomputed
                value = future.result()
            except Exception as exc:  # the run's own error, KilledWorker or cancelled
                yield i, None, _error(exc)
            else:
                yield i, value, None
            future.release()


def make_executor(spec: str = "serial", workers: int | None = None) -> Executor:
    """An executor from its command-line name: ``serial``, ``local``, ``dask[=ADDRESS]``.

    Parameters
    ----------
    spec : executor kind; ``dask=tcp://host:8786`` connects to an existing scheduler.
    workers : processes of ``local`` and of a ``dask`` LocalCluster (default: cores).
    """
    kind, sep, address = spec.partition("=")
    if kind not in EXECUTORS or (sep and (kind != "dask" or not address)):
        raise ValueError(f"executor {spec!r}: use serial, local, dask or dask=ADDRESS "
                         "(e.g. dask=tcp://127.0.0.1:8786)")
    if workers is not None and workers < 1:
        raise ValueError(f"workers: {workers} must be at least 1")
    if address and workers is not None:
        raise ValueError("workers: a running scheduler has its own workers; give --workers "
                         "only with local or dask")
    if kind == "serial":
        return SerialExecutor()
    if kind == "local":
        return LocalExecutor(workers)
    require("executor dask", "dask")
    return DaskExecutor(address or None, workers)
