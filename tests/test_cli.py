from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from redwuye_graph.cli import app
from redwuye_graph.generate import generate
from redwuye_graph.rosters import read_csv, read_json, read_roster

runner = CliRunner()


def test_generate_load_stats_export(tmp_path: Path) -> None:
    roster = tmp_path / "roster"
    store = f"embedded:{tmp_path / 'city.rdb'}"
    result = runner.invoke(app, ["generate", "--preset", "tiny", "--seed", "2", "--out",
                                 str(roster)])
    assert result.exit_code == 0, result.output
    assert read_csv(roster) == generate("tiny", seed=2)

    result = runner.invoke(app, ["load", str(roster), "--store", store])
    assert result.exit_code == 0, result.output
    city = generate("tiny", seed=2)
    assert f"loaded {len(city)} nodes" in result.output

    result = runner.invoke(app, ["stats", "--store", store, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == generate("tiny", seed=2).counts()

    out = tmp_path / "back.json"
    result = runner.invoke(app, ["export", "--store", store, "--format", "json", "--out",
                                 str(out)])
    assert result.exit_code == 0, result.output
    assert read_json(out) == generate("tiny", seed=2)


def test_bad_rosters_give_every_problem_and_no_traceback(tmp_path: Path) -> None:
    roster = tmp_path / "roster"
    runner.invoke(app, ["generate", "--out", str(roster)])
    estates = roster / "nodes" / "Estate.csv"
    lines = estates.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(lines[2].split(",")[2], "many", 1)
    lines[3] = "," + lines[3].split(",", 1)[1]
    estates.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = f"embedded:{tmp_path / 'city.rdb'}"
    result = runner.invoke(app, ["load", str(roster), "--store", store])
    assert result.exit_code == 1
    assert ("nodes/Estate.csv, row 3, field 'households:int': 'many' is not a whole number"
            in result.output)
    assert "nodes/Estate.csv, row 4, field 'id:ID': missing id" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "city.rdb").exists()  # not even an empty store was made


def test_unknown_store_uri_and_format_are_one_line_errors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats", "--store", "sqlite:x.db"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: unknown store URI 'sqlite:x.db'; use embedded:")
    result = runner.invoke(app, ["export", "--format", "xml", "--out", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "unknown format 'xml'; choose one of csv, json, graphml" in result.output


def test_every_command_has_help_with_an_example() -> None:
    for command in ["generate", "load", "export", "stats"]:
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "Example: redwuye" in result.output


def test_reading_a_missing_embedded_store_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "typo.rdb"
    result = runner.invoke(app, ["stats", "--store", f"embedded:{missing}"])
    assert result.exit_code == 1
    assert f"error: no store at {missing}; create one with 'redwuye load" in result.output
    assert not missing.exists()


def test_load_modes_and_every_export_loads_back(tmp_path: Path) -> None:
    roster = tmp_path / "roster"
    store = f"embedded:{tmp_path / 'city.rdb'}"
    runner.invoke(app, ["generate", "--preset", "tiny", "--seed", "3", "--out", str(roster)])
    assert runner.invoke(app, ["load", str(roster), "--store", store]).exit_code == 0
    estates = roster / "nodes" / "Estate.csv"
    lines = estates.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")
    first[2] = str(int(first[2]) + 1)
    lines[1] = ",".join(first)
    estates.write_text("\n".join(lines) + "\n", encoding="utf-8")

    refused = runner.invoke(app, ["load", str(roster), "--store", store])
    assert refused.exit_code == 1
    assert f"{first[0]}: households" in refused.output and "--replace" in refused.output
    both = runner.invoke(app, ["load", str(roster), "--store", store, "--replace", "--merge"])
    assert both.exit_code == 1 and "not both" in both.output
    replaced = runner.invoke(app, ["load", str(roster), "--store", store, "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert "replacing what it held" in replaced.output
    expected = read_roster(roster)
    for fmt, name in (("csv", "back"), ("json", "back.json"), ("graphml", "back.graphml")):
        out = tmp_path / name
        result = runner.invoke(app, ["export", "--store", store, "--format", fmt,
                                     "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert read_roster(out) == expected, fmt
        again = runner.invoke(app, ["load", str(out), "--store", store])
        assert again.exit_code == 0, (fmt, again.output)
