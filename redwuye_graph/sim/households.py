"""The vectorised household layer: every household and open complaint as numpy arrays.

Households of estate ``e`` occupy the slice ``offset[e]:offset[e + 1]`` of the household
arrays (satisfaction, willingness to pay). Open complaints are parallel arrays in three
queues (see :class:`VectorHouseholds`); ``seq`` numbers them in filing order, so "first
in, first out" within an estate, and the order of the escalation draws, is ``seq`` order.
The rules are those of :mod:`redwuye_graph.sim.reference`, applied to whole arrays.
"""

from __future__ import annotations

import numpy as np

from redwuye_graph.sim.layer import (
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

__all__ = ["VectorHouseholds"]

_Queue = dict[str, np.ndarray]

#: Fields of the open-complaint queues; ``seq`` numbers complaints in filing order.
_FIELDS = ("estate", "hh", "cat", "filed", "seq")


def _empty(hard: bool = False) -> _Queue:
    q = {k: np.zeros(0, np.int64) for k in _FIELDS}
    if hard:
        q["hard"] = np.zeros(0, bool)
    return q


def _take(q: _Queue, pick: np.ndarray) -> _Queue:
    return {k: v[pick] for k, v in q.items()}


def _insert(q: _Queue, at: IntArray, new: _Queue) -> _Queue:
    """``q`` with the items of ``new`` put before positions ``at`` (non-decreasing)."""
    if not len(at):
        return q
    total = len(q["seq"]) + len(at)
    slot = at + np.arange(len(at))
    old = np.ones(total, bool)
    old[slot] = False
    out = {}
    for k, v in q.items():
        merged = np.empty(total, v.dtype)
        merged[slot] = new[k]
        merged[old] = v
        out[k] = merged
    return out


def _sorted_unique(a: IntArray) -> IntArray:
    s = np.sort(a)
    if len(s) < 2:
        return s
    first = np.empty(len(s), bool)
    first[0] = True
    np.not_equal(s[1:], s[:-1], out=first[1:])
    return s[first]


class VectorHouseholds:
    """Households of all estates as arrays; see :class:`~redwuye_graph.sim.layer.HouseholdLayer`.

    Open complaints sit in three queues of parallel arrays: the company's queue (not
    hard, not escalated) ordered by estate and then filing order, so each estate's
    queue is one contiguous run worked from its head; hard complaints waiting for
    escalation, and escalated complaints, both in filing order (``seq``). Filing order
    across estates is the order in which escalated complaints draw their chances, as
    one pool in filing order would.

    Parameters
    ----------
    households : per-estate household counts.
    rates : per-estate, per-category arrival rates (complaints per household per day).
    params : the model parameters.
    rngs : generators for arrivals, escalation draws, initial state and payment.
    """

    def __init__(self, households: IntArray, rates: FloatArray, params: Params,
                 rngs: dict[str, np.random.Generator]):
        self.p = params
        self.n = households.astype(np.int64)
        self.rates = rates
        self.hard_share = np.asarray(params.hard())
        self.offset = np.concatenate([[0], np.cumsum(self.n)])
        self.rng_arrive, self.rng_settle = rngs["arrivals"], rngs["escalation"]
        self.rng_pay = rngs["payment"]
        self.home = np.repeat(np.arange(len(self.n)), self.n)
        total = int(self.offset[-1])
        init = rngs["households"]
        self.s = np.clip(init.normal(params.sat_init, params.sat_init_sd, total), 0.0, 1.0)
        self.propensity = init.normal(0.0, params.pay_propensity_sd, total)
        self.company = _empty()       # by estate, then filing order
        self.company_count = np.zeros(len(self.n), np.int64)
        self.waiting = _empty()       # hard, not escalated; filing order
        self.escalated = _empty(hard=True)  # filing order
        self.filed_total = 0
        self._sums()

    # -- satisfaction bookkeeping -------------------------------------------------------
    def _sums(self) -> None:
        self.sat_total = np.bincount(self.home, weights=self.s, minlength=len(self.n))
        self.sat_low = np.bincount(self.home, weights=self.s < self.p.dissatisfied,
                                   minlength=len(self.n)).astype(np.int64)

    def _nudge(self, hh: IntArray, delta: FloatArray) -> None:
        if not len(hh):
            return
        touched = _sorted_unique(hh)
        before = self.s[touched]
        np.add.at(self.s, hh, delta)
        after = np.clip(self.s[touched], 0.0, 1.0)
        self.s[touched] = after
        where = self.home[touched]
        m = len(self.n)
        self.sat_total += np.bincount(where, weights=after - before, minlength=m)
        low = self.p.dissatisfied
        self.sat_low += np.bincount(where, weights=(after < low).astype(np.int64)
                                    - (before < low), minlength=m).astype(np.int64)

    def _settle(self, q: _Queue, idx: IntArray, day: int, channel: int) -> Settled:
        filed = q["filed"][idx]
        age = day - filed
        p = self.p
        self._nudge(q["hh"][idx], np.where(age <= p.quick_days, p.sat_quick, p.sat_late))
        return Settled(q["estate"][idx], filed, age, np.full(len(idx), channel, np.int64))

    def _open(self) -> IntArray:
        m = len(self.n)
        return (self.company_count + np.bincount(self.waiting["estate"], minlength=m)
                + np.bincount(self.escalated["estate"], minlength=m))

    # -- the layer ----------------------------------------------------------------------
    def day(self, ctl: DayControl) -> DayReport:
        """File, settle, escalate and abandon complaints for one day."""
        p, m, d = self.p, len(self.n), ctl.day
        counts = self.rng_arrive.poisson(self.n[:, None] * self.rates)
        flat = counts.ravel()
        cells = np.arange(flat.size)
        estate = np.repeat(cells // counts.shape[1], flat)
        cat = np.repeat(cells % counts.shape[1], flat)
        k = len(estate)
        hh = self.offset[estate] + (self.rng_arrive.random(k) * self.n[estate]).astype(np.int64)
        hard = self.rng_arrive.random(k) < self.hard_share[cat]
        order = self.rng_arrive.permutation(k)
        new = {"estate": estate[order], "hh": hh[order], "cat": cat[order],
               "filed": np.full(k, d, np.int64),
               "seq": np.arange(self.filed_total, self.filed_total + k, dtype=np.int64)}
        self.filed_total += k
        hard = hard[order]
        self._nudge(new["hh"], np.full(k, -p.sat_filed))
        filed = np.bincount(new["estate"], minlength=m)

        # today's complaints join the end of their estate's company queue or wait
        soft = _take(new, ~hard)
        by_estate = np.argsort(soft["estate"], kind="stable")
        soft = _take(soft, by_estate)
        ends = np.cumsum(self.company_count)
        self.company = _insert(self.company, ends[soft["estate"]], soft)
        self.company_count += np.bincount(soft["estate"], minlength=m)
        waiting = {key: np.concatenate([self.waiting[key], v[hard]])
                   for key, v in new.items()}

        # the company (or interim manager) works its queue, oldest first
        cq = self.company
        ce = cq["estate"]
        age_c = d - cq["filed"]
        starts = np.cumsum(self.company_count) - self.company_count
        rank = np.arange(len(ce)) - starts[ce]
        served = (rank < ctl.capacity[ce]) & (age_c >= ctl.response[ce])
        idx = np.flatnonzero(served)
        idx = idx[np.argsort(cq["seq"][idx])]
        parts = [self._settle(cq, idx, d, COMPANY)]

        # escalation through whatever link exists, then the escalated channels
        rise_c = ~served & ctl.path[ce] & (age_c >= ctl.escalation_age[ce])
        we = waiting["estate"]
        age_w = d - waiting["filed"]
        rise_w = ctl.path[we] & (age_w >= ctl.escalation_age[we])
        up = _take(cq, rise_c)
        up["hard"] = np.zeros(len(up["seq"]), bool)
        up_w = _take(waiting, rise_w)
        up_w["hard"] = np.ones(len(up_w["seq"]), bool)
        up = {key: np.concatenate([v, up_w[key]]) for key, v in up.items()}
        escalated = np.bincount(up["estate"], minlength=m)
        if len(up["seq"]):
            up = _take(up, np.argsort(up["seq"]))
            eq = _insert(self.escalated, np.searchsorted(self.escalated["seq"], up["seq"]), up)
        else:
            eq = self.escalated
        e_up, c_up = eq["estate"], eq["cat"]
        chance = np.where(eq["hard"], ctl.hazard_hard[e_up, c_up], ctl.hazard[e_up, c_up])
        hit = self.rng_settle.random(len(e_up)) < chance
        parts.append(self._settle(eq, np.flatnonzero(hit), d, ESCALATION))

        # residents give up on what is too old
        old = d - p.max_age_days
        lost_c = ~served & ~rise_c & (cq["filed"] <= old)
        lost_w = ~rise_w & (waiting["filed"] <= old)
        lost_e = ~hit & (eq["filed"] <= old)
        lost = {key: np.concatenate([cq[key][lost_c], waiting[key][lost_w], eq[key][lost_e]])
                for key in _FIELDS}
        lost = _take(lost, np.argsort(lost["seq"]))
        self._nudge(lost["hh"], np.full(len(lost["hh"]), -p.sat_abandoned))
        abandoned = Settled(lost["estate"], lost["filed"], d - lost["filed"],
                            np.full(len(lost["hh"]), -1, np.int64))

        keep_c = ~(served | rise_c | lost_c)
        self.company = _take(cq, keep_c)
        self.company_count = np.bincount(self.company["estate"], minlength=m)
        self.waiting = _take(waiting, ~(rise_w | lost_w))
        self.escalated = _take(eq, ~(hit | lost_e))
        return DayReport(filed, escalated, self._open(), Settled.concat(parts), abandoned)

    def meeting(self, day: int, estates: BoolArray, clear: float) -> Settled:
        """A tripartite meeting on ``day`` settles escalated complaints at ``estates``."""
        eq = self.escalated
        up = np.flatnonzero(estates[eq["estate"]])
        hit = up[self.rng_settle.random(len(up)) < clear]
        done = self._settle(eq, hit, day, MEETING)
        keep = np.ones(len(eq["seq"]), bool)
        keep[hit] = False
        self.escalated = _take(eq, keep)
        return done

    def month(self, target: FloatArray, peer_paid: FloatArray, enforcement: FloatArray,
              can_pay: BoolArray) -> IntArray:
        """Satisfaction drift and peer pull, then the fee decision; paid count per estate."""
        p, home = self.p, self.home
        mean = self.sat_total / np.maximum(self.n, 1)
        self.s += p.sat_peer * (mean[home] - self.s) + p.sat_drift * (target[home] - self.s)
        np.clip(self.s, 0.0, 1.0, out=self.s)
        self._sums()
        logit = (p.pay_intercept + p.pay_satisfaction * (self.s - 0.5)
                 + p.pay_peer * (peer_paid[home] - 0.5) + enforcement[home] + self.propensity)
        pays = (self.rng_pay.random(len(home)) * (1.0 + np.exp(-logit)) < 1.0) & can_pay[home]
        return np.bincount(home, weights=pays, minlength=len(self.n)).astype(np.int64)

    def satisfaction(self) -> SatTable:
        """Current per-estate satisfaction sums and dissatisfied counts."""
        return SatTable(self.sat_total.copy(), self.sat_low.copy())
