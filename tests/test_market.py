"""Companies and the market: exits, tenders, grades and effort; policies over time."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.generate import generate
from redwuye_graph.linkage import estate_linkage
from redwuye_graph.schema import Label, RelType
from redwuye_graph.sim import CityModel, Params, make_policy
from redwuye_graph.sim.params import ParamError
from redwuye_graph.sim.scenario import ScenarioError, load_scenario

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def vacant_city() -> CityGraph:
    """tiny, graph seed 2: it starts with vacant estates."""
    return generate("tiny", seed=2)


def _vacant(city: CityGraph) -> list[str]:
    return sorted(e for e, _, _ in city.nodes(Label.ESTATE) if not city.into(e, RelType.SERVES))


# -- exits and tenders -----------------------------------------------------------------------
def test_exits_keep_community_posts(vacant_city: CityGraph) -> None:
    model = CityModel(vacant_city, params=Params.from_mapping(
        {"tender_days": 5, "bid_margin": -1.0}), seed=1)
    links = model.links
    e = int(np.flatnonzero(links["quality_supervisor"] & links["secretary_instructor"])[0])
    old = links["project"].iloc[e]
    posts = {rel: set(model.city.into(old, rel))
             for rel in (RelType.INSTRUCTOR_OF, RelType.QUALITY_SUPERVISOR_OF)}
    model.run(1)
    model.withdraw(e)
    model.refresh_links()
    assert not model.served[e] and not model.supervised[e]
    model.run(10)
    row = estate_linkage(model.city).iloc[e]
    new = row["project"]
    assert model.served[e] and new != old and old not in model.city
    assert row["quality_supervisor"] and row["secretary_instructor"]
    for rel, people in posts.items():
        assert people <= set(model.city.into(new, rel)), rel
    tender = model.tables()["tender"]
    assert tender.loc[tender["estate"] == model.estate_ids[e], "company"].notna().all()


def test_under_all_linkage_estates_vacant_at_day_0_end_linked(vacant_city: CityGraph) -> None:
    sc = load_scenario(REPO / "simulations" / "all_linkage.toml")
    sc = replace(sc, preset="tiny", graph_seed=2, days=200,
                 params=Params.from_mapping({"bid_margin": -1.0}))
    model = sc.model(2, 1)
    vacant = _vacant(model.city)
    assert vacant
    model.run(sc.days)
    end = estate_linkage(model.city).set_index("estate").loc[vacant]
    # the posts the policies in force give (all-linkage levels: every one of them)
    for column in ("has_company", "has_owners_committee", "community_member_on_owners_committee",
                   "secretary_instructor", "quality_supervisor", "tripartite"):
        assert end[column].all(), column


def test_a_failed_tender_leaves_a_vacuum(vacant_city: CityGraph) -> None:
    city = vacant_city.copy()
    poor = _vacant(city)[0]
    city.props(poor)["fee_level"] = 0.05  # 4.5 yuan a month cannot pay a project
    model = CityModel(city, seed=1)
    model.run(400)
    tables = model.tables()
    tender = tables["tender"].query("estate == @poor")
    assert list(tender["day"]) == [120, 300]  # tender_days, then retender_days later
    assert tender["company"].isna().all() and (tender["bidders"] == 0).all()
    assert tender["reason"].str.contains("below bid_margin").all()
    assert (tender["expected_margin"] < 0).all()
    estate = tables["estate"].query("estate == @poor")
    assert estate["vacuum"].all() and estate["tenders"].sum() == 0
    # the other vacant estates of the city are taken over: the failure is the estate's
    taken = tables["tender"].query("estate != @poor")
    assert len(taken) and taken["company"].notna().all()


def test_reputation_across_estates_wins_tenders(vacant_city: CityGraph) -> None:
    model = CityModel(vacant_city, params=Params.from_mapping(
        {"tender_reputation": 10.0, "bid_margin": -1.0, "tender_days": 2}), seed=1)
    best = sorted(model.companies)[0]
    for cid, firm in model.companies.items():
        firm.score = 0.95 if cid == best else 0.3
    model.run(3)
    tender = model.tables()["tender"]
    assert len(tender) and (tender["company"] == best).mean() > 0.8
    assert (tender.loc[tender["company"] == best, "reputation"] == 0.95).all()
    assert tender["reason"].str.contains("reputation").all()


def test_company_table_per_day(vacant_city: CityGraph) -> None:
    model = CityModel(vacant_city, seed=1, policies=[make_policy("credit_rating")])
    model.run(200)
    table = model.tables()["company"]
    assert len(table) == 200 * len(model.companies)
    last = table[table["day"] == 200].set_index("company")
    for cid, firm in model.companies.items():
        assert last.loc[cid, "estates"] == len(firm.estates)
        assert last.loc[cid, "grade"] == firm.grade and last.loc[cid, "cash"] == firm.cash
    # cash moves at the monthly accounts, grades and scores at the review (day 182)
    one = table[table["company"] == table["company"].iloc[0]].set_index("day")
    assert one.loc[29, "cash"] == one.loc[1, "cash"] != one.loc[30, "cash"]
    assert one.loc[181, "score"] != one.loc[182, "score"]


# -- grades and effort --------------------------------------------------------------------
def test_grades_move_effort(vacant_city: CityGraph) -> None:
    plain = CityModel(vacant_city, seed=1)
    rated = CityModel(vacant_city, seed=1, policies=[make_policy("credit_rating")])
    rated.run(1)
    cid = max(rated.companies, key=lambda c: len(rated.companies[c].estates))
    firm = rated.companies[cid]
    mine = sorted(firm.estates)
    base = plain.effort()[mine]

    def effort(grade: int, score: float, blacklisted: bool = False) -> float:
        firm.grade, firm.score, firm.blacklisted = grade, score, blacklisted
        rated.firm_version += 1
        ratio = rated.effort()[mine] / base
        assert np.allclose(ratio, ratio[0])
        return float(ratio[0])

    safe = effort(4, 0.97)       # AAA far above every threshold: little at stake
    middle = effort(2, 0.5)      # on the downgrade line, a grade to lose and one to win
    brink = effort(0, 0.36)      # grade C on the blacklist line
    assert 1.0 <= safe < 1.01 < middle < brink <= 1.0 + rated.p.credit_effort
    assert effort(0, 0.2, blacklisted=True) == 1.0  # nothing left to lose
    # without the rating the grade is nothing to the company
    plain.companies[cid].grade = 0
    assert np.array_equal(plain.effort()[mine], base)


def test_a_downgrade_at_review_changes_effort(vacant_city: CityGraph) -> None:
    model = CityModel(vacant_city, params=Params.from_mapping({"review_days": 30}), seed=1,
                      policies=[make_policy("credit_rating")])
    model.run(29)
    before = {cid: (f.grade, f.score) for cid, f in model.companies.items()}
    effort = model.effort()
    model.run(1)
    moved = [cid for cid, f in model.companies.items() if (f.grade, f.score) != before[cid]]
    assert moved
    changed = model.effort() != effort
    assert any(changed[list(model.companies[c].estates)].any() for c in moved)


# -- policies over time ----------------------------------------------------------------------
def _outcomes(model: CityModel, last_days: int) -> dict[str, float]:
    """Mean collection and satisfaction over the last ``last_days`` days."""
    city = model.tables()["city"].tail(last_days)
    return {"collection": float(city["collection_rate"].mean()),
            "satisfaction": float(city["satisfaction"].mean())}


def test_withdrawal_lowers_outcomes(vacant_city: CityGraph) -> None:
    def run(**timing: int) -> CityModel:
        model = CityModel(vacant_city, seed=5, policies=[
            make_policy("cross_appointment", **timing)])
        model.run(540)
        return model

    kept, withdrawn = run(start_day=0), run(start_day=0, end_day=180)
    base = CityModel(vacant_city, seed=5)
    assert withdrawn.policies.log == [(180, "cross_appointment", "withdrawn")]
    # the posts it made are gone: projects of day 0 have the city's own posts again
    same = np.array([a == b for a, b in zip(withdrawn.project_of, base.project_of,
                                            strict=True)]) & base.served
    assert same.sum() >= 10
    for column in ("quality_supervisor", "secretary_instructor", "has_owners_committee"):
        now, day0 = withdrawn.links[column][same], base.links[column][same]
        assert (now == day0).all() and kept.links[column][same].sum() > day0.sum(), column
    a, b = _outcomes(kept, 180), _outcomes(withdrawn, 180)
    assert b["collection"] < a["collection"] - 0.02
    assert b["satisfaction"] < a["satisfaction"]


def test_rollout_reaches_the_target_in_monthly_steps(vacant_city: CityGraph) -> None:
    model = CityModel(vacant_city, seed=1, policies=[make_policy(
        "cross_appointment", start_day=10, rollout_days=90, owners_committee=0.0,
        community_member_on_owners_committee=0.0, secretary_instructor=0.0,
        head_on_regional_committee=0.0, owners_on_regional_committee=0.0)])
    served = model.served.copy()
    shares = []
    for day in (9, 10, 40, 70, 100):
        model.run(day - round(model.time))
        shares.append(float(model.links["quality_supervisor"][served].mean()))
    assert shares[0] < shares[1] < shares[2] < shares[3] == shares[4] == 1.0
    assert shares[1] <= 1 / 3 + shares[0] + 0.1


def test_a_policy_with_nothing_to_act_on_says_so(vacant_city: CityGraph) -> None:
    zero = {k: 0.0 for k in ("owners_committee", "community_member_on_owners_committee",
                             "secretary_instructor", "quality_supervisor",
                             "head_on_regional_committee", "owners_on_regional_committee")}
    model = CityModel(vacant_city, seed=1, policies=[
        make_policy("cross_appointment", start_day=3, **zero),
        make_policy("service_points", start_day=4)])
    model.run(10)
    log = model.tables()["log"]
    assert list(log["policy"]) == ["cross_appointment"] and list(log["day"]) == [3]
    assert log["message"].iloc[0].startswith("nothing to act on: estates lacking")


def test_timing_is_validated(tmp_path: Path) -> None:
    with pytest.raises(ParamError, match=r"credit_rating.end_day: 20 must come after start_day"):
        make_policy("credit_rating", start_day=30, end_day=20)
    with pytest.raises(ParamError, match=r"rollout_days: -1 is outside \[0, 3650\]"):
        make_policy("credit_rating", rollout_days=-1)
    path = tmp_path / "bad.toml"
    path.write_text('[scenario]\nname = "bad"\npreset = "tiny"\n[[policy]]\n'
                    'kind = "star_rating"\nend_day = "soon"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad.toml: policy\[0\]: star_rating.end_day: 'soon' "
                       "is not a number"):
        load_scenario(path)
    path.write_text('[scenario]\nname = "ok"\npreset = "tiny"\n[[policy]]\n'
                    'kind = "star_rating"\nstart_day = 10\nend_day = 100\nrollout_days = 60\n',
                    encoding="utf-8")
    policy = load_scenario(path).make_policies()[0]
    assert policy.timing() == {"start_day": 10, "end_day": 100, "rollout_days": 60}


def test_warmup_shifts_the_end_day_too() -> None:
    sc = replace(load_scenario(REPO / "simulations" / "credit_rating.toml"), preset="tiny",
                 days=60, warmup_days=30, policies=[
                     {"kind": "credit_rating", "start_day": 5, "end_day": 20}])
    model = sc.model(1, 0)
    model.run(sc.days)
    log = model.tables()["log"]
    assert list(log["day"]) == [20] and list(log["message"]) == ["withdrawn"]
    pd.testing.assert_frame_equal(log, model.tables()["log"])


def test_simulate_prints_the_run_log(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from redwuye_graph.cli import app

    path = tmp_path / "idle.toml"
    path.write_text('[scenario]\nname = "idle"\npreset = "tiny"\ndays = 60\nseeds = 2\n'
                    '[[policy]]\nkind = "instructors"\nshare = 0.0\nstart_day = 2\n'
                    'end_day = 20\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["simulate", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert ("log: day 2: instructors: nothing to act on: companies without party "
            "organisation or instructor (already met or none) (2 of 2 run(s))") in result.output
    assert "log: day 20: instructors: withdrawn (2 of 2 run(s))" in result.output
    log = pd.read_parquet(tmp_path / "out" / "log.parquet")
    assert len(log) == 4 and set(log["seed"]) == {0, 1}
    tender = pd.read_parquet(tmp_path / "out" / "tender.parquet")
    assert list(tender.columns[:4]) == ["scenario", "graph_seed", "seed", "day"]
