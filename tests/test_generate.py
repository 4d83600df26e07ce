from __future__ import annotations

import filecmp
import itertools
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.generate import PRESETS, PolicyLevels, generate, preset
from redwuye_graph.rosters import write_csv
from redwuye_graph.schema import Label, RelType
from redwuye_graph.sim.policies import POLICIES
from redwuye_graph.vocabulary import ALIASES, POSTS


def _same_tree(a: Path, b: Path) -> bool:
    files = sorted(p.relative_to(a) for p in a.rglob("*.csv"))
    assert files == sorted(p.relative_to(b) for p in b.rglob("*.csv"))
    return all(filecmp.cmp(a / f, b / f, shallow=False) for f in files)


def test_same_seed_gives_byte_identical_rosters(tmp_path: Path) -> None:
    write_csv(generate("tiny", seed=3), tmp_path / "a")
    write_csv(generate("tiny", seed=3), tmp_path / "b")
    write_csv(generate("tiny", seed=4), tmp_path / "c")
    assert _same_tree(tmp_path / "a", tmp_path / "b")
    assert not _same_tree(tmp_path / "a", tmp_path / "c")


@pytest.mark.parametrize("name", ["tiny", "district"])
def test_presets_are_valid_and_sized(name: str) -> None:
    city = generate(name, seed=1)
    assert city.validate() == []
    counts = city.counts()["nodes"]
    spec = PRESETS[name]
    assert counts["Estate"] == spec.estates
    assert counts["Community"] == spec.communities
    assert counts["PropertyCompany"] == spec.companies
    households = sum(p["households"] for _, _, p in city.nodes("Estate"))
    assert 0.8 < households / (spec.estates * spec.mean_households) < 1.2


def test_district_preset_matches_the_brief() -> None:
    city = generate("district", seed=2)
    households = sum(p["households"] for _, _, p in city.nodes("Estate"))
    assert 400_000 < households < 600_000
    managed = city.counts()["relationships"]["SERVES"]
    committees = city.counts()["nodes"]["OwnersCommittee"]
    assert 0.25 < committees / managed < 0.35  # owners' committees at ~30% of managed estates


def test_policy_levels_move_the_graph() -> None:
    none = generate(preset("district", owners_committee=0.0, quality_supervisor=0.0), seed=1)
    full = generate(preset("district", owners_committee=1.0, quality_supervisor=1.0), seed=1)
    assert none.counts()["nodes"]["OwnersCommittee"] == 0
    assert none.counts()["relationships"]["QUALITY_SUPERVISOR_OF"] == 0
    assert full.counts()["nodes"]["OwnersCommittee"] == full.counts()["relationships"]["SERVES"]
    assert full.counts()["relationships"]["QUALITY_SUPERVISOR_OF"] > 0


def test_bad_preset_and_level_are_refused() -> None:
    with pytest.raises(ValueError, match=r"preset: unknown preset .town.; allowed: tiny"):
        generate("town")
    with pytest.raises(ValueError, match=r"levels.vacuum: 1\.5 is outside \[0, 1\] \(a share\)"):
        preset("tiny", vacuum=1.5)
    for bad in (float("nan"), float("inf"), True, "0.5"):
        with pytest.raises(ValueError, match=r"levels.vacuum: .* is outside \[0, 1\]"):
            PolicyLevels(vacuum=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"levels.vacum: unknown policy level; allowed: "):
        preset("tiny", vacum=0.5)


def test_old_level_names_are_read_with_a_deprecation_message() -> None:
    with pytest.warns(FutureWarning, match=r"levels.instructor: renamed 'company_instructor'"):
        old = preset("tiny", instructor=0.9)
    assert old.levels.company_instructor == 0.9


def test_every_level_is_a_post_of_the_vocabulary() -> None:
    assert list(POSTS) == [f.name for f in fields(PolicyLevels)]
    assert set(ALIASES.values()) <= set(POSTS)
    doc = (Path(__file__).resolve().parents[1] / "docs" / "model.md").read_text(encoding="utf-8")
    for post in POSTS.values():
        assert f"| `{post.name}`" in doc, post.name
        if post.policy:
            kind, parameter = post.policy.split(".")
            assert parameter in POLICIES[kind].PARAMS, post.policy


# -- levels are coupled: raising one changes only what it governs --------------------------
def _company(city: CityGraph, estate: str) -> str | None:
    projects = city.into(estate, RelType.SERVES)
    return city.into(projects[0], RelType.OPERATES)[0] if projects else None


def _structure(city: CityGraph) -> dict[str, tuple[object, ...]]:
    """Each estate's households, fee, age and company (None when vacant)."""
    return {e: (p["households"], p["fee_level"], p["old"], _company(city, e))
            for e, _, p in city.nodes(Label.ESTATE)}


def _rels(city: CityGraph, rel: RelType, end: Label | None = None,
          start: Label | None = None) -> set[tuple[str, str]]:
    return {(s, e) for s, e, _, _ in city.rels(rel)
            if (end is None or city.label(e) is end) and (start is None or city.label(s) is start)}


#: What each level governs: the posts, bodies or states that may only grow with it.
GOVERNED: dict[str, Callable[[CityGraph], set[Any]]] = {
    "company_party_org": lambda c: {(o, h) for o, h in _rels(c, RelType.PARTY_ORG_OF)
                                    if c.label(h) in (Label.PROPERTY_COMPANY, Label.PROJECT)},
    "company_instructor": lambda c: _rels(c, RelType.INSTRUCTOR_OF, Label.PROPERTY_COMPANY),
    "secretary_instructor": lambda c: _rels(c, RelType.INSTRUCTOR_OF, Label.PROJECT),
    "quality_supervisor": lambda c: _rels(c, RelType.QUALITY_SUPERVISOR_OF),
    "owners_committee": lambda c: {n for n, _, _ in c.nodes(Label.OWNERS_COMMITTEE)},
    "owners_committee_party_member": lambda c: {
        p for p, _ in _rels(c, RelType.MEMBER_OF, Label.OWNERS_COMMITTEE)
        if c.props(p)["party_member"]},
    "community_member_on_owners_committee": lambda c: {
        (p, o) for p, o in _rels(c, RelType.MEMBER_OF, Label.OWNERS_COMMITTEE)
        if c.out(p, RelType.MEMBER_OF) and any(
            c.label(b) is Label.RESIDENTS_COMMITTEE for b in c.out(p, RelType.MEMBER_OF))},
    "head_on_regional_committee": lambda c: {
        (p, q) for p, q in _rels(c, RelType.MEMBER_OF, Label.REGIONAL_PARTY_COMMITTEE)
        if any(c.label(b) is Label.PROPERTY_COMPANY for b in c.out(p, RelType.MEMBER_OF))},
    "owners_on_regional_committee": lambda c: {
        (p, q) for p, q in _rels(c, RelType.MEMBER_OF, Label.REGIONAL_PARTY_COMMITTEE)
        if any(c.label(b) is Label.OWNERS_COMMITTEE for b in c.out(p, RelType.MEMBER_OF))},
    "vacuum": lambda c: {e for e, _, _ in c.nodes(Label.ESTATE) if not c.into(e, RelType.SERVES)},
    "interim_managed": lambda c: _rels(c, RelType.INTERIM_MANAGES),
    "co_building": lambda c: _rels(c, RelType.CO_BUILDS_WITH),
}


def test_every_level_has_a_coupling_check() -> None:
    assert list(GOVERNED) == [f.name for f in fields(PolicyLevels)]


@pytest.mark.parametrize("level", list(GOVERNED))
def test_raising_a_level_changes_only_what_it_governs(level: str) -> None:
    cities = [generate(preset("district", **{level: x}), seed=2) for x in (0.0, 0.3, 0.7, 1.0)]
    base = _structure(cities[0])
    for city in cities[1:]:
        structure = _structure(city)
        if level == "vacuum":  # vacancy is what it governs: estates only lose their company
            assert all(structure[e] in (base[e], (*base[e][:3], None)) for e in base)
        else:
            assert structure == base, f"raising {level} moved an estate's company or size"
    governed = [GOVERNED[level](city) for city in cities]
    for lower, higher in itertools.pairwise(governed):
        assert lower <= higher, f"{level}: {sorted(lower - higher)[:3]} vanish at a higher level"
    assert governed[0] < governed[-1], f"{level}: 0 -> 1 adds nothing"


def test_ids_name_the_same_body_at_every_level() -> None:
    low = generate(preset("district", **dict.fromkeys(GOVERNED, 0.0)), seed=3)
    high = generate(preset("district", **dict.fromkeys(GOVERNED, 1.0) | {"vacuum": 0.0}), seed=3)
    shared = set(low.graph) & set(high.graph)
    assert len(shared) > 0.5 * len(low)
    assert all(low.label(n) is high.label(n) and low.props(n) == high.props(n)
               for n in shared if low.label(n) is not Label.PERSON)
    assert all(low.props(n)["name"] == high.props(n)["name"]
               for n in shared if low.label(n) is Label.PERSON)
