"""Bad roster values are refused at the border with file, row and field (issue 14.1)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.cli import app
from redwuye_graph.errors import ValidationError
from redwuye_graph.rosters import read_json, read_roster, write_csv, write_json
from redwuye_graph.store import open_store


def _table(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _save(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _set_cell(root: Path, file: str, column: str, value: str, row: int = 1) -> tuple[str, int, str]:
    path = root / file
    rows = _table(path)
    col = rows[0].index(column)
    rows[row][col] = value
    _save(path, rows)
    return file, row + 1, column


@pytest.fixture
def roster(tiny_city: CityGraph, tmp_path: Path) -> Path:
    return write_csv(tiny_city, tmp_path / "roster")


CELLS = [
    ("nodes/Estate.csv", "households:int", "100000000000000000000", "64-bit"),
    ("nodes/Estate.csv", "households:int", "100001", "above the maximum 100,000"),
    ("nodes/Estate.csv", "households:int", "-3", "below the minimum 0"),
    ("nodes/Estate.csv", "households:int", "1_000", "not a whole number"),
    ("nodes/Estate.csv", "households:int", "１２３", "not a whole number"),
    ("nodes/Estate.csv", "households:int", "12.0", "not a whole number"),
    ("nodes/Estate.csv", "fee_level:float", "nan", "not a number"),
    ("nodes/Estate.csv", "fee_level:float", "inf", "not a number"),
    ("nodes/Estate.csv", "fee_level:float", "1e400", "too large"),
    ("nodes/Estate.csv", "fee_level:float", "101", "above the maximum 100"),
    ("nodes/Estate.csv", "old:boolean", "yes", "'yes' is not true or false"),
    ("nodes/Estate.csv", "name", "绿云\x00小区", "control character U+0000"),
    ("nodes/Estate.csv", "name", "x" * 1001, "at most 1,000"),
    ("nodes/Estate.csv", "id:ID", " E1 ", "spaces around it"),
    ("nodes/Estate.csv", "id:ID", "E\x1b[31m", "control character U+001B"),
    ("nodes/PropertyCompany.csv", "star_rating:int", "99", "above the maximum 5"),
    ("nodes/PropertyCompany.csv", "credit_grade", "未评级", "not one of A, AA, AAA, B, C"),
    ("nodes/PropertyCompany.csv", "party_members_on_staff:int", "999999",
     "more than staff"),
    ("relationships/CO_BUILDS_WITH.csv", "resource_hours:int", "-1", "below the minimum 0"),
    ("relationships/CO_BUILDS_WITH.csv", "resource_hours:int", "10**23", "not a whole number"),
]


@pytest.mark.parametrize(("file", "column", "value", "message"), CELLS)
def test_bad_cells_are_refused_with_file_row_and_field(
        roster: Path, file: str, column: str, value: str, message: str) -> None:
    where, row, field = _set_cell(roster, file, column, value)
    with pytest.raises(ValidationError) as err:
        read_roster(roster)
    located = [p for p in err.value.problems if (p.where, p.row) == (where, row)]
    assert located, err.value.problems
    assert any(message in p.message and p.field in (field, field.split(":")[0], None)
               for p in located), located
    assert "<" not in str(err.value)  # no Python reprs such as <CreditGrade.A: 'A'>


def test_structure_problems_are_clear(roster: Path) -> None:
    path = roster / "nodes" / "Estate.csv"
    rows = _table(path)
    _save(path, [rows[0] + ["name"], *([*r, "again"] for r in rows[1:])])
    with pytest.raises(ValidationError, match="column appears twice"):
        read_roster(roster)
    _save(path, [rows[0], [*rows[1][:1], "x" * 200000, *rows[1][2:]], *rows[2:]])
    with pytest.raises(ValidationError, match="longer than 131,072 characters") as err:
        read_roster(roster)
    assert err.value.problems[0].row is not None


def test_a_folder_or_link_loop_where_a_file_belongs(roster: Path, tmp_path: Path) -> None:
    (roster / "nodes" / "Estate.csv").unlink()
    (roster / "nodes" / "Estate.csv").mkdir()
    with pytest.raises(ValidationError, match=r"nodes/Estate\.csv: is a folder"):
        read_roster(roster)
    (roster / "nodes" / "Estate.csv").rmdir()
    os.symlink("Estate.csv", roster / "nodes" / "Estate.csv")
    with pytest.raises(ValidationError, match=r"nodes/Estate\.csv: cannot be read"):
        read_roster(roster)
    loop = tmp_path / "loop.json"
    os.symlink(loop, loop)
    with pytest.raises(ValidationError, match="broken or looping link"):
        read_roster(loop)
    with pytest.raises(ValidationError, match="does not exist"):
        read_roster(tmp_path / "nothing")


BAD_JSON: list[tuple[str, str]] = [
    ("null", "not null"),
    ("[]", "not a list"),
    ('{"format": "redwuye-graph/1", "nodes": {"a": 1}}', "must be a list of records"),
    ('{"format": "redwuye-graph/1", "nodes": ["E1", "E2"]}', "a node is an object, not text"),
    ('{"format": "redwuye-graph/1", "nodes": [{"label": ["Estate"], "id": "E1"}]}',
     "unknown label ['Estate']"),
    ('{"format": "redwuye-graph/1", "nodes": [{"label": "District", "id": "", "name": "a"}]}',
     "missing id"),
    ('{"format": "redwuye-graph/1", "nodes": [{"label": "District", "id": "D", "name": 5}]}',
     "5 is not text"),
    ('{"format": "redwuye-graph/1", "nodes": [{"label": "District", "id": "D", "name": "a",'
     ' "x": 1}]}', "unknown property"),
    ('{"format": "redwuye-graph/1", "nodes": [], "relationships": [{"type": "IN_DISTRICT",'
     ' "start": ["S"], "end": "D"}]}', "is not an id"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"format": "redwuye-graph/1", "nodes": [', "not a JSON roster"),
]


@pytest.mark.parametrize(("text", "message"), BAD_JSON)
def test_malformed_json_rosters_are_clear_errors(tmp_path: Path, text: str, message: str
                                                 ) -> None:
    path = tmp_path / "roster.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        read_json(path)
    assert any(message in str(p) for p in err.value.problems), err.value.problems


def _json_with(city: CityGraph, path: Path, change: Callable[[dict], None]) -> Path:
    write_json(city, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _estate(doc: dict) -> dict:
    return next(n for n in doc["nodes"] if n["label"] == "Estate")


JSON_VALUES: list[tuple[Callable[[dict], None], str]] = [
    (lambda d: _estate(d).update(households=10**20), "64-bit"),
    (lambda d: _estate(d).update(households=True), "true is not a whole number"),
    (lambda d: _estate(d).update(fee_level=float("nan")), "not a finite number"),
    (lambda d: _estate(d).update(fee_level=float("inf")), "not a finite number"),
    (lambda d: _estate(d).update(name="a\x00b"), "control character U+0000"),
    (lambda d: _estate(d).update(name=["a"]), "list is not text"),
]


@pytest.mark.parametrize(("change", "message"), JSON_VALUES)
def test_json_values_are_bounded(tiny_city: CityGraph, tmp_path: Path,
                                 change: Callable[[dict], None], message: str) -> None:
    path = _json_with(tiny_city, tmp_path / "city.json", change)
    with pytest.raises(ValidationError) as err:
        read_json(path)
    assert any(message in p.message and "nodes[" in p.where for p in err.value.problems), \
        err.value.problems


def test_refused_values_leave_the_store_as_it_was(tiny_city: CityGraph, tmp_path: Path,
                                                  roster: Path) -> None:
    uri = f"embedded:{tmp_path / 'city.rdb'}"
    with open_store(uri) as store:
        store.load(tiny_city)
    _set_cell(roster, "nodes/Estate.csv", "households:int", "100000000000000000000")
    result = CliRunner().invoke(app, ["load", str(roster), "--store", uri, "--replace"])
    assert result.exit_code == 1
    assert "nodes/Estate.csv, row 2, field 'households:int'" in result.output
    assert "Traceback" not in result.output
    with open_store(uri) as store:
        assert store.read() == tiny_city


# -- errors a person can act on (issue 13.7) ---------------------------------------------

def _problems(root: Path) -> list[str]:
    with pytest.raises(ValidationError) as err:
        read_roster(root)
    return [str(p) for p in err.value.problems]


def test_a_rejected_node_file_does_not_cascade(roster: Path) -> None:
    path = roster / "nodes" / "Estate.csv"
    rows = _table(path)
    rows[0][rows[0].index("households:int")] = "households:integer"
    _save(path, rows)
    assert _problems(roster) == [
        "nodes/Estate.csv, row 1, field 'households:integer': column type must be "
        "households:int"]
    path.write_bytes(path.read_bytes().replace(b"households:integer", b"households:int")
                     + b"\xff\n")
    found = _problems(roster)
    assert len(found) == 1 and "not valid UTF-8" in found[0]


def test_a_rejected_relationship_file_or_row_does_not_cascade(roster: Path) -> None:
    path = roster / "relationships" / "SERVES.csv"
    rows = _table(path)
    _save(path, [[*rows[0][:2], "since", rows[0][2]], *([*r[:2], "", r[2]] for r in rows[1:])])
    found = _problems(roster)
    assert len(found) == 1, found
    assert "unknown column; allowed: :START_ID, :END_ID, :TYPE" in found[0]
    _save(path, [rows[0], [rows[1][0], "E-NOPE", rows[1][2]], *rows[2:]])
    found = _problems(roster)
    assert len(found) == 1 and "unknown node 'E-NOPE'" in found[0], found  # no "has no SERVES"


def test_wrong_kinds_say_what_is_allowed_and_names_point_to_ids(roster: Path) -> None:
    path = roster / "relationships" / "SERVES.csv"
    rows = _table(path)
    unit = _table(roster / "nodes" / "ResidentUnit.csv")[1][0]
    estate_row = _table(roster / "nodes" / "Estate.csv")[1]
    _save(path, [rows[0], [rows[1][0], unit, rows[1][2]],
                 [rows[2][0], estate_row[1], rows[2][2]], *rows[3:]])
    found = "\n".join(_problems(roster))
    assert f"to ResidentUnit {unit}; it joins Project → Estate" in found
    assert f"that is the name of {estate_row[0]} - use the id, not the name" in found


def test_an_affiliation_cycle_is_refused(tiny_city: CityGraph) -> None:
    from redwuye_graph.schema import Label, RelType

    city = tiny_city.copy()
    orgs = [n for n, _, p in city.nodes(Label.PARTY_ORG) if p["level"] == "committee"]
    a, b = orgs[:2]
    for org in (a, b):
        for up in city.out(org, RelType.AFFILIATED_TO):
            city.graph.remove_edge(org, up, key=RelType.AFFILIATED_TO)
    city.add_rel(RelType.AFFILIATED_TO, a, b)
    city.add_rel(RelType.AFFILIATED_TO, b, a)
    found = [str(p) for p in city.validate()]
    assert any(f"AFFILIATED_TO forms a cycle through {min(a, b)}, {max(a, b)}" in m
               for m in found), found
