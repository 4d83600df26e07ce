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
           "HouseholdLayer", "MonthReport", "SatTable", "Settled"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Channels that settle a complaint (values of :attr:`Settled.channel`); ``ABANDONED``
#: marks complaints residents gave up on.
COMPANY, ESCALATION, MEETING, ABANDONED = 0, 1, 2, -1


@dataclass
class DayControl:
    """Per-estate orders for one day (arrays of length ``n_estates`` unless said otherwise).

    ``problems``: problems per household today (estates × categories); ``report``: the
    share of problems complained about. ``capacity``: complaints the company settles;
    ``owners``: escalated complaints (not hard) the owners' committee settles; ``carry``:
    escalated complaints cross-appointed people take up to the community two committees,
    which settle up to ``community_capacity`` (per community; ``community`` is each
    estate's community index) of them; ``cobuild``: escalated parking, security and
    neighbour complaints co-building settles (per community), where ``cobuilt``
    (per category) marks those categories.
    """

    day: int
    problems: FloatArray
    report: FloatArray
    capacity: IntArray
    response: IntArray
    escalation_age: IntArray
    path: BoolArray
    owners: IntArray
    carry: IntArray
    community: IntArray
    community_capacity: IntArray
    cobuild: IntArray
    cobuilt: BoolArray


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


@dataclass
class DayReport:
    """What happened in the household layer today, per estate unless said otherwise."""

    problems: IntArray
    filed: IntArray
    escalated: IntArray
    open: IntArray
    settled: Settled
    abandoned: Settled
    #: today's escalated complaints: estate and filing day of each
    rose_estate: IntArray
    rose_filed: IntArray


@dataclass
class MonthReport:
    """A month's fee decisions and arrears visits, per estate."""

    paid: IntArray
    visited: IntArray


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

    def meeting(self, day: int, capacity: IntArray) -> Settled:
        """A tripartite meeting on ``day`` settles up to ``capacity[e]`` escalated
        complaints of estate ``e``, oldest first."""
        ...

    def month(self, target: FloatArray, peer_paid: FloatArray, enforcement: FloatArray,
              can_pay: BoolArray, visits: FloatArray) -> MonthReport:
        """Satisfaction drift and peer pull, arrears visits, then the fee decision."""
        ...

    def satisfaction(self) -> SatTable:
        """Current per-estate satisfaction sums and dissatisfied counts."""
        ...

