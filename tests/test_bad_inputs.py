"""Every command against a corpus of bad inputs (``tests/bad_inputs/``): each is refused
with exit status != 0 and one ``error:`` line on stderr naming what and where (file and
key, row or field), with no traceback and nothing written."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from redwuye_graph.cli import app

BAD = Path(__file__).resolve().parent / "bad_inputs"
OK = str(BAD / "ok_tiny.toml")

_TOML = sorted(p.name for p in BAD.glob("scenario_*.toml"))
_SWEEPS = sorted(p.name for p in BAD.glob("sweep_*.toml"))
_TARGETS = sorted(p.name for p in BAD.glob("targets_*.toml"))
_ROSTERS = sorted(p.name for p in BAD.iterdir() if p.name.startswith("roster_"))


def _written(tmp: Path) -> dict[str, Path]:
    """Bad inputs a repository cannot hold well: encodings, a symlink loop, a folder
    where a file belongs."""
    files = {
        "scenario_utf16.toml": '[scenario]\nname = "x"\npreset = "tiny"\n'.encode("utf-16"),
        "scenario_gbk.toml": '[scenario]\nname = "红色物业"\npreset = "tiny"\n'.encode("gbk"),
        "scenario_nul_byte.toml": b'[scenario]\nname = "x"\x00\npreset = "tiny"\n',
    }
    out = {}
    for name, data in files.items():
        (tmp / name).write_bytes(data)
        out[name] = tmp / name
    loop = tmp / "roster_loop"
    (loop / "nodes").mkdir(parents=True)
    os.symlink(loop / "nodes" / "Estate.csv", loop / "nodes" / "Estate.csv")
    out["roster_loop"] = loop
    folder = tmp / "roster_folder"
    (folder / "nodes" / "Estate.csv").mkdir(parents=True)
    out["roster_folder"] = folder
    out["scenario_folder.toml"] = folder
    return out


def _cases() -> list[tuple[str, list[str], str]]:
    """(id, arguments with {bad}/{tmp}/{w:NAME} placeholders, a word the error must name)."""
    cases: list[tuple[str, list[str], str]] = []
    for name in _TOML:
        cases.append((f"simulate-{name}", ["simulate", f"{{bad}}/{name}", "--out", "{tmp}/out"],
                      name))
        cases.append((f"dashboard-{name}", ["show", f"{{bad}}/{name}"], name))
    for name in ("scenario_utf16.toml", "scenario_gbk.toml", "scenario_nul_byte.toml",
                 "scenario_folder.toml"):
        cases.append((f"simulate-{name}", ["simulate", f"{{w:{name}}}", "--out", "{tmp}/out"],
                      "{w}"))
    for name in _SWEEPS:
        cases.append((f"sweep-{name}", ["sweep", f"{{bad}}/{name}", "--out", "{tmp}/out"], name))
        cases.append((f"sensitivity-{name}", ["sensitivity", f"{{bad}}/{name}", "--out",
                                              "{tmp}/out"], name))
    for name in _TARGETS:
        cases.append((f"calibrate-{name}", ["calibrate", "--scenario", OK, "--targets",
                                            f"{{bad}}/{name}", "--out", "{tmp}/out"], name))
    for name in _ROSTERS:
        # a CSV roster's problems name the file inside it
        named = "nodes/Estate.csv" if (BAD / name).is_dir() else name
        cases.append((f"load-{name}", ["load", f"{{bad}}/{name}", "--store",
                                       "embedded:{tmp}/out/x.rdb"], named))
    for name in ("roster_loop", "roster_folder"):
        cases.append((f"load-{name}", ["load", f"{{w:{name}}}", "--store",
                                       "embedded:{tmp}/out/x.rdb"], "Estate.csv"))
    cases += [
        ("generate-graph-seed", ["generate", "--out", "{tmp}/out", "--graph-seed",
                                 str(2**40)], "--graph-seed"),
        ("generate-preset", ["generate", "--out", "{tmp}/out", "--preset", "huge"], "huge"),
        ("simulate-seeds", ["simulate", OK, "--out", "{tmp}/out", "--seeds", str(10**23)],
         "--seeds"),
        ("simulate-workers", ["simulate", OK, "--out", "{tmp}/out", "--workers", "0"],
         "--workers"),
        ("simulate-executor", ["simulate", OK, "--out", "{tmp}/out", "--executor", "cloud"],
         "cloud"),
        ("query-limit", ["query", "coverage/estate", "--store", "embedded:{tmp}/out/x.rdb",
                         "--param", f"limit={10**23}"], "limit"),
        ("query-int-text", ["query", "coverage/estate", "--store", "embedded:{tmp}/out/x.rdb",
                            "--param", "limit=1_000"], "limit"),
        ("query-unknown", ["query", "coverage/nothing", "--store",
                           "embedded:{tmp}/out/x.rdb"], "coverage/nothing"),
        ("stats-no-store", ["stats", "--store", "embedded:{tmp}/out/x.rdb"], "x.rdb"),
        ("coverage-worst", ["coverage", "--store", "embedded:{tmp}/out/x.rdb", "--worst", "0"],
         "--worst"),
        ("export-format", ["export", "--store", "embedded:{tmp}/out/x.rdb", "--format", "pdf",
                           "--out", "{tmp}/out/x.pdf"], "pdf"),
        ("store-uri", ["stats", "--store", "mysql://x"], "mysql://x"),
        ("store-uri-malformed", ["stats", "--store", "bolt://neo4j:hunter2@[::1"], "--store"),
        ("show-not-a-folder", ["show", "{tmp}/out"], "out"),
        ("compare-not-folders", ["compare", "{tmp}/a", "{tmp}/b"], "a"),
        ("discover-not-a-sweep", ["discover", "{tmp}/out", "--outcome", "collection_12m",
                                  "--threshold", "0.9"], "out"),
        ("unknown-command", ["simulatte"], "simulatte"),
        ("channels-format", ["channels", "--format", "xml"], "xml"),
        ("queries-format", ["queries", "--format", "xml"], "xml"),
        ("breaches-no-store", ["breaches", "--store", "embedded:{tmp}/out/x.rdb"], "x.rdb"),
        ("dashboard-preset", ["dashboard", "--preset", "huge"], "huge"),
        ("dashboard-graph-seed", ["dashboard", "--graph-seed", str(10**30)], "--graph-seed"),
        ("calibrate-bad-scenario", ["calibrate", "--scenario",
                                    "{bad}/scenario_days_nan.toml", "--targets",
                                    "{bad}/targets_trials_huge.toml", "--out", "{tmp}/out"],
         "toml"),
        ("compare-permutations", ["compare", "{tmp}/a", "{tmp}/b", "--attribute",
                                  "--permutations", "0"], "--permutations"),
    ]
    return cases


CASES = _cases()


@pytest.mark.parametrize(("args", "word"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_line(tmp_path: Path, args: list[str], word: str) -> None:
    written = _written(tmp_path)
    used: list[str] = []

    def fill(arg: str) -> str:
        for name, path in written.items():
            if f"{{w:{name}}}" in arg:
                used.append(str(path))
                arg = arg.replace(f"{{w:{name}}}", str(path))
        return arg.replace("{bad}", str(BAD)).replace("{tmp}", str(tmp_path))

    argv = [fill(a) for a in args]
    result = CliRunner().invoke(app, argv, prog_name="redwuye")
    err = result.stderr
    assert result.exit_code != 0, (argv, result.output)
    assert isinstance(result.exception, SystemExit), (argv, result.exception)
    assert "Traceback" not in result.output + err, err
    lines = err.strip().splitlines() or [""]
    first = lines[0]
    assert first.startswith("error: ") and not first.startswith("error: unexpected"), err
    # one line, or a count of problems and then one line for each, file, row and field
    shown = lines[1] if first.endswith("problem(s), nothing was written:") else first
    assert len(lines) == 1 or shown is not first, err
    named = used[0] if word == "{w}" else word
    assert named in shown, (named, err)
    assert "\x00" not in err and "\x1b" not in err and "hunter2" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir()), \
        sorted((tmp_path / "out").iterdir())


def _in_run_files(tmp: Path) -> dict[str, Path]:
    """A valid scenario, a sweep and a targets file over it, in ``tmp``."""
    scenario = tmp / "ok_tiny.toml"
    scenario.write_text((BAD / "ok_tiny.toml").read_text(encoding="utf-8"), encoding="utf-8")
    sweep = tmp / "sweep.toml"
    sweep.write_text('[sweep]\nname = "s"\nscenario = "ok_tiny.toml"\ndesign = "grid"\n'
                     'samples = 2\ndays = 40\n\n[params]\nwage = [3000.0, 4000.0]\n',
                     encoding="utf-8")
    targets = tmp / "targets.toml"
    targets.write_text("[calibrate]\ntrials = 2\nseeds = 1\n\n[params]\nwage = [3000.0, 4000.0]"
                       "\n\n[targets.satisfaction_end]\nvalue = 0.6\ntolerance = 0.05\n",
                       encoding="utf-8")
    return {"scenario": scenario, "sweep": sweep, "targets": targets}


@pytest.mark.parametrize("command", ["simulate", "sweep", "calibrate"])
def test_a_run_that_fails_is_one_line_naming_the_file_the_run_and_its_seeds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    from redwuye_graph.sim.model import CityModel

    def broken(self: CityModel) -> None:
        raise ZeroDivisionError("boom\nin the model")

    monkeypatch.setattr(CityModel, "step", broken)
    files = _in_run_files(tmp_path)
    out = str(tmp_path / "out")
    argv = {"simulate": ["simulate", str(files["scenario"]), "--out", out],
            "sweep": ["sweep", str(files["sweep"]), "--out", out],
            "calibrate": ["calibrate", "--scenario", str(files["scenario"]), "--targets",
                          str(files["targets"]), "--out", out]}[command]
    result = CliRunner().invoke(app, argv, prog_name="redwuye")
    err = result.stderr
    assert result.exit_code == 1, (result.output, result.exception)
    assert "Traceback" not in result.output + err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: ") and not last.startswith("error: unexpected"), err
    assert str(files["scenario"]) in last, err
    if command == "sweep":
        assert f"{files['sweep']}: 2 of 2 run(s) of {files['scenario']} failed" in last, err
    assert re.search(r"run( \d+ \(| )graph_seed=0 seed=\d+", last), err
    assert "ZeroDivisionError: boom; in the model" in last, err
    if command == "calibrate":
        assert "trial 0" in last, err
