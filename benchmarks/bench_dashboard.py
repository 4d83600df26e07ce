"""Dashboard speed: simulated days per wall-second on the `district` preset (goal: >= 5).

    .venv/bin/python benchmarks/bench_dashboard.py            # both figures (~2 min)
    .venv/bin/python benchmarks/bench_dashboard.py engine     # only the in-process loop
    .venv/bin/python benchmarks/bench_dashboard.py late       # day 100 vs day 3,000 (~3 min)

Two figures:

- ``engine``: the page's running loop without the web: step for ``TICK_SECONDS``, then
  build everything a redraw shows (series, both charts, the worst estates), repeated for
  ``SECONDS``;
- ``late``: the same loop's days per second around day 100 and around day 3,000 and
  their ratio (goal: >= 0.8, a step's cost independent of the day);
- ``browser``: the served page in headless Chromium (Debian's ``/usr/bin/chromium``,
  ``make browser``): click Start, read the day shown at two times ``SECONDS`` apart.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from redwuye_graph.dashboard import DashboardRun
from redwuye_graph.dashboard.page import (
    TICK_SECONDS,
    collection_chart,
    resolution_chart,
)
from redwuye_graph.dashboard.serve import served
from redwuye_graph.generate import generate

SECONDS = 30.0
GOAL = 5.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


LATE_GOAL = 0.8


#: Simulated days each ``late`` figure spans (from day 100, from day 3,000).
LATE_SPAN = 400


def _redraws(run: DashboardRun, seconds: float, days: int | None = None) -> float:
    """Days per wall-second of the page's loop (step for a tick, then redraw) over
    ``seconds``, or until ``days`` more days are simulated."""
    p = run.model.p
    first, started = run.day, time.perf_counter()
    stop = 3650 if days is None else first + days
    while run.day < stop and (days is not None or time.perf_counter() - started < seconds):
        run.advance_for(TICK_SECONDS, limit=stop)
        series = run.series()
        collection_chart(series, run.log)
        resolution_chart(series, p.quick_days, p.window_days, run.log)
        run.worst_estates(10)
    return (run.day - first) / (time.perf_counter() - started)


def engine() -> float:
    return _redraws(DashboardRun(generate("district", seed=1)), SECONDS)


def late() -> float:
    """Days per second of the loop over LATE_SPAN days from day 100 and from day 3,000
    (reached by the page's steps, without redraws); the ratio of the two."""
    run = DashboardRun(generate("district", seed=1))
    rates = []
    for day in (100, 3000):
        while run.day < day:  # the page's 5-day steps: the records grow as there
            run.advance(min(5, day - run.day))
        rates.append(_redraws(run, 0.0, LATE_SPAN))
    print(f"late     district preset: {rates[0]:5.1f} days/s over days 100-{100 + LATE_SPAN}, "
          f"{rates[1]:5.1f} over days 3,000-{3000 + LATE_SPAN:,}", flush=True)
    return rates[1] / rates[0]


def browser() -> float:
    from playwright.sync_api import sync_playwright

    with served("district") as url:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = chromium.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            page.goto(url)
            day = page.locator(".rw-day")
            day.wait_for()
            page.locator(".rw-start").click()
            page.wait_for_function(
                "() => +document.querySelector('.rw-day').innerText.split(' ')[1] > 0")
            first, t0 = int(day.inner_text().split()[1]), time.perf_counter()
            page.wait_for_timeout(SECONDS * 1000)
            last, t1 = int(day.inner_text().split()[1]), time.perf_counter()
            chromium.close()
        return (last - first) / (t1 - t0)


def main(names: list[str]) -> None:
    for name in names or ["engine", "browser"]:
        if name == "browser" and not Path(CHROMIUM).exists():
            print("browser: skipped, no /usr/bin/chromium (make browser)")
            continue
        if name == "late":
            ratio = late()
            verdict = "meets" if ratio >= LATE_GOAL else "misses"
            print(f"late     ratio day 3,000 / day 100: {ratio:.2f} ({verdict} the "
                  f"{LATE_GOAL:g} goal)", flush=True)
            continue
        rate = {"engine": engine, "browser": browser}[name]()
        verdict = "meets" if rate >= GOAL else "misses"
        print(f"{name:8s} district preset: {rate:5.1f} simulated days per wall-second over "
              f"{SECONDS:.0f} s ({verdict} the {GOAL:g}/s goal)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
