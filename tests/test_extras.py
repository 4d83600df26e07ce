"""The optional extras: a command whose extra is missing says so in one line; the core
install (pyproject's dependencies, none of the extras) runs the core commands."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from scenario_texts import tiny_scenario
from typer.testing import CliRunner

from redwuye_graph.cli import app
from redwuye_graph.extras import EXTRAS, MissingExtra, require

REPO = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
SWEEP = """[sweep]
name = "tiny_sweep"
scenario = "tiny.toml"
design = "lhs"
samples = 2
days = 20

[params]
pay_intercept = [-1.0, 1.0]
"""


def _message(extra: str, what: str) -> str:
    return f"error: {what} needs the '{extra}' extra: pip install 'redwuye-graph[{extra}]'\n"


def _files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "tiny.toml").write_text(tiny_scenario(days=20), encoding="utf-8")
    (tmp_path / "sweep.toml").write_text(SWEEP, encoding="utf-8")
    return tmp_path / "tiny.toml", tmp_path / "sweep.toml"


@pytest.mark.parametrize(("module", "extra", "what", "args"), [
    ("solara", "dashboard", "redwuye dashboard", ["dashboard", "--preset", "tiny"]),
    ("ipyvuetify", "dashboard", "redwuye dashboard", ["dashboard"]),
    ("jupyterlab", "notebooks", "redwuye lab", ["lab", "--no-browser"]),
    ("ipykernel", "notebooks", "redwuye kernel", ["kernel"]),
    ("ema_workbench", "discovery", "redwuye discover",
     ["discover", "OUT", "--outcome", "collection_12m", "--threshold", "0.9"]),
    ("distributed", "dask", "executor dask", ["simulate", "TINY", "--out", "OUT",
                                              "--executor", "dask"]),
    ("dask", "dask", "executor dask", ["sweep", "SWEEP", "--out", "OUT", "--executor", "dask"]),
])
def test_a_command_whose_extra_is_missing_says_which_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, extra: str, what: str,
        args: list[str]) -> None:
    tiny, sweep = _files(tmp_path)
    out = tmp_path / "out"
    names = {"OUT": str(out), "TINY": str(tiny), "SWEEP": str(sweep)}
    monkeypatch.setitem(sys.modules, module, None)  # what an uninstalled package looks like
    # nothing may start: not JupyterLab, not a server
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: pytest.fail("started a process"))
    result = CliRunner().invoke(app, [names.get(a, a) for a in args])
    assert result.exit_code == 1
    assert result.stderr == _message(extra, what)
    assert result.stdout == ""
    assert not out.exists()  # refused before doing any work


def test_require_names_the_extra_only_when_a_module_is_missing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    require("redwuye kernel", "notebooks", "ipykernel")  # installed: nothing raised
    monkeypatch.setitem(sys.modules, "papermill", None)
    require("redwuye kernel", "notebooks", "ipykernel")  # needs only ipykernel
    with pytest.raises(MissingExtra, match=r"^x needs the 'notebooks' extra: pip install "
                       r"'redwuye-graph\[notebooks\]'$"):
        require("x", "notebooks")


def _closure(requirements: list[str]) -> set[str]:
    """The installed distributions that ``requirements`` bring, theirs included (names
    canonical), following the extras each requirement asks for."""
    seen: dict[str, set[str]] = {}
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen and req.extras <= seen[name]:
            continue
        seen.setdefault(name, set()).update(req.extras)
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            sub = Requirement(text)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e})
                                         for e in {"", *req.extras}):
                todo.append(sub)
    return set(seen)


def _modules(dists: set[str]) -> set[str]:
    """The top-level modules that the installed distributions ``dists`` hold."""
    found = set()
    for name in dists:
        for file in metadata.distribution(name).files or []:
            top = file.parts[0]
            if top != ".." and not top.endswith((".dist-info", ".egg-info", ".pth")):
                # a one-file module: foo.py or foo.cpython-312-x86_64-linux-gnu.so
                found.add(top.split(".")[0] if len(file.parts) == 1 else top)
    return found - {"__pycache__", "bin", "share", "etc", "include"}


@cache
def _extras_only() -> frozenset[str]:
    """Top-level modules that only the extras bring: what a core install lacks."""
    extras = [r for name in EXTRAS for r in PROJECT["optional-dependencies"][name]]
    core = _closure(PROJECT["dependencies"])
    return frozenset(_modules(_closure(extras) - core) - _modules(core))


def test_extras_are_pyprojects_and_make_install_installs_every_one() -> None:
    declared = PROJECT["optional-dependencies"]
    assert set(EXTRAS) == set(declared) - {"dev"}
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    found = re.search(r"^EXTRAS := (\S+)$", makefile, re.MULTILINE)
    assert found is not None and set(found.group(1).split(",")) == set(declared)
    assert "-e '.[$(EXTRAS)]'" in makefile


_CORE_RUN = """
import importlib, json, pkgutil, sys
for name in {blocked!r}:
    sys.modules[name] = None  # as if not installed
import redwuye_graph
from typer.testing import CliRunner
from redwuye_graph.cli import app
failed = {{}}
for info in pkgutil.walk_packages(redwuye_graph.__path__, "redwuye_graph."):
    if info.name.endswith("__main__"):  # python -m redwuye_graph: the command line itself
        continue
    try:
        importlib.import_module(info.name)
    except ImportError as exc:
        failed[info.name] = exc.name
runs = []
for args in {commands!r}:
    result = CliRunner().invoke(app, args)
    runs.append([args[0], result.exit_code, result.output[-2000:]])
print(json.dumps({{"failed": failed, "runs": runs}}))
"""


@pytest.mark.slow
def test_the_core_install_runs_the_core_commands_without_the_extras(tmp_path: Path) -> None:
    for extra, modules in EXTRAS.items():  # each module comes with its own extra ...
        assert set(modules) <= _modules(_closure(PROJECT["optional-dependencies"][extra]))
    blocked = sorted(_extras_only())  # ... and none with the core
    assert {m for modules in EXTRAS.values() for m in modules} <= set(blocked)
    assert {"sklearn", "statsmodels", "IPython"} <= set(blocked)
    tiny, sweep = _files(tmp_path)
    store = f"embedded:{tmp_path / 'city.rdb'}"
    commands = [
        ["generate", "--preset", "tiny", "--out", str(tmp_path / "roster")],
        ["load", str(tmp_path / "roster"), "--store", store],
        ["coverage", "--store", store, "--level", "community"],
        ["breaches", "--store", store],
        ["simulate", str(tiny), "--out", str(tmp_path / "sim")],
        ["sweep", str(sweep), "--out", str(tmp_path / "sweep")],
        ["dashboard"],
    ]
    code = _CORE_RUN.format(blocked=blocked, commands=commands)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=REPO)
    report = json.loads(done.stdout.splitlines()[-1])
    # only the dashboard's Solara page needs an extra to import
    assert report["failed"] == {"redwuye_graph.dashboard.page": "solara"}
    *core, dashboard = report["runs"]
    for name, status, output in core:
        assert status == 0, (name, output)
    assert dashboard[1] == 1
    assert dashboard[2].endswith(_message("dashboard", "redwuye dashboard"))
