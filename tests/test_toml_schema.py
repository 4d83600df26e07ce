"""The JSON Schemas shipped for editors: current, valid, and in step with the loaders."""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from toml_fuzz import TomlFuzzer, dumps

from redwuye_graph.experiments.calibrate import load_targets
from redwuye_graph.experiments.sweep import SweepError, load_sweep
from redwuye_graph.outcomes import OUTCOMES
from redwuye_graph.sim.scenario import ScenarioError, load_scenario
from redwuye_graph.toml_schema import FOLDER, SCHEMAS, text

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "simulations").glob("*.toml"))
BAD = REPO / "tests" / "bad_inputs"
#: Bad inputs only the loaders refuse: JSON has no NaN, so no schema bound excludes it; a
#: store URI's syntax is the store's to check; JSON Schema cannot compare two items.
LOADERS_ONLY = {"sweep_range_nan.toml", "scenario_store_malformed.toml",
                "targets_window_reversed.toml"}
#: The loader of each kind of file.
LOADERS = {"scenario": load_scenario, "sweep": load_sweep, "targets": load_targets}


def _kind(path: Path) -> str:
    return next((k for k in ("sweep", "targets") if path.name.startswith(f"{k}_")), "scenario")


def _validator(kind: str) -> Any:
    schema = json.loads((FOLDER / f"{kind}.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("kind", SCHEMAS)
def test_shipped_schemas_are_current_and_valid(kind: str) -> None:
    shipped = (FOLDER / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert shipped == text(kind), "run: python -m redwuye_graph.toml_schema"
    jsonschema.Draft202012Validator.check_schema(json.loads(shipped))


def _nodes(node: Any) -> Any:
    """Every object of a schema, nested."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


@pytest.mark.parametrize("kind", SCHEMAS)
def test_the_schemas_mean_the_same_to_draft_7_editors(kind: str) -> None:
    """Taplo (Even Better TOML) validates as draft 7 does: keywords beside a ``$ref`` are
    ignored and the keywords that came after draft 7 unknown, so neither is used."""
    later = {"dependentRequired", "dependentSchemas", "prefixItems", "unevaluatedProperties",
             "unevaluatedItems", "$dynamicRef", "$anchor", "minContains", "maxContains"}
    annotations = {"$ref", "description", "title", "default"}
    for node in _nodes(json.loads(text(kind))):
        assert not later & set(node), sorted(later & set(node))
        if "$ref" in node:
            assert set(node) <= annotations, sorted(node)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_shipped_example_validates(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    errors = [e.message for e in _validator(_kind(path)).iter_errors(data)]
    assert errors == []


def test_the_documented_targets_file_validates() -> None:
    """The targets file of docs/experiments.md, every kind of target, validates."""
    doc = (REPO / "docs" / "experiments.md").read_text(encoding="utf-8")
    block = doc.split("## Calibration: `redwuye calibrate`")[1].split("```toml\n")[1]
    data = tomllib.loads(block.split("```")[0])
    assert {k for t in data["targets"].values() for k in t} >= {"value", "min", "interval",
                                                                 "successes", "window"}
    assert [e.message for e in _validator("targets").iter_errors(data)] == []


def _toml(path: Path) -> dict[str, Any] | None:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None  # not TOML: the editor's TOML parser says so, before any schema


@pytest.mark.parametrize("path", sorted(p for p in BAD.glob("*.toml")
                                        if p.name != "ok_tiny.toml" and _toml(p) is not None),
                         ids=lambda p: p.name)
def test_the_bad_inputs_the_loaders_refuse_the_schemas_refuse(path: Path) -> None:
    data = _toml(path)
    with pytest.raises((ScenarioError, SweepError)):
        LOADERS[_kind(path)](path)
    refused = next(_validator(_kind(path)).iter_errors(data), None) is not None
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
    ("targets_district.toml", "trials = 30", "trials = 30.5", "not of type 'integer'"),
    ("targets_district.toml", "[-1.0, 1.0]", "[-1.0, 11.0]", "greater than the maximum of 10"),
    ("targets_district.toml", "value = 0.70", "value = 0.70\nmax = 0.8", "not valid under any"),
    ("targets_district.toml", "value = 0.70", "interval = [0.6]", "too short"),
    ("targets_district.toml", "tolerance = 0.03", "tolerance = -0.03", "less than or equal"),
    ("targets_district.toml", "[targets.resolution_rate]", "[targets.resolution_rat]",
     "'outcome' is a required property"),
    ("targets_district.toml", "value = 0.70\ntolerance = 0.03",
     'outcome = "median_days"\nsuccesses = 3\ntrials = 10', "'median_days' is not one of"),
    ("targets_regimes.toml", 'name = "after"', 'name = "after.2"', "does not match"),
    ("targets_regimes.toml", 'name = "after"', 'name = "after"\nseeds = 2', "'seeds' was"),
    ("targets_regimes.toml", 'name = "after"', 'name = "after"\n[regime.params]\nwage = 1.0',
     "less than the minimum"),
    ("targets_regimes.toml", 'name = "after"', 'name = "after"\n[regime.observed]\n'
     "tolerance = 0.05", "'periods' is a required property"),
])
def test_a_mistake_in_an_example_both_refuse(tmp_path: Path, base: str, old: str, new: str,
                                             said: str) -> None:
    for example in EXAMPLES:  # the scenarios a sweep or a regime names beside it
        (tmp_path / example.name).write_text(example.read_text(encoding="utf-8"),
                                             encoding="utf-8")
    path = tmp_path / base
    changed = path.read_text(encoding="utf-8")
    assert old in changed
    path.write_text(changed.replace(old, new, 1), encoding="utf-8")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    errors = " | ".join(e.message for e in _validator(_kind(path)).iter_errors(data))
    assert said in errors
    with pytest.raises((ScenarioError, SweepError)):
        LOADERS[_kind(path)](path)


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_what_the_loaders_accept_the_schemas_accept(tmp_path_factory: pytest.TempPathFactory,
                                                    data: st.DataObject) -> None:
    """Fuzzed files (``tests/toml_fuzz.py``): no schema is stricter than its loader."""
    work = tmp_path_factory.getbasetemp() / "schema_fuzz"
    work.mkdir(exist_ok=True)
    fuzzer = TomlFuzzer(work)
    kind, raw = fuzzer.draw_file(data)
    path = work / f"{kind}.toml"
    path.write_bytes(raw)
    try:
        parsed = tomllib.loads(raw.decode("utf-8"))
        fuzzer.LOADERS[kind](path)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, ScenarioError, SweepError,
            FileNotFoundError):
        return
    schema = "targets" if kind == "regimes" else kind
    assert [e.message for e in _validator(schema).iter_errors(parsed)] == []


#: Values of each key of a target, good and bad, but none of what only the loader can
#: refuse (a reversed window or interval, successes above trials, ``nan``).
_TARGET_VALUES = {
    "outcome": st.sampled_from([*OUTCOMES, "collection", "paid"]),
    "window": st.sampled_from([[1, 30], [0, 5], [1, 4000], [1], [1.0, 30.5]]),
    "estate": st.sampled_from(["E0001", ""]),
    "district": st.just("D01"),
    "value": st.sampled_from([0.5, math.inf, "0.5"]),
    "max": st.just(0.5),
    "min": st.just(-0.5),
    "interval": st.sampled_from([[0.2, 0.8], [0.8], [0.2, math.inf]]),
    "successes": st.sampled_from([0, 3, -1]),
    "trials": st.sampled_from([10, 0, 10**13]),
    "tolerance": st.sampled_from([0.05, 0.0, -1.0]),
}


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(label=st.sampled_from([*OUTCOMES, "collection", "x"]),
       target=st.fixed_dictionaries({}, optional=_TARGET_VALUES))
def test_the_targets_schema_and_loader_agree_on_a_target(
        tmp_path_factory: pytest.TempPathFactory, label: str, target: dict[str, Any]) -> None:
    """Any mix of a target's keys: the schema refuses it exactly when the loader does."""
    doc = {"calibrate": {"trials": 2}, "params": {"wage": [3000.0, 4000.0]},
           "targets": {label: target}}
    path = tmp_path_factory.getbasetemp() / "one_target.toml"
    path.write_text(dumps(doc), encoding="utf-8")
    try:
        load_targets(path)
        loader = ""
    except SweepError as exc:
        loader = str(exc)
    errors = [e.message for e in _validator("targets").iter_errors(tomllib.loads(
        path.read_text(encoding="utf-8")))]
    assert bool(errors) == bool(loader), (target, errors, loader)
