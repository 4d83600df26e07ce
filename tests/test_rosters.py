from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.cli import app
from redwuye_graph.errors import ValidationError
from redwuye_graph.generate import generate
from redwuye_graph.rosters import read_csv, read_json, write_csv, write_graphml, write_json
from redwuye_graph.store import open_store


def test_csv_round_trip(tiny_city: CityGraph, tmp_path: Path) -> None:
    write_csv(tiny_city, tmp_path)
    assert read_csv(tmp_path) == tiny_city


def test_json_round_trip_keeps_chinese(tiny_city: CityGraph, tmp_path: Path) -> None:
    path = write_json(tiny_city, tmp_path / "city.json")
    assert "社区" in path.read_text(encoding="utf-8")
    assert read_json(path) == tiny_city


def test_graphml_export_reads_back_in_networkx(tiny_city: CityGraph, tmp_path: Path) -> None:
    import networkx as nx

    g = nx.read_graphml(write_graphml(tiny_city, tmp_path / "city.graphml"))
    assert g.number_of_nodes() == len(tiny_city)
    assert {d["label"] for _, d in g.nodes(data=True)} >= {"Estate", "Person"}


def test_excel_bom_is_tolerated(tiny_city: CityGraph, tmp_path: Path) -> None:
    write_csv(tiny_city, tmp_path)
    for path in tmp_path.rglob("*.csv"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert read_csv(tmp_path) == tiny_city


def test_header_problems_name_the_column(tiny_city: CityGraph, tmp_path: Path) -> None:
    write_csv(tiny_city, tmp_path)
    path = tmp_path / "nodes" / "Estate.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("households:int", "households:string", 1)
                    .replace("fee_level:float", "colour", 1), encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        read_csv(tmp_path)
    found = {(p.where, p.row, p.field) for p in err.value.problems}
    assert ("nodes/Estate.csv", 1, "households:string") in found
    assert ("nodes/Estate.csv", 1, "colour") in found


# -- broken rosters, generated -------------------------------------------------------------

def _read(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _write(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


Expected = tuple[str, int | None, str | None]


def _missing_id(root: Path, i: int) -> Expected:
    path = root / "nodes" / "Estate.csv"
    rows = _read(path)
    row = 1 + i % (len(rows) - 1)
    rows[row][0] = ""
    _write(path, rows)
    return "nodes/Estate.csv", row + 1, "id:ID"


def _duplicate_id(root: Path, i: int) -> Expected:
    path = root / "nodes" / "Community.csv"
    rows = _read(path)
    rows.append(list(rows[1 + i % (len(rows) - 1)]))
    _write(path, rows)
    return "nodes/Community.csv", len(rows), "id:ID"


def _unknown_endpoint(root: Path, i: int) -> Expected:
    path = root / "relationships" / "SERVES.csv"
    rows = _read(path)
    row = 1 + i % (len(rows) - 1)
    rows[row][1] = f"NO-SUCH-ESTATE-{i}"
    _write(path, rows)
    return "relationships/SERVES.csv", row + 1, ":END_ID"


def _wrong_kind(root: Path, i: int) -> Expected:
    path = root / "relationships" / "IN_STREET.csv"
    rows = _read(path)
    row = 1 + i % (len(rows) - 1)
    rows[row][1] = _read(root / "nodes" / "District.csv")[1][0]  # community in a district
    _write(path, rows)
    return "relationships/IN_STREET.csv", row + 1, None


def _unknown_role(root: Path, i: int) -> Expected:
    path = root / "relationships" / "MEMBER_OF.csv"
    rows = _read(path)
    row = 1 + i % (len(rows) - 1)
    rows[row][2] = "emperor"
    _write(path, rows)
    return "relationships/MEMBER_OF.csv", row + 1, "role"


def _bad_households(root: Path, i: int) -> Expected:
    path = root / "nodes" / "Estate.csv"
    rows = _read(path)
    row = 1 + (i + 1) % (len(rows) - 1)
    rows[row][2] = "八百"
    _write(path, rows)
    return "nodes/Estate.csv", row + 1, "households:int"


def _bad_encoding(root: Path, i: int) -> Expected:
    path = root / "nodes" / "ResidentUnit.csv"
    lines = path.read_bytes().split(b"\n")
    row = 1 + i % max(1, len(lines) - 2)
    lines[row] = lines[row] + b"\xff\xfe"
    path.write_bytes(b"\n".join(lines))
    return "nodes/ResidentUnit.csv", row + 1, None


MUTATIONS = [_missing_id, _duplicate_id, _unknown_endpoint, _wrong_kind, _unknown_role,
             _bad_households, _bad_encoding]


@pytest.fixture(scope="module")
def clean_roster(tmp_path_factory: pytest.TempPathFactory, tiny_city: CityGraph) -> Path:
    return write_csv(tiny_city, tmp_path_factory.mktemp("clean"))


@pytest.fixture(scope="module")
def loaded_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, CityGraph]:
    """An embedded store file holding another city, closed so the CLI can open it."""
    city = generate("tiny", seed=99)
    uri = f"embedded:{tmp_path_factory.mktemp('store') / 'city.rdb'}"
    with open_store(uri) as store:
        store.load(city)
    return uri, city


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4, unique=True),
       offsets=st.lists(st.integers(0, 1000), min_size=4, max_size=4))
def test_broken_rosters_report_every_problem_and_write_nothing(
        clean_roster: Path, loaded_store: tuple[str, CityGraph], tmp_path: Path,
        chosen: list, offsets: list[int]) -> None:
    root = tmp_path / "broken"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(clean_roster, root)
    expected = [mutate(root, off) for mutate, off in zip(chosen, offsets, strict=False)]
    with pytest.raises(ValidationError) as err:
        read_csv(root)
    found = {(p.where, p.row, p.field) for p in err.value.problems}
    for where, row, field in expected:
        assert (where, row, field) in found, (where, row, field, err.value.problems)
    assert "nothing was written" in str(err.value)

    uri, before = loaded_store
    result = CliRunner().invoke(app, ["load", str(root), "--store", uri])
    assert result.exit_code == 1
    assert all(str(p) in result.output for p in err.value.problems[:200])
    with open_store(uri) as store:
        assert store.read() == before
