"""One declared range for every number and text of scenario, sweep and targets files and
of the command-line options: refused with the file and the key, never an OverflowError,
a MemoryError or a run that goes on and on."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from redwuye_graph.cli import app
from redwuye_graph.experiments.calibrate import load_targets
from redwuye_graph.experiments.sweep import SweepError, load_sweep
from redwuye_graph.sim.params import SETTINGS, settings_table
from redwuye_graph.sim.scenario import ScenarioError, load_scenario

REPO = Path(__file__).resolve().parents[1]

SCENARIO = """[scenario]
name = "tiny"
preset = "tiny"
days = 45
seeds = 1

[params]
wage = 3500.0

[[policy]]
kind = "cross_appointment"
start_day = 10
"""

SWEEP = """[sweep]
name = "tiny_sweep"
scenario = "tiny.toml"
samples = 3
design_seed = 4
days = 45

[params]
pay_intercept = [-1.0, 1.0]
response_days = [0, 6]
"""

TARGETS = """[calibrate]
trials = 4
seeds = 1
sampler_seed = 1
days = 45

[params]
pay_intercept = [-1.0, 1.0]

[targets.collection_12m]
value = 0.6
tolerance = 0.05
"""

BIG = str(10**20)  # beyond int64

SCENARIO_CASES = [
    ("days = 45", "days = 1000000", "scenario.days", "outside [1, 3650]"),
    ("days = 45", "days = 1000000000", "scenario.days", "outside [1, 3650]"),
    ("days = 45", f"days = {BIG}", "scenario.days", "outside [1, 3650]"),
    ("days = 45", "days = nan", "scenario.days", "not a finite number"),
    ("days = 45", "days = inf", "scenario.days", "not a finite number"),
    ("seeds = 1", "seeds = 1e400", "scenario.seeds", "not a finite number"),
    ("seeds = 1", "seeds = 100000", "scenario.seeds", "outside [1, 1000]"),
    ('name = "tiny"', 'name = "ti\\u0000ny"', "scenario.name", "control character U+0000"),
    ('name = "tiny"', 'name = "ti\\u001b[2Jny"', "scenario.name", "control character U+001B"),
    ('name = "tiny"', f'name = "{"x" * 201}"', "scenario.name", "at most 200"),
    ('preset = "tiny"', 'preset = ["tiny"]', "scenario.preset", "non-empty string"),
    ('kind = "cross_appointment"', 'kind = ["cross_appointment"]', "policy[0].kind",
     "unknown policy"),
    ('kind = "cross_appointment"', 'kind = {a = 1}', "policy[0].kind", "unknown policy"),
    ("start_day = 10", "start_day = inf", "start_day", "not a finite number"),
    ("start_day = 10", f"start_day = {BIG}", "start_day", "outside"),
    ("wage = 3500.0", "wage = nan", "params.wage", "not a finite number"),
    ("wage = 3500.0", "wage = 1e400", "params.wage", "not a finite number"),
    ("wage = 3500.0", f"wage = {10**400}", "params.wage", "a number of 401 digits"),
]


@pytest.mark.parametrize(("line", "bad", "key", "words"), SCENARIO_CASES)
def test_scenario_values_out_of_range_name_file_and_key(tmp_path: Path, line: str, bad: str,
                                                        key: str, words: str) -> None:
    path = tmp_path / "tiny.toml"
    assert line in SCENARIO
    path.write_text(SCENARIO.replace(line, bad), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and key in message and words in message, message
    assert "\n" not in message and "\x00" not in message and "\x1b" not in message


SWEEP_CASES = [
    ("days = 45", "days = 1000000", "sweep.days", "outside [1, 3650]"),
    ("days = 45", "days = 1000000000", "sweep.days", "outside [1, 3650]"),
    ("days = 45", "days = nan", "sweep.days", "must be a whole number"),
    ("days = 45", "days = inf", "sweep.days", "must be a whole number"),
    ("design_seed = 4", f"design_seed = {2**40}", "sweep.design_seed",
     "outside [0, 4294967295]"),
    ("samples = 3", "samples = 1000000000", "sweep.samples", "outside [1, 100000]"),
    ("samples = 3", f"samples = {BIG}", "sweep.samples", "outside [1, 100000]"),
    ('name = "tiny_sweep"', 'name = "a\\u0000b"', "sweep.name", "control character"),
    ("pay_intercept = [-1.0, 1.0]", "pay_intercept = [-inf, 1.0]", "params.pay_intercept",
     "finite"),
    ("pay_intercept = [-1.0, 1.0]", "pay_intercept = [-1e400, nan]", "params.pay_intercept",
     "finite"),
    ("response_days = [0, 6]", "response_days = [0, inf]", "params.response_days", "finite"),
    ("response_days = [0, 6]", f"response_days = [0, {BIG}]", "params.response_days",
     "outside the allowed [0, 30]"),
]


@pytest.mark.parametrize(("line", "bad", "key", "words"), SWEEP_CASES)
def test_sweep_values_out_of_range_name_file_and_key(tmp_path: Path, line: str, bad: str,
                                                     key: str, words: str) -> None:
    (tmp_path / "tiny.toml").write_text(SCENARIO, encoding="utf-8")
    path = tmp_path / "sweep.toml"
    assert line in SWEEP
    path.write_text(SWEEP.replace(line, bad), encoding="utf-8")
    with pytest.raises(SweepError) as err:
        load_sweep(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and key in message and words in message, message


TARGET_CASES = [
    ("trials = 4", "trials = 1000000000", "calibrate.trials", "outside [1, 10000]"),
    ("sampler_seed = 1", f"sampler_seed = {2**40}", "calibrate.sampler_seed", "outside"),
    ("days = 45", "days = 1000000", "calibrate.days", "outside [1, 3650]"),
    ("days = 45", "days = nan", "calibrate.days", "must be a whole number"),
    ("pay_intercept = [-1.0, 1.0]", "pay_intercept = [0, inf]", "params.pay_intercept",
     "finite"),
]


@pytest.mark.parametrize(("line", "bad", "key", "words"), TARGET_CASES)
def test_targets_values_out_of_range_name_file_and_key(tmp_path: Path, line: str, bad: str,
                                                       key: str, words: str) -> None:
    path = tmp_path / "targets.toml"
    assert line in TARGETS
    path.write_text(TARGETS.replace(line, bad), encoding="utf-8")
    with pytest.raises(SweepError) as err:
        load_targets(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and key in message and words in message, message


@pytest.mark.parametrize("args", [
    ["simulate", "simulations/baseline.toml", "--out", "OUT", "--seeds", str(10**23)],
    ["simulate", "simulations/baseline.toml", "--out", "OUT", "--graph-seeds", "1000"],
    ["simulate", "simulations/baseline.toml", "--out", "OUT", "--workers", "0"],
    ["generate", "--preset", "tiny", "--out", "OUT", "--graph-seed", str(2**40)],
    ["sweep", "simulations/sweep_collection.toml", "--out", "OUT", "--workers", str(10**30)],
])
def test_cli_options_out_of_range_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               args: list[str]) -> None:
    monkeypatch.chdir(REPO)
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    result = CliRunner().invoke(app, args, prog_name="redwuye")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: redwuye ") and "Invalid value for '--" in lines[0]
    assert not (tmp_path / "out").exists()


def test_every_setting_has_a_finite_range_and_the_doc_shows_them() -> None:
    assert all(p.integer and p.low <= p.default <= p.high < 2**63 for p in SETTINGS.values())
    doc = (REPO / "docs" / "experiments.md").read_text(encoding="utf-8")
    shown = doc.split("<!-- settings: generated -->\n", 1)[1].split("\n<!-- /settings -->", 1)[0]
    assert shown == settings_table()
