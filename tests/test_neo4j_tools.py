"""Neo4j's own tools on the local server: Neo4j Browser (``redwuye neo4j start --browser``)
and cypher-shell (``redwuye neo4j shell``) run library query files as they are.

The server is started by the command line (HTTP on a free port), a tiny city is loaded
over Bolt, and headless Debian chromium (Playwright) opens the printed Browser address,
which connects without authentication; the query file's text, pasted as it is (header
comments included), gives the same rows as the library's runner. Waits are for
conditions (connected, the result shown), never for a fixed time.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from redwuye_graph import generate, neo4j_local
from redwuye_graph.cli import app
from redwuye_graph.queries import get_query, run_query
from redwuye_graph.schema import Label
from redwuye_graph.store import open_store

pytestmark = [pytest.mark.neo4j, pytest.mark.slow, pytest.mark.xdist_group("neo4j")]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]
DEADLINE_MS = 180_000
# A query without parameters: Browser runs a file with a ':param' preamble as several
# statements and shows only their summaries, not the query's rows.
QUERY = "coverage/companies"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """Bolt URI, Browser address and cache of a server started by ``redwuye neo4j start``."""
    cache = neo4j_local.scratch_cache(tmp_path)
    result = CliRunner().invoke(app, ["neo4j", "start", "--bolt-port", "0", "--browser",
                                      "--http-port", "0", "--cache", str(cache)])
    try:
        assert result.exit_code == 0, result.output
        bolt = re.search(r"Neo4j running at (bolt://\S+)", result.stdout)
        browser = re.search(r"Neo4j Browser: (http://\S+)", result.stdout)
        assert bolt and browser, result.stdout
        yield bolt.group(1), browser.group(1), cache
    finally:
        neo4j_local.stop(cache)


def test_browser_runs_a_library_query(served: tuple[str, str, Path]) -> None:
    from playwright.sync_api import expect, sync_playwright

    bolt, address, _ = served
    with open_store(bolt) as db:
        db.load(generate("tiny", seed=5))
        want = run_query(db, QUERY)
    assert len(want) > 0  # tiny seed 5 has such companies: the page must show them
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(address)
        # connected: the main editor's prompt names the database
        expect(page.get_by_text("neo4j$").first).to_be_visible(timeout=DEADLINE_MS)
        page.locator(".monaco-editor").first.click()
        page.keyboard.insert_text(get_query(QUERY).text)
        page.keyboard.press("Control+Enter")
        done = page.get_by_text(re.compile(rf"Started streaming {len(want)} records?"))
        expect(done.first).to_be_visible(timeout=DEADLINE_MS)
        for name in want["name"]:
            expect(page.get_by_text(str(name)).first).to_be_visible()
        browser.close()


def test_browser_draws_a_coverage_graph(served: tuple[str, str, Path], tmp_path: Path) -> None:
    """coverage/graph/estate in Browser: its ':param' lines, then the query on its own,
    drawn as a graph with every node and relationship the runner returns."""
    from playwright.sync_api import expect, sync_playwright

    bolt, address, _ = served
    query = get_query("coverage/graph/estate")
    with open_store(bolt) as db:
        db.load(generate("tiny", seed=5))
        want = run_query(db, query.name)
    nodes = len(set(want["source"]) | set(want["target"]))
    assert len(want) > 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(address)
        expect(page.get_by_text("neo4j$").first).to_be_visible(timeout=DEADLINE_MS)
        editor = page.locator(".monaco-editor").first
        params = [line for line in query.text.splitlines() if line.startswith(":param ")]
        editor.click()
        page.keyboard.insert_text("\n".join(params))
        page.keyboard.press("Control+Enter")
        # each ':param' line is a statement of its own, run in turn: wait for all of them
        expect(page.get_by_role("listitem", name="Status: success")).to_have_count(
            len(params), timeout=DEADLINE_MS)
        editor.click()
        page.keyboard.insert_text(query.statement)
        page.keyboard.press("Control+Enter")
        shown = page.get_by_text(re.compile(
            rf"Displaying {nodes} nodes?, {len(want)} relationships?"))
        expect(shown.first).to_be_visible(timeout=DEADLINE_MS)
        # drawn: one circle per node and one line per relationship in the graph view
        expect(page.locator("svg g.node")).to_have_count(nodes, timeout=DEADLINE_MS)
        expect(page.locator("svg g.relationship")).to_have_count(len(want))
        page.screenshot(path=str(tmp_path / "graph.png"))
        browser.close()


def test_cypher_shell_runs_a_library_file(served: tuple[str, str, Path]) -> None:
    bolt, _, cache = served
    with open_store(bolt) as db:
        db.load(generate("tiny", seed=5))
        want = run_query(db, QUERY)
    redwuye = str(Path(sys.executable).with_name("redwuye"))
    shell = subprocess.run([redwuye, "neo4j", "shell", "--cache", str(cache), "-f",
                            str(get_query(QUERY).path)], capture_output=True, text=True,
                           timeout=600, check=False)
    assert shell.returncode == 0, shell.stderr
    lines = shell.stdout.strip().splitlines()
    assert lines[0] == ", ".join(get_query(QUERY).returns)
    assert [line.split(", ")[0].strip('"') for line in lines[1:]] == want["company"].tolist()


def _shell(cache: Path, *args: str) -> list[list[str]]:
    """cypher-shell's rows (header first), cells unquoted, through ``redwuye neo4j shell``."""
    redwuye = str(Path(sys.executable).with_name("redwuye"))
    shell = subprocess.run([redwuye, "neo4j", "shell", "--cache", str(cache), *args],
                           capture_output=True, text=True, timeout=600, check=False)
    assert shell.returncode == 0, shell.stderr
    return [[cell.strip('"') for cell in line.split(", ")]
            for line in shell.stdout.strip().splitlines()]


def test_cypher_shell_runs_parameterised_library_files(served: tuple[str, str, Path],
                                                       tmp_path: Path) -> None:
    """The ':param' preamble gives cypher-shell the header's defaults (coverage/summary at
    level district); --print-for-shell sets a required parameter (analysis/brokers)."""
    bolt, _, cache = served
    city = generate("tiny", seed=5)
    community = min(n for n, _, _ in city.nodes(Label.COMMUNITY))
    with open_store(bolt) as db:
        db.load(city)
        summary = run_query(db, "coverage/summary")
        brokers = run_query(db, "analysis/brokers", {"community": community})
    assert len(summary) > 0 and len(brokers) > 0
    rows = _shell(cache, "-f", str(get_query("coverage/summary").path))
    assert rows[0] == list(get_query("coverage/summary").returns)
    assert [r[:2] for r in rows[1:]] == summary[["level", "area"]].values.tolist()
    assert {r[0] for r in rows[1:]} == {"district"}
    script = tmp_path / "brokers.cypher"
    result = CliRunner().invoke(app, ["query", "analysis/brokers", "--param",
                                      f"community={community}", "--print-for-shell"])
    assert result.exit_code == 0, result.output
    script.write_text(result.stdout, encoding="utf-8")
    rows = _shell(cache, "-f", str(script))
    assert [r[0] for r in rows[1:]] == brokers["person"].tolist()


def test_shell_without_a_server_says_how_to_start_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["neo4j", "shell", "--cache", str(tmp_path)])
    assert result.exit_code == 1
    assert f"start one with 'redwuye neo4j start --cache {tmp_path}'" in result.stderr
