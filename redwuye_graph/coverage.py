"""Coverage, compliance and affiliation-network metrics in plain Python: the oracle.

Each function computes from a :class:`~redwuye_graph.citygraph.CityGraph` the same
table as one query of the ``cypher/`` library (named in its docstring), with the same
columns, row order and rounding, so tests can require equality row for row. Per-estate
links come from :func:`redwuye_graph.linkage.estate_linkage`, the one definition of
each link; affiliation networks use NetworkX ``bipartite``.

Examples
--------
>>> from redwuye_graph.generate import generate
>>> city = generate("tiny", seed=1)
>>> table = summary(city, "city")
>>> int(table.loc[0, "estates"])
14
>>> share(1, 3)
0.3333
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import networkx as nx
import pandas as pd
from networkx.algorithms import bipartite

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.linkage import company_posts, estate_linkage
from redwuye_graph.queries import table
from redwuye_graph.schema import BODY_KINDS, Label, RelType

__all__ = [
    "BREACH_COLUMNS",
    "COMPANY_COLUMNS",
    "CROSS_COLUMNS",
    "ESTATE_COLUMNS",
    "GRAPH_COLUMNS",
    "KINDS",
    "LEVELS",
    "SUMMARY_COLUMNS",
    "VACUUM_COLUMNS",
    "affiliation_network",
    "body_projection",
    "breaches",
    "brokers",
    "companies",
    "cross_appointment",
    "estate_coverage",
    "estate_cross_appointment",
    "graph_companies",
    "graph_cross_appointment",
    "graph_estate",
    "graph_summary",
    "graph_vacuum",
    "k_cores",
    "person_projection",
    "share",
    "summary",
    "vacuum",
]

#: Roll-up levels of ``coverage/summary``, finest first.
LEVELS = ("community", "street", "district", "city")

#: Columns of ``coverage/estate`` and :func:`estate_coverage`.
ESTATE_COLUMNS = [
    "estate", "name", "community", "street", "district", "households", "project", "company",
    "owners_committee", "owners_committee_size", "owners_committee_party_members",
    "service_facilities", "people", "cross_appointed",
    "has_company", "company_party_org", "company_instructor", "secretary_instructor",
    "quality_supervisor", "head_on_regional_committee", "company_party_led", "service_station",
    "has_owners_committee",
    "community_member_on_owners_committee", "owners_on_regional_committee",
    "interim_managed", "tripartite",
]

#: Columns of ``coverage/summary`` and :func:`summary`.
SUMMARY_COLUMNS = [
    "level", "area", "name", "communities", "estates", "households", "companies",
    "companies_party_org", "companies_instructor_only", "companies_neither",
    "companies_unrecorded", "companies_party_led", "projects",
    "secretary_instructor", "secretary_instructor_share", "quality_supervisor",
    "quality_supervisor_share", "head_on_regional_committee", "owners_on_regional_committee",
    "communities_regional_complete", "owners_committees", "owners_committee_share",
    "owners_committees_with_party_member", "owners_committee_party_member_share",
    "owners_committees_with_community_member", "tripartite", "tripartite_share",
    "estates_cross_appointed", "estates_cross_appointed_share", "service_station",
    "service_station_share", "vacuum", "vacuum_interim_managed", "vacuum_unrecorded",
    "vacuum_share",
]

#: Columns of ``coverage/companies`` and :func:`companies`.
COMPANY_COLUMNS = [
    "company", "name", "staff", "party_members_on_staff", "blacklisted", "company_party_org",
    "company_instructor", "status", "projects", "estates",
]

#: Columns of ``coverage/vacuum`` and :func:`vacuum`.
VACUUM_COLUMNS = [
    "estate", "name", "community", "street", "district", "households", "holder",
    "holder_label",
]

#: Kinds of body, in the order ``spans`` lists them (:data:`~redwuye_graph.schema.BODY_KINDS`).
KINDS = ("party", "residents", "community", "owners", "company")

#: Columns of ``coverage/cross_appointment`` and :func:`cross_appointment`.
CROSS_COLUMNS = ["community", "name", "people", "cross_appointed", "cross_appointed_share"]

_BROKER_COLUMNS = ("person", "name", "party_member", "kinds", "spans", "bodies", "co_members")
#: Columns of the graph companions (``coverage/graph/``): one row per relationship.
GRAPH_COLUMNS = ["source", "type", "target", "path"]
_POSTS = (RelType.MEMBER_OF, RelType.INSTRUCTOR_OF, RelType.QUALITY_SUPERVISOR_OF)

#: Columns of every ``compliance/`` query and of :func:`breaches`.
BREACH_COLUMNS = ["rule", "label", "subject", "name", "community", "detail"]


def share(part: int, whole: int) -> float | None:
    """``part / whole`` rounded half up to 4 decimals as the Cypher does; None if ``whole`` is 0."""
    if whole == 0:
        return None
    return math.floor(10000.0 * part / whole + 0.5) / 10000


def _frame(rows: Iterable[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return table(list(rows), columns)


def _location(city: CityGraph) -> dict[str, dict[str, str]]:
    """Per community: its id and name, and its street's and district's ids and names."""
    out = {}
    for comm, _, props in city.nodes(Label.COMMUNITY):
        street = city.out(comm, RelType.IN_STREET)[0]
        district = city.out(street, RelType.IN_DISTRICT)[0]
        out[comm] = {"community": comm, "community_name": props["name"],
                     "street": street, "street_name": city.props(street)["name"],
                     "district": district, "district_name": city.props(district)["name"]}
    return out


def estate_coverage(city: CityGraph, district: str | None = None, street: str | None = None,
                    community: str | None = None) -> pd.DataFrame:
    """Per-estate location, serving company, links and general cross-appointment
    (:func:`estate_cross_appointment`); oracle of ``coverage/estate``."""
    links = estate_linkage(city)
    if links.empty:
        return _frame([], ESTATE_COLUMNS)
    wanted = {"district": district, "street": street, "community": community}
    rows = []
    for row in links.to_dict("records"):
        if not all(v is None or row[k] == v for k, v in wanted.items()):
            continue
        people, cross = estate_cross_appointment(city, row["estate"])
        row.update(name=city.props(row["estate"])["name"], people=people,
                   cross_appointed=cross)
        rows.append({c: None if c not in ("people", "cross_appointed") and pd.isna(row[c])
                     else row[c] for c in ESTATE_COLUMNS})
    return _frame(rows, ESTATE_COLUMNS)


def estate_cross_appointment(city: CityGraph, estate: str) -> tuple[int, int]:
    """``(people, cross_appointed)`` of an estate: the people with a post in one of its
    own bodies (:func:`_estate_bodies`), and how many of them hold posts in bodies of two
    or more kinds among those and its community's bodies (:func:`_community_bodies`)."""
    own = _estate_bodies(city, estate)
    bodies = own | _community_bodies(city, _community(city, estate))
    people = {p for b in own for rtype in _POSTS for p in city.into(b, rtype)}
    cross = sum(1 for p in people
                if len({BODY_KINDS[city.label(b)] for rtype in _POSTS
                        for b in city.out(p, rtype) if b in bodies}) >= 2)
    return len(people), cross


def summary(city: CityGraph, level: str, district: str | None = None) -> pd.DataFrame:
    """Coverage counts and shares per area of ``level``; oracle of ``coverage/summary``.

    ``level`` is one of :data:`LEVELS` or ``"all"`` (the rows of every level, finest first).
    """
    if level == "all":
        return pd.concat([summary(city, one, district) for one in LEVELS], ignore_index=True)
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose one of {', '.join(LEVELS)} or all")
    places = _location(city)
    estates = estate_coverage(city, district=district).to_dict("records")
    if district is not None:
        places = {c: p for c, p in places.items() if p["district"] == district}

    def key(place: dict[str, str]) -> tuple[str, str]:
        if level == "city":
            return "city", "city"
        return place[level], place[f"{level}_name"]

    areas: dict[tuple[str, str], dict[str, list[Any]]] = {}
    for comm, place in places.items():
        areas.setdefault(key(place), {"communities": [], "estates": []})["communities"].append(comm)
    for row in estates:
        areas[key(places[row["community"]])]["estates"].append(row)
    rows = [_summary_row(city, level, area, name, group["communities"], group["estates"])
            for (area, name), group in sorted(areas.items())]
    return _frame(rows, SUMMARY_COLUMNS)


def _summary_row(city: CityGraph, level: str, area: str, name: str, communities: list[str],
                 estates: list[dict[str, Any]]) -> dict[str, Any]:
    def count(test: Callable[[dict[str, Any]], bool]) -> int:
        return sum(1 for e in estates if test(e))

    served = [e for e in estates if e["has_company"]]
    companies = {e["company"] for e in served}
    party_org = {e["company"] for e in served if e["company_party_org"]}
    instructor_only = {e["company"] for e in served
                       if not e["company_party_org"] and e["company_instructor"]}
    unrecorded = {f for f in companies - party_org - instructor_only if _partial(city, f)}
    recorded_vacuum = [e for e in estates
                       if not e["has_company"] and not _partial(city, e["estate"])]
    gaps = {e["community"] for e in estates
            if (e["has_company"] and not e["head_on_regional_committee"])
            or (e["has_owners_committee"] and not e["owners_on_regional_committee"])}
    n_estates = len(estates)
    projects = count(lambda e: e["project"] is not None)
    secretary = count(lambda e: e["secretary_instructor"])
    quality = count(lambda e: e["quality_supervisor"])
    committees = count(lambda e: e["has_owners_committee"])
    seats = sum(e["owners_committee_size"] for e in estates)
    party_seats = sum(e["owners_committee_party_members"] for e in estates)
    tripartite = count(lambda e: e["tripartite"])
    crossed = count(lambda e: e["cross_appointed"] > 0)
    stations = count(lambda e: e["service_station"])
    vacuum = len(recorded_vacuum)
    return {
        "level": level, "area": area, "name": name,
        "communities": len(communities), "estates": n_estates,
        "households": sum(e["households"] or 0 for e in estates),
        "companies": len(companies), "companies_party_org": len(party_org),
        "companies_instructor_only": len(instructor_only),
        "companies_neither": len(companies) - len(party_org) - len(instructor_only)
        - len(unrecorded),
        "companies_unrecorded": len(unrecorded),
        "companies_party_led": len({e["company"] for e in served if e["company_party_led"]}),
        "projects": projects,
        "secretary_instructor": secretary,
        "secretary_instructor_share": share(secretary, projects),
        "quality_supervisor": quality,
        "quality_supervisor_share": share(quality, projects),
        "head_on_regional_committee": count(lambda e: e["head_on_regional_committee"]),
        "owners_on_regional_committee": count(lambda e: e["owners_on_regional_committee"]),
        "communities_regional_complete": len(communities) - len(gaps),
        "owners_committees": committees,
        "owners_committee_share": share(committees, n_estates),
        "owners_committees_with_party_member": count(
            lambda e: e["owners_committee_party_members"] > 0),
        "owners_committee_party_member_share": share(party_seats, seats),
        "owners_committees_with_community_member": count(
            lambda e: e["community_member_on_owners_committee"]),
        "tripartite": tripartite,
        "tripartite_share": share(tripartite, n_estates),
        "estates_cross_appointed": crossed,
        "estates_cross_appointed_share": share(crossed, n_estates),
        "service_station": stations,
        "service_station_share": share(stations, n_estates),
        "vacuum": vacuum,
        "vacuum_interim_managed": sum(1 for e in recorded_vacuum if e["interim_managed"]),
        "vacuum_unrecorded": count(lambda e: not e["has_company"]) - vacuum,
        "vacuum_share": share(vacuum, n_estates),
    }


def companies(city: CityGraph) -> pd.DataFrame:
    """Party organisation / instructor status of every company; oracle of ``coverage/companies``."""
    rows = []
    for company, _, props in sorted(city.nodes(Label.PROPERTY_COMPANY)):
        projects = city.out(company, RelType.OPERATES)
        posts = company_posts(city, company)
        party_org, instructor = posts["company_party_org"], posts["company_instructor"]
        estates = {e for j in projects for e in _served_estates(city, j)}
        rows.append({
            "company": company, "name": props["name"], "staff": props.get("staff"),
            "party_members_on_staff": props.get("party_members_on_staff"),
            "blacklisted": props.get("blacklisted"), **posts,
            "status": "party_org" if party_org else "instructor" if instructor
            else "unrecorded" if props.get("partial") else "neither",
            "projects": len(projects), "estates": len(estates),
        })
    return _frame(rows, COMPANY_COLUMNS)


def vacuum(city: CityGraph, district: str | None = None) -> pd.DataFrame:
    """Estates without a serving company and who holds them; oracle of ``coverage/vacuum``."""
    rows = []
    for estate in estate_coverage(city, district=district).to_dict("records"):
        if estate["has_company"]:
            continue
        base = {k: estate[k] for k in VACUUM_COLUMNS[:6]}
        holders: list[str | None] = [*sorted(city.into(estate["estate"],
                                                       RelType.INTERIM_MANAGES))]
        for holder in holders or [None]:
            rows.append({**base, "holder": holder,
                         "holder_label": str(city.label(holder)) if holder else None})
    return _frame(rows, VACUUM_COLUMNS)


def _breach(rule: str, label: Label, subject: str, city: CityGraph, community: str | None,
            detail: str) -> dict[str, Any]:
    return {"rule": rule, "label": str(label), "subject": subject,
            "name": city.props(subject)["name"], "community": community, "detail": detail}


def _partial(city: CityGraph, node: str) -> bool:
    return bool(city.props(node).get("partial"))


def _number(value: int | None) -> str:
    return "an unrecorded number of" if value is None else str(value)


def breaches(city: CityGraph, min_party_members: int = 3, unrecorded: bool = False
             ) -> pd.DataFrame:
    """Every compliance breach, one row each, sorted by rule, subject and detail.

    A breach needs evidence: with ``unrecorded`` the rows are instead the cases the
    roster does not record enough to decide (a ``partial`` body missing the link, or an
    empty value the rule needs). Oracle of the ``compliance/`` queries: each query gives
    the rows of its rule(s).
    """
    rows: list[dict[str, Any]] = []

    def add(verdict: bool | None, rule: str, label: Label, subject: str,
            community: str | None, detail: str) -> None:
        """``verdict``: True a breach, None not recorded, False neither."""
        if (verdict is True and not unrecorded) or (verdict is None and unrecorded):
            rows.append(_breach(rule, label, subject, city, community, detail))

    company = Label.PROPERTY_COMPANY
    for f, _, props in city.nodes(company):
        members = props.get("party_members_on_staff")
        posts = company_posts(city, f)
        has_org, partial = posts["company_party_org"], _partial(city, f)
        qualifies = (False if has_org else None if members is None
                     else (None if partial else True) if members >= min_party_members
                     else False)
        add(qualifies, "company-qualifies-without-party-org", company, f, None,
            f"{_number(members)} party members on staff and no party organisation")
        neither = not has_org and not posts["company_instructor"]
        add((None if partial else True) if neither else False,
            "company-without-party-org-or-instructor", company, f, None,
            f"{_number(members)} party members on staff, no party organisation "
            "and no instructor")
        blacklisted = props.get("blacklisted")
        for j in city.out(f, RelType.OPERATES):
            for e in _served_estates(city, j):
                add(blacklisted, "blacklisted-company-serving", company, f,
                    _community(city, e), f"serves estate {e} through project {j}")
    for verdict, g, detail in _affiliation_verdicts(city):
        rule = "party-org-unaffiliated" if detail is None else "party-org-misaffiliated"
        add(verdict, rule, Label.PARTY_ORG, g, None,
            detail or "affiliated to no party organisation")
    for o, _, _ in city.nodes(Label.OWNERS_COMMITTEE):
        estate = city.out(o, RelType.COMMITTEE_OF)[0]
        seats = city.into(o, RelType.MEMBER_OF)
        known = [city.props(p).get("party_member") for p in seats]
        verdict = (False if any(known) else
                   None if None in known or _partial(city, o) else True)
        none = "recorded as a party member" if unrecorded else "a party member"
        add(verdict, "owners-committee-without-party-member", Label.OWNERS_COMMITTEE, o,
            _community(city, estate), f"estate {estate}: {len(seats)} members, none {none}")
    for row in estate_coverage(city).to_dict("records"):
        if not row["has_company"] and not row["interim_managed"]:
            add(None if _partial(city, row["estate"]) else True,
                "vacuum-without-interim-management", Label.ESTATE, row["estate"],
                row["community"],
                f"{_number(city.props(row['estate']).get('households'))} households without a "
                "serving company or interim management")
    rows.sort(key=lambda r: (r["rule"], r["subject"], r["detail"]))
    return _frame(rows, BREACH_COLUMNS)


def _served_estates(city: CityGraph, project: str) -> list[str]:
    """The estates ``project`` serves (a project may serve a resident unit instead)."""
    return [e for e in city.out(project, RelType.SERVES) if city.label(e) is Label.ESTATE]


def _community(city: CityGraph, estate: str) -> str:
    return city.out(estate, RelType.IN_COMMUNITY)[0]


def _places(city: CityGraph, estates: Iterable[str]) -> set[str]:
    """Communities of ``estates`` and their streets."""
    out = set()
    for estate in estates:
        comm = _community(city, estate)
        out |= {comm, city.out(comm, RelType.IN_STREET)[0]}
    return out


def _allowed_parents(city: CityGraph, host: str) -> set[str] | None:
    """Hosts whose party organisation a party organisation of ``host`` may be affiliated
    to (None: the rule does not apply to ``host``)."""
    label = city.label(host)
    if label is Label.PROPERTY_COMPANY:
        allowed = {host, *city.out(host, RelType.BRANCH_OF)}
        for street in city.out(host, RelType.REGISTERED_IN):
            allowed |= {street, *city.into(street, RelType.IN_STREET)}
        projects = city.out(host, RelType.OPERATES)
    elif label is Label.OFFICE:
        allowed = {host, *city.out(host, RelType.OFFICE_OF)}
        projects = city.out(host, RelType.RUNS)
    elif label is Label.PROJECT:
        allowed = {host, *city.into(host, RelType.OPERATES)}
        projects = [host]
    else:
        return None
    return allowed | _places(city, [e for j in projects for e in _served_estates(city, j)])


def _affiliation_verdicts(city: CityGraph) -> list[tuple[bool | None, str, str | None]]:
    """(verdict, organisation, misaffiliation detail or None when unaffiliated)."""
    out: list[tuple[bool | None, str, str | None]] = []
    for g, _, _ in city.nodes(Label.PARTY_ORG):
        allowed = _allowed_parents(city, city.out(g, RelType.PARTY_ORG_OF)[0])
        if allowed is None:
            continue
        parents = city.out(g, RelType.AFFILIATED_TO)
        if not parents:
            out.append((None if _partial(city, g) else True, g, None))
            continue
        parent_host = city.out(parents[0], RelType.PARTY_ORG_OF)[0]
        if parent_host not in allowed:
            out.append((True, g, f"affiliated to {parents[0]}, the party organisation of "
                                 f"{parent_host}"))
    return out


def _with_party_orgs(city: CityGraph, hosts: set[str]) -> set[str]:
    """``hosts`` and the party organisations hosted or co-hosted by any of them."""
    return hosts | {g for h in hosts for rtype in (RelType.PARTY_ORG_OF, RelType.CO_HOSTED_BY)
                    for g in city.into(h, rtype)}


def _community_bodies(city: CityGraph, community: str) -> set[str]:
    """The community, its residents' and regional party committees and the party
    organisations it hosts or co-hosts."""
    return _with_party_orgs(city, {community, *city.into(community, RelType.COMMITTEE_OF),
                                   *city.into(community, RelType.PARTY_ORG_OF),
                                   *city.into(community, RelType.CO_HOSTED_BY)})


def _estate_bodies(city: CityGraph, estate: str) -> set[str]:
    """An estate's own bodies: its owners' committees, the projects serving it, the
    companies and offices that operate or run them, and their party organisations."""
    projects = city.into(estate, RelType.SERVES)
    hosts = {*city.into(estate, RelType.COMMITTEE_OF), *projects}
    hosts |= {f for j in projects for rtype in (RelType.OPERATES, RelType.RUNS)
              for f in city.into(j, rtype)}
    return _with_party_orgs(city, hosts)


def _network_bodies(city: CityGraph, community: str) -> set[str]:
    bodies = _community_bodies(city, community)
    for estate in city.into(community, RelType.IN_COMMUNITY):
        if city.label(estate) is Label.ESTATE:
            bodies |= _estate_bodies(city, estate)
    return bodies


def affiliation_network(city: CityGraph, community: str) -> nx.Graph:
    """The person–body affiliation network of a community (bipartite, simple).

    Bodies: the community itself, its residents' and regional party committees and the
    party organisations it hosts or co-hosts; its estates' owners' committees; the
    projects serving its estates and the companies and offices that operate or run
    them; party organisations hosted or co-hosted by any of these. Edges: posts
    (``MEMBER_OF``, ``INSTRUCTOR_OF``, ``QUALITY_SUPERVISOR_OF``). Node attributes:
    ``bipartite`` (0 people, 1 bodies) and, on bodies, ``kind`` (see
    :data:`~redwuye_graph.schema.BODY_KINDS`).
    """
    if community not in city or city.label(community) is not Label.COMMUNITY:
        raise ValueError(f"{community!r} is not a community of this city")
    graph = nx.Graph()
    for body in _network_bodies(city, community):
        graph.add_node(body, bipartite=1, kind=BODY_KINDS[city.label(body)])
        for rtype in _POSTS:
            for person in city.into(body, rtype):
                graph.add_node(person, bipartite=0)
                graph.add_edge(person, body)
    return graph


def _kinds(graph: nx.Graph, person: str) -> set[str]:
    return {graph.nodes[b]["kind"] for b in graph[person]}


def cross_appointment(city: CityGraph) -> pd.DataFrame:
    """Per community, the people of its affiliation network and how many of them are
    cross-appointed (posts in bodies of two or more kinds); oracle of
    ``coverage/cross_appointment``."""
    rows = []
    for comm, _, props in sorted(city.nodes(Label.COMMUNITY)):
        graph = affiliation_network(city, comm)
        people, _ = _sides(graph)
        cross = sum(1 for p in people if len(_kinds(graph, p)) >= 2)
        rows.append({"community": comm, "name": props["name"], "people": len(people),
                     "cross_appointed": cross,
                     "cross_appointed_share": share(cross, len(people))})
    return _frame(rows, CROSS_COLUMNS)


def _sides(graph: nx.Graph) -> tuple[list[str], list[str]]:
    people = sorted(n for n, side in graph.nodes(data="bipartite") if side == 0)
    return people, sorted(n for n, side in graph.nodes(data="bipartite") if side == 1)


def _project(graph: nx.Graph, nodes: list[str]) -> nx.Graph:
    """Weighted projection onto ``nodes`` (NetworkX refuses when the other side is empty)."""
    if len(nodes) == len(graph):
        empty = nx.Graph()
        empty.add_nodes_from(nodes)
        return empty
    return bipartite.weighted_projected_graph(graph, nodes)


def brokers(city: CityGraph, community: str, min_kinds: int = 2, limit: int = 10
            ) -> pd.DataFrame:
    """People whose posts span the most kinds of body; oracle of ``analysis/brokers``."""
    graph = affiliation_network(city, community)
    people, _ = _sides(graph)
    projection = _project(graph, people)
    rows = []
    for person in people:
        kinds = _kinds(graph, person)
        if len(kinds) >= min_kinds:
            props = city.props(person)
            rows.append({"person": person, "name": props["name"],
                         "party_member": props.get("party_member"), "kinds": len(kinds),
                         "spans": "+".join(k for k in KINDS if k in kinds),
                         "bodies": graph.degree(person),
                         "co_members": projection.degree(person)})
    rows.sort(key=lambda r: (-r["kinds"], -r["co_members"], -r["bodies"], r["person"]))
    return _frame(rows[:limit], list(_BROKER_COLUMNS))


def person_projection(city: CityGraph, community: str) -> pd.DataFrame:
    """People sharing bodies, weighted; oracle of ``analysis/person_projection``."""
    graph = affiliation_network(city, community)
    people, _ = _sides(graph)
    projection = _project(graph, people)
    rows = [{"person_a": min(a, b), "person_b": max(a, b), "shared": weight}
            for a, b, weight in projection.edges(data="weight")]
    rows.sort(key=lambda r: (r["person_a"], r["person_b"]))
    return _frame(rows, ["person_a", "person_b", "shared"])


def body_projection(city: CityGraph, community: str) -> pd.DataFrame:
    """Bodies sharing people (interlocks), weighted; oracle of ``analysis/body_projection``."""
    graph = affiliation_network(city, community)
    _, bodies = _sides(graph)
    projection = _project(graph, bodies)
    rows = []
    for a, b, weight in projection.edges(data="weight"):
        a, b = min(a, b), max(a, b)
        rows.append({"body_a": a, "kind_a": graph.nodes[a]["kind"], "body_b": b,
                     "kind_b": graph.nodes[b]["kind"], "shared": weight})
    rows.sort(key=lambda r: (r["body_a"], r["body_b"]))
    return _frame(rows, ["body_a", "kind_a", "body_b", "kind_b", "shared"])


def k_cores(city: CityGraph, community: str) -> pd.DataFrame:
    """Core number of each person in the community's person projection (Python only).

    A person in the k-core shares a body with at least k others who are also in it:
    the densely cross-appointed centre of the community.
    """
    graph = affiliation_network(city, community)
    people, _ = _sides(graph)
    cores = nx.core_number(_project(graph, people))
    rows = [{"person": p, "core": cores[p]} for p in people]
    rows.sort(key=lambda r: (-r["core"], r["person"]))
    return _frame(rows, ["person", "core"])


# -- the graph companions (coverage/graph/): the relationships each coverage table reads --
Edge = tuple[str, RelType, str]
_HOSTED = (RelType.PARTY_ORG_OF, RelType.CO_HOSTED_BY)


def _graph_frame(city: CityGraph, edges: Iterable[Edge]) -> pd.DataFrame:
    """One row per relationship, by start id, type and end id; ``path`` as the runner
    prints a one-hop path (:func:`redwuye_graph.queries.graph_text`)."""
    def node(n: str) -> str:
        return f"(:{city.label(n)} {n})"

    return _frame([{"source": a, "type": str(t), "target": b,
                    "path": f"{node(a)}-[:{t}]->{node(b)}"}
                   for a, t, b in sorted(set(edges), key=lambda x: (x[0], str(x[1]), x[2]))],
                  GRAPH_COLUMNS)


def _into(city: CityGraph, nodes: Iterable[str], types: Iterable[RelType]) -> set[Edge]:
    """Every relationship of ``types`` that ends at one of ``nodes``."""
    return {(a, t, n) for n in nodes for t in types for a in city.into(n, t)}


def _cross_posts(city: CityGraph, people: Iterable[str], bodies: set[str]) -> set[Edge]:
    """The posts in ``bodies`` of those ``people`` whose posts there span two or more kinds."""
    out: set[Edge] = set()
    for person in people:
        posts = {(person, t, b) for t in _POSTS for b in city.out(person, t) if b in bodies}
        if len({BODY_KINDS[city.label(b)] for _, _, b in posts}) >= 2:
            out |= posts
    return out


def _estate_structure(city: CityGraph, estate: str) -> set[Edge]:
    """An estate's IN_COMMUNITY and the relationships that make its own bodies
    (:func:`_estate_bodies`)."""
    edges = {(estate, RelType.IN_COMMUNITY, c) for c in city.out(estate, RelType.IN_COMMUNITY)}
    edges |= _into(city, [estate], (RelType.COMMITTEE_OF, RelType.SERVES))
    hosts = {a for a, _, _ in edges if a != estate}
    edges |= _into(city, hosts, (RelType.OPERATES, RelType.RUNS))
    hosts |= {a for a, t, _ in edges if t in (RelType.OPERATES, RelType.RUNS)}
    return edges | _into(city, hosts, _HOSTED)


def _community_structure(city: CityGraph, community: str) -> set[Edge]:
    """The relationships that make a community's bodies (:func:`_community_bodies`)."""
    edges = _into(city, [community], (RelType.COMMITTEE_OF, *_HOSTED))
    return edges | _into(city, {community} | {a for a, _, _ in edges}, _HOSTED)


def graph_estate(city: CityGraph, district: str | None = None, street: str | None = None,
                 community: str | None = None, estate: str | None = None, limit: int = 3
                 ) -> pd.DataFrame:
    """Oracle of ``coverage/graph/estate``: for the first ``limit`` estates (by id) the
    structure of their own and their community's bodies and the posts there of their
    cross-appointed people (:func:`estate_cross_appointment`)."""
    place = _location(city)
    wanted = {"district": district, "street": street, "community": community}
    estates = sorted(e for e, _, _ in city.nodes(Label.ESTATE)
                     if estate in (None, e) and all(v is None or place[_community(city, e)][k] == v
                                                    for k, v in wanted.items()))[:limit]
    edges: set[Edge] = set()
    for each in estates:
        comm = _community(city, each)
        own = _estate_bodies(city, each)
        people = {p for b in own for t in _POSTS for p in city.into(b, t)}
        edges |= _estate_structure(city, each) | _community_structure(city, comm)
        edges |= _cross_posts(city, people, own | _community_bodies(city, comm))
    return _graph_frame(city, edges)


def graph_cross_appointment(city: CityGraph, community: str | None = None, limit: int = 1
                            ) -> pd.DataFrame:
    """Oracle of ``coverage/graph/cross_appointment``: for the first ``limit``
    communities (by id) the structure of their affiliation network's bodies and the
    posts there of its cross-appointed people."""
    communities = sorted(c for c, _, _ in city.nodes(Label.COMMUNITY)
                         if community is None or c == community)[:limit]
    edges: set[Edge] = set()
    for comm in communities:
        edges |= _community_structure(city, comm)
        for estate in city.into(comm, RelType.IN_COMMUNITY):
            if city.label(estate) is Label.ESTATE:
                edges |= _estate_structure(city, estate)
        bodies = _network_bodies(city, comm)
        people = {p for b in bodies for t in _POSTS for p in city.into(b, t)}
        edges |= _cross_posts(city, people, bodies)
    return _graph_frame(city, edges)


def graph_companies(city: CityGraph, company: str | None = None, limit: int = 10
                    ) -> pd.DataFrame:
    """Oracle of ``coverage/graph/companies``: for the first ``limit`` companies (by id)
    what :func:`companies` reads: party organisations, instructors, leadership (also of
    their offices), the projects they operate, those projects' instructors and estates."""
    firms = sorted(f for f, _, _ in city.nodes(Label.PROPERTY_COMPANY)
                   if company is None or f == company)[:limit]
    edges: set[Edge] = set()
    for firm in firms:
        edges |= _into(city, [firm], (*_HOSTED, RelType.LEADS, RelType.INSTRUCTOR_OF,
                                      RelType.OFFICE_OF))
        edges |= _into(city, city.into(firm, RelType.OFFICE_OF), (RelType.LEADS,))
        for project in city.out(firm, RelType.OPERATES):
            edges.add((firm, RelType.OPERATES, project))
            edges |= _into(city, [project], (RelType.INSTRUCTOR_OF,))
            edges |= {(project, RelType.SERVES, e) for e in city.out(project, RelType.SERVES)
                      if city.label(e) is Label.ESTATE}
    return _graph_frame(city, edges)


def graph_vacuum(city: CityGraph, district: str | None = None, limit: int = 25
                 ) -> pd.DataFrame:
    """Oracle of ``coverage/graph/vacuum``: for the first ``limit`` vacuum estates (by id)
    their community, projects and holders."""
    estates = sorted(set(vacuum(city, district)["estate"]))[:limit]
    edges = {(e, RelType.IN_COMMUNITY, c) for e in estates
             for c in city.out(e, RelType.IN_COMMUNITY)}
    return _graph_frame(city, edges | _into(city, estates, (RelType.SERVES,
                                                            RelType.INTERIM_MANAGES)))


def graph_summary(city: CityGraph, district: str | None = None, limit: int = 5
                  ) -> pd.DataFrame:
    """Oracle of ``coverage/graph/summary``: for the first ``limit`` communities (by id)
    of ``district`` their street, its district and their estates."""
    place = _location(city)
    communities = sorted(c for c in place if district is None
                         or place[c]["district"] == district)[:limit]
    edges: set[Edge] = set()
    for comm in communities:
        street = place[comm]["street"]
        edges |= {(comm, RelType.IN_STREET, street),
                  (street, RelType.IN_DISTRICT, place[comm]["district"])}
        edges |= {(e, RelType.IN_COMMUNITY, comm) for e in city.into(comm, RelType.IN_COMMUNITY)
                  if city.label(e) is Label.ESTATE}
    return _graph_frame(city, edges)
