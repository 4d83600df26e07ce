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

#: What the kernels take: a list's heads, tails and lengths per estate; the store's
#: estate, household, filing day and open columns; satisfaction, each household's estate,
#: the estate sums and the dissatisfied threshold; the escalated channels' capacities.
Lists = tuple[IntArray, IntArray, IntArray]
Store = tuple[IntArray, IntArray, IntArray, BoolArray]
SatState = tuple[FloatArray, IntArray, FloatArray, IntArray, float]
Capacities = tuple[IntArray, IntArray, IntArray, IntArray]


@njit(cache=True)
def _push(s: int, estate: IntArray, head: IntArray, tail: IntArray, count: IntArray,
          after: IntArray) -> None:
    """Put slot ``s`` at the end of its estate's list."""
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
def _close_slots(slots: IntArray, day: int, channel: int, store: Store, sat: SatState,
                 gains: FloatArray, quick_days: int, out: IntArray, at: int) -> int:
    """Close the complaints at ``slots`` (in that order): settled through ``channel``
    (satisfaction ``gains[0]`` if at most ``quick_days`` old, else ``gains[1]``) or
    ``ABANDONED`` (``gains[2]``). Their estate, filing day, age and channel go to the
    columns of ``out`` from row ``at``; the next free row."""
    estate, hh, filed, is_open = store
    s, home, sat_total, sat_low, low = sat
    for x in slots:
        age = day - filed[x]
        delta = gains[2] if channel == ABANDONED else gains[0] if age <= quick_days else gains[1]
        _nudge_one(s, hh[x], delta, home, sat_total, sat_low, low)
        is_open[x] = False
        out[0, at], out[1, at], out[2, at], out[3, at] = estate[x], filed[x], age, channel
        at += 1
    return at


@njit(cache=True)
def _work_day(day: int, new_estate: IntArray, new_cat: IntArray, new_hh: IntArray,
              u_hard: FloatArray, order: IntArray, hard_share: FloatArray, used: int,
              estate: IntArray, hh: IntArray, cat: IntArray, filed: IntArray,
              after: IntArray, hard: BoolArray, is_open: BoolArray,
              company: Lists, waiting: Lists, capacity: IntArray, response: IntArray,
              rise_age: IntArray, path: BoolArray, max_age: int,
              pool: IntArray, info: IntArray, channels: Capacities, community: IntArray,
              cobuilt: BoolArray, sat: SatState, gains: FloatArray, quick_days: int
              ) -> tuple[IntArray, ...]:
    """The day's queues after the problems: file today's complaints (``order[j]`` of the
    new ones takes slot ``used + j``; hard with ``u_hard < hard_share[category]``) at the
    end of their estate's company queue (not hard) or waiting line (hard); the company
    settles from its queue's head (``_take_heads``); complaints escalate where there is a
    path; the escalated pool is worked (``_work_escalated``); what is too old is
    abandoned. Settlements and abandonment move satisfaction (``_close_slots``).

    Returns complaints filed per estate, the settled (columns estate, filing day, age,
    channel: the company's in filing order, then the escalated ones) and the abandoned,
    escalations per estate, today's escalated slots, the kept pool with its columns,
    and open complaints per estate.
    """
    m = len(capacity)
    filed_today = np.zeros(m, np.int64)
    for j in range(len(order)):
        x, s = order[j], used + j
        e = new_estate[x]
        estate[s], hh[s], cat[s], filed[s] = e, new_hh[x], new_cat[x], day
        is_open[s] = True
        filed_today[e] += 1
        hard[s] = u_hard[x] < hard_share[new_cat[x]]
        line = waiting if hard[s] else company
        _push(s, estate, line[0], line[1], line[2], after)
    taken_c = np.empty((3, company[2].sum()), np.int64)
    n_served, n_rise_c, n_lost_c = _take_heads(
        day, filed, after, company[0], company[1], company[2], capacity, response,
        rise_age, path, max_age, taken_c)
    taken_w = np.empty((3, waiting[2].sum()), np.int64)
    _, n_rise_w, n_lost_w = _take_heads(
        day, filed, after, waiting[0], waiting[1], waiting[2], np.zeros(m, np.int64),
        response, rise_age, path, max_age, taken_w)
    up = np.sort(np.concatenate((taken_c[1, :n_rise_c], taken_w[1, :n_rise_w])))
    owners, carry, community_capacity, cobuild = channels
    hit, lost_e, pool, info = _work_escalated(
        pool, info, up, estate, cat, hard, filed, owners.copy(), carry.copy(), community,
        community_capacity.copy(), cobuild.copy(), cobuilt, day - max_age)
    store = (estate, hh, filed, is_open)
    settled = np.empty((4, n_served + len(hit)), np.int64)
    at = _close_slots(np.sort(taken_c[0, :n_served]), day, COMPANY, store, sat, gains,
                      quick_days, settled, 0)
    _close_slots(hit, day, ESCALATION, store, sat, gains, quick_days, settled, at)
    lost = np.sort(np.concatenate((taken_c[2, :n_lost_c], taken_w[2, :n_lost_w], lost_e)))
    abandoned = np.empty((4, len(lost)), np.int64)
    _close_slots(lost, day, ABANDONED, store, sat, gains, quick_days, abandoned, 0)
    escalated = np.zeros(m, np.int64)
    open_now = company[2] + waiting[2]
    for x in up:
        escalated[estate[x]] += 1
    for e in info[0]:
        open_now[e] += 1
    return filed_today, settled, abandoned, escalated, up, pool, info, open_now


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
def _nudge_one(s: FloatArray, h: int, delta: float, home: IntArray, sat_total: FloatArray,
               sat_low: IntArray, low: float) -> None:
    """Add ``delta`` to household ``h``'s satisfaction, clipped to [0, 1] (as the
    reference does); keep the estate sums."""
    before = s[h]
    after = min(max(before + delta, 0.0), 1.0)
    s[h] = after
    e = home[h]
    sat_total[e] += after - before
    sat_low[e] += int(after < low) - int(before < low)


@njit(cache=True)
def _problems(counts: IntArray, offset: IntArray, n: IntArray, u_home: FloatArray,
              u_told: FloatArray, report: FloatArray, s: FloatArray, home: IntArray,
              sat_total: FloatArray, sat_low: IntArray, low: float, delta: float
              ) -> tuple[IntArray, IntArray, IntArray]:
    """Today's problems: ``counts[e, c]`` of category ``c`` at estate ``e``, taken
    estate-major with one ``u_home`` and one ``u_told`` draw each. Problem ``i`` befalls
    household ``offset[e] + int(u_home[i] n[e])``, whose satisfaction moves by ``delta``,
    and becomes a complaint if ``u_told[i] < report[e]``: the complaints' estate,
    category and household, in problem order."""
    total = counts.sum()
    estate = np.empty(total, np.int64)
    cat = np.empty(total, np.int64)
    hh = np.empty(total, np.int64)
    i = k = 0
    for e in range(counts.shape[0]):
        for c in range(counts.shape[1]):
            for _ in range(counts[e, c]):
                h = offset[e] + np.int64(u_home[i] * n[e])
                _nudge_one(s, h, delta, home, sat_total, sat_low, low)
                if u_told[i] < report[e]:
                    estate[k], cat[k], hh[k] = e, c, h
                    k += 1
                i += 1
    return estate[:k], cat[:k], hh[:k]


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

    def lists(self) -> Lists:
        """Heads, tails and lengths, as the kernels take them."""
        return self.head, self.tail, self.count

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
        #: satisfaction moves of a complaint settled quickly, late, and abandoned
        self._gains = np.array([params.sat_quick, params.sat_late, -params.sat_abandoned])
        self._sums()

    # -- the complaint store ------------------------------------------------------------
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

    def _sat(self) -> SatState:
        """The satisfaction state, as the kernels take it."""
        return self.s, self.home, self.sat_total, self.sat_low, self.p.dissatisfied

    def _close(self, slots: IntArray, day: int, channel: int) -> Settled:
        """Close the complaints at ``slots`` (in filing order): settled through ``channel``
        or ``ABANDONED``; their households' satisfaction moves accordingly."""
        out = np.empty((4, len(slots)), np.int64)
        _close_slots(slots, day, channel, (self.estate, self.hh, self.filed, self.is_open),
                     self._sat(), self._gains, self.p.quick_days, out, 0)
        return Settled(*out)

    # -- the layer ----------------------------------------------------------------------
    def day(self, ctl: DayControl) -> DayReport:
        """Problems arise and some become complaints; complaints are settled, escalated
        and abandoned, for one day (the kernels ``_problems`` and ``_work_day``)."""
        p, rng = self.p, self.rng_arrive
        counts = rng.poisson(self.n[:, None] * ctl.problems)
        total = int(counts.sum())
        u_home = rng.random(total)
        u_told = rng.random(total)
        estate, cat, hh = _problems(counts, self.offset, self.n, u_home, u_told, ctl.report,
                                    *self._sat(), -p.sat_filed)
        k = len(estate)
        u_hard = rng.random(k)
        order = rng.permutation(k)
        if self.used + k > len(self.filed):
            self._compact(k)
        filed, settled, abandoned, escalated, up, self.escalated, self.escalated_info, open_ = (
            _work_day(ctl.day, estate, cat, hh, u_hard, order, self.hard_share, self.used,
                      self.estate, self.hh, self.cat, self.filed, self.after, self.hard,
                      self.is_open, self.company.lists(), self.waiting.lists(), ctl.capacity,
                      ctl.response, ctl.escalation_age, ctl.path, p.max_age_days,
                      self.escalated, self.escalated_info,
                      (ctl.owners, ctl.carry, ctl.community_capacity, ctl.cobuild),
                      ctl.community, ctl.cobuilt, self._sat(), self._gains, p.quick_days))
        self.used += k
        return DayReport(counts.sum(axis=1), filed, escalated, open_, Settled(*settled),
                         Settled(*abandoned), self.estate[up], self.filed[up])

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
