"""The vectorised engine agrees in distribution with the per-household reference model,
and the comparison has teeth: each mutant of the reference (one household rule changed)
is told apart from the engine. The cities, outcomes and test: ``tests/equivalence.py``;
the power of the test per outcome: ``benchmarks/equivalence_power.py``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from equivalence import CITIES, disagreements, sample

#: (city, name, parameter changes of the reference): each a rule the engine must not
#: silently drift from. The first two got through the earlier, single-city test. Smaller
#: changes the test does not catch: ``benchmarks/equivalence_power.py``.
MUTANTS: list[tuple[str, str, dict[str, Any]]] = [
    ("mini", "escalation after 13 days, not 10", {"escalation_days": 13}),
    ("mini", "parking hard share 0.45, not 0.6", {"hard_parking": 0.45}),
    ("mini", "satisfaction gains halved", {"sat_quick": 0.05, "sat_late": 0.015}),
    ("stress", "abandoned after 50 days, not 60", {"max_age_days": 50}),
    ("broke", "report share 0.5, not 0.6", {"report_base": 0.5}),
]


@pytest.fixture(scope="module")
def engines() -> dict[str, dict[str, np.ndarray]]:
    return {city: sample(city, False) for city in CITIES}


@pytest.mark.slow
@pytest.mark.parametrize("city", list(CITIES))
def test_engine_agrees_with_reference(engines: dict[str, dict[str, np.ndarray]],
                                      city: str) -> None:
    engine = engines[city]
    assert engine["filed"].mean() > 100  # the outcomes are not trivially zero
    assert engine["settled_escalation"].mean() > 0
    assert disagreements(engine, sample(city, True)) == []


@pytest.mark.slow
def test_the_cities_reach_the_regimes_they_are_for(
        engines: dict[str, dict[str, np.ndarray]]) -> None:
    stress, broke = engines["stress"], engines["broke"]
    assert stress["tenders"].mean() > 0 and stress["settled_meeting"].mean() > 0
    assert stress["abandoned"].mean() > 0
    assert broke["exits"].mean() > 0


@pytest.mark.slow
@pytest.mark.parametrize(("city", "name", "changes"), MUTANTS, ids=[m[1] for m in MUTANTS])
def test_the_equivalence_test_catches_a_mutant(engines: dict[str, dict[str, np.ndarray]],
                                               city: str, name: str,
                                               changes: dict[str, Any]) -> None:
    assert disagreements(engines[city], sample(city, True, changes)) != [], name
