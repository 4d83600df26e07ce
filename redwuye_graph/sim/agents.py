"""Organisational actors with their own state as Mesa agents: companies and communities.

Households are not agents here (see :mod:`redwuye_graph.sim.households`); these agents
hold the organisations' own state and act at their own pace: companies settle their
accounts monthly (rating policies re-grade them at reviews), communities hold the
tripartite meetings. Owners' committees, party organisations, instructors and
cross-appointed people have no state of their own in the model: they act through the
links the model reads from the graph (escalation paths, enforcement, effort).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from redwuye_graph.schema import CreditGrade

if TYPE_CHECKING:
    from redwuye_graph.sim.model import CityModel

__all__ = ["GRADES", "Community", "Company"]

#: Credit grades from worst (0) to best (4).
GRADES = [CreditGrade.C, CreditGrade.B, CreditGrade.A, CreditGrade.AA, CreditGrade.AAA]


class Company(mesa.Agent):  # type: ignore[misc]
    """A property-service company: cash, credit grade, blacklist, stars, served estates,
    and its standing at the last review: ``score`` over all its estates (its reputation,
    which tenders weigh) and ``rank`` among the companies.

    Rating policies (:mod:`redwuye_graph.sim.policies`) change the grade, the blacklist
    flag and the stars at reviews; what a company stands to win or lose there moves its
    effort.
    """

    def __init__(self, model: CityModel, company_id: str, grade: str, blacklisted: bool,
                 stars: int):
        super().__init__(model)
        self.company_id = company_id
        self.grade = GRADES.index(CreditGrade(grade))
        self.blacklisted = blacklisted
        self.stars = stars
        self.cash = 0.0
        self.score = 0.5
        self.rank = 0.5
        self.estates: set[int] = set()

    def settle_accounts(self) -> None:
        """Book the month's revenue and costs; withdraw from the worst estate when broke."""
        m: CityModel = self.model
        if not self.estates:
            return
        served = np.fromiter(self.estates, np.int64)
        result = m.revenue[served] - m.cost[served]
        self.cash += float(result.sum())
        if self.cash < 0.0:
            m.withdraw(int(served[int(np.argmin(result))]))
            if not self.estates:
                self.remove()


class Community(mesa.Agent):  # type: ignore[misc]
    """A community (社区) with its two committees; chairs the tripartite meetings."""

    def __init__(self, model: CityModel, community_id: str, estates: list[int]):
        super().__init__(model)
        self.community_id = community_id
        self.estates = estates

    def hold_meeting(self) -> None:
        """Put escalated complaints of its tripartite estates on the joint agenda."""
        m: CityModel = self.model
        members = [e for e in self.estates if m.links_tripartite[e]]
        if members:
            m.meeting_estates[members] = True

