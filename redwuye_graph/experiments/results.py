"""A Parquet table of finished runs that grows as runs finish and is never left unreadable.

Parquet cannot be appended in place, so each batch rewrites the whole file: the rows so
far plus the new ones go to a temporary file in the same folder, which is flushed to
disk and then renamed over the old one (:func:`~redwuye_graph.files.write_atomic`). A
crash at any point leaves either the previous or the new table, both complete.

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
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from redwuye_graph.files import write_atomic

__all__ = ["RunTable"]


class RunTable:
    """Rows of finished runs (one per run, keyed by the ``run`` column) in one Parquet file.

    Parameters
    ----------
    path : the Parquet file; rows already in it are kept.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.frame = pd.read_parquet(self.path) if self.path.exists() else pd.DataFrame()
        self._new: list[dict[str, Any]] = []

    def done(self) -> set[int]:
        """Ids of the runs in the table (written or waiting to be)."""
        old = set(self.frame["run"].astype(int)) if len(self.frame) else set()
        return old | {int(row["run"]) for row in self._new}

    def add(self, row: dict[str, Any]) -> None:
        """Queue one run's row; it reaches the file at the next :meth:`flush`."""
        self._new.append(row)

    def flush(self) -> None:
        """Write the table with the queued rows, atomically, sorted by run."""
        if not self._new:
            return
        frames = [f for f in (self.frame, pd.DataFrame(self._new)) if len(f)]
        frame = pd.concat(frames, ignore_index=True).sort_values("run", kind="stable")
        frame = frame.reset_index(drop=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, lambda handle: frame.to_parquet(handle, index=False))
        self.frame, self._new = frame, []
