"""Simulation speed and memory: engine vs reference model, and the `city` preset for a year.

Each measurement runs in its own process so its peak memory (max RSS) is its own.

    .venv/bin/python benchmarks/bench_sim.py            # all figures (~10 min)
    .venv/bin/python benchmarks/bench_sim.py city       # only the city preset, 365 days
    .venv/bin/python benchmarks/bench_sim.py district   # one sweep run: district, 365 days
    .venv/bin/python benchmarks/bench_sim.py city --against HEAD~1
                                    # the same cases at another commit too (its package,
                                    # measured by this script), in turn, and the ratio of
                                    # run times (this checkout ÷ that commit)

Figures: household-steps per second (households × days ÷ wall seconds of ``run``) of the
engine and of the reference at 100 k and 1 M households (the reference runs fewer days:
its speed per household-step does not depend on the horizon), their ratio also in CPU
seconds of ``run`` (which other load on a shared machine moves less); the `city` preset for 365
daily steps (goal ≤ 30 s); the `district` preset for 365 days, one run of the issue-5
sweep (goal ≤ 1.2 s for setup + run + tables); peak memory of each.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from redwuye_graph.generate import PRESETS, generate
from redwuye_graph.sim import CityModel

#: name -> (preset, households wanted, days, reference?)
CASES = {
    "engine_100k": ("district", 100_000, 365, False),
    "reference_100k": ("district", 100_000, 10, True),
    "engine_1m": ("city", 1_000_000, 365, False),
    "reference_1m": ("city", 1_000_000, 3, True),
    "city": ("city", 0, 365, False),
    "district": ("district", 0, 365, False),
}


def measure(case: str) -> dict[str, float]:
    base, households, days, reference = CASES[case]
    spec = PRESETS[base]
    if households:
        scale = households / (spec.estates * spec.mean_households)
        spec = replace(spec, estates=round(spec.estates * scale),
                       communities=max(spec.streets, round(spec.communities * scale)),
                       companies=max(2, round(spec.companies * scale)))
    started = time.perf_counter()
    city = generate(spec, seed=1)
    built = time.perf_counter()
    model = CityModel(city, seed=1, reference=reference)
    ready, cpu = time.perf_counter(), time.process_time()
    model.run(days)
    done, cpu = time.perf_counter(), time.process_time() - cpu
    model.recorder.tables(estates=False)
    tabled = time.perf_counter()
    n = int(model.households.sum())
    return {"households": n, "days": days, "generate_s": built - started,
            "setup_s": ready - built, "run_s": done - ready, "tables_s": tabled - done,
            "household_steps_per_s": n * days / (done - ready), "run_cpu_s": cpu,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _run_case(name: str, checkout: Path | None = None) -> dict[str, float]:
    """One case in a fresh process, measured by this script: of this checkout's package,
    or of ``checkout``'s."""
    env = dict(os.environ)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout)
    out = subprocess.run([sys.executable, __file__, "--one", name], check=True,
                         capture_output=True, text=True, env=env).stdout
    result: dict[str, float] = json.loads(out)
    return result


def _warm(checkout: Path | None = None) -> None:
    """Compile the numba kernels of this checkout or of ``checkout`` into its cache (a
    year of ``district``, whose complaint store compacts: ``tiny``'s does not), so that
    no measured run pays for compiling them."""
    env = dict(os.environ)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout)
    code = ("from redwuye_graph.generate import generate; from redwuye_graph.sim import "
            "CityModel; CityModel(generate('district', seed=1), seed=1).run(365)")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=env)


def against(names: list[str], rev: str) -> None:
    """Run ``names`` here and at commit ``rev`` (a temporary git worktree), alternately,
    after one unmeasured run of each (so neither pays for compiling its kernels: a warm-up
    on a smaller city leaves some of them to compile)."""
    repo = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "other"
        subprocess.run(["git", "-C", str(repo), "worktree", "add", "--detach", str(other), rev],
                       check=True, capture_output=True)
        try:
            for name in names:  # unmeasured: each checkout's kernels compiled and cached
                _run_case(name, other)
                _run_case(name)
            for name in names:
                then = _run_case(name, other)
                now = _run_case(name)
                print(f"{name:15s} run {now['run_s']:7.1f} s here, {then['run_s']:7.1f} s at "
                      f"{rev}: ratio {now['run_s'] / then['run_s']:.2f} (CPU "
                      f"{now['run_cpu_s']:.1f} s vs {then['run_cpu_s']:.1f} s: ratio "
                      f"{now['run_cpu_s'] / then['run_cpu_s']:.2f}; setup "
                      f"{now['setup_s']:.1f} s vs {then['setup_s']:.1f} s)", flush=True)
        finally:
            subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force",
                            str(other)], check=True, capture_output=True)


def main(names: list[str]) -> None:
    results = {}
    _warm()
    for name in names or list(CASES):
        results[name] = _run_case(name)
        r = results[name]
        print(f"{name:15s} {r['households']:>9,} households x {r['days']:>3} days: run "
              f"{r['run_s']:7.1f} s (setup {r['setup_s']:.1f} s, generate "
              f"{r['generate_s']:.1f} s), {r['household_steps_per_s']:>13,.0f} "
              f"household-steps/s, peak {r['peak_rss_mb']:,.0f} MB", flush=True)
    for size in ("100k", "1m"):
        e, r = results.get(f"engine_{size}"), results.get(f"reference_{size}")
        if e and r:
            ratio = e["household_steps_per_s"] / r["household_steps_per_s"]
            cpu = (r["run_cpu_s"] / r["days"]) / (e["run_cpu_s"] / e["days"])
            print(f"engine / reference at {size}: {ratio:,.0f}x (in CPU seconds of the "
                  f"runs: {cpu:,.0f}x)")
    if "city" in results:
        verdict = "meets" if results["city"]["run_s"] <= 30 else "misses"
        print(f"city preset, 365 days: {results['city']['run_s']:.1f} s ({verdict} the 30 s goal)")
    if "district" in results:
        r = results["district"]
        one = r["setup_s"] + r["run_s"] + r["tables_s"]
        verdict = "meets" if one <= 1.2 else "misses"
        print(f"district preset, 365 days: {one:.2f} s per sweep run (setup {r['setup_s']:.2f} "
              f"+ run {r['run_s']:.2f} + tables {r['tables_s']:.2f}; {verdict} the 1.2 s goal; "
              "wall time, so other load on the machine counts)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure(sys.argv[2])))
    elif "--against" in sys.argv:
        at = sys.argv.index("--against")
        against(sys.argv[1:at] + sys.argv[at + 2:] or ["city"], sys.argv[at + 1])
    else:
        main(sys.argv[1:])
