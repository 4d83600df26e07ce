"""What the organisations tell the household layer each day, and what it reports back.

Two household layers implement the same rules: the vectorised engine
(:mod:`redwuye_graph.sim.households`) and the per-household Mesa agents of the reference
model (:mod:`redwuye_graph.sim.reference`). The organisational model drives either
through :class:`HouseholdLayer`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["ABANDONED", "COMPANY", "ESCALATION", "MEETING", "DayControl", "DayReport",
           "HouseholdLayer", "SatTable", "Settled"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Channels that settle a complaint (values of :attr:`Settled.channel`); ``ABANDONED``
#: marks complaints residents gave up on.
COMPANY, ESCALATION, MEETING, ABANDONED = 0, 1, 2, -1


@dataclass
class DayControl:
    """Per-estate orders for one day (arrays of length ``n_estates``; hazards × categories)."""

    day: int
    capacity: IntArray
    response: IntArray
    escalation_age: IntArray
    path: BoolArray
    hazard: FloatArray
    hazard_hard: FloatArray


@dataclass
class Settled:
    """Complaints that left the queue today: one entry per complaint."""

    estate: IntArray
    filed: IntArray
    age: IntArray
    channel: IntArray

    @classmethod
    def empty(cls) -> Settled:
        """No complaints."""
        z = np.zeros(0, np.int64)
        return cls(z, z.copy(), z.copy(), z.copy())

    @classmethod
    def concat(cls, parts: list[Settled]) -> Settled:
        """All complaints of ``parts`` in one record."""
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f) for p in parts]).astype(np.int64)
                     for f in ("estate", "filed", "age", "channel")))


@dataclass
class DayReport:
    """What happened in the household layer today, per estate unless said otherwise."""

    filed: IntArray
    escalated: IntArray
    open: IntArray
    settled: Settled
    abandoned: Settled


@dataclass
class SatTable:
    """Per-estate satisfaction sum and number of dissatisfied households."""

    total: FloatArray
    dissatisfied: IntArray


class HouseholdLayer(Protocol):
    """The household side of the model: complaints, satisfaction, fee payment."""

    def day(self, ctl: DayControl) -> DayReport:
        """File, settle, escalate and abandon complaints for one day."""
        ...

    def meeting(self, day: int, estates: BoolArray, clear: float) -> Settled:
        """A tripartite meeting on ``day`` settles escalated complaints at ``estates``."""
        ...

    def month(self, target: FloatArray, peer_paid: FloatArray, enforcement: FloatArray,
              can_pay: BoolArray) -> IntArray:
        """Satisfaction drift and peer pull, then the fee decision; paid count per estate."""
        ...

    def satisfaction(self) -> SatTable:
        """Current per-estate satisfaction sums and dissatisfied counts."""
        ...

