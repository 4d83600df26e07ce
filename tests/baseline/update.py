"""Seeded baseline of the shipped scenarios: write it (default) or compare with it (--check).

Every scenario file in ``simulations/`` (not the ``sweep_*`` and ``targets_*``
experiment files) runs with its own levels, parameters and policies on the ``tiny``
preset for :data:`DAYS` days (longer if a policy starts late) over seeds 0 and 1. The
file ``tests/baseline/scenarios.json`` holds, per scenario, the scalar outcomes of each
run (:func:`redwuye_graph.outcomes.run_outcomes`) and a SHA-256 of every
result table (:func:`tables_digest`); ``tests/test_baseline.py`` recomputes them and
wants them equal, so "bit-identical tables" is a checked claim.

After an intended change of behaviour, refresh the file and commit it with a note that
says what changed and why::

    python tests/baseline/update.py            # rewrite tests/baseline/scenarios.json
    python tests/baseline/update.py --check    # only list the differences

The script imports the package of the checkout it sits in, whatever is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # this checkout's package, not an installed one

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from redwuye_graph.outcomes import run_outcomes  # noqa: E402
from redwuye_graph.sim.scenario import load_scenario, run_scenario  # noqa: E402

FILE = Path(__file__).with_name("scenarios.json")
PRESET = "tiny"
DAYS = 400  # past the reviews on days 182 and 364 and the first 12 months
AFTER_LAST_START = 150  # days every policy runs at least
SEEDS = 2
UPDATE = "python tests/baseline/update.py"


def scenario_files() -> list[Path]:
    """The shipped scenario files, sorted; the experiment files are left out."""
    return sorted(f for f in (REPO / "simulations").glob("*.toml")
                  if not f.stem.startswith(("sweep_", "targets_")))


def _column_bytes(values: np.ndarray) -> bytes:
    if values.dtype.kind == "f":
        values = np.where(np.isnan(values), np.nan, values + 0.0)  # one NaN, no -0.0
    if values.dtype.kind in "biuf":
        return np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("<")).tobytes()
    return "\x1f".join(repr(v) for v in values.tolist()).encode()


def tables_digest(tables: Mapping[str, pd.DataFrame]) -> str:
    """SHA-256 of the tables' names, columns, dtypes and values (not their index).

    Equal digests mean equal tables, value for value (NaN equals NaN, -0.0 equals 0.0).
    """
    digest = hashlib.sha256()
    for name in sorted(tables):
        frame = tables[name]
        digest.update(f"table {name} rows {len(frame)}\n".encode())
        for column in frame.columns:
            digest.update(f"column {column} {frame[column].dtype}\n".encode())
            digest.update(_column_bytes(frame[column].to_numpy()))
    return digest.hexdigest()


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) else value


def record(path: Path) -> dict[str, Any]:
    """Run one scenario file on the baseline's terms; its entry of the baseline file."""
    sc = load_scenario(path)
    if sc.preset is None:
        raise SystemExit(f"{path}: the baseline needs a scenario with a preset, not a store")
    last_start = max((int(p.get("start_day", 0)) for p in sc.policies), default=0)
    sc = replace(sc, preset=PRESET, days=max(DAYS, last_start + AFTER_LAST_START),
                 seeds=SEEDS, first_seed=0, estate_table=True)
    tables = run_scenario(sc)
    outcomes = {}
    for seed in range(SEEDS):
        run = {name: t[t["seed"] == seed].reset_index(drop=True) for name, t in tables.items()}
        outcomes[str(seed)] = {k: _json_number(v) for k, v in run_outcomes(run).items()}
    # The scenario column only repeats the name: without it, equal runs hash equal.
    digest = tables_digest({name: t.drop(columns="scenario") for name, t in tables.items()})
    return {"days": sc.days, "tables_sha256": digest, "outcomes": outcomes}


def versions() -> dict[str, str]:
    """Versions of the libraries whose random streams and arithmetic the runs depend on."""
    return {"numpy": np.__version__, "pandas": pd.__version__}


def compute() -> dict[str, Any]:
    """The whole baseline: every shipped scenario, plus the terms it was run on."""
    return {
        "about": f"Seeded baseline of simulations/*.toml; refresh with '{UPDATE}' and "
                 "commit it with a note saying what changed and why.",
        "preset": PRESET,
        "seeds": list(range(SEEDS)),
        "versions": versions(),
        "scenarios": {path.stem: record(path) for path in scenario_files()},
    }


def differences(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """One line per scenario or outcome where ``actual`` differs from ``expected``."""
    lines = []
    want, got = expected["scenarios"], actual["scenarios"]
    for name in sorted(set(want) | set(got)):
        if name not in got:
            lines.append(f"{name}: in the baseline file but no longer a shipped scenario")
            continue
        if name not in want:
            lines.append(f"{name}: a shipped scenario missing from the baseline file")
            continue
        a, b = want[name], got[name]
        if a["days"] != b["days"]:
            lines.append(f"{name}: run for {b['days']} days, the baseline for {a['days']}")
        for seed in sorted(set(a["outcomes"]) | set(b["outcomes"])):
            old, new = a["outcomes"].get(seed, {}), b["outcomes"].get(seed, {})
            for outcome in sorted(set(old) | set(new)):
                was, now = old.get(outcome, "missing"), new.get(outcome, "missing")
                if was != now:
                    lines.append(f"{name}: seed {seed}: {outcome}: baseline {was}, now {now}")
        if a["tables_sha256"] != b["tables_sha256"]:
            lines.append(f"{name}: result tables differ (sha256 {a['tables_sha256'][:12]}… in "
                         f"the baseline, now {b['tables_sha256'][:12]}…)")
    if lines and expected.get("versions") != actual.get("versions"):
        lines.append(f"note: the baseline was written with {expected.get('versions')}, this "
                     f"run uses {actual.get('versions')}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Write the baseline file, or with ``--check`` list how this checkout differs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the baseline file instead of writing it")
    args = parser.parse_args(argv)
    actual = compute()
    if args.check:
        lines = differences(json.loads(FILE.read_text(encoding="utf-8")), actual)
        print("\n".join(lines) or f"{FILE.relative_to(REPO)}: no difference")
        return 1 if lines else 0
    FILE.write_text(json.dumps(actual, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    same = _same_tables(actual["scenarios"])
    print(f"wrote {FILE.relative_to(REPO)}: {len(actual['scenarios'])} scenarios")
    for group in same:
        print(f"note: {', '.join(group)} give identical tables on {PRESET}: the baseline does "
              "not tell them apart")
    return 0


def _same_tables(scenarios: Mapping[str, Any]) -> list[list[str]]:
    by_digest: dict[str, list[str]] = {}
    for name, entry in scenarios.items():
        by_digest.setdefault(entry["tables_sha256"], []).append(name)
    return [names for names in by_digest.values() if len(names) > 1]


if __name__ == "__main__":
    sys.exit(main())
