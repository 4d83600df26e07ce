from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from redwuye_graph.cli import app
from redwuye_graph.errors import StoreError
from redwuye_graph.generate import generate
from redwuye_graph.rosters import read_csv, read_json, read_roster
from redwuye_graph.store import open_store

runner = CliRunner()


def test_generate_load_stats_export(tmp_path: Path) -> None:
    roster = tmp_path / "roster"
    store = f"embedded:{tmp_path / 'city.rdb'}"
    result = runner.invoke(app, ["generate", "--preset", "tiny", "--graph-seed", "2", "--out",
                                 str(roster)])
    assert result.exit_code == 0, result.output
    assert read_csv(roster) == generate("tiny", seed=2)

    result = runner.invoke(app, ["load", str(roster), "--store", store])
    assert result.exit_code == 0, result.output
    city = generate("tiny", seed=2)
    assert f"loaded {len(city)} nodes" in result.output

    counts = generate("tiny", seed=2).counts()
    result = runner.invoke(app, ["stats", "--store", store, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {(r["kind"], r["name"]): r["count"] for r in rows} == {
        (kind, name): n for kind, table in counts.items() for name, n in table.items()}
    result = runner.invoke(app, ["stats", "--store", store, "--format", "csv"])
    assert result.stdout.splitlines()[0] == "kind,name,count"
    assert len(result.stdout.splitlines()) == 1 + len(rows)
    # the old spelling still works, with a warning
    result = runner.invoke(app, ["stats", "--store", store, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == counts
    assert "--json is deprecated; use --format json" in result.stderr

    out = tmp_path / "back.json"
    result = runner.invoke(app, ["export", "--store", store, "--format", "json", "--out",
                                 str(out)])
    assert result.exit_code == 0, result.output
    assert read_json(out) == generate("tiny", seed=2)


def test_bad_rosters_give_every_problem_and_no_traceback(tmp_path: Path) -> None:
    roster = tmp_path / "roster"
    runner.invoke(app, ["generate", "--preset", "tiny", "--out", str(roster)])
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
    assert result.exit_code == 2  # a usage error, as every option value out of its range
    assert result.output.strip().startswith("error: root stats: Invalid value for '--store': "
                                            "unknown store URI 'sqlite:x.db'; use embedded:")
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


def test_global_options_come_anywhere(tmp_path: Path) -> None:
    missing = f"embedded:{tmp_path / 'typo.rdb'}"
    for args in (["--debug", "stats", "--store", missing], ["stats", "--store", missing,
                                                            "--debug"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1
        assert isinstance(result.exception, StoreError)  # --debug lets it through
    result = runner.invoke(app, ["stats", "--store", missing])
    assert result.exit_code == 1 and not isinstance(result.exception, StoreError)
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"redwuye-graph {metadata.version('redwuye-graph')}")


def test_old_spellings_warn_and_still_work(tmp_path: Path) -> None:
    roster = tmp_path / "roster"
    result = runner.invoke(app, ["generate", "--preset", "tiny", "--seed", "2", "--out",
                                 str(roster)])
    assert result.exit_code == 0, result.output
    assert "generate --seed is deprecated; use --graph-seed" in result.stderr
    assert read_csv(roster) == generate("tiny", seed=2)


def test_help_shows_readable_metavars() -> None:
    for command in (["query"], ["simulate"], ["breaches"], ["neo4j", "start"], []):
        text = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "120"}).stdout
        text = re.sub(r"\[\d+<=x<=\d+\]", "", text)  # the range of a bounded option
        assert "<" not in text and "list[" not in text, text
    text = runner.invoke(app, ["query", "--help"], env={"COLUMNS": "120"}).stdout
    assert "NAME=VALUE" in text and "URI" in text and "table|csv|json" in text
    assert "--install-completion" in runner.invoke(app, ["--help"]).stdout


def test_a_reader_that_stops_early_is_no_error() -> None:
    """``redwuye queries | head -1``: the closed pipe ends the command quietly, status 0."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "redwuye_graph", "queries"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0 and err == "", err


def test_no_help_text_is_eaten_as_markup() -> None:
    """Typer draws help through rich markup: a bare ``[targets]`` would vanish."""
    from rich.text import Text
    from typer.main import get_command

    def walk(command: Any) -> Any:
        yield command
        for sub in getattr(command, "commands", {}).values():
            yield from walk(sub)

    for command in walk(get_command(app)):
        for text in [command.help or "", *(getattr(p, "help", None) or "" for p in
                                          command.params)]:
            assert Text.from_markup(text).plain == text.replace("\\[", "["), text
    export = runner.invoke(app, ["export", "--help"], env={"COLUMNS": "120"}).stdout
    assert "csv|json|graphml" in export and "table|csv|json" not in export


def test_every_data_command_takes_format() -> None:
    for command in ("stats", "coverage", "breaches", "query", "queries", "compare", "show",
                    "simulate", "sensitivity", "calibrate", "discover"):
        text = runner.invoke(app, [command, "--help"], env={"COLUMNS": "120"}).stdout
        assert "--format" in text, command


def test_compare_names_a_folder_that_is_not_a_result(tmp_path: Path) -> None:
    result = runner.invoke(app, ["compare", str(tmp_path / "a"), str(tmp_path / "b")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {tmp_path / 'a'}: no manifest.json")


def test_load_modes_and_every_export_loads_back(tmp_path: Path) -> None:
    roster = tmp_path / "roster"
    store = f"embedded:{tmp_path / 'city.rdb'}"
    runner.invoke(app, ["generate", "--preset", "tiny", "--graph-seed", "3", "--out", str(roster)])
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


def test_an_unknown_id_in_a_parameter_or_filter_is_an_error(tmp_path: Path) -> None:
    store = f"embedded:{tmp_path / 'city.rdb'}"
    city = generate("tiny", seed=4)
    with open_store(store) as db:
        db.load(city)
    community = next(n for n, _, _ in city.nodes("Community"))
    name = city.props(community)["name"]
    result = runner.invoke(app, ["query", "analysis/brokers", "--store", store,
                                 "--param", f"community={name}"])
    assert result.exit_code == 1
    assert f"that is the name of {community}: give its id" in result.output
    result = runner.invoke(app, ["query", "analysis/brokers", "--store", store,
                                 "--param", f"community={community[:-1]}9"])
    assert result.exit_code == 1 and "did you mean C0000" in result.output
    district = next(n for n, _, _ in city.nodes("District"))
    result = runner.invoke(app, ["coverage", "--store", store, "--district",
                                 city.props(district)["name"]])
    assert result.exit_code == 1
    assert f"no District with id {city.props(district)['name']!r}" in result.output
    ok = runner.invoke(app, ["query", "analysis/brokers", "--store", store,
                             "--param", f"community={community}"])
    assert ok.exit_code == 0, ok.output
