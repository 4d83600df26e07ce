"""A Parquet table of finished runs that grows as runs finish and is never left unreadable.

The table is a folder of Parquet parts, ``runs.parquet/part-NNNNNNNN.parquet``: a dataset
that pandas, pyarrow and DuckDB read whole (``pd.read_parquet("OUT/runs.parquet")``).
Each :meth:`RunTable.flush` writes the queued rows as a new part (a temporary file beside
it, synced, then renamed: :func:`~redwuye_graph.files.write_atomic`), so writing a run
costs the same however many runs the table holds. Parts are merged :data:`FANOUT` at a
time once that many of about the same size pile up (a row is rewritten about
log_FANOUT(runs) times; 10,000 runs stay in a few dozen parts), and :meth:`RunTable.close`
merges them into one part sorted by run. A merged part is renamed in before the parts it
replaces are removed, and a run found in two parts is read once, so a crash at any point
leaves every row written before it readable. A table an older version wrote as one file
is read as it is and becomes a folder at the first flush.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "runs.parquet"
>>> table = RunTable(path)
>>> table.add({"run": 0, "x": 1.5})
>>> table.flush()
>>> RunTable(path).done()
{0}
>>> read_table(path)["x"].tolist()
[1.5]
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from redwuye_graph.files import write_atomic

__all__ = ["FANOUT", "RunTable", "read_table"]

#: Parts of about the same size (the same power of FANOUT rows) merged into one at a time.
FANOUT = 8
_PART = "part-{:08d}.parquet"


def _parts(path: Path) -> list[Path]:
    """The parts of the table folder ``path``, oldest first (temporary files left out)."""
    return sorted(path.glob("part-*.parquet"))


def _read(paths: list[Path]) -> pd.DataFrame:
    """The rows of ``paths`` (files, oldest first), one per run, sorted by run."""
    frames = [f for f in map(pd.read_parquet, paths) if len(f)]
    if not frames:
        return pd.DataFrame()
    frame = pd.concat(frames, ignore_index=True)
    # a run in two parts (a merge cut short before removing its sources): the same row
    frame = frame.drop_duplicates("run", keep="last").sort_values("run", kind="stable")
    return frame.reset_index(drop=True)


def _legacy(path: Path) -> Path:
    """Where a one-file table waits while it becomes a folder."""
    return path.with_name(f".{path.name}.file")


def _tier(rows: int) -> int:
    """The size tier of a part: ``floor(log_FANOUT(rows))``."""
    tier = 0
    while rows >= FANOUT:
        rows //= FANOUT
        tier += 1
    return tier


def read_table(path: Path) -> pd.DataFrame:
    """Every row of the table at ``path`` (a folder of parts, or an older single file),
    one per run, sorted by run; empty if there is none."""
    path = Path(path)
    if not path.exists() and _legacy(path).is_file():  # stopped while becoming a folder
        return _read([_legacy(path)])
    if path.is_file():
        return _read([path])
    return _read(_parts(path)) if path.is_dir() else pd.DataFrame()


class RunTable:
    """Rows of finished runs (one per run, keyed by the ``run`` column) in a folder of
    Parquet parts.

    Parameters
    ----------
    path : the table's folder; rows already in it are kept.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        legacy = _legacy(self.path)
        if legacy.is_file():  # stopped while becoming a folder: before or after the swap
            if self.path.exists():
                legacy.unlink()
            else:
                os.rename(legacy, self.path)
        old = read_table(self.path)
        self._done = set(old["run"].astype(int)) if len(old) else set()
        self._sizes = ({p: pq.read_metadata(p).num_rows for p in _parts(self.path)}
                       if self.path.is_dir() else {})
        self._new: list[dict[str, Any]] = []

    def done(self) -> set[int]:
        """Ids of the runs in the table (written or waiting to be)."""
        return self._done | {int(row["run"]) for row in self._new}

    def add(self, row: dict[str, Any]) -> None:
        """Queue one run's row; it reaches the folder at the next :meth:`flush`."""
        self._new.append(row)

    def flush(self) -> None:
        """Write the queued rows as a new part, atomically, then merge parts that piled up."""
        if not self._new:
            return
        frame = pd.DataFrame(self._new).sort_values("run", kind="stable")
        if self.path.is_file():
            self._to_folder(frame)
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            self._write(frame)
            self._merge_tiers()
        self._done |= set(frame["run"].astype(int))
        self._new = []

    def close(self) -> None:
        """Flush, then merge every part into one, sorted by run."""
        self.flush()
        if len(self._sizes) > 1:
            self._merge(list(self._sizes))

    def _write(self, frame: pd.DataFrame) -> None:
        """Write ``frame`` as the newest part."""
        newest = max((int(p.stem.removeprefix("part-")) for p in self._sizes), default=-1)
        part = self.path / _PART.format(newest + 1)
        write_atomic(part, lambda handle: frame.to_parquet(handle, index=False))
        self._sizes[part] = len(frame)

    def _merge(self, parts: list[Path]) -> None:
        """Replace ``parts`` by one part holding their rows."""
        self._write(_read(parts))
        for part in parts:
            part.unlink()
            del self._sizes[part]

    def _merge_tiers(self) -> None:
        """Merge the newest :data:`FANOUT` parts while they are of one size tier."""
        while len(self._sizes) >= FANOUT:
            newest = list(self._sizes)[-FANOUT:]
            if len({_tier(self._sizes[p]) for p in newest}) > 1:
                return
            self._merge(newest)

    def _to_folder(self, frame: pd.DataFrame) -> None:
        """Turn the one-file table of an older version into a folder holding its rows and
        ``frame``'s: built aside, then swapped in (:func:`read_table` finishes a swap that
        was cut short)."""
        rows = _read([self.path])
        built = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.", dir=self.path.parent))
        try:
            whole = pd.concat([rows, frame], ignore_index=True).sort_values("run", kind="stable")
            write_atomic(built / _PART.format(0),
                         lambda handle: whole.to_parquet(handle, index=False))
            os.rename(self.path, _legacy(self.path))
            os.rename(built, self.path)
        except BaseException:
            shutil.rmtree(built, ignore_errors=True)
            raise
        _legacy(self.path).unlink()
        self._sizes = {self.path / _PART.format(0): len(whole)}
