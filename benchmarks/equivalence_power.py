"""Power of the engine/reference equivalence test (issue 16): per test city, the
agreement of engine and reference (largest z), the z each mutant of the reference reaches
(the mutant suite of tests/test_sim_equivalence.py, then smaller changes it lets
through), and the smallest difference of each
outcome's mean the test detects with 80% power, ``(Z + 0.84) x se``.

Run: .venv/bin/python benchmarks/equivalence_power.py [--seeds 24]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from equivalence import CITIES, OUTCOMES, SEEDS, Z, sample, z_scores
from test_sim_equivalence import MUTANTS

#: Changes of the reference below what the test detects at this size (not in the test).
BELOW = [("stress", "meeting hours 6, not 8", {"meeting_hours": 6.0}),
         ("stress", "arrears visit +1.0 logit, not +1.5", {"pay_visit": 1.0})]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=SEEDS)
    args = parser.parse_args()
    start = time.perf_counter()
    engines = {c: sample(c, False, seeds=args.seeds) for c in CITIES}
    print(f"threshold z {Z}; {args.seeds} seeds per sample\n")
    print("city    agreement: largest z (outcome)")
    for city, engine in engines.items():
        z = z_scores(engine, sample(city, True, seeds=args.seeds))
        worst = max(z, key=lambda k: z[k])
        print(f"{city:7s} {z[worst]:5.2f} ({worst})")
    print("\nmutant (city)                               largest z (outcome)")
    for city, name, changes in MUTANTS + BELOW:
        z = z_scores(engines[city], sample(city, True, changes, seeds=args.seeds))
        worst = max(z, key=lambda k: z[k])
        print(f"{name + ' (' + city + ')':43s} {z[worst]:6.2f} ({worst})")
    print("\nsmallest detectable difference of the mean (80% power), % of the engine's mean")
    print("outcome               " + "".join(f"{c:>9s}" for c in CITIES))
    for k in OUTCOMES:
        cells = []
        for engine in engines.values():
            se = np.sqrt(2 * engine[k].var(ddof=1) / len(engine[k]))
            mean = abs(engine[k].mean())
            cells.append(f"{100 * (Z + 0.84) * se / mean:8.1f}%" if mean > 0 else "       - ")
        print(f"{k:22s}" + "".join(cells))
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
