"""The vectorised household layer: every household and open complaint as numpy arrays.

Households of estate ``e`` occupy the slice ``offset[e]:offset[e + 1]`` of the household
arrays (satisfaction, willingness to pay). Open complaints form one pool of parallel
arrays kept in filing order, so "first in, first out" within an estate is pool order.
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

_POOL = ("estate", "hh", "cat", "filed", "hard", "esc")


class VectorHouseholds:
    """Households of all estates as arrays; see :class:`~redwuye_graph.sim.layer.HouseholdLayer`.

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
        self.pool: dict[str, np.ndarray] = {k: np.zeros(0, np.int64) for k in _POOL}
        self.pool["hard"] = self.pool["hard"].astype(bool)
        self.pool["esc"] = self.pool["esc"].astype(bool)
        self._sums()

    # -- satisfaction bookkeeping -------------------------------------------------------
    def _sums(self) -> None:
        self.sat_total = np.bincount(self.home, weights=self.s, minlength=len(self.n))
        self.sat_low = np.bincount(self.home, weights=self.s < self.p.dissatisfied,
                                   minlength=len(self.n)).astype(np.int64)

    def _nudge(self, hh: IntArray, delta: FloatArray) -> None:
        if not len(hh):
            return
        touched = np.unique(hh)
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

    def _settle(self, idx: IntArray, day: int, channel: int) -> Settled:
        age = day - self.pool["filed"][idx]
        p = self.p
        self._nudge(self.pool["hh"][idx], np.where(age <= p.quick_days, p.sat_quick, p.sat_late))
        return Settled(self.pool["estate"][idx], self.pool["filed"][idx], age,
                       np.full(len(idx), channel, np.int64))

    def _drop(self, gone: BoolArray) -> None:
        if gone.any():
            keep = ~gone
            self.pool = {k: v[keep] for k, v in self.pool.items()}

    # -- the layer ----------------------------------------------------------------------
    def day(self, ctl: DayControl) -> DayReport:
        """File, settle, escalate and abandon complaints for one day."""
        p, m = self.p, len(self.n)
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
               "filed": np.full(k, ctl.day, np.int64), "hard": hard[order],
               "esc": np.zeros(k, bool)}
        self._nudge(new["hh"], np.full(k, -p.sat_filed))
        self.pool = {key: np.concatenate([self.pool[key], new[key]]) for key in _POOL}
        pool = self.pool
        where, age = pool["estate"], ctl.day - pool["filed"]

        # the company (or interim manager) works its queue, oldest first
        ready = np.flatnonzero(~pool["esc"] & ~pool["hard"] & (age >= ctl.response[where]))
        by_estate = np.argsort(where[ready], kind="stable")
        queue_estate = where[ready][by_estate]
        starts = np.cumsum(np.bincount(queue_estate, minlength=m)) - np.bincount(
            queue_estate, minlength=m)
        rank = np.arange(len(ready)) - starts[queue_estate]
        served = np.sort(ready[by_estate][rank < ctl.capacity[queue_estate]])
        parts = [self._settle(served, ctl.day, COMPANY)]
        gone = np.zeros(len(where), bool)
        gone[served] = True

        # escalation through whatever link exists, then the escalated channels
        rise = ~gone & ~pool["esc"] & ctl.path[where] & (age >= ctl.escalation_age[where])
        pool["esc"] |= rise
        up = np.flatnonzero(pool["esc"] & ~gone)
        e_up, c_up = where[up], pool["cat"][up]
        chance = np.where(pool["hard"][up], ctl.hazard_hard[e_up, c_up], ctl.hazard[e_up, c_up])
        hit = up[self.rng_settle.random(len(up)) < chance]
        parts.append(self._settle(hit, ctl.day, ESCALATION))
        gone[hit] = True

        # residents give up on what is too old
        lost = np.flatnonzero(~gone & (age >= p.max_age_days))
        self._nudge(pool["hh"][lost], np.full(len(lost), -p.sat_abandoned))
        abandoned = Settled(where[lost], pool["filed"][lost], age[lost],
                            np.full(len(lost), -1, np.int64))
        gone[lost] = True
        filed = np.bincount(new["estate"], minlength=m)
        escalated = np.bincount(where[rise], minlength=m)
        self._drop(gone)
        return DayReport(filed, escalated, np.bincount(self.pool["estate"], minlength=m),
                         Settled.concat(parts), abandoned)

    def meeting(self, day: int, estates: BoolArray, clear: float) -> Settled:
        """A tripartite meeting on ``day`` settles escalated complaints at ``estates``."""
        pool = self.pool
        up = np.flatnonzero(pool["esc"] & estates[pool["estate"]])
        hit = up[self.rng_settle.random(len(up)) < clear]
        done = self._settle(hit, day, MEETING)
        gone = np.zeros(len(pool["estate"]), bool)
        gone[hit] = True
        self._drop(gone)
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
