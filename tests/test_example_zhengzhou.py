"""The seed article's own roster (examples/zhengzhou-2019/): loaded into the embedded store,
it says what the article says, and reports no breach the article does not support."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from redwuye_graph import coverage
from redwuye_graph.citygraph import CityGraph
from redwuye_graph.queries import run_group, run_query
from redwuye_graph.rosters import read_csv
from redwuye_graph.schema import RelType
from redwuye_graph.store import GraphStore

ROSTER = Path(__file__).resolve().parents[1] / "examples" / "zhengzhou-2019"
ARTICLE = (Path(__file__).resolve().parents[2] / "shared" / "seed"
           / "red-property-zhengzhou-2019.txt")


def _sources() -> list[dict[str, str]]:
    with open(ROSTER / "sources.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _roster_keys() -> set[tuple[str, str]]:
    keys = set()
    for path in sorted(ROSTER.glob("*/*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                key = row.get("id:ID") or f"{row[':START_ID']}->{row[':END_ID']}"
                keys.add((path.relative_to(ROSTER).as_posix(), key))
    return keys


@pytest.fixture(scope="module")
def city() -> CityGraph:
    return read_csv(ROSTER)


def test_every_row_names_its_sentence_and_placeholders_are_marked(city: CityGraph) -> None:
    sources = _sources()
    assert {(r["file"], r["key"]) for r in sources} == _roster_keys()
    assert {r["certainty"] for r in sources} <= {"stated", "inferred", "placeholder"}
    for row in sources:
        if row["file"].startswith("nodes/") and row["certainty"] == "placeholder":
            assert city.props(row["key"])["name"].startswith("（"), row
        elif row["file"].startswith("nodes/") and row["certainty"] == "stated":
            assert not city.props(row["key"])["name"].startswith("（"), row
    if ARTICLE.exists():  # a stated row quotes the article (up to the first ellipsis)
        text = "".join(ARTICLE.read_text(encoding="utf-8").split())  # page breaks
        for row in sources:
            if row["certainty"] == "stated":
                quote = row["sentence"].split("……")[0].split("（")[0]
                assert quote in text, row


def test_brokers_and_cross_appointment_name_lu_wei(city: CityGraph,
                                                   embedded: GraphStore) -> None:
    embedded.load(city)
    brokers = run_query(embedded, "analysis/brokers", {"community": "C01"})
    assert brokers[["name", "spans"]].to_dict("records") == [
        {"name": "路伟", "spans": "party+company"}]
    assert brokers.equals(coverage.brokers(city, "C01"))
    cross = run_query(embedded, "coverage/cross_appointment").set_index("community")
    assert cross.loc["C01", ["people", "cross_appointed"]].tolist() == [1, 1]
    # the other people named each hold one post: none is cross-appointed
    assert cross["cross_appointed"].sum() == 1


def test_the_estate_graph_draws_lu_wei_between_branch_and_office(
        city: CityGraph, embedded: GraphStore) -> None:
    embedded.load(city)
    graph = run_query(embedded, "coverage/graph/estate", {"estate": "E01"})
    assert graph.equals(coverage.graph_estate(city, estate="E01"))
    posts = graph[graph["source"] == "P01"]  # 路伟: 路砦党支部 and 路砦花苑管理处
    assert posts[["type", "target"]].values.tolist() == [["MEMBER_OF", "G02"],
                                                         ["MEMBER_OF", "M01"]]
    assert "(:Office M01)-[:RUNS]->(:Project J01)" in graph["path"].tolist()


def test_coverage_per_estate_and_roll_ups(city: CityGraph, embedded: GraphStore) -> None:
    embedded.load(city)
    estates = run_query(embedded, "coverage/estate").set_index("estate")
    # 路伟's office runs 路砦花苑's project: the estate's one cross-appointed person; the
    # office is its 党群服务站 and the company, led by the community 党总支, hosts three
    # more facilities
    assert estates.loc["E01", ["people", "cross_appointed", "service_facilities"]].tolist() \
        == [1, 1, 4]
    assert estates.loc["E01", ["company_party_led", "service_station", "company_party_org"]
                       ].tolist() == [True, True, False]
    assert estates["cross_appointed"].tolist() == [1, 0, 0]
    city_row = run_query(embedded, "coverage/summary", {"level": "all"}).iloc[-1]
    # 路砦's 总公司 and 绿云's company: no party organisation or instructor recorded, and
    # the roster is partial, so not recorded rather than "neither"
    assert (city_row["companies_unrecorded"], city_row["companies_neither"]) == (2, 0)
    assert (city_row["companies_party_led"], city_row["estates_cross_appointed"],
            city_row["service_station"]) == (1, 1, 1)
    assert run_query(embedded, "coverage/summary", {"level": "all"}).equals(
        coverage.summary(city, "all"))


def test_no_breach_the_article_does_not_support(city: CityGraph,
                                               embedded: GraphStore) -> None:
    embedded.load(city)
    breaches = run_group(embedded, "compliance")
    assert all(table.empty for table in breaches.values()), breaches
    unknown = run_group(embedded, "compliance", {"unrecorded": True})
    found = {(r["rule"], r["subject"]) for t in unknown.values() for r in t.to_dict("records")}
    # the article names the company party organisations of 亚新 and 圆方 but not whom they
    # belong to; it gives no company's staff, party members or blacklisting
    assert {("party-org-unaffiliated", "G05"), ("party-org-unaffiliated", "G06"),
            ("blacklisted-company-serving", "F07"),
            ("company-without-party-org-or-instructor", "F07")} <= found
    # the joint branch under its own company's 党委 and the 路砦 branches under the
    # community 党总支 are affiliated as the rules allow
    assert not any(subject in {"G02", "G03", "G04", "G07"} for _, subject in found)


def test_without_the_partial_flags_the_gaps_become_breaches(city: CityGraph) -> None:
    complete = city.copy()
    for _node, _, props in complete.nodes():
        props.pop("partial", None)
    rules = set(coverage.breaches(complete)["rule"])
    assert {"party-org-unaffiliated", "company-without-party-org-or-instructor"} <= rules
    assert coverage.breaches(city).empty


def test_observed_fee_collection_of_lvyun(city: CityGraph, embedded: GraphStore) -> None:
    embedded.load(city)
    rows = embedded.run(
        "MATCH (o:Observation)-[:OBSERVED_AT]->(e:Estate {id: $estate}) "
        "RETURN o.period AS period, o.fee_collection AS value, "
        "o.fee_collection_bound AS bound, o.source AS source ORDER BY period DESC",
        {"estate": "E03"})
    assert [(r["period"], r["value"], r["bound"]) for r in rows] == [
        ("before", 0.5, "below"), ("2019", 0.9, "above")]
    assert all(r["source"] for r in rows)
    assert city.out("OB01", RelType.OBSERVED_AT) == ["E03"]
