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
                path: BoolArray, max_age: int, out: IntArray) -> tuple[int, int, int]:
    """Take each estate's oldest complaints off its list: served, risen and lost slots.

    From the head of estate ``e``'s list (oldest first, so ages only fall along it): up
    to ``capacity[e]`` complaints at least ``response[e]`` days old are served; then, if
    ``path[e]``, those at least ``rise_age[e]`` days old rise; then those at least
    ``max_age`` days old are lost. Slots go to the rows of ``out`` (room for every
    complaint on the lists) by estate, then filing order; returns how many of each.
    """
    served, risen, lost = out[0], out[1], out[2]
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
    return n_served, n_risen, n_lost



@njit(cache=True)
def _draw_escalated(pool: IntArray, risen: IntArray, draw: FloatArray, estate: IntArray,
                    cat: IntArray, hard: BoolArray, filed: IntArray, hazard: FloatArray,
                    hazard_hard: FloatArray, last_day_kept: int
                    ) -> tuple[IntArray, IntArray, IntArray]:
    """Escalated complaints (``pool`` and today's ``risen``, merged in filing order) draw.

    The ``t``-th complaint is settled if ``draw[t]`` falls below its estate's hazard for
    its category (the hard hazard if hard), else lost if filed on or before
    ``last_day_kept``, else kept: settled, lost and kept slots, each in filing order.
    """
    n = len(pool) + len(risen)
    settled = np.empty(n, np.int64)
    lost = np.empty(n, np.int64)
    kept = np.empty(n, np.int64)
    n_settled = n_lost = n_kept = 0
    i = j = 0
    for t in range(n):
        if j == len(risen) or (i < len(pool) and pool[i] < risen[j]):
            s = pool[i]
            i += 1
        else:
            s = risen[j]
            j += 1
        e, c = estate[s], cat[s]
        chance = hazard_hard[e, c] if hard[s] else hazard[e, c]
        if draw[t] < chance:
            settled[n_settled] = s
            n_settled += 1
        elif filed[s] <= last_day_kept:
            lost[n_lost] = s
            n_lost += 1
        else:
            kept[n_kept] = s
            n_kept += 1
    return settled[:n_settled], lost[:n_lost], kept[:n_kept]


@njit(cache=True)
def _nudge(s: FloatArray, hh: IntArray, delta: FloatArray, home: IntArray,
           sat_total: FloatArray, sat_low: IntArray, low: float) -> None:
    """Add ``delta`` to households ``hh`` in order, clip to [0, 1], update estate sums."""
    touched = np.sort(hh)
    n_touched = min(len(touched), 1)
    for i in range(1, len(touched)):
        if touched[i] != touched[n_touched - 1]:
            touched[n_touched] = touched[i]
            n_touched += 1
    touched = touched[:n_touched]
    before = s[touched]
    for i in range(len(hh)):
        s[hh[i]] += delta[i]
    change = np.zeros(len(sat_total))
    crossed = np.zeros(len(sat_total), np.int64)
    for j in range(len(touched)):
        h = touched[j]
        after = min(max(s[h], 0.0), 1.0)
        s[h] = after
        change[home[h]] += after - before[j]
        crossed[home[h]] += int(after < low) - int(before[j] < low)
    sat_total += change
    sat_low += crossed


@njit(cache=True)
def _estate_sums(s: FloatArray, offset: IntArray, low: float) -> tuple[FloatArray, IntArray]:
    """Per-estate satisfaction sum and count below ``low`` (households by estate slice)."""
    m = len(offset) - 1
    total = np.zeros(m)
    below = np.zeros(m, np.int64)
    for e in range(m):
        acc = 0.0
        k = 0
        for i in range(offset[e], offset[e + 1]):
            acc += s[i]
            k += s[i] < low
        total[e], below[e] = acc, k
    return total, below


@njit(cache=True)
def _drift(s: FloatArray, offset: IntArray, mean: FloatArray, target: FloatArray,
           peer: float, drift: float) -> None:
    """``s += peer (mean - s) + drift (target - s)`` per estate, clipped to [0, 1]."""
    for e in range(len(offset) - 1):
        for i in range(offset[e], offset[e + 1]):
            pull = (mean[e] - s[i]) * peer
            pull += (target[e] - s[i]) * drift
            s[i] = min(max(s[i] + pull, 0.0), 1.0)


@njit(cache=True)
def _minus_logit(s: FloatArray, offset: IntArray, propensity: FloatArray, slope: float,
                 intercept: float, peer_term: FloatArray, enforcement: FloatArray,
                 out: FloatArray) -> None:
    """``out = -(slope (s - 0.5) + intercept + peer_term + enforcement + propensity)``."""
    for e in range(len(offset) - 1):
        for i in range(offset[e], offset[e + 1]):
            x = (s[i] - 0.5) * slope
            x += intercept
            x += peer_term[e]
            x += enforcement[e]
            x += propensity[i]
            out[i] = -x


@njit(cache=True)
def _payers(draw: FloatArray, exp_minus_logit: FloatArray, offset: IntArray,
            can_pay: BoolArray) -> IntArray:
    """Per estate, households whose ``draw`` falls below 1 / (1 + exp(-logit))."""
    m = len(offset) - 1
    paid = np.zeros(m, np.int64)
    for e in range(m):
        if can_pay[e]:
            for i in range(offset[e], offset[e + 1]):
                paid[e] += draw[i] * (exp_minus_logit[i] + 1.0) < 1.0
    return paid


@njit(cache=True)
def _number_open(is_open: BoolArray, slot: IntArray) -> int:
    """``slot[x]``: the open complaint's new slot (its rank among the open), or -1."""
    n = 0
    for x in range(len(is_open)):
        if is_open[x]:
            slot[x] = n
            n += 1
        else:
            slot[x] = -1
    return n


@njit(cache=True)
def _renumber(slots: IntArray, slot: IntArray) -> None:
    """Replace each slot in ``slots`` (-1: none) by its new number ``slot[x]``, in place."""
    for i in range(len(slots)):
        if slots[i] >= 0:
            slots[i] = slot[slots[i]]


@njit(cache=True)
def _move_down(column: np.ndarray, slot: IntArray) -> None:
    """Move each open row ``x`` of ``column`` to its new slot ``slot[x] <= x``, in place."""
    for x in range(len(slot)):
        if slot[x] >= 0:
            column[slot[x]] = column[x]

class _Line:
    """One first-in-first-out list of complaint slots per estate, linked through the store."""

    def __init__(self, m: int):
        self.head = np.full(m, -1, np.int64)
        self.tail = np.full(m, -1, np.int64)
        self.count = np.zeros(m, np.int64)
        self._taken = np.zeros((3, 0), np.int64)  # reused: no allocation a day

    def take_heads(self, day: int, filed: IntArray, after: IntArray, capacity: IntArray,
                   ctl: DayControl, max_age: int) -> tuple[IntArray, IntArray, IntArray]:
        """Served, risen and lost slots of the day (see ``_take_heads``); views that the
        next call overwrites."""
        size = int(self.count.sum())
        if self._taken.shape[1] < size:
            self._taken = np.zeros((3, 2 * size), np.int64)
        taken = self._taken
        n_served, n_risen, n_lost = _take_heads(
            day, filed, after, self.head, self.tail, self.count, capacity, ctl.response,
            ctl.escalation_age, ctl.path, max_age, taken)
        return taken[0, :n_served], taken[1, :n_risen], taken[2, :n_lost]

    def renumber(self, slot: IntArray) -> None:
        """Follow a compaction of the store (``slot``: old slot -> new slot)."""
        _renumber(self.head, slot)
        _renumber(self.tail, slot)


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
        init = rngs["households"]
        self.s = np.clip(init.normal(params.sat_init, params.sat_init_sd, total), 0.0, 1.0)
        self.propensity = init.normal(0.0, params.pay_propensity_sd, total)
        self._month_buffers = np.zeros(total), np.zeros(total)  # reused each month
        # the complaint store: one row (slot) per complaint, slots in filing order
        self.used = 0
        self.estate = self.hh = self.cat = self.filed = self.after = np.zeros(0, np.int64)
        self.hard = self.is_open = np.zeros(0, bool)
        self._slot = np.zeros(0, np.int64)  # compaction's old slot -> new slot
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
        """Move the open complaints down to the first slots, in order, and make room for
        ``room`` more (the store at least doubles when it would be over half full)."""
        slot, used = self._slot, self.used
        n = _number_open(self.is_open[:used], slot)
        _renumber(self.after[:used], slot)
        self.company.renumber(slot)
        self.waiting.renumber(slot)
        _renumber(self.escalated, slot)
        columns = (self.estate, self.hh, self.cat, self.filed, self.after, self.hard,
                   self.is_open)
        for column in columns:
            _move_down(column, slot[:used])
        self.used = n
        if 2 * (n + room) > len(self.filed):
            size = max(2 * (n + room), 2 * len(self.filed), _MIN_SLOTS)
            (self.estate, self.hh, self.cat, self.filed, self.after, self.hard,
             self.is_open) = (np.concatenate([c[:n], np.zeros(size - n, c.dtype)])
                              for c in columns)
            self._slot = np.zeros(size, np.int64)

    # -- satisfaction bookkeeping -------------------------------------------------------
    def _sums(self) -> None:
        self.sat_total, self.sat_low = _estate_sums(self.s, self.offset, self.p.dissatisfied)

    def _nudge(self, hh: IntArray, delta: FloatArray) -> None:
        _nudge(self.s, hh, delta, self.home, self.sat_total, self.sat_low, self.p.dissatisfied)

    def _close(self, slots: IntArray, day: int, channel: int) -> Settled:
        """Close the complaints at ``slots`` (in filing order): settled through ``channel``
        or ``ABANDONED``; their households' satisfaction moves accordingly."""
        filed = self.filed[slots]
        age = day - filed
        p = self.p
        if channel == ABANDONED:
            change = np.full(len(slots), -p.sat_abandoned)
        else:
            change = np.where(age <= p.quick_days, p.sat_quick, p.sat_late)
        self._nudge(self.hh[slots], change)
        self.is_open[slots] = False
        return Settled(self.estate[slots], filed, age, np.full(len(slots), channel, np.int64))

    def _open(self) -> IntArray:
        return (self.company.count + self.waiting.count
                + np.bincount(self.estate[self.escalated], minlength=len(self.n)))

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
        served, rise_c, lost_c = self.company.take_heads(d, self.filed, self.after,
                                                         ctl.capacity, ctl, p.max_age_days)
        parts = [self._close(np.sort(served), d, COMPANY)]

        # escalation through whatever link exists, then the escalated channels
        _, rise_w, lost_w = self.waiting.take_heads(d, self.filed, self.after,
                                                    self._no_capacity, ctl, p.max_age_days)
        up = np.sort(np.concatenate([rise_c, rise_w]))
        escalated = np.bincount(self.estate[up], minlength=m)
        draw = self.rng_settle.random(len(self.escalated) + len(up))
        hit, lost_e, self.escalated = _draw_escalated(
            self.escalated, up, draw, self.estate, self.cat, self.hard, self.filed,
            ctl.hazard, ctl.hazard_hard, d - p.max_age_days)
        parts.append(self._close(hit, d, ESCALATION))

        # residents give up on what is too old
        abandoned = self._close(np.sort(np.concatenate([lost_c, lost_w, lost_e])), d, ABANDONED)
        return DayReport(filed, escalated, self._open(), Settled.concat(parts), abandoned)

    def meeting(self, day: int, estates: BoolArray, clear: float) -> Settled:
        """A tripartite meeting on ``day`` settles escalated complaints at ``estates``."""
        eq = self.escalated
        up = np.flatnonzero(estates[self.estate[eq]])
        hit = up[self.rng_settle.random(len(up)) < clear]
        done = self._close(eq[hit], day, MEETING)
        keep = np.ones(len(eq), bool)
        keep[hit] = False
        self.escalated = eq[keep]
        return done

    def month(self, target: FloatArray, peer_paid: FloatArray, enforcement: FloatArray,
              can_pay: BoolArray) -> IntArray:
        """Satisfaction drift and peer pull, then the fee decision; paid count per estate."""
        p, s = self.p, self.s
        mean = self.sat_total / np.maximum(self.n, 1)
        _drift(s, self.offset, mean, target, p.sat_peer, p.sat_drift)
        self._sums()
        # pays with chance 1 / (1 + exp(-logit)), logit = pay_intercept
        #   + pay_satisfaction (s - 0.5) + pay_peer (peer - 0.5) + enforcement + propensity
        exp_minus_logit, draw = self._month_buffers
        _minus_logit(s, self.offset, self.propensity, p.pay_satisfaction, p.pay_intercept,
                     p.pay_peer * (peer_paid - 0.5), enforcement, exp_minus_logit)
        np.exp(exp_minus_logit, out=exp_minus_logit)
        paid: IntArray = _payers(self.rng_pay.random(out=draw), exp_minus_logit, self.offset,
                                 can_pay)
        return paid

    def satisfaction(self) -> SatTable:
        """Current per-estate satisfaction sums and dissatisfied counts."""
        return SatTable(self.sat_total.copy(), self.sat_low.copy())
