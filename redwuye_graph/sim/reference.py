"""The reference household layer: one Mesa agent per household, written for clarity.

It states the household rules one household and one complaint at a time; the
vectorised engine (:mod:`redwuye_graph.sim.households`) must agree with it in
distribution (``tests/test_sim_equivalence.py``). It is also the speed baseline.

Each day, in this order:

1. every household (in random order) files a Poisson number of complaints per category
   and loses ``sat_filed`` per complaint; a complaint is *hard* (beyond the company)
   with the category's ``hard_*`` share;
2. at each estate the company settles, oldest first, up to its capacity, complaints
   that are not hard, not escalated and at least ``response`` days old;
3. unsettled, unescalated complaints at least ``escalation_age`` old escalate where the
   estate has an escalation path;
4. each escalated complaint is settled with the estate's daily hazard for its category;
5. complaints ``max_age_days`` old are abandoned (``-sat_abandoned``).

A settled complaint gives ``sat_quick`` within ``quick_days`` of filing, else ``sat_late``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np

from redwuye_graph.sim.layer import (
    ABANDONED,
    COMPANY,
    ESCALATION,
    MEETING,
    BoolArray,
    DayControl,
    DayReport,
    FloatArray,
    IntArray,
    SatTable,
    Settled,
)
from redwuye_graph.sim.params import Params

__all__ = ["Complaint", "Household", "ReferenceHouseholds"]


@dataclass
class Complaint:
    """One complaint in an estate's queue."""

    household: Household
    category: int
    filed: int
    hard: bool
    escalated: bool = False


class Household(mesa.Agent):  # type: ignore[misc]
    """One household: its satisfaction and its fixed willingness to pay."""

    def __init__(self, model: mesa.Model, layer: ReferenceHouseholds, estate: int,
                 satisfaction: float, propensity: float):
        super().__init__(model)
        self.layer = layer
        self.estate = estate
        self.satisfaction = satisfaction
        self.propensity = propensity

    def file_complaints(self, day: int) -> None:
        """Draw today's complaints and put them in the estate's queue."""
        layer = self.layer
        counts = layer.rng_arrive.poisson(layer.rates[self.estate])
        for category, count in enumerate(counts):
            for _ in range(int(count)):
                hard = bool(layer.rng_arrive.random() < layer.hard_share[category])
                layer.queues[self.estate].append(Complaint(self, category, day, hard))
                layer.filed[self.estate] += 1
                self.change_satisfaction(-layer.p.sat_filed)

    def change_satisfaction(self, delta: float) -> None:
        """Move satisfaction by ``delta``, kept in [0, 1], and keep the estate sums."""
        before = self.satisfaction
        self.satisfaction = min(1.0, max(0.0, before + delta))
        self.layer.note(self.estate, before, self.satisfaction)

    def decide_payment(self, peer_paid: float, enforcement: float, can_pay: bool) -> bool:
        """Whether the household pays this month's fee."""
        p = self.layer.p
        logit = (p.pay_intercept + p.pay_satisfaction * (self.satisfaction - 0.5)
                 + p.pay_peer * (peer_paid - 0.5) + enforcement + self.propensity)
        chance = 1.0 / (1.0 + math.exp(-logit))
        return bool(self.layer.rng_pay.random() < chance) and can_pay


class ReferenceHouseholds:
    """Households as Mesa agents, complaints as objects in per-estate queues."""

    def __init__(self, model: mesa.Model, households: IntArray, rates: FloatArray,
                 params: Params, rngs: dict[str, np.random.Generator]):
        self.p = params
        self.rates = rates
        self.hard_share = params.hard()
        self.rng_arrive, self.rng_settle = rngs["arrivals"], rngs["escalation"]
        self.rng_pay, self.rng_order = rngs["payment"], rngs["households"]
        n = len(households)
        self.sat_total = np.zeros(n)
        self.sat_low = np.zeros(n, np.int64)
        self.filed = np.zeros(n, np.int64)
        self.queues: list[list[Complaint]] = [[] for _ in range(n)]
        self.members: list[list[Household]] = [[] for _ in range(n)]
        init = rngs["households"]
        for estate, count in enumerate(households):
            for _ in range(int(count)):
                s = min(1.0, max(0.0, float(init.normal(params.sat_init, params.sat_init_sd))))
                h = Household(model, self, estate, s,
                              float(init.normal(0.0, params.pay_propensity_sd)))
                self.members[estate].append(h)
                self.note(estate, None, s)
        self.agents = model.agents_by_type[Household]

    def note(self, estate: int, before: float | None, after: float) -> None:
        """Keep the per-estate satisfaction sums in step with one household's change."""
        low = self.p.dissatisfied
        if before is not None:
            self.sat_total[estate] -= before
            self.sat_low[estate] -= before < low
        self.sat_total[estate] += after
        self.sat_low[estate] += after < low

    def _settle(self, c: Complaint, estate: int, day: int, channel: int,
                out: list[tuple[int, int, int, int]]) -> None:
        age = day - c.filed
        c.household.change_satisfaction(self.p.sat_quick if age <= self.p.quick_days
                                        else self.p.sat_late)
        out.append((estate, c.filed, age, channel))

    def day(self, ctl: DayControl) -> DayReport:
        """File, settle, escalate and abandon complaints for one day."""
        n, d = len(self.queues), ctl.day
        self.filed = np.zeros(n, np.int64)
        order = list(self.agents)
        self.rng_order.shuffle(order)
        for household in order:
            household.file_complaints(d)
        settled: list[tuple[int, int, int, int]] = []
        lost: list[tuple[int, int, int, int]] = []
        escalated = np.zeros(n, np.int64)
        for e, queue in enumerate(self.queues):
            done: set[int] = set()
            served = 0
            for c in queue:
                if served >= ctl.capacity[e]:
                    break
                if not c.escalated and not c.hard and d - c.filed >= ctl.response[e]:
                    self._settle(c, e, d, COMPANY, settled)
                    done.add(id(c))
                    served += 1
            for c in queue:
                if (id(c) not in done and not c.escalated and ctl.path[e]
                        and d - c.filed >= ctl.escalation_age[e]):
                    c.escalated = True
                    escalated[e] += 1
            for c in queue:
                if id(c) in done or not c.escalated:
                    continue
                table = ctl.hazard_hard if c.hard else ctl.hazard
                if self.rng_settle.random() < table[e, c.category]:
                    self._settle(c, e, d, ESCALATION, settled)
                    done.add(id(c))
            for c in queue:
                if id(c) not in done and d - c.filed >= self.p.max_age_days:
                    c.household.change_satisfaction(-self.p.sat_abandoned)
                    lost.append((e, c.filed, d - c.filed, ABANDONED))
                    done.add(id(c))
            self.queues[e] = [c for c in queue if id(c) not in done]
        return DayReport(self.filed, escalated,
                         np.array([len(q) for q in self.queues], np.int64),
                         _settled(settled), _settled(lost))

    def meeting(self, day: int, estates: BoolArray, clear: float) -> Settled:
        """A tripartite meeting on ``day`` settles escalated complaints at ``estates``."""
        settled: list[tuple[int, int, int, int]] = []
        for e, queue in enumerate(self.queues):
            if not estates[e]:
                continue
            keep = []
            for c in queue:
                if c.escalated and self.rng_settle.random() < clear:
                    self._settle(c, e, day, MEETING, settled)
                else:
                    keep.append(c)
            self.queues[e] = keep
        return _settled(settled)

    def month(self, target: FloatArray, peer_paid: FloatArray, enforcement: FloatArray,
              can_pay: BoolArray) -> IntArray:
        """Satisfaction drift and peer pull, then the fee decision; paid count per estate."""
        p = self.p
        paid = np.zeros(len(self.members), np.int64)
        for e, members in enumerate(self.members):
            mean = self.sat_total[e] / max(len(members), 1)
            for h in members:
                s = h.satisfaction
                h.change_satisfaction(p.sat_peer * (mean - s) + p.sat_drift * (target[e] - s))
            for h in members:
                paid[e] += h.decide_payment(float(peer_paid[e]), float(enforcement[e]),
                                            bool(can_pay[e]))
        return paid

    def satisfaction(self) -> SatTable:
        """Current per-estate satisfaction sums and dissatisfied counts."""
        return SatTable(self.sat_total.copy(), self.sat_low.copy())


def _settled(rows: list[tuple[int, int, int, int]]) -> Settled:
    if not rows:
        return Settled.empty()
    a = np.array(rows, np.int64)
    return Settled(a[:, 0], a[:, 1], a[:, 2], a[:, 3])
