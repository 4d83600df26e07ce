"""Shared by the equivalence test and its power benchmark: the test cities, the outcomes
compared, and the Welch comparison of two samples of runs.

The vectorised engine and the per-household reference (:mod:`redwuye_graph.sim.reference`)
must agree in distribution. Both models run the same small city for ``DAYS`` days over
``SEEDS`` seeds each (seeds 0..SEEDS-1; the two models draw different random numbers, so
runs are independent samples). For every outcome, the difference of the two means must
lie within ``Z`` standard errors of a difference of means (Welch): ``|m_e - m_r| <= Z *
sqrt(v_e/n + v_r/n)``. ``Z = 3.84`` is a two-sided 0.012% test per outcome, so over the
3 cities x 28 outcomes a correct engine fails by chance with probability about 1%; the
seeds are fixed, so the outcome of the test itself is deterministic.

The cities cover the regimes that matter to the household rules:

- ``mini``: the plain case (company queues, escalation through linked committees), with
  parking disputes four times as frequent as by default: the category the hard-share rule
  weighs most on, so a change in a category's hard share shows;
- ``stress``: vacant estates, interim management and tenders, tripartite meetings twice
  a month, thin channel hours and low productivity (overloaded queues, abandonment);
- ``broke``: staff costs above revenue, so companies exit, estates go vacant, and the
  street's interim managers take over (no firm has cash left to bid).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from redwuye_graph.generate import PolicyLevels, Preset, generate
from redwuye_graph.sim import CityModel, Params

DAYS, SEEDS, Z = 150, 32, 3.84
#: Sums over the run of these city columns are compared ...
SUMMED = ("problems", "filed", "settled", "escalated", "abandoned", "settled_company",
          "settled_escalation", "settled_meeting", "within_quick", "within_window",
          "age_sum", "paid", "due", "visits", "exits", "tenders")
#: ... and the last day's value of these.
FINAL = ("satisfaction", "dissatisfied_share", "open")
#: Ratios of two sums (the arrival noise of both cancels, so a rule that moves
#: complaints between routes shows with fewer seeds).
RATIOS = {"report_share": ("filed", "problems"), "escalation_share": ("escalated", "filed"),
          "company_share": ("settled_company", "settled"),
          "meeting_share": ("settled_meeting", "settled"),
          "abandoned_share": ("abandoned", "filed"), "quick_share": ("within_quick", "settled"),
          "mean_age": ("age_sum", "settled"), "collection": ("paid", "due"),
          "visits_per_due": ("visits", "due")}
OUTCOMES = SUMMED + tuple(f"{k}_end" for k in FINAL) + tuple(RATIOS)


@dataclass(frozen=True)
class EquivalenceCity:
    """A small generated city and the parameters it is run with."""

    preset: Preset
    graph_seed: int
    params: dict[str, Any] = field(default_factory=dict)

    def params_with(self, changes: dict[str, Any]) -> Params:
        """This city's parameters with ``changes`` on top."""
        return Params.from_mapping({**self.params, **changes})


_MINI_LEVELS = PolicyLevels(owners_committee=0.5, community_member_on_owners_committee=0.5,
                            vacuum=0.0)
_STRESS_LEVELS = PolicyLevels(owners_committee=0.5, community_member_on_owners_committee=0.5,
                              vacuum=0.4, interim_managed=0.5)
_STRESS = dict(reserve_months=0.3, overhead=20.0, min_staff=15.0, productivity=0.1,
               hours_committee=4.0, hours_owner=2.0, tender_days=30, interim_days=30,
               retender_days=30, review_days=60, meetings_per_month=2)
CITIES: dict[str, EquivalenceCity] = {
    "mini": EquivalenceCity(Preset("mini", districts=1, streets=1, communities=2, estates=6,
                            companies=3, mean_households=220, levels=_MINI_LEVELS), 5,
                            {"rate_parking": 1.0}),
    "stress": EquivalenceCity(Preset("stress", districts=1, streets=1, communities=2, estates=8,
                              companies=3, mean_households=220, levels=_STRESS_LEVELS),
                       0, _STRESS),
    "broke": EquivalenceCity(Preset("broke", districts=1, streets=1, communities=2, estates=8,
                             companies=3, mean_households=220, levels=_STRESS_LEVELS),
                      0, {**_STRESS, "min_staff": 30.0, "wage": 6000.0}),
}


def outcomes(model: CityModel) -> dict[str, float]:
    """Run ``model`` for ``DAYS`` days; its outcomes by name."""
    model.run(DAYS)
    city = model.tables()["city"]
    out = {k: float(city[k].sum()) for k in SUMMED}
    out.update({f"{k}_end": float(city[k].iloc[-1]) for k in FINAL})
    out.update({k: out[num] / out[den] if out[den] else 0.0
                for k, (num, den) in RATIOS.items()})
    return out


def sample(city: str, reference: bool, changes: dict[str, Any] | None = None,
           seeds: int = SEEDS) -> dict[str, np.ndarray]:
    """Outcomes of ``seeds`` runs of one model on a test city, per outcome."""
    spec = CITIES[city]
    graph = generate(spec.preset, seed=spec.graph_seed)
    params = spec.params_with(changes or {})
    runs = [outcomes(CityModel(graph, params=params, seed=s, reference=reference))
            for s in range(seeds)]
    return {k: np.array([r[k] for r in runs]) for k in OUTCOMES}


def z_scores(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, float]:
    """Welch z of the difference of means per outcome (0 where both samples are constant
    and equal, inf where they are constant and differ)."""
    z = {}
    for k in OUTCOMES:
        se = np.sqrt(a[k].var(ddof=1) / len(a[k]) + b[k].var(ddof=1) / len(b[k]))
        diff = abs(a[k].mean() - b[k].mean())
        z[k] = 0.0 if diff <= 1e-12 else (float(diff / se) if se > 0 else float("inf"))
    return z


def disagreements(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> list[str]:
    """The outcomes whose means differ by more than ``Z`` standard errors, described."""
    return [f"{k}: {a[k].mean():.4g} vs {b[k].mean():.4g} (z {z:.2f} > {Z})"
            for k, z in z_scores(a, b).items() if z > Z]
