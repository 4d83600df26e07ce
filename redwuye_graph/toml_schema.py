"""JSON Schemas of the scenario and sweep files, for editors, built from the registries.

An editor that reads JSON Schema for TOML (Taplo and the Even Better TOML extension for VS
Code, which read a first line ``#:schema PATH``) completes the keys of
``simulations/*.toml`` and shows each one's meaning, unit and range as it is typed. The
schemas are built from the registries the loaders check against (parameters
:data:`~redwuye_graph.sim.params.PARAMS`, run settings ``SETTINGS`` and texts ``TEXTS``,
policy levels, policies and their parameters, presets, designs), so there is no second
description of the files to keep in step; the loaders stay the judges of what only they
check (a Sobol design's power of two, a sweep's base scenario having the policy it varies,
old names of levels). ``python -m redwuye_graph.toml_schema`` writes them to
``redwuye_graph/schemas/``; ``tests/test_toml_schema.py`` checks they are current and that
every shipped example validates.

Examples
--------
>>> schema = scenario_schema()
>>> schema["properties"]["params"]["properties"]["wage"]["maximum"]
20000.0
>>> sorted(SCHEMAS)
['scenario', 'sweep']
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from redwuye_graph.experiments.sweep import _SWEEP_INT, DESIGNS
from redwuye_graph.generate import LEVELS, PRESETS
from redwuye_graph.sim.params import PARAMS, SETTINGS, TEXTS, Param
from redwuye_graph.sim.policies import POLICIES, TIMING
from redwuye_graph.sim.scenario import _TEXT_KEYS, SCENARIO_KEYS
from redwuye_graph.vocabulary import POSTS

__all__ = ["FOLDER", "SCHEMAS", "scenario_schema", "sweep_schema", "text", "write"]

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


#: Each schema the package ships and what builds it.
SCHEMAS: dict[str, Callable[[], Schema]] = {"scenario": scenario_schema, "sweep": sweep_schema}


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
