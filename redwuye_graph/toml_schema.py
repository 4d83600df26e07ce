"""JSON Schemas of the scenario, sweep and targets files, for editors, from the registries.

An editor that reads JSON Schema for TOML (Taplo and the Even Better TOML extension for VS
Code, which read a first line ``#:schema PATH``) completes the keys of
``simulations/*.toml`` and shows each one's meaning, unit and range as it is typed. The
schemas are built from the registries the loaders check against (parameters
:data:`~redwuye_graph.sim.params.PARAMS`, run settings ``SETTINGS`` and texts ``TEXTS``,
policy levels, policies and their parameters, presets, designs, outcomes and the keys and
kinds of target of :mod:`~redwuye_graph.experiments.calibrate`), so there is no second
description of the files to keep in step; the loaders stay the judges of what only they
check (a Sobol design's power of two, a sweep's base scenario having the policy it varies,
old names of levels, a window's or an interval's ends in order, successes not above
trials, unique regime names, the scenario files a regime names). ``python -m
redwuye_graph.toml_schema`` writes them to ``redwuye_graph/schemas/``;
``tests/test_toml_schema.py`` checks they are current and agree with the loaders.

Examples
--------
>>> schema = scenario_schema()
>>> schema["properties"]["params"]["properties"]["wage"]["maximum"]
20000.0
>>> sorted(SCHEMAS)
['scenario', 'sweep', 'targets']
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from redwuye_graph.experiments.calibrate import (
    CALIBRATE_KEYS,
    MAX_COUNT,
    OBSERVED_KEYS,
    REGIME_KEYS,
    TARGET_KEYS,
    TARGET_KINDS,
    Calibration,
)
from redwuye_graph.experiments.sweep import _SWEEP_INT, DESIGNS
from redwuye_graph.generate import LEVELS, PRESETS
from redwuye_graph.outcomes import OUTCOMES, REGISTRY, WINDOW_OUTCOMES
from redwuye_graph.sim.params import PARAMS, SETTINGS, TEXTS, Param
from redwuye_graph.sim.policies import POLICIES, TIMING
from redwuye_graph.sim.scenario import _TEXT_KEYS, SCENARIO_KEYS
from redwuye_graph.vocabulary import POSTS

__all__ = ["FOLDER", "SCHEMAS", "scenario_schema", "sweep_schema", "targets_schema", "text",
           "write"]

#: Where the schema files ship (``NAME.schema.json``).
FOLDER = Path(__file__).resolve().parent / "schemas"
_DRAFT = "https://json-schema.org/draft/2020-12/schema"
Schema = dict[str, Any]


def _bounds(p: Param) -> str:
    """The registered range of ``p`` and its unit, in words."""
    low, high = (f"{v:,.0f}" if p.integer else f"{v:g}" for v in (p.low, p.high))
    return f"{p.unit}, {low} to {high}"


def _number(p: Param) -> Schema:
    """A number within the registered range of ``p``."""
    return {"type": "integer" if p.integer else "number", "minimum": p.low,
            "maximum": p.high, "default": p.default,
            "description": f"{p.meaning.rstrip('.')} ({_bounds(p)})."}


def _range(p: Param) -> Schema:
    """A sweep's ``[low, high]`` of ``p``: two numbers within its registered range."""
    end = {k: v for k, v in _number(p).items() if k not in ("default", "description")}
    return {"type": "array", "items": end, "minItems": 2, "maxItems": 2,
            "description": f"[low, high] of: {p.meaning.rstrip('.')} ({_bounds(p)})."}


def _share(name: str) -> Param:
    """A policy level as a registered share in [0, 1]."""
    meaning = POSTS[name].meaning if name in POSTS else name.replace("_", " ")
    return Param(name, 0.0, 0.0, 1.0, "share", f"Policy level: {meaning}", "")


def _table(properties: dict[str, Schema], description: str,
           required: Iterable[str] = ()) -> Schema:
    """A TOML table of exactly ``properties``."""
    table: Schema = {"type": "object", "description": description,
                     "properties": properties, "additionalProperties": False}
    if required := list(required):
        table["required"] = required
    return table


def _text(key: str, description: str) -> Schema:
    """A text key of :data:`~redwuye_graph.sim.params.TEXTS`: no control characters (a
    ``description`` may hold tabs and line breaks), as
    :func:`~redwuye_graph.sim.params.check_text` checks."""
    allowed = r"\u0000-\u0008\u000b-\u001f" if key == "description" else r"\u0000-\u001f"
    return {"type": "string", "minLength": 1, "maxLength": TEXTS[key],
            "pattern": f"^[^{allowed}\\u007f-\\u009f]*$", "description": description}


def _policy(kind: str) -> Schema:
    """One ``[[policy]]`` of ``kind``: its timing and own parameters."""
    cls = POLICIES[kind]
    specs = {**TIMING, **cls.PARAMS}
    return _table({"kind": {"const": kind, "description": cls.summary},
                   **{name: _number(p) for name, p in specs.items()}},
                  f"{kind}: {cls.summary}", required=["kind"])


def _document(title: str, tables: dict[str, Schema], required: list[str]) -> Schema:
    return {"$schema": _DRAFT, "title": title, **_table(tables, title, required)}


def scenario_schema() -> Schema:
    """The JSON Schema of a scenario file (:func:`~redwuye_graph.sim.scenario.load_scenario`)."""
    texts = {"name": "Name of the scenario (results and reports show it).",
             "description": "What the scenario is for.",
             "preset": "Generated base city (give preset or store).",
             "store": "Store whose city the runs use, e.g. embedded:build/district.rdb "
                      "(give preset or store)."}
    head = _table({**{k: _text(k, texts[k]) for k in _TEXT_KEYS},
                   **{k: _number(p) for k, p in SCENARIO_KEYS.items()},
                   "estate_table": {"type": "boolean", "description": "Write the per-estate "
                                    "daily table (large on big cities)."}},
                  "The run: base city, horizon, seeds.", required=["name"])
    head["properties"]["preset"]["enum"] = list(PRESETS)
    head["oneOf"] = [{"required": ["preset"]}, {"required": ["store"]}]
    return _document("redwuye-graph scenario file (simulations/*.toml)", {
        "scenario": head,
        "levels": _table({n: _number(_share(n)) for n in LEVELS},
                         "Changes to the base city's policy levels on day 0 (shares)."),
        "params": _table({n: _number(p) for n, p in PARAMS.items()},
                         "Model parameters changed from their registered defaults."),
        "policy": {"type": "array", "description": "Policies ([[policy]] tables), any "
                   "number, composable.", "items": {"oneOf": [_policy(k) for k in POLICIES]}},
    }, required=["scenario"])


def sweep_schema() -> Schema:
    """The JSON Schema of a sweep file (:func:`~redwuye_graph.experiments.sweep.load_sweep`)."""
    head = _table({
        "name": _text("name", "Name of the sweep."),
        "description": _text("description", "What the sweep is for."),
        "scenario": _text("scenario", "The base scenario file, relative to this file."),
        "design": {"enum": list(DESIGNS), "default": "lhs", "description": "How points are "
                   "picked; samples means: " + "; ".join(f"{k}: {v}" for k, v in
                                                         DESIGNS.items())},
        **{k: _number(SETTINGS[k]) for k in _SWEEP_INT},
    }, "The design and its seeds.", required=["name", "scenario"])
    policies = {kind: _table({n: _range(p) for n, p in {**TIMING, **cls.PARAMS}.items()},
                             f"Parameters of the base scenario's {kind} policy to vary.")
                for kind, cls in POLICIES.items()}
    return _document("redwuye-graph sweep file (simulations/sweep_*.toml)", {
        "sweep": head,
        "params": _table({n: _range(p) for n, p in PARAMS.items()},
                         "Model parameters to vary: NAME = [low, high]."),
        "levels": _table({n: _range(_share(n)) for n in LEVELS},
                         "Policy levels to vary: NAME = [low, high] inside [0, 1]."),
        "policy": _table(policies, "[policy.KIND]: parameters of a policy of the base "
                         "scenario to vary."),
    }, required=["sweep"])


#: The keys of each kind of target but ``tolerance`` (``binomial``: observed counts).
_KIND_KEYS = {kind: ("successes", "trials") if kind == "binomial" else (kind,)
              for kind in TARGET_KINDS}
#: A binomial target: observed counts.
_COUNTS = {"anyOf": [{"required": [k]} for k in _KIND_KEYS["binomial"]]}
#: Counts of an outcome that is not a share, not over a window: refused.
_NO_COUNTS = {"properties": dict.fromkeys(_KIND_KEYS["binomial"], False)}
#: A finite TOML float (JSON has no ``inf``; a bound refuses it).
_FINITE = {"type": "number", "minimum": -sys.float_info.max, "maximum": sys.float_info.max}


#: Outcomes a target may read: the run's, then those read over a window only.
_OUTCOMES = [*OUTCOMES, *(w for w in WINDOW_OUTCOMES if w not in OUTCOMES)]
#: Outcomes that are shares: counts (a binomial target) fit them without a window.
_SHARES = [name for name, o in REGISTRY.items() if o.unit == "share"]


def _window() -> Schema:
    """``[first, last]`` days of a window inside the longest horizon (``$defs/window``)."""
    day = {"type": "integer", "minimum": 1, "maximum": SETTINGS["days"].high}
    return {"type": "array", "items": day, "minItems": 2, "maxItems": 2,
            "description": f"Days [first, last] (1 to {SETTINGS['days'].high:,.0f}; first "
                           "<= last)."}


def _kind(kind: str) -> Schema:
    """A target of ``kind``: its keys, with ``tolerance`` unless counts, and no other
    kind's."""
    own = [*_KIND_KEYS[kind], *(() if kind == "binomial" else ("tolerance",))]
    others = [k for other, keys in _KIND_KEYS.items() if other != kind for k in keys]
    if kind == "binomial":
        others.append("tolerance")
    return {"required": own, "not": {"anyOf": [{"required": [k]} for k in others]}}


def _ref(name: str, *rules: Schema) -> Schema:
    """``$defs/NAME`` and ``rules`` all: in ``allOf``, as validators of draft 7 (Taplo's)
    ignore keywords beside a ``$ref``."""
    ref = {"$ref": f"#/$defs/{name}"}
    return {"allOf": [ref, *rules]} if rules else ref


def _target() -> Schema:
    """A ``[targets.LABEL]`` table (``$defs/target``): one kind of target, the outcome, its
    window and unit."""
    counts = {"type": "integer", "maximum": MAX_COUNT}
    keys: dict[str, Schema] = {
        "outcome": {"enum": _OUTCOMES, "description": "The outcome read (default: the "
                    "label); over a window: " + ", ".join(WINDOW_OUTCOMES) + "."},
        "window": {"$ref": "#/$defs/window"},
        "estate": {"type": "string", "minLength": 1, "description": "The estate (id) the "
                   "windowed outcome is read over."},
        "district": {"type": "string", "minLength": 1, "description": "The district (id) "
                     "the windowed outcome is read over."},
        "value": {**_FINITE, "description": "Observed figure: model ± tolerance fits."},
        "max": {**_FINITE, "description": "At most this (one-sided)."},
        "min": {**_FINITE, "description": "At least this (one-sided)."},
        "interval": {"type": "array", "items": _FINITE, "minItems": 2, "maxItems": 2,
                     "description": "[low, high]: anywhere inside fits (low < high)."},
        "successes": {**counts, "minimum": 0, "description": "Observed successes of trials "
                      "(binomial likelihood; no tolerance)."},
        "trials": {**counts, "minimum": 1, "description": "Observed trials (binomial)."},
        "tolerance": {**_FINITE, "exclusiveMinimum": 0, "description": "One standard error "
                      "of the figure: one unit of misfit."},
    }
    table = _table({k: keys[k] for k in TARGET_KEYS}, "An observed outcome: value, max, min "
                   "or interval with tolerance, or successes and trials.")
    table["allOf"] = [{"oneOf": [_kind(k) for k in TARGET_KINDS]},
                      {"if": {"required": ["window"]},
                       "then": {"properties": {"outcome": {"enum": list(WINDOW_OUTCOMES)}}},
                       "else": {"properties": {"outcome": {"enum": list(OUTCOMES)}}}},
                      {"not": {"required": ["estate", "district"]}},
                      *({"if": {"required": [unit]}, "then": {"required": ["window"]}}
                        for unit in ("estate", "district")),
                      {"if": {**_COUNTS, "not": {"required": ["window"]}}, "then": {
                          "properties": {"outcome": {"enum": _SHARES}}}}]
    return table


def _labelled(label: str) -> Schema:
    """``[targets.LABEL]`` of an outcome's name: read unless ``outcome`` names another."""
    said = REGISTRY[label].meaning if label in REGISTRY else WINDOW_OUTCOMES[label]
    rules: list[Schema] = []
    if label not in OUTCOMES:  # a windowed outcome by its name
        rules.append({"anyOf": [{"required": ["outcome"]}, {"required": ["window"]}]})
    elif label not in WINDOW_OUTCOMES:
        rules.append({"if": {"required": ["window"]}, "then": {"required": ["outcome"]}})
    if label in REGISTRY and label not in _SHARES:  # counts need a share named instead
        rules.append({"if": {**_COUNTS, "not": {"required": ["outcome"]}}, "then": _NO_COUNTS})
    return {**_ref("target", *rules), "description": f"{label}: {said}"}


def _targets() -> Schema:
    """A ``[targets]`` table of ``[targets.LABEL]`` tables (``$defs/targets``)."""
    table = _table({n: _labelled(n) for n in _OUTCOMES}, "Observed outcomes: "
                   "[targets.OUTCOME], or any label with outcome = NAME.")
    table["additionalProperties"] = _ref("target", {"required": ["outcome"]})
    return table


def _observed() -> Schema:
    """An ``[observed]`` table (``$defs/observed``): the store's Observation nodes."""
    keys: dict[str, Schema] = {
        "periods": {"type": "object", "minProperties": 1,
                    "additionalProperties": {"$ref": "#/$defs/window"},
                    "description": "PERIOD = [first day, last day] of each period the "
                                   "observations name."},
        "tolerance": {**_FINITE, "exclusiveMinimum": 0, "description": "One standard error "
                      "of an observed fee-collection share."}}
    return _table({k: keys[k] for k in OBSERVED_KEYS}, "The store's Observation nodes as "
                  "targets of their estates.", required=["periods"])


def _fitted(table: str) -> Schema:
    """A table with at least one target: ``[targets.LABEL]`` or ``[observed]``."""
    return {"anyOf": [{"required": [table], "properties": {table: {"minProperties": 1}}},
                      {"required": ["observed"]}]}


def _regime() -> Schema:
    """A ``[[regime]]`` table: a scenario, its changes, its targets."""
    days = {k: v for k, v in _number(SETTINGS["days"]).items() if k != "default"}
    keys: dict[str, Schema] = {
        "name": {"type": "string", "minLength": 1, "pattern": r"^[^.]*$", "description":
                 "Name of the regime, new and without dots (default: its scenario's)."},
        "scenario": _text("scenario", "The regime's scenario file, relative to this file."),
        "days": {**days, "description": f"{days['description']} Default: the scenario's."},
        "levels": _table({n: _number(_share(n)) for n in LEVELS},
                         "Changes to the scenario's policy levels (shares; a preset's city)."),
        "params": _table({n: _number(p) for n, p in PARAMS.items()},
                         "Changes to the scenario's model parameters."),
        "policy": {"type": "array", "description": "Policies appended to the scenario's "
                   "([[regime.policy]] tables).",
                   "items": {"oneOf": [_policy(k) for k in POLICIES]}},
        "targets": {"$ref": "#/$defs/targets"},
        "observed": {"$ref": "#/$defs/observed"},
    }
    return _table({k: keys[k] for k in REGIME_KEYS}, "A regime: a scenario with its changes "
                  "and its targets.", required=["scenario"])


def targets_schema() -> Schema:
    """The JSON Schema of a targets file of ``redwuye calibrate``
    (:func:`~redwuye_graph.experiments.calibrate.load_targets`)."""
    defaults = {f.name: f.default for f in dataclasses.fields(Calibration)}
    run = {}
    for key in CALIBRATE_KEYS:
        run[key] = _number(SETTINGS[key])
        if defaults.get(key) is None:  # days: each scenario's horizon
            del run[key]["default"]
            run[key]["description"] += " Default: each scenario's."
        else:
            run[key]["default"] = defaults[key]
    document = _document("redwuye-graph targets file (simulations/targets_*.toml)", {
        "calibrate": _table(run, "The search and its check: trials, seeds, base cities."),
        "params": {**_table({n: _range(p) for n, p in PARAMS.items()},
                            "Model parameters searched: NAME = [low, high]."),
                   "minProperties": 1},
        "targets": {"$ref": "#/$defs/targets"},
        "observed": {"$ref": "#/$defs/observed"},
        "regime": {"type": "array", "items": _regime(), "contains": _fitted("targets"),
                   "description": "Regimes fitted at once with the same parameters "
                   "([[regime]] tables, at least one with a target)."},
    }, required=["calibrate", "params"])
    one = {"anyOf": [{"required": ["targets"]}, {"required": ["observed"]}]}
    document["$defs"] = {"target": _target(), "targets": _targets(),
                         "observed": _observed(), "window": _window()}
    document["oneOf"] = [{"required": ["regime"], "not": one},
                         {"not": {"required": ["regime"]}, **_fitted("targets")}]
    return document


#: Each schema the package ships and what builds it.
SCHEMAS: dict[str, Callable[[], Schema]] = {"scenario": scenario_schema, "sweep": sweep_schema,
                                            "targets": targets_schema}


def text(name: str) -> str:
    """The JSON text of the schema ``name`` as shipped."""
    return json.dumps(SCHEMAS[name](), indent=2, ensure_ascii=False) + "\n"


def write(folder: Path = FOLDER) -> list[Path]:
    """Write every schema to ``folder/NAME.schema.json``; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in SCHEMAS:
        path = folder / f"{name}.schema.json"
        path.write_text(text(name), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write(Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER):
        print(written)
