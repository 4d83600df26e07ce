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
    MonthReport,
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
def _work_escalated(pool: IntArray, info: IntArray, risen: IntArray, estate: IntArray,
                    cat: IntArray, hard: BoolArray, filed: IntArray, owners: IntArray,
                    carry: IntArray, community: IntArray, community_capacity: IntArray,
                    cobuild: IntArray, cobuilt: BoolArray, last_day_kept: int
                    ) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Work the escalated complaints (``pool`` and today's ``risen``, merged in filing
    order, so oldest first) with today's channel capacities, used up in place.

    ``info`` holds the pool's columns (rows: estate, category, hard, filing day), so the
    pool is read in order rather than through the store. A complaint is settled by its
    estate's owners' committee if not hard and ``owners[e]`` is left; else by co-building
    if its category is ``cobuilt`` and its community's ``cobuild`` is left; else by the
    community two committees if the estate's ``carry`` and the community's
    ``community_capacity`` are both left. Unsettled, it is lost if filed on or before
    ``last_day_kept``, else kept: settled and lost slots, and the kept pool with its
    columns, each in filing order.
    """
    n = len(pool) + len(risen)
    settled = np.empty(n, np.int64)
    lost = np.empty(n, np.int64)
    kept = np.empty(n, np.int64)
    kept_info = np.empty((4, n), np.int64)
    n_settled = n_lost = n_kept = 0
    i = j = 0
    for _ in range(n):
        if j == len(risen) or (i < len(pool) and pool[i] < risen[j]):
            s = pool[i]
            e, c, h, f = info[0, i], info[1, i], info[2, i], info[3, i]
            i += 1
        else:
            s = risen[j]
            e, c, h, f = estate[s], cat[s], int(hard[s]), filed[s]
            j += 1
        k = community[e]
        done = False
        if h == 0 and owners[e] > 0:
            owners[e] -= 1
            done = True
        elif cobuilt[c] and cobuild[k] > 0:
            cobuild[k] -= 1
            done = True
        elif carry[e] > 0 and community_capacity[k] > 0:
            carry[e] -= 1
            community_capacity[k] -= 1
            done = True
        if done:
            settled[n_settled] = s
            n_settled += 1
        elif f <= last_day_kept:
            lost[n_lost] = s
            n_lost += 1
        else:
            kept[n_kept] = s
            kept_info[0, n_kept], kept_info[1, n_kept] = e, c
            kept_info[2, n_kept], kept_info[3, n_kept] = h, f
            n_kept += 1
    return settled[:n_settled], lost[:n_lost], kept[:n_kept], kept_info[:, :n_kept].copy()


@njit(cache=True)
def _meet(estate: IntArray, capacity: IntArray) -> BoolArray:
    """Which escalated complaints (their estates ``estate``, in filing order) a meeting
    settles: the oldest ``capacity[e]`` of each estate ``e`` (used up in place)."""
    hit = np.zeros(len(estate), np.bool_)
    for t in range(len(estate)):
        e = estate[t]
        if capacity[e] > 0:
            capacity[e] -= 1
            hit[t] = True
    return hit


@njit(cache=True)
def _nudge(s: FloatArray, hh: IntArray, delta: FloatArray, home: IntArray,
           sat_total: FloatArray, sat_low: IntArray, low: float) -> None:
    """Add ``delta[i]`` to household ``hh[i]``, one at a time in order, each time clipped
    to [0, 1] (as the reference does); keep the estate sums."""
    for i in range(len(hh)):
        h = hh[i]
        before = s[h]
        after = min(max(before + delta[i], 0.0), 1.0)
        s[h] = after
        e = home[h]
        sat_total[e] += after - before
        sat_low[e] += int(after < low) - int(before < low)


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
def _behind(offset: IntArray, arrears: BoolArray, visits: FloatArray) -> IntArray:
    """Households in ``arrears`` per estate, counted where ``visits[e] > 0`` (else 0)."""
    m = len(offset) - 1
    behind = np.zeros(m, np.int64)
    for e in range(m):
        if visits[e] > 0.0:
            for i in range(offset[e], offset[e + 1]):
                behind[e] += arrears[i]
    return behind


@njit(cache=True)
def _visit(draw: FloatArray, offset: IntArray, arrears: BoolArray, visits: FloatArray,
           behind: IntArray, bonus: float, out: FloatArray) -> IntArray:
    """Each household in ``arrears`` of estate ``e`` (with ``behind[e]`` of them, one
    ``draw`` each in household order) is visited with chance ``min(1, visits[e] /
    behind[e])``; a visit subtracts ``bonus`` from ``out`` (the minus log-odds of paying).
    Visited households per estate."""
    m = len(offset) - 1
    visited = np.zeros(m, np.int64)
    t = 0
    for e in range(m):
        if behind[e] == 0:
            continue
        chance = min(1.0, visits[e] / behind[e])
        for i in range(offset[e], offset[e + 1]):
            if arrears[i]:
                if draw[t] < chance:
                    out[i] -= bonus
                    visited[e] += 1
                t += 1
    return visited


@njit(cache=True)
def _payers(draw: FloatArray, exp_minus_logit: FloatArray, offset: IntArray,
            can_pay: BoolArray, arrears: BoolArray) -> IntArray:
    """Per estate, households whose ``draw`` falls below 1 / (1 + exp(-logit)); the
    others (and every household of an estate that cannot pay) are in ``arrears``."""
    m = len(offset) - 1
    paid = np.zeros(m, np.int64)
    for e in range(m):
        for i in range(offset[e], offset[e + 1]):
            pays = can_pay[e] and draw[i] * (exp_minus_logit[i] + 1.0) < 1.0
            arrears[i] = not pays
            paid[e] += pays
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
    params : the model parameters.
    rngs : generators for arrivals, initial state and payment (with arrears visits).
    """

    def __init__(self, households: IntArray, params: Params,
                 rngs: dict[str, np.random.Generator]):
        self.p = params
        self.n = households.astype(np.int64)
        m = len(self.n)
        self.hard_share = np.asarray(params.hard())
        self.offset = np.concatenate([[0], np.cumsum(self.n)])
        self.rng_arrive, self.rng_pay = rngs["arrivals"], rngs["payment"]
        self.home = np.repeat(np.arange(m), self.n)
        total = int(self.offset[-1])
        init = rngs["households"]
        self.s = np.clip(init.normal(params.sat_init, params.sat_init_sd, total), 0.0, 1.0)
        self.propensity = init.normal(0.0, params.pay_propensity_sd, total)
        self._month_buffers = np.zeros(total), np.zeros(total)  # reused each month
        self.arrears = np.zeros(total, bool)  # did not pay last month
        # the complaint store: one row (slot) per complaint, slots in filing order
        self.used = 0
        self.estate = self.hh = self.cat = self.filed = self.after = np.zeros(0, np.int64)
        self.hard = self.is_open = np.zeros(0, bool)
        self._slot = np.zeros(0, np.int64)  # compaction's old slot -> new slot
        self.company = _Line(m)  # not hard, not escalated
        self.waiting = _Line(m)  # hard, not escalated
        self.escalated = np.zeros(0, np.int64)  # slots, filing order
        self.escalated_info = np.zeros((4, 0), np.int64)  # their estate, cat, hard, filed
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
                + np.bincount(self.escalated_info[0], minlength=len(self.n)))

    # -- the layer ----------------------------------------------------------------------
    def day(self, ctl: DayControl) -> DayReport:
        """Problems arise and some become complaints; complaints are settled, escalated
        and abandoned, for one day."""
        p, m, d = self.p, len(self.n), ctl.day
        counts = self.rng_arrive.poisson(self.n[:, None] * ctl.problems)
        flat = counts.ravel()
        cells = np.arange(flat.size)
        estate = np.repeat(cells // counts.shape[1], flat)
        cat = np.repeat(cells % counts.shape[1], flat)
        hh = self.offset[estate] + (self.rng_arrive.random(len(estate))
                                    * self.n[estate]).astype(np.int64)
        self._nudge(hh, np.full(len(hh), -p.sat_filed))  # every problem costs satisfaction
        problems = counts.sum(axis=1)
        told = self.rng_arrive.random(len(estate)) < ctl.report[estate]
        estate, cat, hh = estate[told], cat[told], hh[told]
        k = len(estate)
        hard = self.rng_arrive.random(k) < self.hard_share[cat]
        order = self.rng_arrive.permutation(k)
        new = self._file(estate[order], hh[order], cat[order], hard[order], d)
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
        rose_estate, rose_filed = self.estate[up], self.filed[up]
        hit, lost_e, self.escalated, self.escalated_info = _work_escalated(
            self.escalated, self.escalated_info, up, self.estate, self.cat, self.hard,
            self.filed,
            ctl.owners.copy(), ctl.carry.copy(), ctl.community, ctl.community_capacity.copy(),
            ctl.cobuild.copy(), ctl.cobuilt, d - p.max_age_days)
        parts.append(self._close(hit, d, ESCALATION))

        # residents give up on what is too old
        abandoned = self._close(np.sort(np.concatenate([lost_c, lost_w, lost_e])), d, ABANDONED)
        return DayReport(problems, filed, escalated, self._open(), Settled.concat(parts),
                         abandoned, rose_estate, rose_filed)

    def meeting(self, day: int, capacity: IntArray) -> Settled:
        """A tripartite meeting on ``day`` settles up to ``capacity[e]`` escalated
        complaints of estate ``e``, oldest first."""
        eq = self.escalated
        hit = _meet(self.escalated_info[0], capacity.copy())
        done = self._close(eq[hit], day, MEETING)
        self.escalated = eq[~hit]
        self.escalated_info = self.escalated_info[:, ~hit]
        return done

    def month(self, target: FloatArray, peer_paid: FloatArray, enforcement: FloatArray,
              can_pay: BoolArray, visits: FloatArray) -> MonthReport:
        """Satisfaction drift and peer pull, arrears visits, then the fee decision."""
        p, s = self.p, self.s
        mean = self.sat_total / np.maximum(self.n, 1)
        _drift(s, self.offset, mean, target, p.sat_peer, p.sat_drift)
        self._sums()
        # pays with chance 1 / (1 + exp(-logit)), logit = pay_intercept
        #   + pay_satisfaction (s - 0.5) + pay_peer (peer - 0.5) + enforcement + propensity
        #   (+ pay_visit for a household in arrears visited this month)
        exp_minus_logit, draw = self._month_buffers
        _minus_logit(s, self.offset, self.propensity, p.pay_satisfaction, p.pay_intercept,
                     p.pay_peer * (peer_paid - 0.5), enforcement, exp_minus_logit)
        behind = _behind(self.offset, self.arrears, visits)
        visited = _visit(self.rng_pay.random(int(behind.sum())), self.offset, self.arrears,
                         visits, behind, p.pay_visit, exp_minus_logit)
        np.exp(exp_minus_logit, out=exp_minus_logit)
        paid = _payers(self.rng_pay.random(out=draw), exp_minus_logit, self.offset, can_pay,
                       self.arrears)
        return MonthReport(paid, visited)

    def satisfaction(self) -> SatTable:
        """Current per-estate satisfaction sums and dissatisfied counts."""
        return SatTable(self.sat_total.copy(), self.sat_low.copy())
