"""Dashboard speed: simulated days per wall-second on the `district` preset (goal: >= 5).

    .venv/bin/python benchmarks/bench_dashboard.py            # both figures (~2 min)
    .venv/bin/python benchmarks/bench_dashboard.py engine     # only the in-process loop

Two figures:

- ``engine``: the page's running loop without the web: step for ``TICK_SECONDS``, then
  build everything a redraw shows (series, both charts, the worst estates), repeated for
  ``SECONDS``;
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


def engine() -> float:
    run = DashboardRun(generate("district", seed=1))
    p = run.model.p
    started = time.perf_counter()
    while time.perf_counter() - started < SECONDS:
        run.advance_for(TICK_SECONDS)
        series = run.series()
        collection_chart(series, run.log)
        resolution_chart(series, p.quick_days, p.window_days, run.log)
        run.worst_estates(10)
    return run.day / (time.perf_counter() - started)


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
        rate = {"engine": engine, "browser": browser}[name]()
        verdict = "meets" if rate >= GOAL else "misses"
        print(f"{name:8s} district preset: {rate:5.1f} simulated days per wall-second over "
              f"{SECONDS:.0f} s ({verdict} the {GOAL:g}/s goal)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
