"""Fuzz scenario, sweep and targets files at scale (issue 14): N generated TOML files
(default 5,000) through their loaders; counts the outcomes and every mishandled file (a
traceback, a refusal that is not one line naming the file, or an accepted file with a
run setting out of range).

Run: .venv/bin/python benchmarks/fuzz_toml.py [--examples 5000] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from toml_fuzz import TomlFuzzer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    mishandled: Counter[str] = Counter()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        fuzzer = TomlFuzzer(Path(tmp))

        @seed(args.seed)
        @settings(max_examples=args.examples, deadline=None, database=None,
                  phases=["generate"], suppress_health_check=list(HealthCheck))
        @given(data=st.data())
        def one(data: st.DataObject) -> None:
            try:
                fuzzer.run(data)
            except Exception as exc:  # count, show the first few, go on
                key = f"{exc.__class__.__name__}: {str(exc)[:160]}"
                if sum(mishandled.values()) < 3:
                    traceback.print_exc()
                mishandled[key] += 1

        one()
    total = sum(fuzzer.outcomes.values()) + sum(mishandled.values())
    print(f"{total:,} TOML files in {time.perf_counter() - started:.0f} s (seed {args.seed})")
    for outcome, n in sorted(fuzzer.outcomes.items()):
        print(f"  {outcome:<20} {n:>7,}")
    print(f"  {'mishandled':<20} {sum(mishandled.values()):>7,}")
    for key, n in mishandled.most_common(20):
        print(f"    {n:>5}  {key}")
    sys.exit(1 if mishandled else 0)


if __name__ == "__main__":
    main()
