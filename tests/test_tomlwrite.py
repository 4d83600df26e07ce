"""The TOML writer: what it writes reads back with tomllib to the same values."""

from __future__ import annotations

import math
import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redwuye_graph.tomlwrite import dumps

_SCALARS = (st.booleans() | st.integers(-(2**63), 2**63 - 1)
            | st.floats(allow_nan=True, allow_infinity=True) | st.text())
_TABLES = st.dictionaries(st.text(min_size=1), st.dictionaries(st.text(min_size=1), _SCALARS),
                          max_size=3)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


@given(_TABLES)
def test_round_trip(tables: dict[str, dict[str, object]]) -> None:
    back = tomllib.loads(dumps(tables))  # type: ignore[arg-type]
    assert list(back) == list(tables)
    for name, table in tables.items():
        assert list(back[name]) == list(table)
        assert all(_same(v, back[name][k]) for k, v in table.items())


def test_best_toml_text_is_unchanged() -> None:
    # the text `redwuye calibrate` wrote before the writer existed
    text = dumps({"params": {"pay_intercept": 0.125, "staff": 3}},
                 comments={"params": "best fit of targets_district.toml"})
    assert text == ("[params]  # best fit of targets_district.toml\n"
                    "pay_intercept = 0.125\nstaff = 3\n")


def test_refuses_what_it_cannot_write() -> None:
    with pytest.raises(TypeError, match="as a TOML scalar"):
        dumps({"t": {"x": [1, 2]}})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="one line"):
        dumps({"t": {}}, comments={"t": "two\nlines"})


@given(_TABLES, st.lists(st.dictionaries(st.text(min_size=1), _SCALARS), max_size=4))
def test_arrays_of_tables_round_trip(tables: dict[str, dict[str, object]],
                                     items: list[dict[str, object]]) -> None:
    name = "policy_" + "_".join(tables)  # longer than, so not, any table's name
    back = tomllib.loads(dumps(tables, arrays={name: items}))  # type: ignore[dict-item]
    assert list(back) == [*tables, *([name] if items else [])]
    for got, table in zip(back.get(name, []), items, strict=True):
        assert list(got) == list(table)
        assert all(_same(v, got[k]) for k, v in table.items())
