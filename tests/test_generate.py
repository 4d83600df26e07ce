from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from redwuye_graph.generate import PRESETS, generate, preset
from redwuye_graph.rosters import write_csv


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
    with pytest.raises(ValueError, match=r"unknown preset .town.; choose one of tiny"):
        generate("town")
    with pytest.raises(ValueError, match=r"vacuum=1\.5 is outside"):
        preset("tiny", vacuum=1.5)
