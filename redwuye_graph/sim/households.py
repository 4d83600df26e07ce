"""The vectorised household layer: every household and open complaint as arrays.

Households of estate ``e`` occupy the slice ``offset[e]:offset[e + 1]`` of the household
arrays (satisfaction, willingness to pay). Open complaints are rows of a store of
parallel arrays (estate, household, category, filing day, hard); a complaint's row, its
*slot*, is handed out in filing order and compaction keeps that order, so comparing
slots compares filing order: "first in, first out" within an estate, and the order of
the escalation draws, is slot order. The rules are those of
:mod:`redwuye_graph.sim.reference`, applied to whole arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit

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

#: Slots the complaint store starts with (it grows, and compacts, as needed).
_MIN_SLOTS = 4096


@njit(cache=True)
def _append(slots: IntArray, estate: IntArray, head: IntArray, tail: IntArray,
            count: IntArray, after: IntArray) -> None:
    """Put ``slots`` (in filing order) at the ends of their estates' lists."""
    for s in slots:
        e = estate[s]
        if tail[e] < 0:
            head[e] = s
        else:
            after[tail[e]] = s
        tail[e] = s
        after[s] = -1
        count[e] += 1


@njit(cache=True)
def _take_heads(day: int, filed: IntArray, after: IntArray, head: IntArray, tail: IntArray,
                count: IntArray, capacity: IntArray, response: IntArray, rise_age: IntArray,
                path: BoolArray, max_age: int) -> tuple[IntArray, IntArray, IntArray]:
    """Take each estate's oldest complaints off its list: served, risen and lost slots.

    From the head of estate ``e``'s list (oldest first, so ages only fall along it): up
    to ``capacity[e]`` complaints at least ``response[e]`` days old are served; then, if
    ``path[e]``, those at least ``rise_age[e]`` days old rise; then those at least
    ``max_age`` days old are lost. Slots come out by estate, then filing order.
    """
    size = count.sum()
    served = np.empty(size, np.int64)
    risen = np.empty(size, np.int64)
    lost = np.empty(size, np.int64)
    n_served = n_risen = n_lost = 0
    for e in range(len(head)):
        s = head[e]
        taken = 0
        while s >= 0 and taken < capacity[e] and day - filed[s] >= response[e]:
            served[n_served] = s
            n_served += 1
            taken += 1
            s = after[s]
        if path[e]:
            while s >= 0 and day - filed[s] >= rise_age[e]:
                risen[n_risen] = s
                n_risen += 1
                taken += 1
                s = after[s]
        while s >= 0 and day - filed[s] >= max_age:
            lost[n_lost] = s
            n_lost += 1
            taken += 1
            s = after[s]
        head[e] = s
        if s < 0:
            tail[e] = -1
        count[e] -= taken
    return served[:n_served], risen[:n_risen], lost[:n_lost]


class _Line:
    """One first-in-first-out list of complaint slots per estate, linked through the store."""

    def __init__(self, m: int):
        self.head = np.full(m, -1, np.int64)
        self.tail = np.full(m, -1, np.int64)
        self.count = np.zeros(m, np.int64)

    def renumber(self, slot: IntArray) -> None:
        """Follow a compaction of the store (``slot``: old slot -> new slot)."""
        for ends in (self.head, self.tail):
            ends[:] = np.where(ends >= 0, slot[ends], -1)


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

    An open complaint waits in one of three places: its estate's company queue (not
    hard, not escalated) or its estate's waiting line (hard, not escalated), both lists
    linked through the store and worked only from their heads, so a day costs the
    complaints that move rather than the queues' length; or the escalated pool, slots in
    filing order, which is the order in which escalated complaints draw their chances.

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
        m = len(self.n)
        self.rates = rates
        self.hard_share = np.asarray(params.hard())
        self.offset = np.concatenate([[0], np.cumsum(self.n)])
        self.rng_arrive, self.rng_settle = rngs["arrivals"], rngs["escalation"]
        self.rng_pay = rngs["payment"]
        self.home = np.repeat(np.arange(m), self.n)
        total = int(self.offset[-1])
        self._starts = np.minimum(self.offset[:-1], max(total - 1, 0))
        self._vacant = self.n == 0
        init = rngs["households"]
        self.s = np.clip(init.normal(params.sat_init, params.sat_init_sd, total), 0.0, 1.0)
        self.propensity = init.normal(0.0, params.pay_propensity_sd, total)
        # the complaint store: one row (slot) per complaint, slots in filing order
        self.used = 0
        self.estate = self.hh = self.cat = self.filed = self.after = np.zeros(0, np.int64)
        self.hard = self.is_open = np.zeros(0, bool)
        self.company = _Line(m)  # not hard, not escalated
        self.waiting = _Line(m)  # hard, not escalated
        self.escalated = np.zeros(0, np.int64)  # slots, filing order
        self._no_capacity = np.zeros(m, np.int64)
        self._sums()

    # -- the complaint store ------------------------------------------------------------
    def _file(self, estate: IntArray, hh: IntArray, cat: IntArray, hard: BoolArray,
              day: int) -> IntArray:
        """Store new complaints (in filing order); their slots."""
        k = len(estate)
        if self.used + k > len(self.filed):
            self._compact(k)
        new = np.arange(self.used, self.used + k)
        at = slice(self.used, self.used + k)
        self.estate[at], self.hh[at], self.cat[at], self.hard[at] = estate, hh, cat, hard
        self.filed[at] = day
        self.is_open[at] = True
        self.used += k
        return new

    def _compact(self, room: int) -> None:
        """Move the open complaints to the first slots, in order, leaving ``room`` and more."""
        keep = np.flatnonzero(self.is_open[: self.used])
        n = len(keep)
        size = max(2 * (n + room), _MIN_SLOTS)
        slot = np.full(self.used + 1, -1, np.int64)  # old slot -> new slot; slot[-1] = -1
        slot[keep] = np.arange(n)

        def moved(a: np.ndarray) -> np.ndarray:
            b = np.zeros(size, a.dtype)
            b[:n] = a[keep]
            return b

        self.estate, self.hh, self.cat = moved(self.estate), moved(self.hh), moved(self.cat)
        self.filed, self.hard, self.is_open = moved(self.filed), moved(self.hard), \
            moved(self.is_open)
        self.after = moved(slot[self.after[: self.used]])
        self.company.renumber(slot)
        self.waiting.renumber(slot)
        self.escalated = slot[self.escalated]
        self.used = n

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

    def _settle(self, slots: IntArray, day: int, channel: int) -> Settled:
        """Close the complaints at ``slots`` (in filing order), settled through ``channel``."""
        filed = self.filed[slots]
        age = day - filed
        p = self.p
        self._nudge(self.hh[slots], np.where(age <= p.quick_days, p.sat_quick, p.sat_late))
        self.is_open[slots] = False
        return Settled(self.estate[slots], filed, age, np.full(len(slots), channel, np.int64))

    def _open(self) -> IntArray:
        return (self.company.count + self.waiting.count
                + np.bincount(self.estate[self.escalated], minlength=len(self.n)))

    def _take_heads(self, line: _Line, day: int, capacity: IntArray, ctl: DayControl
                    ) -> tuple[IntArray, IntArray, IntArray]:
        return _take_heads(day, self.filed, self.after, line.head, line.tail, line.count,
                           capacity, ctl.response, ctl.escalation_age, ctl.path,
                           self.p.max_age_days)

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
        new = self._file(estate[order], hh[order], cat[order], hard[order], d)
        self._nudge(self.hh[new], np.full(k, -p.sat_filed))
        filed = np.bincount(self.estate[new], minlength=m)

        # today's complaints join the end of their estate's company queue or waiting line;
        # the company (or interim manager) works its queue, oldest first
        hard = self.hard[new]
        _append(new[~hard], self.estate, self.company.head, self.company.tail,
                self.company.count, self.after)
        _append(new[hard], self.estate, self.waiting.head, self.waiting.tail,
                self.waiting.count, self.after)
        served, rise_c, lost_c = self._take_heads(self.company, d, ctl.capacity, ctl)
        parts = [self._settle(np.sort(served), d, COMPANY)]

        # escalation through whatever link exists, then the escalated channels
        _, rise_w, lost_w = self._take_heads(self.waiting, d, self._no_capacity, ctl)
        up = np.sort(np.concatenate([rise_c, rise_w]))
        escalated = np.bincount(self.estate[up], minlength=m)
        eq = np.insert(self.escalated, np.searchsorted(self.escalated, up), up)
        e_up, c_up = self.estate[eq], self.cat[eq]
        chance = np.where(self.hard[eq], ctl.hazard_hard[e_up, c_up], ctl.hazard[e_up, c_up])
        hit = self.rng_settle.random(len(eq)) < chance
        parts.append(self._settle(eq[hit], d, ESCALATION))

        # residents give up on what is too old
        lost_e = ~hit & (self.filed[eq] <= d - p.max_age_days)
        lost = np.sort(np.concatenate([lost_c, lost_w, eq[lost_e]]))
        self._nudge(self.hh[lost], np.full(len(lost), -p.sat_abandoned))
        self.is_open[lost] = False
        age = d - self.filed[lost]
        abandoned = Settled(self.estate[lost], self.filed[lost], age,
                            np.full(len(lost), -1, np.int64))
        self.escalated = eq[~(hit | lost_e)]
        return DayReport(filed, escalated, self._open(), Settled.concat(parts), abandoned)

    def meeting(self, day: int, estates: BoolArray, clear: float) -> Settled:
        """A tripartite meeting on ``day`` settles escalated complaints at ``estates``."""
        eq = self.escalated
        up = np.flatnonzero(estates[self.estate[eq]])
        hit = up[self.rng_settle.random(len(up)) < clear]
        done = self._settle(eq[hit], day, MEETING)
        keep = np.ones(len(eq), bool)
        keep[hit] = False
        self.escalated = eq[keep]
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
