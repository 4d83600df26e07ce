"""A hypothesis fuzzer over scenario, sweep and targets files: every file is a clear
error or a valid experiment, never a traceback.

Each example starts from a valid file of one kind (a scenario with policies, a sweep over
parameters, levels and a policy, a targets file with one scenario or two regimes), then
mutates its parsed form (a value replaced by a hostile one: huge or negative integers,
``nan``, ``inf``, text with NUL or escape sequences, lists, tables, dates; keys deleted,
unknown keys and tables added) and writes it as TOML, or mutates the written bytes
(truncated, bytes inserted, re-encoded as UTF-16 or GBK). The file is then read by its
loader. A refusal must be a :class:`ScenarioError`/:class:`SweepError` (or
``FileNotFoundError`` for a base scenario that is not there) whose message is one line
that starts with the file's path and names a key; an accepted file must keep every run
setting inside the registry's range. ``test_toml_fuzz`` runs a few hundred examples;
``benchmarks/fuzz_toml.py`` runs 5,000 and counts.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from hypothesis import strategies as st

from redwuye_graph.experiments.calibrate import load_targets
from redwuye_graph.experiments.sweep import SweepError, load_sweep
from redwuye_graph.sim.params import SETTINGS
from redwuye_graph.sim.scenario import ScenarioError, load_scenario

__all__ = ["BASES", "TomlFuzzer", "dumps"]

BASE_SCENARIO = {
    "scenario": {"name": "base", "preset": "tiny", "graph_seed": 1, "days": 40, "seeds": 1,
                 "first_seed": 0, "description": "a base"},
    "levels": {"owners_committee": 0.5},
    "params": {"wage": 3500.0, "response_days": 2},
    "policy": [{"kind": "cross_appointment", "start_day": 10, "owners_committee": 0.8},
               {"kind": "credit_rating", "start_day": 20}],
}
#: A valid file of each kind, as parsed TOML; ``base.toml`` is the scenario others name.
BASES: dict[str, dict[str, Any]] = {
    "scenario": BASE_SCENARIO,
    "sweep": {
        "sweep": {"name": "s", "scenario": "base.toml", "design": "lhs", "samples": 4,
                  "replicates": 1, "graph_seeds": 1, "design_seed": 3, "days": 40},
        "params": {"wage": [3000.0, 4000.0], "response_days": [0, 5]},
        "levels": {"quality_supervisor": [0.0, 1.0]},
        "policy": {"cross_appointment": {"start_day": [0, 30]}},
    },
    "targets": {
        "calibrate": {"trials": 4, "seeds": 1, "sampler_seed": 2, "days": 40},
        "params": {"wage": [3000.0, 4000.0]},
        "targets": {"collection_12m": {"value": 0.6, "tolerance": 0.05},
                    "resolution_rate": {"min": 0.5, "tolerance": 0.05}},
    },
    "regimes": {
        "calibrate": {"trials": 4, "seeds": 1},
        "params": {"wage": [3000.0, 4000.0]},
        "regime": [{"name": "before", "scenario": "base.toml",
                    "targets": {"collection_12m": {"value": 0.5, "tolerance": 0.1}}},
                   {"name": "after", "scenario": "base.toml",
                    "targets": {"collection_12m": {"max": 0.9, "tolerance": 0.1}}}],
    },
}

_HOSTILE: list[Any] = [
    0, -1, 1, 2**31, 2**32, 2**40, 2**63 - 1, 2**63, 10**20, -(10**20), 1000000, 10**9,
    0.5, -0.0, 1e400, -1e400, math.nan, math.inf, -math.inf, 1e-320, 40.0, True, False,
    "", " ", "a\x00b", "\x1b[2J", "\u202e", "x" * 5000, "tiny", "district", "embedded:",
    "embedded:/etc/passwd", "cross_appointment", ["cross_appointment"], {"kind": "x"},
    [], {}, [1, 2], [0, math.inf], [math.nan, 1.0], [2**70, 2**71], [1.0, 0.0], [0, 0],
    [[1]], dt.date(2019, 1, 1), dt.datetime(2019, 1, 1, 12, 0), dt.time(12, 0), "baseline.toml",
    "../base.toml", "base.toml\x00", "lhs", "sobol", "grid", "morris",
]
_KEYS = ["name", "days", "seeds", "kind", "start_day", "end_day", "wage", "samples", "trials",
         "value", "tolerance", "max", "min", "scenario", "design", "preset", "store",
         "warmup_days", "graph_seeds", "sampler_seed", "design_seed", "unknown", "", "a.b",
         "owners_committee", "collection_12m", "\x00", "名字"]

values = st.one_of(
    st.sampled_from(_HOSTILE),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.sampled_from(_HOSTILE[:24]), max_size=3),
)


def _string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; a lone surrogate is dropped)."""
    return json.dumps(text.encode("utf-8", "replace").decode("utf-8"), ensure_ascii=False)


def _key(key: str) -> str:
    return key if key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key) \
        else _string(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return ("nan" if math.isnan(value) else "inf" if value > 0 else "-inf") \
            if not math.isfinite(value) else repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def dumps(doc: dict[str, Any]) -> str:
    """TOML text of a parsed document (tables, arrays of tables, any value, even ``nan``)."""
    lines: list[str] = []
    for name, body in doc.items():
        if isinstance(body, list) and body and all(isinstance(v, dict) for v in body):
            for item in body:
                lines.append(f"[[{_key(name)}]]")
                lines += [f"{_key(k)} = {_value(v)}" for k, v in item.items()]
        elif isinstance(body, dict):
            lines.append(f"[{_key(name)}]")
            lines += [f"{_key(k)} = {_value(v)}" for k, v in body.items()]
        else:
            lines.insert(0, f"{_key(name)} = {_value(body)}")
    return "\n".join(lines) + "\n"


def _mutate(draw: Callable[[st.SearchStrategy[Any]], Any], node: Any, depth: int = 0) -> Any:
    """``node`` with one of its values, keys or items changed (drawn)."""
    if isinstance(node, dict) and node and depth < 4:
        key = draw(st.sampled_from(sorted(node)))
        action = draw(st.sampled_from(["replace", "descend", "descend", "delete", "add"]))
        out = dict(node)
        if action == "replace":
            out[key] = draw(values)
        elif action == "descend":
            out[key] = _mutate(draw, node[key], depth + 1)
        elif action == "delete":
            del out[key]
        else:
            out[draw(st.sampled_from(_KEYS))] = draw(values)
        return out
    if isinstance(node, list) and node and depth < 4:
        i = draw(st.integers(0, len(node) - 1))
        out_list = list(node)
        out_list[i] = _mutate(draw, node[i], depth + 1)
        return out_list
    return draw(values)


class TomlFuzzer:
    """Writes each drawn file into ``work`` (beside a valid ``base.toml``) and reads it with
    its loader; counts the outcomes (``KIND refused``, ``KIND accepted``) in
    :attr:`outcomes`."""

    LOADERS: ClassVar[dict[str, Callable[[Path], Any]]] = {
        "scenario": load_scenario, "sweep": load_sweep, "targets": load_targets,
        "regimes": load_targets}

    def __init__(self, work: Path):
        self.work = work
        (work / "base.toml").write_text(dumps(BASE_SCENARIO), encoding="utf-8")
        self.outcomes: Counter[str] = Counter()

    def draw_file(self, data: st.DataObject) -> tuple[str, bytes]:
        """A kind and the bytes of a (probably) bad file of that kind."""
        kind = data.draw(st.sampled_from(sorted(BASES)), label="kind")
        doc = BASES[kind]
        for _ in range(data.draw(st.integers(1, 3), label="mutations")):
            doc = _mutate(data.draw, doc)
        raw = dumps(doc).encode("utf-8")
        how = data.draw(st.sampled_from(["as is"] * 6 + ["truncate", "insert", "utf-16",
                                                            "gbk", "bom"]), label="bytes")
        if how == "truncate":
            raw = raw[:data.draw(st.integers(0, len(raw)))]
        elif how == "insert":
            at = data.draw(st.integers(0, len(raw)))
            raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=4)) + raw[at:]
        elif how == "utf-16":
            raw = raw.decode("utf-8").encode("utf-16")
        elif how == "gbk":
            raw = (raw.decode("utf-8").replace('"base"', '"红色物业"')
                   .encode("gbk", errors="replace"))
        elif how == "bom":
            raw = b"\xef\xbb\xbf" + raw
        return kind, raw

    def run(self, data: st.DataObject) -> str:
        """Write and read one drawn file; its outcome (``refused`` or ``accepted``), or
        AssertionError / the loader's unexpected exception if it was mishandled."""
        kind, raw = self.draw_file(data)
        path = self.work / f"{kind}.toml"
        path.write_bytes(raw)
        try:
            loaded = self.LOADERS[kind](path)
        except (ScenarioError, SweepError, FileNotFoundError) as exc:
            message = str(exc)
            assert message.startswith(f"{path}: ") or message.startswith(f"{self.work}"), \
                message
            assert "\n" not in message, message
            outcome = "refused"
        else:
            _check_settings(loaded)
            outcome = "accepted"
        self.outcomes[f"{kind} {outcome}"] += 1
        return outcome


def _check_settings(loaded: Any) -> None:
    """Every run setting of an accepted file (and of its base scenario) is in range."""
    for name, spec in SETTINGS.items():
        for holder in (loaded, getattr(loaded, "scenario", None)):
            value = getattr(holder, name, None) if holder is not None else None
            if isinstance(value, int) and not isinstance(value, bool):
                assert spec.low <= value <= spec.high, (name, value)
