"""Per-estate linkage features, computed from a CityGraph with plain Python.

This is the one definition of "which links does an estate have": the Cypher coverage
queries are tested against it and the simulation reads each estate's links from it.

Definitions (``community`` is the estate's community):

- *two-committee member*: a person who is ``MEMBER_OF`` the community's residents'
  committee or the community's party organisation (the ``PartyOrg`` that is
  ``PARTY_ORG_OF`` the community);
- *community party secretary*: ``MEMBER_OF`` that party organisation with role
  ``secretary``;
- *serving project / company*: the ``Project`` that ``SERVES`` the estate and the
  ``PropertyCompany`` that ``OPERATES`` it (an estate has at most one in generated
  cities; with several, the first by id is used); an estate whose project has no
  operating company has no serving company;
- *company party organisation*: a ``PartyOrg`` that is ``PARTY_ORG_OF`` the company or,
  built jointly with it, ``CO_HOSTED_BY`` it;
  *company instructor*: an ``INSTRUCTOR_OF`` the company or any of its projects;
- ``secretary_instructor``: the serving project's instructor is the community party
  secretary;
- ``quality_supervisor``: the serving project has a ``QUALITY_SUPERVISOR_OF`` who is a
  two-committee member;
- ``head_on_regional_committee``: a ``head`` of the serving company is ``MEMBER_OF`` the
  community's regional party committee;
- ``owners_on_regional_committee``: a member of the estate's owners' committee is
  ``MEMBER_OF`` that regional party committee;
- ``community_member_on_owners_committee``: a two-committee member sits on the estate's
  owners' committee;
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
from redwuye_graph.schema import Label, RelType

__all__ = ["LINKAGE_COLUMNS", "company_posts", "estate_linkage", "estate_rows"]

#: Boolean link columns of :func:`estate_linkage`, in order.
LINKAGE_COLUMNS = [
    "has_company",
    "company_party_org",
    "company_instructor",
    "secretary_instructor",
    "quality_supervisor",
    "head_on_regional_committee",
    "has_owners_committee",
    "community_member_on_owners_committee",
    "owners_on_regional_committee",
    "interim_managed",
    "tripartite",
]


_COLUMNS = ["estate", "community", "street", "district", "households", "old", "fee_level",
            "project", "company", "credit_grade", "blacklisted", "star_rating", "staff",
            "party_members_on_staff", "owners_committee", "owners_committee_size",
            "owners_committee_party_members", *LINKAGE_COLUMNS]


def _hosted_org(city: CityGraph, host: str) -> str | None:
    orgs = sorted(city.into(host, RelType.PARTY_ORG_OF))
    return orgs[0] if orgs else None


def _community_facts(city: CityGraph, comm: str) -> dict[str, Any]:
    org = _hosted_org(city, comm)
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
    joint organisation, ``CO_HOSTED_BY`` it) and ``company_instructor`` (an
    ``INSTRUCTOR_OF`` it or any of its projects): the one definition, used by the linkage
    table, the coverage oracle and the breaches."""
    return {
        "company_party_org": _hosted_org(city, company) is not None
        or bool(city.into(company, RelType.CO_HOSTED_BY)),
        "company_instructor": bool(city.into(company, RelType.INSTRUCTOR_OF)) or any(
            city.into(p, RelType.INSTRUCTOR_OF) for p in city.out(company, RelType.OPERATES)),
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
        projects = sorted(city.into(estate, RelType.SERVES))
        project = projects[0] if projects else None
        operators = sorted(city.into(project, RelType.OPERATES)) if project else []
        company = operators[0] if operators else None
        if company is not None and company not in companies:
            companies[company] = _company_facts(city, company)
        co = companies[company] if company else {}
        oc = city.committee(estate, Label.OWNERS_COMMITTEE)
        oc_members = city.members(oc) if oc else set()
        instructors = set(city.into(project, RelType.INSTRUCTOR_OF)) if project else set()
        supervisors = set(city.into(project, RelType.QUALITY_SUPERVISOR_OF)) if project else set()
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
            "owners_committee_size": len(oc_members),
            "owners_committee_party_members": sum(
                bool(city.props(p).get("party_member")) for p in oc_members),
            "has_company": company is not None,
            "company_party_org": bool(co.get("company_party_org", False)),
            "company_instructor": bool(co.get("company_instructor", False)),
            "secretary_instructor": bool(instructors & c["secretaries"]),
            "quality_supervisor": bool(supervisors & c["two_committees"]),
            "head_on_regional_committee": bool(co.get("heads", set()) & c["regional"]),
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
    owners_committee_party_members``, then :data:`LINKAGE_COLUMNS`.
    """
    estates = sorted(estate for estate, _, _ in city.nodes(Label.ESTATE))
    return pd.DataFrame(estate_rows(city, estates), columns=_COLUMNS)
