"""One vocabulary for the linkage posts, and one validator for each kind of value.

A post (a party organisation, an instructor, a cross-appointed seat, an owners'
committee, interim management, co-building) has one name everywhere: the generator's
policy level (:class:`~redwuye_graph.generate.PolicyLevels`), the policy parameter that
raises it (where one does), the per-estate or per-company column of
:func:`~redwuye_graph.linkage.estate_linkage` and of the Cypher coverage queries, and the
docs. Old names are still read, with a deprecation message (:data:`ALIASES`). Links
that only rosters record (party leadership, service stations, the general
cross-appointment) are :data:`ROSTER_POSTS`; the roles a person holds in a body are
:data:`ROLES` (``docs/schema.md`` shows both).

A level and a policy target are both shares in [0, 1] but mean different things: a
**level** is the chance that each eligible candidate has the post when the city is
generated (so the share reached is near the level, and lower where few candidates
qualify); a **policy target** is the share of eligible estates (or companies) the
policy raises coverage to, on its start day (it never lowers coverage).

Examples
--------
>>> canonical("head_on_regional_committee", "levels")
'head_on_regional_committee'
>>> check_share(0.25, "levels.owners_committee")
0.25
>>> check_share(1.5, "levels.owners_committee")
Traceback (most recent call last):
...
ValueError: levels.owners_committee: 1.5 is outside [0, 1] (a share)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

__all__ = ["ALIASES", "POSTS", "ROLES", "ROSTER_POSTS", "Post", "canonical", "check_share"]


@dataclass(frozen=True)
class Post:
    """A linkage post and where its name is used."""

    #: The one name: generator level, column (unless ``column`` says otherwise).
    name: str
    #: What the post is, in the seed article's words.
    meaning: str
    #: What a generator level of this name is a chance of, per eligible candidate
    #: (``""``: no generator level, :data:`ROSTER_POSTS`).
    level: str
    #: The per-estate (or per-company) column of the linkage and coverage tables
    #: (``""``: none; ``vacuum`` is ``not has_company``).
    column: str
    #: The policy parameter that raises it (``kind.parameter``), if one does.
    policy: str = ""


#: Every post, in the order of :class:`~redwuye_graph.generate.PolicyLevels`.
POSTS: dict[str, Post] = {p.name: p for p in (
    Post("company_party_org", "a company's own party organisation (党组织)",
         "a qualifying company (≥ 3 party members on staff) has formed one",
         "company_party_org"),
    Post("company_instructor", "a party-building instructor for a company (党建指导员)",
         "a company without a party organisation has an instructor",
         "company_instructor", "instructors.share"),
    Post("secretary_instructor", "the community party secretary as a project's instructor",
         "a project's instructor is the community party secretary",
         "secretary_instructor", "cross_appointment.secretary_instructor"),
    Post("quality_supervisor", "a two-committee member as a project's quality supervisor",
         "a project has a quality supervisor (a party member who knows property law)",
         "quality_supervisor", "cross_appointment.quality_supervisor"),
    Post("owners_committee", "an owners' committee (业主委员会)",
         "a managed estate has an owners' committee", "has_owners_committee",
         "cross_appointment.owners_committee"),
    Post("owners_committee_party_member", "a party member in an owners'-committee seat",
         "an owners'-committee seat goes to a party member",
         "owners_committee_party_members"),
    Post("community_member_on_owners_committee",
         "a community two-committee member on the owners' committee",
         "an owners' committee has a two-committee member in its last seat",
         "community_member_on_owners_committee",
         "cross_appointment.community_member_on_owners_committee"),
    Post("head_on_regional_committee",
         "the serving company's head on the community regional party committee",
         "for each project, its company's party-member head sits on that community's "
         "regional party committee",
         "head_on_regional_committee", "cross_appointment.head_on_regional_committee"),
    Post("owners_on_regional_committee",
         "an owners'-committee member on the community regional party committee",
         "an owners' committee sends a member to the regional party committee",
         "owners_on_regional_committee", "cross_appointment.owners_on_regional_committee"),
    Post("vacuum", "an estate with no serving company (物业管理真空)",
         "an estate has no serving company (the one structural level)", "has_company"),
    Post("interim_managed", "interim management of a vacant estate by street or community",
         "a vacant estate is under interim management", "interim_managed"),
    Post("co_building", "a resident unit co-building with its community (共驻共建)",
         "a resident unit co-builds (CO_BUILDS_WITH) with its community", "",
         "co_building.share"),
)}

#: Links a roster records that no generator level draws (a generated city has none of
#: them, or, for ``cross_appointed``, has it only through the posts above); the same
#: fields as :data:`POSTS`, with ``level`` empty.
ROSTER_POSTS: dict[str, Post] = {p.name: p for p in (
    Post("company_party_led", "party leadership of a company (党组织领导): a party "
         "organisation LEADS the serving company or one of its offices", "",
         "company_party_led"),
    Post("service_station", "a party service station or centre (党群服务站 / 党群服务中心) "
         "in a body serving the estate, e.g. its management office (管理处)", "",
         "service_station"),
    Post("cross_appointed", "a person holding posts in bodies of two or more kinds "
         "(双向进入、交叉任职); the posts above are typed subsets", "", "cross_appointed"),
)}

#: Every role of ``MEMBER_OF`` (:data:`~redwuye_graph.schema.MEMBER_ROLES`) in the
#: seed's words, by the bodies that have it.
ROLES: dict[str, str] = {
    "secretary": "书记 (party organisation, regional party committee)",
    "deputy_secretary": "副书记 (party organisation, regional party committee)",
    "director": "主任 / 局长 (residents' committee, housing authority)",
    "deputy_director": "副主任 / 副局长 (residents' committee, housing authority)",
    "chair": "主任 (owners' committee)",
    "vice_chair": "副主任 (owners' committee)",
    "head": "负责人 / 董事长 (company)",
    "deputy_head": "副总 (company)",
    "manager": "经理 / 项目经理 / 总经理 (company, project, office)",
    "deputy_manager": "副经理 / 副总经理 (company, project, office)",
    "staff": "工作人员 / 社区工作者 (company, project, office, community, housing authority)",
    "member": "委员 / 成员 (party organisation, committees)",
}

#: Names of earlier versions, still read with a deprecation message: old -> current.
ALIASES = {
    "instructor": "company_instructor",
    "company_head_on_regional_committee": "head_on_regional_committee",
    "owners_member_on_regional_committee": "owners_on_regional_committee",
    "interim_management": "interim_managed",
}


def canonical(name: str, where: str) -> str:
    """The current name of a post or level; an old name is read with a warning
    (``FutureWarning``, shown to users) that names ``where`` and the new name."""
    if name in ALIASES:
        new = ALIASES[name]
        warnings.warn(f"{where}.{name}: renamed {new!r}; the old name is read for now",
                      FutureWarning, stacklevel=3)
        return new
    return name


def check_share(value: Any, where: str) -> float:
    """``value`` as a share: a finite number in [0, 1]; else ``ValueError`` naming
    ``where``."""
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{where}: {value!r} is outside [0, 1] (a share)")
    return float(value)
