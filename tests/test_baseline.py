"""The seeded baseline (``tests/baseline/``): the shipped scenarios still give the recorded runs.

Each scenario's outcomes and result-table digest must equal the file's exactly. After an
intended change of behaviour, run ``python tests/baseline/update.py`` and commit the file
with a note.
"""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("baseline_update",
                                                  REPO / "tests" / "baseline" / "update.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


update = _script()
BASELINE = json.loads(update.FILE.read_text(encoding="utf-8"))
HOW = (f"If the change is intended, run '{update.UPDATE}' and commit "
       "tests/baseline/scenarios.json with a note saying what changed and why.")


def _one(name: str, entry: dict[str, object], versions: object) -> dict[str, object]:
    return {"scenarios": {name: entry}, "versions": versions}


def test_the_baseline_has_every_shipped_scenario() -> None:
    assert sorted(BASELINE["scenarios"]) == [f.stem for f in update.scenario_files()], HOW


@pytest.mark.parametrize("path", update.scenario_files(), ids=lambda path: path.stem)
def test_scenario_gives_the_baseline_runs(path: Path) -> None:
    want = BASELINE["scenarios"].get(path.stem)
    assert want is not None, f"{path.stem}: not in the baseline file. {HOW}"
    lines = update.differences(_one(path.stem, want, BASELINE["versions"]),
                               _one(path.stem, update.record(path), update.versions()))
    assert not lines, "\n".join([*lines, HOW])


def test_differences_name_the_scenario_and_the_outcome() -> None:
    changed = copy.deepcopy(BASELINE)
    entry = changed["scenarios"]["baseline"]
    entry["outcomes"]["1"]["collection_12m"] += 1e-12
    entry["tables_sha256"] = "0" * 64
    del changed["scenarios"]["star_rating"]
    lines = update.differences(BASELINE, changed)
    was = BASELINE["scenarios"]["baseline"]["outcomes"]["1"]["collection_12m"]
    assert lines[0] == (f"baseline: seed 1: collection_12m: baseline {was}, "
                        f"now {was + 1e-12}")
    assert lines[1].startswith("baseline: result tables differ (sha256 ")
    assert lines[2] == "star_rating: in the baseline file but no longer a shipped scenario"
    assert len(lines) == 3
