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

#: Rows of a complaint queue (one int64 array of shape (rows, complaints)); ``SEQ``
#: numbers complaints in filing order.
ESTATE, HH, CAT, FILED, SEQ, HARD = range(6)


def _empty() -> IntArray:
    return np.zeros((6, 0), np.int64)


def _insert(q: IntArray, at: IntArray, new: IntArray) -> IntArray:
    """``q`` with the columns of ``new`` put before columns ``at`` (non-decreasing)."""
    if not len(at):
        return q
    n_old = q.shape[1]
    slot = at + np.arange(len(at))
    source = np.ones(n_old + len(at), np.int64)
    source[slot] = 0
    np.cumsum(source, out=source)
    source -= 1
    source[slot] = np.arange(n_old, n_old + len(at))
    return np.concatenate([q, new], axis=1).take(source, axis=1)


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
        self._starts = np.minimum(self.offset[:-1], max(total - 1, 0))
        self._vacant = self.n == 0
        init = rngs["households"]
        self.s = np.clip(init.normal(params.sat_init, params.sat_init_sd, total), 0.0, 1.0)
        self.propensity = init.normal(0.0, params.pay_propensity_sd, total)
        self.company = _empty()  # not hard, not escalated: by estate, then filing order
        self.company_count = np.zeros(len(self.n), np.int64)
        self.waiting = _empty()  # hard, not escalated: filing order
        self.escalated = _empty()  # filing order
        self.filed_total = 0
        self._sums()

    # -- satisfaction bookkeeping -------------------------------------------------------
    def _sums(self) -> None:
        self.sat_total = np.bincount(self.home, weights=self.s, minlength=len(self.n))
        self.sat_low = self._per_estate(self.s < self.p.dissatisfied)

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

    def _settle(self, q: IntArray, idx: IntArray, day: int, channel: int) -> Settled:
        filed = q[FILED, idx]
        age = day - filed
        p = self.p
        self._nudge(q[HH, idx], np.where(age <= p.quick_days, p.sat_quick, p.sat_late))
        return Settled(q[ESTATE, idx], filed, age, np.full(len(idx), channel, np.int64))

    def _open(self) -> IntArray:
        m = len(self.n)
        return (self.company_count + np.bincount(self.waiting[ESTATE], minlength=m)
                + np.bincount(self.escalated[ESTATE], minlength=m))

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
        new = np.empty((6, k), np.int64)
        new[ESTATE], new[HH], new[CAT], new[HARD] = estate[order], hh[order], cat[order], \
            hard[order]
        new[FILED] = d
        new[SEQ] = np.arange(self.filed_total, self.filed_total + k)
        self.filed_total += k
        self._nudge(new[HH], np.full(k, -p.sat_filed))
        filed = np.bincount(new[ESTATE], minlength=m)

        # today's complaints join the end of their estate's company queue or wait
        hard = new[HARD].astype(bool)
        soft = new.compress(~hard, axis=1)
        soft = soft[:, np.argsort(soft[ESTATE], kind="stable")]
        ends = np.cumsum(self.company_count)
        cq = _insert(self.company, ends[soft[ESTATE]], soft)
        self.company_count += np.bincount(soft[ESTATE], minlength=m)
        waiting = np.concatenate([self.waiting, new.compress(hard, axis=1)], axis=1)

        # the company (or interim manager) works its queue, oldest first
        ce = cq[ESTATE]
        age_c = d - cq[FILED]
        starts = np.cumsum(self.company_count) - self.company_count
        rank = np.arange(len(ce)) - starts[ce]
        served = (rank < ctl.capacity[ce]) & (age_c >= ctl.response[ce])
        idx = np.flatnonzero(served)
        idx = idx[np.argsort(cq[SEQ, idx])]
        parts = [self._settle(cq, idx, d, COMPANY)]

        # escalation through whatever link exists, then the escalated channels
        rise_c = ~served & ctl.path[ce] & (age_c >= ctl.escalation_age[ce])
        we = waiting[ESTATE]
        rise_w = ctl.path[we] & (d - waiting[FILED] >= ctl.escalation_age[we])
        up = np.concatenate([cq.compress(rise_c, axis=1), waiting.compress(rise_w, axis=1)], axis=1)
        escalated = np.bincount(up[ESTATE], minlength=m)
        eq = self.escalated
        if up.shape[1]:
            up = up[:, np.argsort(up[SEQ])]
            eq = _insert(eq, np.searchsorted(eq[SEQ], up[SEQ]), up)
        e_up, c_up = eq[ESTATE], eq[CAT]
        chance = np.where(eq[HARD].astype(bool), ctl.hazard_hard[e_up, c_up],
                          ctl.hazard[e_up, c_up])
        hit = self.rng_settle.random(len(e_up)) < chance
        parts.append(self._settle(eq, np.flatnonzero(hit), d, ESCALATION))

        # residents give up on what is too old
        old = d - p.max_age_days
        lost_c = ~served & ~rise_c & (cq[FILED] <= old)
        lost_w = ~rise_w & (waiting[FILED] <= old)
        lost_e = ~hit & (eq[FILED] <= old)
        lost = np.concatenate([cq.compress(lost_c, axis=1), waiting.compress(lost_w, axis=1),
                               eq.compress(lost_e, axis=1)], axis=1)
        lost = lost[:, np.argsort(lost[SEQ])]
        self._nudge(lost[HH], np.full(lost.shape[1], -p.sat_abandoned))
        abandoned = Settled(lost[ESTATE], lost[FILED], d - lost[FILED],
                            np.full(lost.shape[1], -1, np.int64))

        self.company = cq.compress(~(served | rise_c | lost_c), axis=1)
        self.company_count = np.bincount(self.company[ESTATE], minlength=m)
        self.waiting = waiting.compress(~(rise_w | lost_w), axis=1)
        self.escalated = eq.compress(~(hit | lost_e), axis=1)
        return DayReport(filed, escalated, self._open(), Settled.concat(parts), abandoned)

    def meeting(self, day: int, estates: BoolArray, clear: float) -> Settled:
        """A tripartite meeting on ``day`` settles escalated complaints at ``estates``."""
        eq = self.escalated
        up = np.flatnonzero(estates[eq[ESTATE]])
        hit = up[self.rng_settle.random(len(up)) < clear]
        done = self._settle(eq, hit, day, MEETING)
        keep = np.ones(eq.shape[1], bool)
        keep[hit] = False
        self.escalated = eq.compress(keep, axis=1)
        return done

    def month(self, target: FloatArray, peer_paid: FloatArray, enforcement: FloatArray,
              can_pay: BoolArray) -> IntArray:
        """Satisfaction drift and peer pull, then the fee decision; paid count per estate."""
        p, s = self.p, self.s
        mean = self.sat_total / np.maximum(self.n, 1)
        # s += sat_peer (mean - s) + sat_drift (target - s), computed in place
        pull = self._per_household(mean)
        pull -= s
        pull *= p.sat_peer
        drift = self._per_household(target)
        drift -= s
        drift *= p.sat_drift
        pull += drift
        s += pull
        np.clip(s, 0.0, 1.0, out=s)
        self._sums()
        # logit = intercept + pay_satisfaction (s - 0.5) + pay_peer (peer - 0.5)
        #         + enforcement + propensity; pays with chance 1 / (1 + exp(-logit))
        logit = np.subtract(s, 0.5, out=pull)
        logit *= p.pay_satisfaction
        logit += p.pay_intercept
        logit += self._per_household(p.pay_peer * (peer_paid - 0.5))
        logit += self._per_household(enforcement)
        logit += self.propensity
        odds = np.exp(np.negative(logit, out=logit), out=logit)
        odds += 1.0
        draw = self.rng_pay.random(len(s))
        draw *= odds
        pays = draw < 1.0
        pays &= self._per_household(can_pay)
        return self._per_estate(pays)

    def _per_household(self, values: np.ndarray) -> np.ndarray:
        """Per-estate ``values`` repeated for each household (``values[home]``)."""
        return np.repeat(values, self.n)

    def _per_estate(self, flags: BoolArray) -> IntArray:
        """Per-estate count of true ``flags`` (households in estate order)."""
        if not len(flags):
            return np.zeros(len(self.n), np.int64)
        # households of an estate are contiguous: one sum per slice
        counts = np.add.reduceat(flags, self._starts, dtype=np.int64)
        counts[self._vacant] = 0
        return counts

    def satisfaction(self) -> SatTable:
        """Current per-estate satisfaction sums and dissatisfied counts."""
        return SatTable(self.sat_total.copy(), self.sat_low.copy())
