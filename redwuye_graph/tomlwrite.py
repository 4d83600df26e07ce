"""A small TOML writer for the files the package writes (Python reads TOML, not writes it).

Tables of scalars: strings, booleans, integers and floats (``nan`` and ``inf`` too), one
level deep, with an optional comment after a table's header, then arrays of such tables
(``[[policy]]``). What it writes reads back with :mod:`tomllib` to the same values.

Examples
--------
>>> text = dumps({"params": {"wage": 4200, "shirk": 0.25, "name": 'a "b"'}},
...              comments={"params": "best fit"})
>>> print(text, end="")
[params]  # best fit
wage = 4200
shirk = 0.25
name = "a \\"b\\""
>>> import tomllib
>>> tomllib.loads(text)["params"]["shirk"]
0.25
>>> print(dumps({}, arrays={"policy": [{"kind": "a"}, {"kind": "b", "share": 0.5}]}), end="")
[[policy]]
kind = "a"
<BLANKLINE>
[[policy]]
kind = "b"
share = 0.5
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence

__all__ = ["Scalar", "dumps"]

#: The values a table may hold.
Scalar = str | bool | int | float

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _key(key: str) -> str:
    return key if _BARE.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    # JSON's escapes are TOML basic-string escapes; TOML also wants DEL escaped
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return _string(value)
    raise TypeError(f"cannot write {value!r} ({type(value).__name__}) as a TOML scalar")


def dumps(tables: Mapping[str, Mapping[str, Scalar]],
          comments: Mapping[str, str] | None = None,
          arrays: Mapping[str, Sequence[Mapping[str, Scalar]]] | None = None) -> str:
    """TOML text of ``tables``: name -> key -> scalar.

    Parameters
    ----------
    tables : the tables, written in order.
    comments : table name -> a comment written after its header.
    arrays : name -> a list of tables, each written as ``[[name]]`` after ``tables``.

    Returns
    -------
    str
        The text, one ``key = value`` line per entry, a blank line between tables.
    """
    comments = comments or {}
    if any("\n" in c or "\r" in c for c in comments.values()):
        raise ValueError("a TOML comment is one line")
    parts = []
    headed = [(f"[{_key(name)}]" + (f"  # {comments[name]}" if name in comments else ""),
               table) for name, table in tables.items()]
    headed += [(f"[[{_key(name)}]]", table) for name, items in (arrays or {}).items()
               for table in items]
    for header, table in headed:
        lines = [header, *(f"{_key(k)} = {_value(v)}" for k, v in table.items())]
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)
