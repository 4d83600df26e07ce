"""Per-estate linkage features, computed from a CityGraph with plain Python.

This is the one definition of "which links does an estate have": the Cypher coverage
queries are tested against it and the simulation reads each estate's links from it.

Definitions (``community`` is the estate's community):

- *community party organisation*: the highest-level ``PartyOrg`` that is
  ``PARTY_ORG_OF`` the community (:data:`~redwuye_graph.schema.LEVEL_RANK`; between
  organisations of one level, the smallest id), e.g. 路砦社区's 党总支 rather than one
  of the three 党支部 under it;
- *two-committee member*: a person who is ``MEMBER_OF`` the community's residents'
  committee or the community party organisation;
- *community party secretary*: ``MEMBER_OF`` that party organisation with role
  ``secretary``;
- *serving project / company*: a ``Project`` that ``SERVES`` the estate and has a
  ``PropertyCompany`` that ``OPERATES`` it (with several, the smallest id of each); an
  estate none of whose projects has an operator has no serving company (a vacuum), and
  its project is then the smallest-id one, if any;
- *company party organisation*: a ``PartyOrg`` that is ``PARTY_ORG_OF`` the company or,
  built jointly with it, ``CO_HOSTED_BY`` it;
  *company instructor*: an ``INSTRUCTOR_OF`` the company or any of its projects;
- ``secretary_instructor``: the serving project's instructor is the community party
  secretary;
- ``quality_supervisor``: the serving project has a ``QUALITY_SUPERVISOR_OF`` who is a
  two-committee member;
- ``head_on_regional_committee``: a ``head`` of the serving company is ``MEMBER_OF`` the
  community's regional party committee;
- ``company_party_led``: a ``PartyOrg`` ``LEADS`` the serving company or an ``Office``
  of it (e.g. the community 党总支 leading the community's property company): party
  leadership, not an organisation of the company's own, so it counts beside
  ``company_party_org`` and never for it;
- *service facilities*: the ``ServiceFacility`` nodes ``FACILITY_OF`` the estate, its
  serving project, an office that ``RUNS`` that project, or the serving company
  (``service_facilities`` counts them); ``service_station``: one of them is a party
  service station or centre (党群服务站 / 党群服务中心), e.g. a management office acting
  as the estate's 党群服务站;
- *owners' committees*: every ``OwnersCommittee`` ``COMMITTEE_OF`` the estate counts
  (``owners_committee`` names the smallest id; sizes and party members are summed);
- ``owners_on_regional_committee``: a member of one of the estate's owners' committees
  is ``MEMBER_OF`` that regional party committee;
- ``community_member_on_owners_committee``: a two-committee member sits on one of the
  estate's owners' committees;
- **tripartite linkage**: the estate has a serving company and an owners' committee,
  ``community_member_on_owners_committee`` holds (residents' committee ↔ owners'
  committee), and at least one of ``secretary_instructor``, ``quality_supervisor`` or
  ``head_on_regional_committee`` holds (community ↔ company).

Examples
--------
>>> from redwuye_graph.generate import generate
>>> table = estate_linkage(generate("tiny", seed=1))
>>> len(table)
14
>>> bool((table["tripartite"] <= table["has_owners_committee"]).all())
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.schema import LEVEL_RANK, FacilityKind, Label, RelType

__all__ = ["LINKAGE_COLUMNS", "STATION_KINDS", "company_posts", "estate_linkage", "estate_rows"]

#: Boolean link columns of :func:`estate_linkage`, in order.
LINKAGE_COLUMNS = [
    "has_company",
    "company_party_org",
    "company_instructor",
    "secretary_instructor",
    "quality_supervisor",
    "head_on_regional_committee",
    "company_party_led",
    "service_station",
    "has_owners_committee",
    "community_member_on_owners_committee",
    "owners_on_regional_committee",
    "interim_managed",
    "tripartite",
]


_COLUMNS = ["estate", "community", "street", "district", "households", "old", "fee_level",
            "project", "company", "credit_grade", "blacklisted", "star_rating", "staff",
            "party_members_on_staff", "owners_committee", "owners_committee_size",
            "owners_committee_party_members", "service_facilities", *LINKAGE_COLUMNS]

#: Kinds of service facility that make an estate's ``service_station``.
STATION_KINDS = frozenset({str(FacilityKind.PARTY_SERVICE_STATION),
                           str(FacilityKind.PARTY_SERVICE_CENTRE)})


def _hosted_org(city: CityGraph, host: str) -> str | None:
    orgs = sorted(city.into(host, RelType.PARTY_ORG_OF))
    return orgs[0] if orgs else None


def _community_org(city: CityGraph, comm: str) -> str | None:
    """The community party organisation: the highest-level one it hosts, then by id."""
    orgs = sorted(city.into(comm, RelType.PARTY_ORG_OF),
                  key=lambda g: (LEVEL_RANK[city.props(g)["level"]], g))
    return orgs[0] if orgs else None


def _serving(city: CityGraph, estate: str) -> tuple[str | None, str | None]:
    """The estate's serving project and company (see the module docstring)."""
    projects = sorted(city.into(estate, RelType.SERVES))
    for project in projects:
        operators = sorted(city.into(project, RelType.OPERATES))
        if operators:
            return project, operators[0]
    return (projects[0] if projects else None), None


def _community_facts(city: CityGraph, comm: str) -> dict[str, Any]:
    org = _community_org(city, comm)
    rc = city.committee(comm, Label.RESIDENTS_COMMITTEE)
    rpc = city.committee(comm, Label.REGIONAL_PARTY_COMMITTEE)
    street = city.out(comm, RelType.IN_STREET)[0]
    return {
        "street": street,
        "district": city.out(street, RelType.IN_DISTRICT)[0],
        "two_committees": ((city.members(org) if org else set())
                           | (city.members(rc) if rc else set())),
        "secretaries": city.members(org, "secretary") if org else set(),
        "regional": city.members(rpc) if rpc else set(),
    }


def company_posts(city: CityGraph, company: str) -> dict[str, bool]:
    """A company's ``company_party_org`` (a ``PartyOrg`` is ``PARTY_ORG_OF`` it or, a
    joint organisation, ``CO_HOSTED_BY`` it), ``company_instructor`` (an
    ``INSTRUCTOR_OF`` it or any of its projects) and ``company_party_led`` (a
    ``PartyOrg`` ``LEADS`` it or one of its offices): the one definition, used by the
    linkage table, the coverage oracle and the breaches."""
    return {
        "company_party_org": _hosted_org(city, company) is not None
        or bool(city.into(company, RelType.CO_HOSTED_BY)),
        "company_instructor": bool(city.into(company, RelType.INSTRUCTOR_OF)) or any(
            city.into(p, RelType.INSTRUCTOR_OF) for p in city.out(company, RelType.OPERATES)),
        "company_party_led": bool(city.into(company, RelType.LEADS)) or any(
            city.into(m, RelType.LEADS) for m in city.into(company, RelType.OFFICE_OF)),
    }


def _company_facts(city: CityGraph, company: str) -> dict[str, Any]:
    return {**city.props(company), **company_posts(city, company),
            "heads": city.members(company, "head")}


def estate_rows(city: CityGraph, estates: Iterable[str]) -> list[dict[str, Any]]:
    """The rows of :func:`estate_linkage` for some estates only (same columns and rules).

    For callers that re-read a few estates after the graph changed.
    """
    communities: dict[str, dict[str, Any]] = {}
    companies: dict[str, dict[str, Any]] = {}
    rows = []
    for estate in estates:
        props = city.props(estate)
        comm = city.out(estate, RelType.IN_COMMUNITY)[0]
        if comm not in communities:
            communities[comm] = _community_facts(city, comm)
        c = communities[comm]
        project, company = _serving(city, estate)
        if company is not None and company not in companies:
            companies[company] = _company_facts(city, company)
        co = companies[company] if company else {}
        ocs = sorted(city.into(estate, RelType.COMMITTEE_OF))
        oc = ocs[0] if ocs else None
        seats = [p for o in ocs for p in city.members(o)]
        oc_members = set(seats)
        instructors = set(city.into(project, RelType.INSTRUCTOR_OF)) if project else set()
        supervisors = set(city.into(project, RelType.QUALITY_SUPERVISOR_OF)) if project else set()
        hosts = [estate, *([project, *city.into(project, RelType.RUNS)] if project else []),
                 *([company] if company else [])]
        facilities = [s for h in hosts for s in city.into(h, RelType.FACILITY_OF)]
        row: dict[str, Any] = {
            "estate": estate,
            "community": comm,
            "street": c["street"],
            "district": c["district"],
            "households": props.get("households"),
            "old": props.get("old"),
            "fee_level": props.get("fee_level"),
            "project": project,
            "company": company,
            "credit_grade": co.get("credit_grade"),
            "blacklisted": co.get("blacklisted"),
            "star_rating": co.get("star_rating"),
            "staff": co.get("staff"),
            "party_members_on_staff": co.get("party_members_on_staff"),
            "owners_committee": oc,
            "owners_committee_size": len(seats),
            "owners_committee_party_members": sum(
                bool(city.props(p).get("party_member")) for p in seats),
            "service_facilities": len(facilities),
            "has_company": company is not None,
            "company_party_org": bool(co.get("company_party_org", False)),
            "company_instructor": bool(co.get("company_instructor", False)),
            "secretary_instructor": bool(instructors & c["secretaries"]),
            "quality_supervisor": bool(supervisors & c["two_committees"]),
            "head_on_regional_committee": bool(co.get("heads", set()) & c["regional"]),
            "company_party_led": bool(co.get("company_party_led", False)),
            "service_station": any(city.props(s)["kind"] in STATION_KINDS for s in facilities),
            "has_owners_committee": oc is not None,
            "community_member_on_owners_committee": bool(oc_members & c["two_committees"]),
            "owners_on_regional_committee": bool(oc_members & c["regional"]),
            "interim_managed": bool(city.into(estate, RelType.INTERIM_MANAGES)),
        }
        row["tripartite"] = (row["has_company"] and row["has_owners_committee"]
                             and row["community_member_on_owners_committee"]
                             and (row["secretary_instructor"] or row["quality_supervisor"]
                                  or row["head_on_regional_committee"]))
        rows.append(row)
    return rows


def estate_linkage(city: CityGraph) -> pd.DataFrame:
    """One row per estate: location, size, serving company and every link, sorted by id.

    Columns: ``estate, community, street, district, households, old, fee_level,
    project, company, credit_grade, blacklisted, star_rating, staff,
    party_members_on_staff, owners_committee, owners_committee_size,
    owners_committee_party_members, service_facilities``, then :data:`LINKAGE_COLUMNS`.
    """
    estates = sorted(estate for estate, _, _ in city.nodes(Label.ESTATE))
    return pd.DataFrame(estate_rows(city, estates), columns=_COLUMNS)
