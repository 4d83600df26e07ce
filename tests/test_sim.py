"""The simulation: parameter registry, determinism, links from the graph, mechanisms,
scenario validation, CLI and the ODD document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.cli import app
from redwuye_graph.generate import generate, preset
from redwuye_graph.linkage import LINKAGE_COLUMNS, estate_linkage
from redwuye_graph.schema import Label, RelType
from redwuye_graph.sim import (
    PARAMS,
    POLICIES,
    CityModel,
    ParamError,
    Params,
    households,
    make_policy,
)
from redwuye_graph.sim.capacity import channel_hours
from redwuye_graph.sim.params import CATEGORIES
from redwuye_graph.sim.policies import ModelView, Policy
from redwuye_graph.sim.scenario import ScenarioError, load_scenario

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def city() -> CityGraph:
    return generate("tiny", seed=7)


def _run(city: CityGraph, days: int = 120, **kw: object) -> dict[str, pd.DataFrame]:
    model = CityModel(city, **kw)  # type: ignore[arg-type]
    model.run(days)
    return model.tables()


# -- parameter registry -------------------------------------------------------------------
def test_registry_is_complete_and_defaults_in_range() -> None:
    for p in PARAMS.values():
        assert p.low <= p.default <= p.high, p.name
        assert p.unit and p.meaning and p.source, p.name
        assert p.check(p.default) == p.default


def test_every_registered_parameter_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # A parameter no run reads is dead: a sweep over it would change nothing. Graph seed 2
    # of tiny starts with vacant estates, so tenders (and their parameters) come up; every
    # company at grade C and short of staff (low scores), so the review reads the blacklist
    # rule.
    city = generate("tiny", seed=2)
    for _, _, props in city.nodes(Label.PROPERTY_COMPANY):
        props["credit_grade"] = "C"
    # one vacant estate no firm would take (its fee cannot cover a project): a failed
    # tender, and the one after it
    vacant = sorted(e for e, _, _ in city.nodes(Label.ESTATE) if not city.into(e, RelType.SERVES))
    city.props(vacant[0])["fee_level"] = 0.01
    read: set[str] = set()
    get = Params.__getattribute__

    def recording(self: Params, name: str) -> object:
        read.add(name)
        return get(self, name)

    monkeypatch.setattr(Params, "__getattribute__", recording)
    _run(city, days=200, seed=1, params=Params(productivity=0.1),
         policies=[make_policy(kind, start_day=10) for kind in POLICIES])
    assert set(PARAMS) - read == set()


@pytest.mark.parametrize(("values", "message"), [
    ({"nonsense": 1.0}, "params.nonsense: unknown parameter"),
    ({"wage": 1e9}, r"params.wage: 1000000000.0 is outside \[1000.0, 20000.0\]"),
    ({"max_age_days": 2.5}, "params.max_age_days: 2.5 must be a whole number"),
    ({"shirk": "high"}, "params.shirk: 'high' is not a number"),
])
def test_bad_parameters_are_named(values: dict[str, object], message: str) -> None:
    with pytest.raises(ParamError, match=message):
        Params.from_mapping(values)


# -- determinism ----------------------------------------------------------------------------
def test_same_seed_is_bit_identical_and_another_seed_differs(city: CityGraph) -> None:
    policies = [make_policy("cross_appointment", start_day=30),
                make_policy("credit_rating", start_day=10)]
    a = _run(city, seed=4, policies=policies)
    b = _run(city, seed=4, policies=[make_policy("cross_appointment", start_day=30),
                                     make_policy("credit_rating", start_day=10)])
    c = _run(city, seed=5)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)
    assert not a["city"]["filed"].equals(c["city"]["filed"])


def test_compacting_the_complaint_store_changes_nothing(city: CityGraph,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    policies = [make_policy("cross_appointment", start_day=30)]
    monkeypatch.setattr(households, "_MIN_SLOTS", 10**6)  # never full: never compacted
    roomy = _run(city, seed=4, policies=policies)
    compactions = 0
    compact = households.VectorHouseholds._compact

    def counted(self: households.VectorHouseholds, room: int) -> None:
        nonlocal compactions
        compactions += 1
        compact(self, room)

    monkeypatch.setattr(households, "_MIN_SLOTS", 1)  # compacted whenever full
    monkeypatch.setattr(households.VectorHouseholds, "_compact", counted)
    tight = _run(city, seed=4, policies=[make_policy("cross_appointment", start_day=30)])
    assert compactions >= 5
    for name in roomy:
        pd.testing.assert_frame_equal(roomy[name], tight[name], check_exact=True)


def test_the_input_city_is_not_changed(city: CityGraph) -> None:
    before = estate_linkage(city)
    _run(city, days=40, policies=[make_policy("cross_appointment", start_day=1)])
    pd.testing.assert_frame_equal(before, estate_linkage(city))


# -- links come from the graph ------------------------------------------------------------
def test_links_are_read_with_estate_linkage(city: CityGraph) -> None:
    model = CityModel(city, seed=1)
    pd.testing.assert_frame_equal(model.links, estate_linkage(city))
    assert (model.links_tripartite == model.links["tripartite"].to_numpy()).all()


def test_cross_appointment_writes_posts_that_linkage_then_reads(city: CityGraph) -> None:
    model = CityModel(city, seed=1, policies=[make_policy("cross_appointment", start_day=5)])
    model.run(6)
    links = estate_linkage(model.city)
    served = links[links["has_company"]]
    for column in ("has_owners_committee", "secretary_instructor", "quality_supervisor",
                   "community_member_on_owners_committee", "tripartite"):
        assert served[column].all(), column
    assert model.links_tripartite.sum() == served["tripartite"].sum()


# -- mechanisms -----------------------------------------------------------------------------
_NO_LINKS = dict(owners_committee=0.0, secretary_instructor=0.0, quality_supervisor=0.0,
                 community_member_on_owners_committee=0.0, company_party_org=0.0,
                 company_instructor=0.0, interim_managed=0.0)


def test_no_link_means_no_escalation() -> None:
    bare = generate(preset("tiny", owners_committee=0.0, secretary_instructor=0.0,
                           quality_supervisor=0.0, interim_managed=0.0), seed=2)
    out = _run(bare, days=90, seed=1)["city"]
    assert out["escalated"].sum() == 0
    assert out["settled_escalation"].sum() == 0 and out["settled_meeting"].sum() == 0
    assert out["abandoned"].sum() > 0


def test_linkage_raises_resolution_and_collection() -> None:
    none = _NO_LINKS
    full = {k: 1.0 for k in none}
    lo = _run(generate(preset("tiny", **none), seed=3), days=240, seed=1)["summary"]
    hi = _run(generate(preset("tiny", **full), seed=3), days=240, seed=1)["summary"]
    lo, hi = lo[lo.group == "all"].iloc[0], hi[hi.group == "all"].iloc[0]
    assert hi.resolution_rate > lo.resolution_rate + 0.2
    assert hi.collection_12m > lo.collection_12m + 0.1


def test_direct_link_terms_are_named_assumptions_off_by_default() -> None:
    text = (REPO / "docs" / "model.md").read_text(encoding="utf-8")
    section = text.split("### Direct link terms")[1].split("\n### ")[0]
    for name in ("pay_owners", "pay_community", "sat_trust"):
        assert PARAMS[name].default == 0.0, name
        assert "named assumption" in PARAMS[name].source, name
        assert f"`{name}`" in section, name


def _escalation_load(rate: float) -> pd.Series:
    """All-linkage tiny city whose company settles almost nothing and whose committees have
    little time: the escalated queue is the bottleneck. Problem rates times ``rate``."""
    city = generate(preset("tiny", **{k: 1.0 for k in _NO_LINKS}), seed=3)
    values = {"productivity": 0.01, "hours_committee": 10.0, "hours_owner": 2.0,
              "meeting_hours": 0.0, "cobuild_share": 0.0, "max_age_days": 120,
              "problem_neglect": 0.0, "report_trust": 0.0}
    values.update({f"rate_{c}": rate * PARAMS[f"rate_{c}"].default for c in CATEGORIES})
    out = _run(city, days=240, seed=1, params=Params.from_mapping(values))["city"]
    return out.iloc[60:].sum()


def test_doubling_the_escalated_load_at_fixed_capacity_lengthens_waiting() -> None:
    once, twice = _escalation_load(1.0), _escalation_load(2.0)
    assert twice["escalated"] > 1.8 * once["escalated"]
    # the channels are full: settlements do not follow the load, and complaints wait longer
    assert twice["settled_escalation"] < 1.3 * once["settled_escalation"]
    wait_once = once["age_sum"] / once["settled"]
    wait_twice = twice["age_sum"] / twice["settled"]
    assert wait_twice > wait_once + 5, (wait_once, wait_twice)


def test_problems_fall_with_quality_supervision() -> None:
    # staff below the norm everywhere, so the effort a supervisor keeps up shows in quality
    rows, neglect = [], []
    for share in (0.0, 1.0):
        city = generate(preset("tiny", quality_supervisor=share, owners_committee=0.0), seed=3)
        model = CityModel(city, params=Params(staff_norm=30.0), seed=1)
        model.run(365)
        rows.append(model.tables()["summary"].iloc[0])
        neglect.append(float(model.neglect.mean()))
    unsupervised, supervised = rows
    assert neglect[1] < neglect[0] - 0.1
    assert supervised.problem_rate < unsupervised.problem_rate - 0.1
    assert 0.0 < supervised.report_share <= 1.0


def test_escalation_share_is_a_share_of_each_filing_day() -> None:
    city = generate(preset("tiny", **{k: 1.0 for k in _NO_LINKS}), seed=3)
    t = _run(city, days=120, seed=1, params=Params(productivity=0.05))
    for name in ("city", "estate"):
        share = t[name]["escalation_share"].dropna()
        assert share.max() > 0.5 and share.between(0.0, 1.0).all(), name
    assert (t["estate"]["escalated_filed"] <= t["estate"]["filed"]).all()
    assert t["city"]["escalated"].sum() >= t["city"]["escalated_filed"].sum()
    row = t["summary"].iloc[0]
    done = t["city"][~t["city"]["censored"]]
    assert row.escalation_share == pytest.approx(done["escalated_filed"].sum()
                                                 / done["filed"].sum())


def test_a_person_holding_several_posts_splits_their_time() -> None:
    # cross-appointed people only on owners' committees: one two-committee member each
    city = generate(preset("tiny", owners_committee=1.0, community_member_on_owners_committee=1.0,
                           secretary_instructor=0.0, quality_supervisor=0.0), seed=3)
    estates = sorted(e for e, _, _ in city.nodes(Label.ESTATE))
    p = Params()
    before = channel_hours(city, estates, p)
    e = int(np.flatnonzero(before.cross > 0)[0])
    oc = city.committee(estates[e], Label.OWNERS_COMMITTEE)
    comm = city.out(estates[e], RelType.IN_COMMUNITY)[0]
    two = city.members(city.committee(comm, Label.RESIDENTS_COMMITTEE))
    (person,) = city.members(oc) & two
    # the community's two committees and each owners' committee they sit on
    posts = 1 + sum(city.label(b) is Label.OWNERS_COMMITTEE
                    for b in city.out(person, RelType.MEMBER_OF))
    assert before.cross[e] == pytest.approx(p.hours_committee / posts)
    # a post in another community: no cross hours there, fewer here
    project = next(pr for pr, _, _ in city.nodes(Label.PROJECT)
                   if all(city.out(x, RelType.IN_COMMUNITY)[0] != comm
                          for x in city.out(pr, RelType.SERVES)))
    city.add_rel(RelType.QUALITY_SUPERVISOR_OF, person, project)
    after = channel_hours(city, estates, p)
    assert after.cross[e] == pytest.approx(p.hours_committee / (posts + 1))
    assert after.community[comm] < before.community[comm]


def test_arrears_visits_are_counted_and_raise_collection() -> None:
    city = generate(preset("tiny", **{k: 1.0 for k in _NO_LINKS}), seed=3)
    summaries = [_run(city, days=240, seed=1, params=Params(pay_visit=v))
                 for v in (0.0, 3.0)]
    low, high = (t["summary"].iloc[0] for t in summaries)
    assert summaries[1]["city"]["visits"].sum() > 0
    assert high.collection_12m > low.collection_12m + 0.01


def test_broke_companies_exit_and_vacuums_get_interim_then_tender(city: CityGraph) -> None:
    params = Params.from_mapping({"wage": 20000.0, "reserve_months": 0.0, "interim_days": 5,
                                  "tender_days": 40, "bid_margin": -1.0})
    model = CityModel(city, params=params, seed=3)
    model.run(200)
    out = model.tables()["city"]
    assert out["exits"].sum() > 0
    assert out["tenders"].sum() > 0
    assert out["vacuum"].max() > 0
    assert out.loc[out["vacuum"] > 0, "settled_company"].sum() > 0  # interim capacity


def test_links_changed_by_exits_and_tenders_match_a_full_read(city: CityGraph) -> None:
    params = Params.from_mapping({"wage": 20000.0, "reserve_months": 0.0, "interim_days": 5,
                                  "tender_days": 40, "bid_margin": -1.0})
    fast = CityModel(city, params=params, seed=3)
    full = CityModel(city, params=params, seed=3)
    full._refresh_pending = full.refresh_links  # type: ignore[method-assign]
    for _ in range(200):
        fast.run(1)
        full.run(1)
        links = estate_linkage(fast.city)
        for c in LINKAGE_COLUMNS:
            assert (fast._flags[c] == links[c].to_numpy()).all(), c
        for attr, c in (("company_of", "company"), ("project_of", "project")):
            assert ([str(v) for v in getattr(fast, attr)]
                    == [str(v) for v in links[c].to_numpy(object)]), c
        for name in ("served", "path", "fast", "responsive", "supervised", "interim", "trust",
                     "owners_hours", "cross_hours", "community_hours"):
            assert (getattr(fast, name) == getattr(full, name)).all(), name
        assert ({k: v.estates for k, v in fast.companies.items()}
                == {k: v.estates for k, v in full.companies.items()})
    pd.testing.assert_frame_equal(fast.links, estate_linkage(fast.city))
    assert fast.tables()["city"]["tenders"].sum() > 0
    for name, table in fast.tables().items():
        pd.testing.assert_frame_equal(table, full.tables()[name], check_exact=True)


def _window(estate: pd.DataFrame, first: int, days: int = 90) -> pd.DataFrame:
    """Per-estate sums over days ``first .. first + days - 1`` (all filing days uncensored)."""
    assert not estate.loc[estate["day"] < first + days, "censored"].any()
    part = estate[(estate["day"] >= first) & (estate["day"] < first + days)]
    return part.groupby("estate")[["filed", "within_window", "settled", "settled_company",
                                   "age_sum", "abandoned", "vacuum"]].sum()


def _late_not_lost(window: pd.DataFrame, p: Params) -> pd.DataFrame:
    """Check a window's served estates; return those with no complaint settled in time.

    A served estate always has capacity (staff never falls below ``min_staff``), so over
    90 days its company settles complaints. Where none filed in the window is settled
    within ``window_days``, the queue is an overloaded first-in-first-out backlog: what
    the company settles is older than the window (about ``max_age_days`` once the backlog
    has reached the residents' patience).
    """
    served = window[window["vacuum"] == 0]
    assert (served["settled_company"] > 0).all(), served[served["settled_company"] == 0]
    late = served[(served["within_window"] == 0) & (served["filed"] > 0)]
    mean_age = late["age_sum"] / late["settled"]
    assert (mean_age > p.window_days).all(), mean_age
    assert mean_age.median() > 0.9 * p.max_age_days
    return late


def test_overloaded_estates_settle_late_not_never() -> None:
    # docs/model.md, "Overloaded estates": old, low-fee estates without links sit at the
    # staff floor with capacity below their arrivals; resolution within the window is 0
    # there although the company keeps settling complaints every day.
    model = CityModel(generate(preset("tiny", **_NO_LINKS), seed=3), seed=1)
    p = model.p
    for _ in range(8):
        model.run(30)
        floor = p.min_staff * model.households / 1000.0
        assert (model.staff[model.served] >= floor[model.served] - 1e-9).all()
        assert (model.staff[~model.served] == 0.0).all()
        assert (model.effort() > 0).all()
    late = _late_not_lost(_window(model.tables()["estate"], 121), p)
    assert len(late) > 0  # the overloaded regime is exercised


@pytest.mark.slow
def test_district_baseline_zero_resolution_estates_are_served_and_late() -> None:
    # The reported case: district, graph seed 1, baseline, run seed 1, days 480-569.
    sc = load_scenario(REPO / "simulations" / "baseline.toml")
    model = CityModel(sc.city(), params=sc.params, policies=sc.make_policies(), seed=1)
    model.run(sc.days)
    late = _late_not_lost(_window(model.tables()["estate"], 480), model.p)
    assert len(late) > 50


def test_service_points_shorten_time_to_resolution(city: CityGraph) -> None:
    base = _run(city, days=150, seed=2)["summary"]
    fast = _run(city, days=150, seed=2,
                policies=[make_policy("service_points", start_day=0)])["summary"]
    assert fast.iloc[0].quick_rate > base.iloc[0].quick_rate


def test_meeting_frequency_policy_adds_meetings(city: CityGraph) -> None:
    # committees with little time leave a backlog of escalated complaints for the meetings
    full = generate(preset("tiny", owners_committee=1.0, community_member_on_owners_committee=1.0,
                           secretary_instructor=1.0), seed=7)
    short = Params(hours_committee=2.0, hours_owner=0.5)
    one = _run(full, days=120, seed=1, params=short)["city"]["settled_meeting"]
    four = _run(full, days=120, seed=1, params=short,
                policies=[make_policy("tripartite_meetings", per_month=4)])["city"]
    assert (four["settled_meeting"] > 0).sum() > (one > 0).sum()


def test_tables_are_tidy_and_consistent(city: CityGraph) -> None:
    t = _run(city, days=90, seed=1)
    n_estates = len(estate_linkage(city))
    assert len(t["estate"]) == 90 * n_estates
    assert t["city"]["filed"].sum() == t["estate"]["filed"].sum() == t["district"]["filed"].sum()
    rates = t["city"][["collection_rate", "resolution_rate", "satisfaction"]].dropna()
    assert ((rates >= 0) & (rates <= 1)).all().all()
    summary = t["summary"].set_index("group")
    day1 = t["estate"][t["estate"]["day"] == 1]
    assert list(summary.index) == ["all", *(g for g in ("tripartite", "partial", "none")
                                            if g in set(day1["linkage"]))]
    assert summary.loc["all", "estates"] == n_estates
    assert summary.loc["all", "filed"] == t["city"]["filed"].sum()
    assert summary.loc["all", "households"] == day1["households"].sum()


def test_linkage_is_the_day0_cohort_and_linkage_today_follows_the_links(
        city: CityGraph) -> None:
    model = CityModel(city, seed=1, policies=[make_policy("cross_appointment", start_day=5)])
    start = model.recorder.group.copy()
    model.run(20)
    t = model.tables()
    estate = t["estate"]
    assert (estate.groupby("estate")["linkage"].nunique() == 1).all()
    first = estate[estate["day"] == 1].set_index("estate")
    assert (first["linkage"] == first["linkage_today"]).all()
    later = estate[estate["day"] >= 7]
    assert (later.loc[later["vacuum"] == 0, "linkage_today"] == "tripartite").all()
    assert (later["linkage"] != later["linkage_today"]).any()
    assert (model.recorder.group == start).all()
    summary = t["summary"].set_index("group")
    for group, n in estate[estate["day"] == 1]["linkage"].value_counts().items():
        assert summary.loc[group, "estates"] == n


# -- policies and scenarios ---------------------------------------------------------------
def test_every_policy_has_a_scenario_file_and_all_files_load() -> None:
    # sweep_*.toml and targets_*.toml are experiment files (tests/test_experiments*.py).
    files = sorted(f for f in (REPO / "simulations").glob("*.toml")
                   if not f.stem.startswith(("sweep_", "targets_")))
    names = {f.stem for f in files}
    assert {"baseline", "all_linkage", *POLICIES} <= names
    for f in files:
        sc = load_scenario(f)
        assert sc.name == f.stem


@pytest.fixture
def lazy_policy() -> Iterator[type[Policy]]:
    """A mechanism policy defined in a test: one class, registered by defining it."""

    class Lazy(Policy):
        kind = "lazy"
        summary = "companies work at half effort"

        def effort(self, model: ModelView, effort: np.ndarray) -> np.ndarray:
            return effort * 0.5

    yield Lazy
    del POLICIES["lazy"]


def test_a_policy_class_registers_itself_with_its_hooks(lazy_policy: type[Policy],
                                                        city: CityGraph) -> None:
    assert POLICIES["lazy"] is lazy_policy and sorted(lazy_policy.HOOKS) == ["effort"]
    with pytest.raises(TypeError, match="'lazy' is already registered by"):
        type("Again", (Policy,), {"kind": "lazy", "summary": "twice"})
    model = CityModel(city, seed=1, policies=[make_policy("lazy", start_day=3)])
    full = model.effort()
    model.run(3)
    assert np.array_equal(model.effort(), full * 0.5)
    assert model.end_policy("lazy") and not model.end_policy("lazy")
    assert np.array_equal(model.effort(), full)


def test_the_model_has_what_policies_see(city: CityGraph) -> None:
    model = CityModel(city, seed=1)
    members = [n for n in vars(ModelView) if not n.startswith("_")]
    assert len(members) > 10 and all(hasattr(model, n) for n in members)


def test_a_later_policy_of_a_kind_takes_over_and_policies_can_be_reused(
        city: CityGraph) -> None:
    four, two = (make_policy("tripartite_meetings", per_month=n, start_day=d)
                 for n, d in ((4, 0), (2, 10)))
    model = CityModel(city, seed=1, policies=[four, two])
    model.run(12)
    assert model.policies.in_force == {"tripartite_meetings": two}
    assert model._meetings.schedule.interval == 15
    model.end_policy("tripartite_meetings")
    assert model._meetings.schedule.interval == 30
    policies = [make_policy("cross_appointment", start_day=5), four]
    a, b = (_run(city, days=60, seed=2, policies=policies) for _ in range(2))
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)


def test_each_policy_draws_from_its_own_stream(city: CityGraph) -> None:
    def posts(*before: str) -> pd.DataFrame:
        policies = [*(make_policy(k, start_day=1, share=0.5) for k in before),
                    make_policy("cross_appointment", start_day=1, quality_supervisor=0.5)]
        model = CityModel(city, seed=1, policies=policies)
        model.run(2)
        a, b = model.policies.added[:2]
        assert model.policy_rng(a) is not model.policy_rng(b)
        return estate_linkage(model.city)

    alone = posts("service_points")
    pd.testing.assert_frame_equal(alone, posts("service_points", "service_points"))
    pd.testing.assert_frame_equal(alone, posts("co_building", "service_points"))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text('[scenario]\nname = "bad"\n' + text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "message"), [
    ('preset = "tiny"\nspeed = 3\n', r"bad.toml: scenario.speed: unknown key; allowed: .*days"),
    ('preset = "tiny"\ndays = 0\n', r"bad.toml: scenario.days: 0 is outside \[1, 3650\]"),
    ("days = 10\n", r"bad.toml: scenario.preset: give exactly one of preset \(one of tiny, "),
    ('preset = "town"\n', r"bad.toml: scenario.preset: unknown preset 'town'; allowed: tiny"),
    ('preset = "tiny"\n[levels]\nvacuum = 2.0\n',
     r"bad.toml: levels.vacuum: 2.0 is outside \[0, 1\] \(a share\)"),
    ('preset = "tiny"\n[params]\nwage = 5\n',
     r"bad.toml: params.wage: 5 is outside \[1000.0, 20000.0\] \(yuan/month\)"),
    ('preset = "tiny"\n[[policy]]\nkind = "magic"\n',
     r"bad.toml: policy\[0\].kind: unknown policy 'magic'; allowed: cross_appointment"),
    ('preset = "tiny"\n[[policy]]\nkind = "service_points"\nshare = 1.5\n',
     r"bad.toml: policy\[0\]: service_points.share: 1.5 is outside \[0.0, 1.0\]"),
    ('preset = "tiny"\n[[policy]]\nkind = "star_rating"\nstars = 5\n',
     r"bad.toml: policy\[0\]: star_rating.stars: unknown parameter; known: start_day"),
])
def test_bad_scenarios_name_file_key_and_range(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        load_scenario(_write(tmp_path, text))


def test_cli_simulate_writes_parquet_and_plot(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text('[scenario]\nname = "small"\npreset = "tiny"\ndays = 60\nseeds = 1\n'
                    '[[policy]]\nkind = "credit_rating"\nstart_day = 5\n', encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["simulate", str(path), "--out", str(out), "--seeds", "2"])
    assert result.exit_code == 0, result.output
    for name in ("city", "district", "estate", "summary"):
        table = pd.read_parquet(out / f"{name}.parquet")
        assert sorted(table["seed"].unique()) == [0, 1]
    assert (out / "plot.png").read_bytes()[:4] == b"\x89PNG"
    same = CliRunner().invoke(app, ["compare", str(out), str(out)])
    assert same.exit_code == 0 and "b - a [95%]" in same.output


def test_cli_bad_scenario_runs_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path, 'preset = "tiny"\n[params]\nshirk = 3\n')
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["simulate", str(path), "--out", str(out)])
    assert result.exit_code == 1
    assert "bad.toml: params.shirk: 3 is outside [0.0, 0.9]" in result.output
    assert not out.exists()


# -- the ODD document ------------------------------------------------------------------------
def test_model_doc_lists_every_parameter_as_registered() -> None:
    text = (REPO / "docs" / "model.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(2, 3, 4) for m in re.finditer(
        r"^\| `(\w+)` \| ([^|]+) \| \[([^|]+)\] \| ([^|]+) \|", text, re.MULTILINE)}
    assert set(rows) == set(PARAMS), set(rows) ^ set(PARAMS)
    for name, (default, rng, unit) in rows.items():
        p = PARAMS[name]
        assert float(default) == p.default, name
        assert [float(x) for x in rng.split(",")] == [p.low, p.high], name
        assert unit.strip() == p.unit, name
    for kind in POLICIES:
        assert f"`{kind}`" in text, kind


def test_categories_are_documented() -> None:
    text = (REPO / "docs" / "model.md").read_text(encoding="utf-8")
    from redwuye_graph.sim.params import CATEGORIES

    assert all(c in text for c in CATEGORIES)


def test_cross_appointment_skips_a_community_without_its_committees() -> None:
    # a roster may lack a community's residents' or regional committee: the posts that
    # need one stay unfilled there, the rest of the policy goes ahead
    city = generate("tiny", seed=2)
    community = sorted(c for c, _, _ in city.nodes(Label.COMMUNITY))[0]
    for label in (Label.RESIDENTS_COMMITTEE, Label.REGIONAL_PARTY_COMMITTEE):
        body = city.committee(community, label)
        assert body is not None
        city.graph.remove_node(body)
    before = estate_linkage(city).set_index("estate")
    model = CityModel(city, policies=[make_policy("cross_appointment")], seed=1)
    model.run(5)
    links = model.links.set_index("estate")
    inside = links["community"] == community
    assert links.loc[~inside & links["has_company"], "quality_supervisor"].all()
    # no residents' committee to take a supervisor from: only the ones it had
    assert (links.loc[inside, "quality_supervisor"]
            == before.loc[inside, "quality_supervisor"]).all()


def test_outcome_docs_match_the_registry() -> None:
    from redwuye_graph.outcomes import AT_OUTCOMES, REGISTRY, SUMMARY

    text = (REPO / "docs" / "experiments.md").read_text(encoding="utf-8")
    rows = {m.group(1): (m.group(2), m.group(3).replace("`", "")) for m in re.finditer(
        r"^\| `(\w+)` \| ([^|]+) \| ([^|]+) \|$", text, re.MULTILINE)}
    assert {n: (o.unit, o.meaning) for n, o in REGISTRY.items()} == {
        n: (unit.strip(), meaning.strip()) for n, (unit, meaning) in rows.items()}
    section = text.split("| on a day | meaning |")[1].split("\n\n")[0]
    at = {m.group(1): m.group(2).replace("`", "").strip() for m in re.finditer(
        r"^\| `(\w+)` \| ([^|]+) \|$", section, re.MULTILINE)}
    assert at == AT_OUTCOMES
    model = (REPO / "docs" / "model.md").read_text(encoding="utf-8")
    listed = re.search(r"Summary \(per group;[^:]*\): `([^`]+)`", model)
    assert listed is not None
    assert tuple(n.strip() for n in listed.group(1).split(",")) == SUMMARY
