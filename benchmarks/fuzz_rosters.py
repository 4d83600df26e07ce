"""Fuzz rosters at scale (issue 14): N generated rosters (default 10,000) through
read_roster and a load into an embedded store holding the clean city; counts the
outcomes and every mishandled roster (a traceback, or a store changed by a refused load).

Run: .venv/bin/python benchmarks/fuzz_rosters.py [--examples 10000] [--seed 0]
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
from roster_fuzz import Fuzzer

from redwuye_graph.generate import generate
from redwuye_graph.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    mishandled: Counter[str] = Counter()
    started = time.perf_counter()
    shm = Path("/dev/shm")  # many small files per roster: memory is faster than disk
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as tmp, \
            open_store(f"embedded:{Path(tmp) / 'store.rdb'}") as store:
        fuzzer = Fuzzer(generate("tiny", seed=7), store, Path(tmp))

        @seed(args.seed)
        @settings(max_examples=args.examples, deadline=None, database=None,
                  phases=["generate"], suppress_health_check=list(HealthCheck))
        @given(data=st.data())
        def one(data: st.DataObject) -> None:
            try:
                fuzzer.run(data)
            except Exception as exc:  # count, show the first few, go on
                key = f"{exc.__class__.__name__}: {str(exc)[:120]}"
                if not mishandled:
                    traceback.print_exc()
                mishandled[key] += 1

        one()
    total = sum(fuzzer.outcomes.values()) + sum(mishandled.values())
    print(f"{total:,} rosters in {time.perf_counter() - started:.0f} s (seed {args.seed})")
    for outcome, n in sorted(fuzzer.outcomes.items()):
        print(f"  {outcome:<20} {n:>7,}")
    print(f"  {'mishandled':<20} {sum(mishandled.values()):>7,}")
    for key, n in mishandled.most_common(20):
        print(f"    {n:>5}  {key}")
    sys.exit(1 if mishandled else 0)


if __name__ == "__main__":
    main()
