"""The Cypher library against the Python/networkx oracle, row for row, on random cities.

``wild_cities`` draws small but irregular organisations (several party organisations or
committees per body, projects without or with two operators, people with many posts,
misaffiliated party organisations, joint branches, offices, party leadership of
companies and offices, service facilities anywhere they may be, partial bodies);
``generated_cities`` draws the synthetic generator with random policy levels. Both feed
the embedded store; every query must give exactly the oracle's rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redwuye_graph import coverage
from redwuye_graph.citygraph import CityGraph
from redwuye_graph.generate import PolicyLevels, generate, preset
from redwuye_graph.queries import load_library, run_query
from redwuye_graph.schema import (
    MEMBER_ROLES,
    CreditGrade,
    FacilityKind,
    Label,
    PartyOrgLevel,
    RelType,
)
from redwuye_graph.store import GraphStore, open_store

# -- random cities -------------------------------------------------------------------------


def _ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:02d}" for i in range(n)]


def _pick(draw: st.DrawFn, items: list[str]) -> str:
    return items[draw(st.integers(0, len(items) - 1))]


#: A body's ``partial`` flag: true, false or (mostly) not given.
_partial = st.sampled_from([None, None, True, False])


@st.composite
def wild_cities(draw: st.DrawFn) -> CityGraph:
    """A small valid CityGraph with irregular structure."""
    city = CityGraph()
    districts = _ids("D", draw(st.integers(1, 2)))
    streets = _ids("S", draw(st.integers(1, 3)))
    communities = _ids("C", draw(st.integers(1, 4)))
    estates = _ids("E", draw(st.integers(0, 7)))
    companies = _ids("F", draw(st.integers(0, 4)))
    people = _ids("P", draw(st.integers(0, 14)))
    for d in districts:
        city.add_node(Label.DISTRICT, d, name=f"district {d}")
    for s in streets:
        city.add_node(Label.STREET, s, name=f"street {s}")
        city.add_rel(RelType.IN_DISTRICT, s, _pick(draw, districts))
    for c in communities:
        city.add_node(Label.COMMUNITY, c, name=f"community {c}")
        city.add_rel(RelType.IN_STREET, c, _pick(draw, streets))
    for e in estates:
        city.add_node(Label.ESTATE, e, name=f"estate {e}",
                      households=draw(st.none() | st.integers(0, 900)),
                      old=draw(st.booleans()), fee_level=1.5, partial=draw(_partial))
        city.add_rel(RelType.IN_COMMUNITY, e, _pick(draw, communities))
    committees = []
    for i, c in enumerate(draw(st.lists(st.sampled_from(communities), max_size=5))):
        rc = f"R{i:02d}"
        city.add_node(Label.RESIDENTS_COMMITTEE, rc, name=f"rc {rc}")
        city.add_rel(RelType.COMMITTEE_OF, rc, c)
        committees.append(rc)
    for i, c in enumerate(draw(st.lists(st.sampled_from(communities), max_size=5))):
        q = f"Q{i:02d}"
        city.add_node(Label.REGIONAL_PARTY_COMMITTEE, q, name=f"rpc {q}")
        city.add_rel(RelType.COMMITTEE_OF, q, c)
        committees.append(q)
    for f in companies:
        staff = draw(st.integers(0, 30))
        city.add_node(Label.PROPERTY_COMPANY, f, name=f"company {f}", staff=staff,
                      party_members_on_staff=draw(st.none() | st.integers(0, min(6, staff))),
                      credit_grade=str(CreditGrade.A),
                      blacklisted=draw(st.sampled_from([True, False, None])),
                      star_rating=0, partial=draw(_partial))
        city.add_rel(RelType.REGISTERED_IN, f, _pick(draw, streets))
    for f in companies[1:]:
        if draw(st.booleans()):  # a branch company (分公司) of an earlier one
            city.add_rel(RelType.BRANCH_OF, f, _pick(draw, companies[:companies.index(f)]))
    offices = _ids("M", draw(st.integers(0, 3)) if companies else 0)
    for m in offices:
        city.add_node(Label.OFFICE, m, name=f"office {m}")
        city.add_rel(RelType.OFFICE_OF, m, _pick(draw, companies))
    units = _ids("U", draw(st.integers(0, 2)))
    for u in units:
        city.add_node(Label.RESIDENT_UNIT, u, name=f"unit {u}", kind="school")
        city.add_rel(RelType.IN_COMMUNITY, u, _pick(draw, communities))
    projects = _ids("J", draw(st.integers(0, 7)) if estates else 0)
    for j in projects:
        city.add_node(Label.PROJECT, j, name=f"project {j}")
        served = estates + units if draw(st.integers(0, 4)) == 0 else estates
        city.add_rel(RelType.SERVES, j, _pick(draw, served))
        for f in draw(st.sets(st.sampled_from(companies), max_size=2)) if companies else ():
            city.add_rel(RelType.OPERATES, f, j)
        if offices and draw(st.booleans()):
            city.add_rel(RelType.RUNS, _pick(draw, offices), j)
    owners = []
    for i, e in enumerate(draw(st.lists(st.sampled_from(estates), max_size=6)) if estates else ()):
        o = f"O{i:02d}"
        city.add_node(Label.OWNERS_COMMITTEE, o, name=f"oc {o}", partial=draw(_partial))
        city.add_rel(RelType.COMMITTEE_OF, o, e)
        owners.append(o)
    hosts = streets + communities + companies + projects + owners + offices
    orgs = _ids("G", draw(st.integers(0, 9)))
    for g in orgs:
        city.add_node(Label.PARTY_ORG, g, name=f"org {g}",
                      level=str(draw(st.sampled_from(list(PartyOrgLevel)))),
                      partial=draw(_partial))
        city.add_rel(RelType.PARTY_ORG_OF, g, _pick(draw, hosts))
        for co_host in draw(st.sets(st.sampled_from(hosts), max_size=2)):
            city.add_rel(RelType.CO_HOSTED_BY, g, co_host)  # a joint organisation
    for i, g in enumerate(orgs):
        if i and draw(st.booleans()):  # to an earlier organisation: no cycles
            city.add_rel(RelType.AFFILIATED_TO, g, _pick(draw, orgs[:i]))
    for g in draw(st.lists(st.sampled_from(orgs), max_size=3)) if orgs and companies else ():
        city.add_rel(RelType.LEADS, g, _pick(draw, companies + offices))  # party leadership
    facility_hosts = communities + estates + companies + offices + projects
    for i in range(draw(st.integers(0, 4))):
        s = f"SF{i:02d}"
        city.add_node(Label.SERVICE_FACILITY, s, name=f"facility {s}",
                      kind=str(draw(st.sampled_from(list(FacilityKind)))))
        city.add_rel(RelType.FACILITY_OF, s, _pick(draw, facility_hosts))
    for p in people:
        city.add_node(Label.PERSON, p, name=f"person {p}",
                      party_member=draw(st.sampled_from([True, False, None])),
                      knows_property_law=draw(st.booleans()))
    bodies = orgs + committees + owners + companies + projects + offices + communities
    if people and bodies:
        for _ in range(draw(st.integers(0, 30))):
            body = _pick(draw, bodies)
            roles = sorted(MEMBER_ROLES[city.label(body)])
            city.add_rel(RelType.MEMBER_OF, _pick(draw, people), body, role=_pick(draw, roles))
        for _ in range(draw(st.integers(0, 6))) if companies or projects else ():
            city.add_rel(RelType.INSTRUCTOR_OF, _pick(draw, people),
                         _pick(draw, companies + projects))
        for _ in range(draw(st.integers(0, 4))) if projects else ():
            city.add_rel(RelType.QUALITY_SUPERVISOR_OF, _pick(draw, people),
                         _pick(draw, projects))
    for _ in range(draw(st.integers(0, 3))) if estates else ():
        city.add_rel(RelType.INTERIM_MANAGES, _pick(draw, streets + communities),
                     _pick(draw, estates))
    assert city.validate() == [], city.validate()
    return city


_LEVEL_NAMES = [f.name for f in PolicyLevels.__dataclass_fields__.values()]


@st.composite
def generated_cities(draw: st.DrawFn) -> CityGraph:
    """The tiny preset with random policy levels and seed."""
    levels = {name: draw(st.sampled_from([0.0, 0.3, 0.7, 1.0])) for name in _LEVEL_NAMES}
    return generate(preset("tiny", **levels), seed=draw(st.integers(0, 10_000)))


cities = st.one_of(wild_cities(), generated_cities())

# -- the oracle, query by query ---------------------------------------------------------------

#: compliance query -> the rules its rows carry.
COMPLIANCE_RULES = {
    "compliance/company_without_party_org": {"company-qualifies-without-party-org"},
    "compliance/company_without_org_or_instructor": {"company-without-party-org-or-instructor"},
    "compliance/party_org_affiliation": {"party-org-unaffiliated", "party-org-misaffiliated"},
    "compliance/owners_committee_without_party_member": {"owners-committee-without-party-member"},
    "compliance/blacklisted_company_serving": {"blacklisted-company-serving"},
    "compliance/vacuum_without_interim": {"vacuum-without-interim-management"},
}


def expected_tables(city: CityGraph) -> Iterator[tuple[str, dict[str, Any], pd.DataFrame]]:
    """(query name, parameters, oracle table) for every query checked against the oracle."""
    yield "coverage/estate", {}, coverage.estate_coverage(city)
    first = min(n for n, _, _ in city.nodes(Label.COMMUNITY))
    yield "coverage/estate", {"community": first}, coverage.estate_coverage(city, community=first)
    for level in (*coverage.LEVELS, "all"):
        yield "coverage/summary", {"level": level}, coverage.summary(city, level)
    district = min(n for n, _, _ in city.nodes(Label.DISTRICT))
    yield ("coverage/summary", {"level": "street", "district": district},
           coverage.summary(city, "street", district=district))
    yield "coverage/companies", {}, coverage.companies(city)
    yield "coverage/vacuum", {}, coverage.vacuum(city)
    yield "coverage/cross_appointment", {}, coverage.cross_appointment(city)
    yield "coverage/graph/estate", {}, coverage.graph_estate(city)
    yield ("coverage/graph/estate", {"community": first, "limit": 50},
           coverage.graph_estate(city, community=first, limit=50))
    last = max((n for n, _, _ in city.nodes(Label.ESTATE)), default=None)
    yield "coverage/graph/estate", {"estate": last}, coverage.graph_estate(city, estate=last)
    yield "coverage/graph/summary", {}, coverage.graph_summary(city)
    yield ("coverage/graph/summary", {"district": district, "limit": 1000},
           coverage.graph_summary(city, district=district, limit=1000))
    yield "coverage/graph/companies", {}, coverage.graph_companies(city)
    yield "coverage/graph/vacuum", {"limit": 1000}, coverage.graph_vacuum(city, limit=1000)
    yield "coverage/graph/cross_appointment", {}, coverage.graph_cross_appointment(city)
    yield ("coverage/graph/cross_appointment", {"limit": 3},
           coverage.graph_cross_appointment(city, limit=3))
    for unrecorded in (False, True):
        breaches = coverage.breaches(city, unrecorded=unrecorded)
        for name, rules in COMPLIANCE_RULES.items():
            rows = breaches[breaches["rule"].isin(rules)].sort_values(["subject", "detail"])
            yield name, {"unrecorded": unrecorded}, rows.reset_index(drop=True)
    for community in sorted(n for n, _, _ in city.nodes(Label.COMMUNITY))[:2]:
        yield ("analysis/brokers", {"community": community},
               coverage.brokers(city, community))
        yield ("analysis/brokers", {"community": community, "min_kinds": 1, "limit": 1000},
               coverage.brokers(city, community, min_kinds=1, limit=1000))
        yield ("analysis/person_projection", {"community": community},
               coverage.person_projection(city, community))
        yield ("analysis/body_projection", {"community": community},
               coverage.body_projection(city, community))
    counts = city.counts()
    yield "schema/node_counts", {}, pd.DataFrame(
        [{"label": k, "nodes": v} for k, v in sorted(counts["nodes"].items()) if v])
    yield "schema/relationship_counts", {}, pd.DataFrame(
        [{"type": k, "relationships": v} for k, v in sorted(counts["relationships"].items()) if v])


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts, NaN as None, for comparison."""
    def clean(value: Any) -> Any:
        if hasattr(value, "item"):
            value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value

    return [{k: clean(v) for k, v in row.items()} for row in table.to_dict("records")]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    path: Path = tmp_path_factory.mktemp("oracle") / "store.rdb"
    with open_store(f"embedded:{path}") as db:
        yield db


def check_store_matches_oracle(db: GraphStore, city: CityGraph) -> None:
    db.clear()
    db.load(city)
    for name, params, expected in expected_tables(city):
        got = run_query(db, name, params)
        assert list(got.columns) == list(expected.columns), name
        rows, want = records(got), records(expected)
        assert len(rows) == len(want), f"{name} {params}: {len(rows)} rows, oracle {len(want)}"
        for row, ok in zip(rows, want, strict=True):
            assert row == ok, f"{name} {params}: " + ", ".join(
                f"{k}: cypher {row[k]!r} != oracle {ok[k]!r}" for k in row if row[k] != ok[k])


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(city=cities)
def test_cypher_equals_oracle_on_random_cities(store: GraphStore, city: CityGraph) -> None:
    check_store_matches_oracle(store, city)


def test_cypher_equals_oracle_on_district(store: GraphStore) -> None:
    check_store_matches_oracle(store, generate("district", seed=3))


def test_every_coverage_and_compliance_query_has_an_oracle() -> None:
    checked = {name for name, _, _ in expected_tables(generate("tiny", seed=1))}
    assert set(load_library()) == checked


@pytest.mark.slow
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(city=cities)
def test_cypher_equals_oracle_on_many_random_cities(store: GraphStore, city: CityGraph) -> None:
    check_store_matches_oracle(store, city)
