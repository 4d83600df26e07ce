"""The vectorised engine agrees in distribution with the per-household reference model.

The test: both models run the same small city for ``DAYS`` days over ``SEEDS`` seeds
each (seeds 0..SEEDS-1; the two models draw different random numbers, so runs are
independent samples). For every outcome, the difference of the two means must lie within
``Z`` standard errors of a difference of means (Welch): ``|m_e - m_r| <= Z * sqrt(v_e/n +
v_r/n)``. ``Z = 3.29`` is a two-sided 0.1% test per outcome, so over the ~10 outcomes a
correct engine fails by chance with probability about 1%; the seeds are fixed, so the
outcome of the test itself is deterministic.
"""

from __future__ import annotations

import numpy as np
import pytest

from redwuye_graph.generate import PolicyLevels, Preset, generate
from redwuye_graph.sim import CityModel, Params

DAYS, SEEDS, Z = 150, 24, 3.29
MINI = Preset("mini", districts=1, streets=1, communities=2, estates=6, companies=3,
              mean_households=110,
              levels=PolicyLevels(owners_committee=0.5, community_member_on_owners_committee=0.5,
                                  vacuum=0.0))
OUTCOMES = ("filed", "settled", "escalated", "abandoned", "settled_company",
            "settled_escalation", "settled_meeting", "paid", "sat_end", "dissatisfied_end",
            "open_end")


def _outcomes(model: CityModel) -> dict[str, float]:
    model.run(DAYS)
    city = model.tables()["city"]
    out = {k: float(city[k].sum()) for k in OUTCOMES[:8]}
    out["sat_end"] = float(city["satisfaction"].iloc[-1])
    out["dissatisfied_end"] = float(city["dissatisfied_share"].iloc[-1])
    out["open_end"] = float(city["open"].iloc[-1])
    return out


def _sample(reference: bool, params: Params) -> dict[str, np.ndarray]:
    city = generate(MINI, seed=5)
    runs = [_outcomes(CityModel(city, params=params, seed=s, reference=reference))
            for s in range(SEEDS)]
    return {k: np.array([r[k] for r in runs]) for k in OUTCOMES}


def _disagreements(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> list[str]:
    bad = []
    for k in OUTCOMES:
        se = np.sqrt(a[k].var(ddof=1) / len(a[k]) + b[k].var(ddof=1) / len(b[k]))
        diff = abs(a[k].mean() - b[k].mean())
        if diff > Z * se and diff > 1e-12:
            bad.append(f"{k}: engine {a[k].mean():.4g} vs reference {b[k].mean():.4g} "
                       f"(|diff| {diff:.3g} > {Z} x se {se:.3g})")
    return bad


@pytest.fixture(scope="module")
def engine() -> dict[str, np.ndarray]:
    return _sample(False, Params())


@pytest.mark.slow
def test_engine_agrees_with_reference(engine: dict[str, np.ndarray]) -> None:
    reference = _sample(True, Params())
    assert engine["filed"].mean() > 100  # the outcomes are not trivially zero
    assert engine["settled_escalation"].mean() > 0
    assert _disagreements(engine, reference) == []


@pytest.mark.slow
def test_the_equivalence_test_detects_a_changed_rule(engine: dict[str, np.ndarray]) -> None:
    # A reference with satisfaction gains halved must be told apart from the engine.
    changed = _sample(True, Params.from_mapping({"sat_quick": 0.05, "sat_late": 0.015}))
    assert _disagreements(engine, changed) != []
