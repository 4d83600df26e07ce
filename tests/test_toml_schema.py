"""The JSON Schemas shipped for editors: current, valid, and in step with the loaders."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from redwuye_graph.experiments.sweep import SweepError, load_sweep
from redwuye_graph.sim.scenario import ScenarioError, load_scenario
from redwuye_graph.toml_schema import FOLDER, SCHEMAS, text

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "simulations").glob("*.toml"))
BAD = REPO / "tests" / "bad_inputs"
#: Bad inputs only the loaders refuse: JSON has no NaN, so no schema bound excludes it; a
#: store URI's syntax is the store's to check.
LOADERS_ONLY = {"sweep_range_nan.toml", "scenario_store_malformed.toml"}


def _kind(path: Path) -> str | None:
    if path.name.startswith("sweep_"):
        return "sweep"
    return None if path.name.startswith("targets_") else "scenario"


def _validator(kind: str) -> Any:
    schema = json.loads((FOLDER / f"{kind}.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("kind", SCHEMAS)
def test_shipped_schemas_are_current_and_valid(kind: str) -> None:
    shipped = (FOLDER / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert shipped == text(kind), "run: python -m redwuye_graph.toml_schema"
    jsonschema.Draft202012Validator.check_schema(json.loads(shipped))


@pytest.mark.parametrize("path", [p for p in EXAMPLES if _kind(p)], ids=lambda p: p.name)
def test_every_shipped_example_validates(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    errors = [e.message for e in _validator(str(_kind(path))).iter_errors(data)]
    assert errors == []


def _toml(path: Path) -> dict[str, Any] | None:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None  # not TOML: the editor's TOML parser says so, before any schema


@pytest.mark.parametrize("path", sorted(p for p in BAD.glob("*.toml") if _kind(p)
                                        and p.name != "ok_tiny.toml" and _toml(p) is not None),
                         ids=lambda p: p.name)
def test_the_bad_inputs_the_loaders_refuse_the_schemas_refuse(path: Path) -> None:
    data = _toml(path)
    with pytest.raises((ScenarioError, SweepError)):
        (load_sweep if _kind(path) == "sweep" else load_scenario)(path)
    refused = next(_validator(str(_kind(path))).iter_errors(data), None) is not None
    assert refused != (path.name in LOADERS_ONLY)


@pytest.mark.parametrize(("base", "old", "new", "said"), [
    ("cross_appointment.toml", "seeds = 5", "seedz = 5", "'seedz' was unexpected"),
    ("cross_appointment.toml", "seeds = 5", "seeds = 5.5", "not of type 'integer'"),
    ("cross_appointment.toml", 'preset = "district"', 'preset = "town"', "'town' is not one of"),
    ("cross_appointment.toml", "seeds = 5", "seeds = 5\n[params]\nwage = 25000.0",
     "greater than the maximum of 20000"),
    ("cross_appointment.toml", "seeds = 5", "seeds = 5\n[levels]\nowners_committee = 1.5",
     "greater than the maximum of 1.0"),
    ("tripartite_meetings.toml", "per_month = 2", "per_month = 9", "not valid under any"),
    ("cross_appointment.toml", "start_day = 90", "start_dy = 90", "not valid under any"),
    ("sweep_cross_appointment.toml", "start_day = [0, 365]", "start_day = [0, 9999]",
     "greater than the maximum of 3650"),
    ("sweep_cross_appointment.toml", "start_day = [0, 365]", "start_day = [0]", "too short"),
    ("sweep_cross_appointment.toml", 'design = "lhs"', 'design = "random"',
     "'random' is not one of"),
])
def test_a_mistake_in_an_example_both_refuse(tmp_path: Path, base: str, old: str, new: str,
                                             said: str) -> None:
    for name in (base, "cross_appointment.toml"):  # a sweep's base scenario beside it
        source = (REPO / "simulations" / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(source, encoding="utf-8")
    path = tmp_path / base
    changed = path.read_text(encoding="utf-8")
    assert old in changed
    path.write_text(changed.replace(old, new, 1), encoding="utf-8")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    errors = " | ".join(e.message for e in _validator(str(_kind(path))).iter_errors(data))
    assert said in errors
    with pytest.raises((ScenarioError, SweepError)):
        (load_sweep if _kind(path) == "sweep" else load_scenario)(path)
