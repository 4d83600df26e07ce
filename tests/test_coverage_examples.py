"""Hand-built organisations with hand-computed answers, for the oracle and the Cypher alike.

One community, two estates. Estate E1 is served by company F1 (project J1) and has an
owners' committee O1; estate E2 has no company and is held by the community.

- S (community party secretary, also residents'-committee director) is J1's instructor
  and sits on O1: secretary_instructor, community member on the owners' committee;
- H heads F1 and sits on the regional party committee Q: head_on_regional_committee;
- W sits on O1 and is a party member; V sits on O1 and is not;
- the community party organisation LEADS F1 (party leadership, not F1's own party
  organisation), and J1 hosts a party service station (党群服务站).

E1's own bodies (O1, J1, F1 and J1's party group) hold S, H, W and V; S (owners, company,
and party and residents in the community) and H (company, and the regional committee)
are cross-appointed.
"""

from __future__ import annotations

import pytest

from redwuye_graph import coverage
from redwuye_graph.citygraph import CityGraph
from redwuye_graph.queries import run_query
from redwuye_graph.schema import CreditGrade, FacilityKind, Label, PartyOrgLevel, RelType
from redwuye_graph.store import GraphStore


def example_city() -> CityGraph:
    city = CityGraph()
    add, rel = city.add_node, city.add_rel
    add(Label.DISTRICT, "D", name="d")
    add(Label.STREET, "S1", name="s")
    rel(RelType.IN_DISTRICT, "S1", "D")
    add(Label.COMMUNITY, "C", name="c")
    rel(RelType.IN_STREET, "C", "S1")
    add(Label.PARTY_ORG, "GC", name="community org", level=str(PartyOrgLevel.COMMITTEE))
    rel(RelType.PARTY_ORG_OF, "GC", "C")
    add(Label.PARTY_ORG, "GS", name="street org", level=str(PartyOrgLevel.COMMITTEE))
    rel(RelType.PARTY_ORG_OF, "GS", "S1")
    add(Label.RESIDENTS_COMMITTEE, "R", name="rc")
    rel(RelType.COMMITTEE_OF, "R", "C")
    add(Label.REGIONAL_PARTY_COMMITTEE, "Q", name="rpc")
    rel(RelType.COMMITTEE_OF, "Q", "C")
    for estate, households in (("E1", 300), ("E2", 120)):
        add(Label.ESTATE, estate, name=estate, households=households, old=False, fee_level=1.0)
        rel(RelType.IN_COMMUNITY, estate, "C")
    add(Label.PROPERTY_COMPANY, "F1", name="f", staff=40, party_members_on_staff=4,
        credit_grade=str(CreditGrade.A), blacklisted=True, star_rating=1)
    rel(RelType.REGISTERED_IN, "F1", "S1")
    add(Label.PROJECT, "J1", name="j")
    rel(RelType.OPERATES, "F1", "J1")
    rel(RelType.SERVES, "J1", "E1")
    add(Label.PARTY_ORG, "GJ", name="project group", level=str(PartyOrgLevel.GROUP))
    rel(RelType.PARTY_ORG_OF, "GJ", "J1")
    rel(RelType.AFFILIATED_TO, "GJ", "GS")  # allowed: the street of the estate J1 serves
    add(Label.OWNERS_COMMITTEE, "O1", name="oc")
    rel(RelType.COMMITTEE_OF, "O1", "E1")
    for person, party in (("S", True), ("H", True), ("W", True), ("V", False)):
        add(Label.PERSON, person, name=person, party_member=party)
    rel(RelType.MEMBER_OF, "S", "GC", role="secretary")
    rel(RelType.MEMBER_OF, "S", "R", role="director")
    rel(RelType.INSTRUCTOR_OF, "S", "J1")
    rel(RelType.MEMBER_OF, "S", "O1", role="member")
    rel(RelType.MEMBER_OF, "H", "F1", role="head")
    rel(RelType.MEMBER_OF, "H", "Q", role="member")
    rel(RelType.MEMBER_OF, "W", "O1", role="chair")
    rel(RelType.MEMBER_OF, "V", "O1", role="member")
    rel(RelType.INTERIM_MANAGES, "C", "E2")
    rel(RelType.LEADS, "GC", "F1")
    add(Label.SERVICE_FACILITY, "SF", name="station", kind=str(FacilityKind.PARTY_SERVICE_STATION))
    rel(RelType.FACILITY_OF, "SF", "J1")
    city.check()
    return city


CITY = example_city()

ESTATE_ROWS = [
    {"estate": "E1", "project": "J1", "company": "F1", "owners_committee": "O1",
     "owners_committee_size": 3, "owners_committee_party_members": 2,
     "service_facilities": 1, "people": 4, "cross_appointed": 2, "has_company": True,
     "company_party_org": False, "company_instructor": True, "secretary_instructor": True,
     "quality_supervisor": False, "head_on_regional_committee": True,
     "company_party_led": True, "service_station": True,
     "has_owners_committee": True, "community_member_on_owners_committee": True,
     "owners_on_regional_committee": False, "interim_managed": False, "tripartite": True},
    {"estate": "E2", "project": None, "company": None, "owners_committee": None,
     "owners_committee_size": 0, "owners_committee_party_members": 0,
     "service_facilities": 0, "people": 0, "cross_appointed": 0, "has_company": False,
     "company_party_org": False, "company_instructor": False, "secretary_instructor": False,
     "quality_supervisor": False, "head_on_regional_committee": False,
     "company_party_led": False, "service_station": False,
     "has_owners_committee": False, "community_member_on_owners_committee": False,
     "owners_on_regional_committee": False, "interim_managed": True, "tripartite": False},
]

SUMMARY = {"communities": 1, "estates": 2, "households": 420, "companies": 1,
           "companies_party_org": 0, "companies_instructor_only": 1, "companies_neither": 0,
           "companies_unrecorded": 0, "companies_party_led": 1,
           "projects": 1, "secretary_instructor": 1, "secretary_instructor_share": 1.0,
           "quality_supervisor": 0, "quality_supervisor_share": 0.0,
           "communities_regional_complete": 0,  # O1 has nobody on the regional committee
           "owners_committees": 1, "owners_committee_share": 0.5,
           "owners_committee_party_member_share": 0.6667, "tripartite": 1,
           "tripartite_share": 0.5, "estates_cross_appointed": 1,
           "estates_cross_appointed_share": 0.5, "service_station": 1,
           "service_station_share": 0.5, "vacuum": 1, "vacuum_interim_managed": 1,
           "vacuum_unrecorded": 0, "vacuum_share": 0.5}

BREACHES = [("blacklisted-company-serving", "F1", "serves estate E1 through project J1"),
            ("company-qualifies-without-party-org", "F1",
             "4 party members on staff and no party organisation")]


#: S (party, residents, owners, company) and H (company, party) of the four people.
CROSS = [{"community": "C", "name": "c", "people": 4, "cross_appointed": 2,
          "cross_appointed_share": 0.5}]


def check_estates(table: list[dict[str, object]]) -> None:
    assert [{k: row[k] for k in ESTATE_ROWS[0]} for row in table] == ESTATE_ROWS


def test_oracle_gives_the_hand_computed_answers() -> None:
    check_estates(coverage.estate_coverage(CITY).to_dict("records"))
    city_row = coverage.summary(CITY, "city").to_dict("records")[0]
    assert {k: city_row[k] for k in SUMMARY} == SUMMARY
    breaches = coverage.breaches(CITY)
    assert list(breaches[["rule", "subject", "detail"]].itertuples(index=False, name=None)) \
        == BREACHES
    holders = coverage.vacuum(CITY)[["estate", "holder", "holder_label"]].to_dict("records")
    assert holders == [{"estate": "E2", "holder": "C", "holder_label": "Community"}]
    assert coverage.cross_appointment(CITY).to_dict("records") == CROSS


def test_cypher_gives_the_hand_computed_answers(embedded: GraphStore) -> None:
    embedded.load(CITY)
    check_estates(run_query(embedded, "coverage/estate").to_dict("records"))
    city_row = run_query(embedded, "coverage/summary", {"level": "city"}).to_dict("records")[0]
    assert {k: city_row[k] for k in SUMMARY} == SUMMARY
    rows = []
    for name in ("compliance/blacklisted_company_serving",
                 "compliance/company_without_party_org", "compliance/party_org_affiliation",
                 "compliance/vacuum_without_interim",
                 "compliance/owners_committee_without_party_member"):
        rows += run_query(embedded, name)[["rule", "subject", "detail"]].itertuples(
            index=False, name=None)
    assert rows == BREACHES
    brokers = run_query(embedded, "analysis/brokers", {"community": "C"})
    assert brokers[["person", "spans", "bodies", "co_members"]].to_dict("records") == [
        {"person": "S", "spans": "party+residents+owners+company", "bodies": 4,
         "co_members": 2},
        {"person": "H", "spans": "party+company", "bodies": 2, "co_members": 0}]
    assert run_query(embedded, "coverage/cross_appointment").to_dict("records") == CROSS


def test_misaffiliated_and_unaffiliated_party_orgs() -> None:
    city = example_city()
    city.add_node(Label.STREET, "S2", name="other street")
    city.add_rel(RelType.IN_DISTRICT, "S2", "D")
    city.add_node(Label.PARTY_ORG, "GS2", name="other org", level=str(PartyOrgLevel.COMMITTEE))
    city.add_rel(RelType.PARTY_ORG_OF, "GS2", "S2")
    city.graph.remove_edge("GJ", "GS", key=RelType.AFFILIATED_TO)
    city.add_rel(RelType.AFFILIATED_TO, "GJ", "GS2")
    city.add_node(Label.PARTY_ORG, "GF", name="company org", level=str(PartyOrgLevel.BRANCH))
    city.add_rel(RelType.PARTY_ORG_OF, "GF", "F1")
    city.check()
    rows = coverage.breaches(city)
    found = rows[rows["rule"].str.startswith("party-org")][["rule", "subject", "detail"]]
    assert list(found.itertuples(index=False, name=None)) == [
        ("party-org-misaffiliated", "GJ", "affiliated to GS2, the party organisation of S2"),
        ("party-org-unaffiliated", "GF", "affiliated to no party organisation")]


def test_affiliation_network_brokers_and_cores() -> None:
    graph = coverage.affiliation_network(CITY, "C")
    assert {n for n, side in graph.nodes(data="bipartite") if side == 0} == {"S", "H", "W", "V"}
    assert graph.nodes["GJ"]["kind"] == "party" and graph.nodes["R"]["kind"] == "residents"
    top = coverage.brokers(CITY, "C", min_kinds=1, limit=2)
    assert top[["person", "kinds"]].to_dict("records") == [
        {"person": "S", "kinds": 4}, {"person": "H", "kinds": 2}]
    # S, W, V share O1: a triangle (2-core); H shares no body with anyone.
    cores = coverage.k_cores(CITY, "C").set_index("person")["core"].to_dict()
    assert cores == {"S": 2, "W": 2, "V": 2, "H": 0}
    pairs = coverage.person_projection(CITY, "C")
    assert pairs.to_dict("records") == [
        {"person_a": "S", "person_b": "V", "shared": 1},
        {"person_a": "S", "person_b": "W", "shared": 1},
        {"person_a": "V", "person_b": "W", "shared": 1}]
    with pytest.raises(ValueError, match="'E1' is not a community"):
        coverage.affiliation_network(CITY, "E1")


def test_definitions_follow_meaning_not_id_spelling(embedded: GraphStore) -> None:
    """The community secretary is the highest-level organisation's, whatever the ids; an
    estate is vacant only when no project of it has an operator; every owners' committee
    of an estate counts."""
    city = example_city()
    # a branch with a smaller id than the community's committee GC, its secretary X
    city.add_node(Label.PARTY_ORG, "GA", name="branch", level=str(PartyOrgLevel.BRANCH))
    city.add_rel(RelType.PARTY_ORG_OF, "GA", "C")
    city.add_node(Label.PERSON, "X", name="X", party_member=True)
    city.add_rel(RelType.MEMBER_OF, "X", "GA", role="secretary")
    # E2: an operator-less project J0 and a served project J2 (ids after and before)
    for project in ("J0", "J2"):
        city.add_node(Label.PROJECT, project, name=project)
        city.add_rel(RelType.SERVES, project, "E2")
    city.add_rel(RelType.OPERATES, "F1", "J2")
    city.add_rel(RelType.INSTRUCTOR_OF, "S", "J2")
    # E2's owners' committees: O2 (nobody from the community), O3 (the director S)
    for oc in ("O2", "O3"):
        city.add_node(Label.OWNERS_COMMITTEE, oc, name=oc)
        city.add_rel(RelType.COMMITTEE_OF, oc, "E2")
    city.add_rel(RelType.MEMBER_OF, "V", "O2", role="chair")
    city.add_rel(RelType.MEMBER_OF, "S", "O3", role="member")
    city.check()
    want = {"project": "J2", "company": "F1", "has_company": True,
            "secretary_instructor": True, "owners_committee": "O2",
            "owners_committee_size": 2, "community_member_on_owners_committee": True}
    embedded.load(city)
    for table in (coverage.estate_coverage(city), run_query(embedded, "coverage/estate")):
        e2 = table.set_index("estate").loc["E2"]
        assert {k: e2[k] for k in want if k != "estate"} == want
    assert run_query(embedded, "coverage/vacuum").empty and coverage.vacuum(city).empty
