"""``redwuye lab`` (``make lab``): JupyterLab runs notebook 01 in the ``redwuye`` kernel.

The notebook is parameterised for ``tiny`` by papermill's own injection and opened from a
folder outside the repository (its data still comes from the repository). Headless
Debian chromium, driven by Playwright, runs every cell through Lab's own command and waits
for conditions (the server answers, every cell has run), never for a fixed time.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from redwuye_graph.lab import KERNEL, lab_command

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]
DEADLINE_S = 240


#: Every code cell's execution count and outputs (type, error name, mime types), or null
#: while a cell has not run yet and no cell failed.
_CELLS_JS = """() => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  if (!w || !w.content || !w.content.model) return null;
  const cells = [], model = w.content.model;
  for (let i = 0; i < model.cells.length; i++) {
    const c = model.cells.get(i);
    if (c.type !== 'code') continue;
    cells.push({n: c.executionCount, outputs: c.outputs.toJSON().map(o => ({
      type: o.output_type, ename: o.ename || '', mime: Object.keys(o.data || {})}))});
  }
  const failed = cells.some(c => c.outputs.some(o => o.type === 'error'));
  return failed || cells.every(c => c.n !== null) ? cells : null;
}"""


def test_lab_command_opens_the_repo_and_allows_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    cmd = lab_command(port=8899, browser=False, extra=["--ServerApp.ip=127.0.0.1"])
    assert cmd[1:3] == ["-m", "jupyterlab"] and f"--ServerApp.root_dir={REPO}" in cmd
    assert cmd[-4:] == ["--port=8899", "--no-browser", "--allow-root",
                        "--ServerApp.ip=127.0.0.1"]
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert "--allow-root" not in lab_command()


def test_notebooks_name_the_redwuye_kernel() -> None:
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        spec = json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
        assert spec["name"] == KERNEL, path.name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def lab(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """JupyterLab from ``redwuye lab`` on a folder holding notebook 01 set for tiny."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(REPO / "notebooks" / "01_coverage_tour.ipynb"))
    nb = parameterize_notebook(nb, {"PRESET": "tiny", "SMALL_MULTIPLES": 4,
                                    "STORE": f"embedded:{tmp_path / 'tour.rdb'}"})
    nbformat.write(nb, tmp_path / "01_coverage_tour.ipynb")
    token, port = secrets.token_hex(16), _free_port()
    redwuye = str(Path(sys.executable).with_name("redwuye"))
    command = [redwuye, "lab", "--root", str(tmp_path), "--http-port", str(port),
               "--no-browser", f"--IdentityProvider.token={token}",
               "--LabApp.expose_app_in_browser=True", "--ServerApp.ip=127.0.0.1"]
    log = (tmp_path / "lab.log").open("w")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + DEADLINE_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"redwuye lab exited {server.returncode}:\n"
                            + (tmp_path / "lab.log").read_text()[-3000:])
            try:
                request = urllib.request.Request(f"{url}/api/status",
                                                 headers={"Authorization": f"token {token}"})
                with urllib.request.urlopen(request, timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not answer:\n"
                                + (tmp_path / "lab.log").read_text()[-3000:])
                time.sleep(0.5)  # polling interval, not a wait for readiness
        yield url, token
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.mark.slow
@pytest.mark.xdist_group("lab")
def test_lab_runs_notebook_01_and_shows_its_chart(lab: tuple[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, token = lab
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/lab/tree/01_coverage_tour.ipynb?token={token}")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell."
                               "currentWidget && window.jupyterapp.shell.currentWidget."
                               "sessionContext && window.jupyterapp.shell.currentWidget."
                               "sessionContext.session && window.jupyterapp.shell."
                               "currentWidget.sessionContext.session.kernel",
                               timeout=DEADLINE_S * 1000)
        kernel = page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext"
                               ".session.kernel.name")
        assert kernel == KERNEL
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        cells: list[dict[str, Any]] = page.wait_for_function(
            _CELLS_JS, timeout=DEADLINE_S * 1000).json_value()
        errors = [o["ename"] for c in cells for o in c["outputs"] if o["type"] == "error"]
        assert not errors, errors
        images = [c for c in cells for o in c["outputs"] if "image/png" in o["mime"]]
        assert len(images) >= 3, "the bar chart, the small multiples, the neighbourhood"
        chart = page.locator(".jp-OutputArea-output img").first
        chart.scroll_into_view_if_needed()
        expect(chart).to_be_visible()
        assert chart.evaluate("img => img.naturalWidth") > 400
        browser.close()
