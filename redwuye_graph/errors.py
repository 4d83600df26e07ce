"""Errors that name where the problem is: file, row and field."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["ConflictError", "LockedError", "Problem", "RunError", "StoreError", "ValidationError",
           "one_line", "printable"]


def printable(text: str) -> str:
    r"""``text`` safe for a terminal: control and format characters (escape sequences, NUL,
    bidirectional overrides) written as ``\xNN`` / ``\uNNNN``; line breaks kept.

    Examples
    --------
    >>> printable("id 'E1\x1b[2J'\nnext")
    "id 'E1\\x1b[2J'\nnext"
    """
    def safe(ch: str) -> str:
        if ch == "\n" or unicodedata.category(ch)[0] != "C":
            return ch
        return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"

    return "".join(map(safe, text))


def one_line(text: str) -> str:
    """:func:`printable` ``text`` on one line (line breaks become ``; ``)."""
    return "; ".join(line.strip() for line in printable(text).splitlines() if line.strip())


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as the input allows.

    ``where`` is a file name (roster) or an element such as ``Estate E0001``;
    ``row`` is the 1-based line number in that file (the header is line 1).
    """

    where: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        loc = self.where
        if self.row is not None:
            loc += f", row {self.row}"
        if self.field:
            loc += f", field {self.field!r}"
        return f"{loc}: {self.message}"


class ValidationError(ValueError):
    """The input breaks the schema; ``problems`` lists every problem found, sorted (one
    problem is one line: ``WHERE: MESSAGE; nothing was written``)."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.where, p.row or 0, p.field or ""))
        shown = "\n".join(f"  {p}" for p in self.problems[:200])
        more = len(self.problems) - 200
        tail = f"\n  … and {more} more" if more > 0 else ""
        if len(self.problems) == 1:
            super().__init__(f"{self.problems[0]}; nothing was written")
        else:
            super().__init__(f"{len(self.problems)} problem(s), nothing was written:\n"
                             f"{shown}{tail}")


class StoreError(RuntimeError):
    """A store cannot be opened or reached; the message says what would be right."""


class LockedError(RuntimeError):
    """What is asked for (a store, an output folder) is held by another process."""


class RunError(RuntimeError):
    """A run of a simulation, sweep, calibration or attribution failed; the message names
    the scenario file, the run (trial) and its seeds, then the run's own error."""


class ConflictError(ValueError):
    """The store holds other versions of the roster's nodes; ``differences`` says which."""

    def __init__(self, uri: str, differences: list[str]):
        self.differences = differences
        shown = "\n".join(f"  {d}" for d in differences[:20])
        more = f"\n  … and {len(differences) - 20} more" if len(differences) > 20 else ""
        super().__init__(
            f"{uri} already holds other versions of this roster's nodes; nothing was written. "
            f"Load with --replace to make the store exactly this roster, or --merge to add "
            f"it and overwrite what it names (stale relationships stay). "
            f"{len(differences)} difference(s):\n{shown}{more}")
