"""The reference household layer: one Mesa agent per household, written for clarity.

It states the household rules one household and one complaint at a time; the
vectorised engine (:mod:`redwuye_graph.sim.households`) must agree with it in
distribution (``tests/test_sim_equivalence.py``). It is also the speed baseline.

Each day, in this order:

1. every household (in random order) meets a Poisson number of problems per category
   (the day's problem rate of its estate; drawn as one Poisson total split among the
   categories in proportion to their rates, the same distribution) and loses
   ``sat_filed`` per problem; it
   complains about each with the estate's report share; a complaint is *hard* (beyond
   the company) with the category's ``hard_*`` share;
2. at each estate the company settles, oldest first, up to its capacity, complaints
   that are not hard, not escalated and at least ``response`` days old;
3. unsettled, unescalated complaints at least ``escalation_age`` old escalate where the
   estate has an escalation path;
4. escalated complaints, oldest first over the whole city, are settled while the channels
   have capacity left today: a complaint that is not hard by the owners' committee, a
   co-built category by co-building, any by the community two committees if the
   estate's cross-appointed people can still take one up;
5. complaints ``max_age_days`` old are abandoned (``-sat_abandoned``).

A settled complaint gives ``sat_quick`` within ``quick_days`` of filing, else ``sat_late``.
A meeting settles the oldest escalated complaints of each tripartite estate up to its
capacity. Each month, satisfaction drifts; each household that did not pay last month is
visited with chance (visits ÷ households in arrears), which adds ``pay_visit`` to its
log-odds of paying this month; then every household decides whether to pay.
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
    MonthReport,
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
    serial: int
    escalated: bool = False


class Household(mesa.Agent):  # type: ignore[misc]
    """One household: its satisfaction, fixed willingness to pay and arrears."""

    def __init__(self, model: mesa.Model, layer: ReferenceHouseholds, estate: int,
                 satisfaction: float, propensity: float):
        super().__init__(model)
        self.layer = layer
        self.estate = estate
        self.satisfaction = satisfaction
        self.propensity = propensity
        self.arrears = False

    def meet_problems(self, day: int, ctl: DayControl, rate: float, mix: FloatArray) -> None:
        """Draw today's problems (``rate`` per household, category shares ``mix``);
        complain about some, into the estate's queue."""
        layer, e = self.layer, self.estate
        count = int(layer.rng_arrive.poisson(rate))
        if count == 0:
            return
        for category in layer.rng_arrive.choice(len(layer.hard_share), count, p=mix):
            layer.problems[e] += 1
            self.change_satisfaction(-layer.p.sat_filed)
            if layer.rng_arrive.random() >= ctl.report[e]:
                continue
            hard = bool(layer.rng_arrive.random() < layer.hard_share[category])
            layer.serial += 1
            layer.queues[e].append(Complaint(self, int(category), day, hard, layer.serial))
            layer.filed[e] += 1

    def change_satisfaction(self, delta: float) -> None:
        """Move satisfaction by ``delta``, kept in [0, 1], and keep the estate sums."""
        before = self.satisfaction
        self.satisfaction = min(1.0, max(0.0, before + delta))
        self.layer.note(self.estate, before, self.satisfaction)

    def decide_payment(self, peer_paid: float, enforcement: float, can_pay: bool,
                       visited: bool) -> bool:
        """Whether the household pays this month's fee (it is in arrears if not)."""
        p = self.layer.p
        logit = (p.pay_intercept + p.pay_satisfaction * (self.satisfaction - 0.5)
                 + p.pay_peer * (peer_paid - 0.5) + enforcement + self.propensity
                 + p.pay_visit * visited)
        chance = 1.0 / (1.0 + math.exp(-logit))
        pays = bool(self.layer.rng_pay.random() < chance) and can_pay
        self.arrears = not pays
        return pays


class ReferenceHouseholds:
    """Households as Mesa agents, complaints as objects in per-estate queues."""

    def __init__(self, model: mesa.Model, households: IntArray, params: Params,
                 rngs: dict[str, np.random.Generator]):
        self.p = params
        self.hard_share = params.hard()
        self.rng_arrive = rngs["arrivals"]
        self.rng_pay, self.rng_order = rngs["payment"], rngs["households"]
        n = len(households)
        self.sat_total = np.zeros(n)
        self.sat_low = np.zeros(n, np.int64)
        self.filed = np.zeros(n, np.int64)
        self.problems = np.zeros(n, np.int64)
        self.serial = 0  # complaints numbered in filing order
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
        """Problems, complaints, settlements, escalations and abandonment for one day."""
        n, d = len(self.queues), ctl.day
        self.filed = np.zeros(n, np.int64)
        self.problems = np.zeros(n, np.int64)
        rate = ctl.problems.sum(axis=1)  # each estate's problem rate per household today
        mix = ctl.problems / np.where(rate > 0, rate, 1.0)[:, None]  # and its category shares
        order = list(self.agents)
        self.rng_order.shuffle(order)
        for household in order:
            e = household.estate
            household.meet_problems(d, ctl, float(rate[e]), mix[e])
        settled: list[tuple[int, int, int, int]] = []
        lost: list[tuple[int, int, int, int]] = []
        escalated = np.zeros(n, np.int64)
        rose: list[tuple[int, int]] = []
        done: set[int] = set()
        for e, queue in enumerate(self.queues):
            served = 0
            for c in queue:
                if served >= ctl.capacity[e]:
                    break
                if not c.escalated and not c.hard and d - c.filed >= ctl.response[e]:
                    self._settle(c, e, d, COMPANY, settled)
                    done.add(c.serial)
                    served += 1
            for c in queue:
                if (c.serial not in done and not c.escalated and ctl.path[e]
                        and d - c.filed >= ctl.escalation_age[e]):
                    c.escalated = True
                    escalated[e] += 1
                    rose.append((e, c.filed))
        # the escalated complaints of the whole city, oldest first, while capacity lasts
        owners, carry = ctl.owners.copy(), ctl.carry.copy()
        community, cobuild = ctl.community_capacity.copy(), ctl.cobuild.copy()
        up = sorted((c for q in self.queues for c in q
                     if c.escalated and c.serial not in done), key=lambda c: c.serial)
        for c in up:
            e = c.household.estate
            k = ctl.community[e]
            if not c.hard and owners[e] > 0:
                owners[e] -= 1
            elif ctl.cobuilt[c.category] and cobuild[k] > 0:
                cobuild[k] -= 1
            elif carry[e] > 0 and community[k] > 0:
                carry[e] -= 1
                community[k] -= 1
            else:
                continue
            self._settle(c, e, d, ESCALATION, settled)
            done.add(c.serial)
        for e, queue in enumerate(self.queues):
            for c in queue:
                if c.serial not in done and d - c.filed >= self.p.max_age_days:
                    c.household.change_satisfaction(-self.p.sat_abandoned)
                    lost.append((e, c.filed, d - c.filed, ABANDONED))
                    done.add(c.serial)
            self.queues[e] = [c for c in queue if c.serial not in done]
        rows = np.array(rose, np.int64).reshape(-1, 2)
        return DayReport(self.problems, self.filed, escalated,
                         np.array([len(q) for q in self.queues], np.int64),
                         _settled(settled), _settled(lost), rows[:, 0], rows[:, 1])

    def meeting(self, day: int, capacity: IntArray) -> Settled:
        """A tripartite meeting on ``day`` settles up to ``capacity[e]`` escalated
        complaints of estate ``e``, oldest first."""
        settled: list[tuple[int, int, int, int]] = []
        for e, queue in enumerate(self.queues):
            keep = []
            left = int(capacity[e])
            for c in queue:  # in filing order
                if c.escalated and left > 0:
                    self._settle(c, e, day, MEETING, settled)
                    left -= 1
                else:
                    keep.append(c)
            self.queues[e] = keep
        return _settled(settled)

    def month(self, target: FloatArray, peer_paid: FloatArray, enforcement: FloatArray,
              can_pay: BoolArray, visits: FloatArray) -> MonthReport:
        """Satisfaction drift and peer pull, arrears visits, then the fee decision."""
        p = self.p
        paid = np.zeros(len(self.members), np.int64)
        visited = np.zeros(len(self.members), np.int64)
        for e, members in enumerate(self.members):
            mean = self.sat_total[e] / max(len(members), 1)
            for h in members:
                s = h.satisfaction
                h.change_satisfaction(p.sat_peer * (mean - s) + p.sat_drift * (target[e] - s))
            behind = sum(h.arrears for h in members)
            chance = min(1.0, visits[e] / behind) if behind and visits[e] > 0 else 0.0
            for h in members:
                seen = bool(h.arrears and self.rng_pay.random() < chance)
                visited[e] += seen
                paid[e] += h.decide_payment(float(peer_paid[e]), float(enforcement[e]),
                                            bool(can_pay[e]), seen)
        return MonthReport(paid, visited)

    def satisfaction(self) -> SatTable:
        """Current per-estate satisfaction sums and dissatisfied counts."""
        return SatTable(self.sat_total.copy(), self.sat_low.copy())


def _settled(rows: list[tuple[int, int, int, int]]) -> Settled:
    if not rows:
        return Settled.empty()
    a = np.array(rows, np.int64)
    return Settled(a[:, 0], a[:, 1], a[:, 2], a[:, 3])
