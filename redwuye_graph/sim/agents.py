"""Organisational actors as Mesa agents: companies, communities, owners' committees, party orgs.

Households are not agents here (see :mod:`redwuye_graph.sim.households`); these agents
hold the organisations' own state and act at their own pace: companies settle their
accounts monthly and are reviewed twice a year, communities hold the tripartite
meetings, party organisations make their company more responsive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from redwuye_graph.schema import CreditGrade

if TYPE_CHECKING:
    from redwuye_graph.sim.model import CityModel

__all__ = ["GRADES", "Community", "Company", "OwnersCommittee", "PartyOrg"]

#: Credit grades from worst (0) to best (4).
GRADES = [CreditGrade.C, CreditGrade.B, CreditGrade.A, CreditGrade.AA, CreditGrade.AAA]


class Company(mesa.Agent):  # type: ignore[misc]
    """A property-service company: cash, credit grade, blacklist, stars, served estates.

    Rating policies (:mod:`redwuye_graph.sim.policies`) change the grade, the blacklist
    flag and the stars at reviews.
    """

    def __init__(self, model: CityModel, company_id: str, grade: str, blacklisted: bool,
                 stars: int):
        super().__init__(model)
        self.company_id = company_id
        self.grade = GRADES.index(CreditGrade(grade))
        self.blacklisted = blacklisted
        self.stars = stars
        self.cash = 0.0
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


class OwnersCommittee(mesa.Agent):  # type: ignore[misc]
    """An owners' committee (业委会) of one estate: an escalation channel and enforcement."""

    def __init__(self, model: CityModel, committee_id: str, estate: int):
        super().__init__(model)
        self.committee_id = committee_id
        self.estate = estate


class PartyOrg(mesa.Agent):  # type: ignore[misc]
    """A company's party organisation or party-building instructor: raises responsiveness."""

    def __init__(self, model: CityModel, company_id: str, kind: str):
        super().__init__(model)
        self.company_id = company_id
        self.kind = kind
