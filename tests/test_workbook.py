"""Excel rosters (台账): the template, reading a filled-in workbook, names for ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.cli import app
from redwuye_graph.errors import ValidationError
from redwuye_graph.rosters import read_roster
from redwuye_graph.schema import NODE_SPECS, REL_SPECS
from redwuye_graph.store import open_store
from redwuye_graph.workbook import write_xlsx

runner = CliRunner()


def test_template_has_a_sheet_per_kind_two_headers_and_drop_downs(tmp_path: Path) -> None:
    out = tmp_path / "roster.xlsx"
    result = runner.invoke(app, ["template", "--out", str(out)])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert [s.split(" ")[0] for s in book.sheetnames] == [*NODE_SPECS, *REL_SPECS]
    estates = book["Estate 小区"]
    assert [c.value for c in estates[1]][:2] == ["编号(可空)", "名称"]
    assert [c.value for c in estates[2]][:2] == ["id", "name"]
    lists = {v.formula1 for v in book["PropertyCompany 物业企业"].data_validations.dataValidation}
    assert '"A,AA,AAA,B,C"' in lists and '"true,false"' in lists
    member = book["MEMBER_OF 任职"].data_validations.dataValidation
    assert any("deputy_secretary" in v.formula1 for v in member)
    stars = [v for v in book["PropertyCompany 物业企业"].data_validations.dataValidation
             if v.type == "whole" and v.formula2 == "5"]
    assert stars
    assert read_roster(out) == CityGraph()  # the empty template is a valid, empty roster
    assert runner.invoke(app, ["template", "--out", str(tmp_path / "x.csv")]).exit_code == 1


def test_a_city_written_as_a_workbook_reads_back(tiny_city: CityGraph, tmp_path: Path) -> None:
    assert read_roster(write_xlsx(tiny_city, tmp_path / "city.xlsx")) == tiny_city


def _fill(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = load_workbook(path)
    for title, rows in sheets.items():
        sheet = next(book[s] for s in book.sheetnames if s.split(" ")[0] == title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _article(tmp_path: Path, people: list[list[Any]], member: list[list[Any]]) -> Path:
    """A hand-filled workbook: 路砦社区 with its party branch and people named, no ids."""
    template = write_xlsx(None, tmp_path / "roster.xlsx")
    return _fill(template, {
        "District": [["D1", "金水区"]],
        "Street": [["S1", "花园路街道"]],
        "Community": [["C00012", "路砦社区"]],
        "PartyOrg": [["G1", "路砦社区党支部", None, "branch"]],
        "Person": people,
        "IN_DISTRICT": [["花园路街道", None, "金水区"]],
        "IN_STREET": [["路砦社区", None, "S1"]],
        "PARTY_ORG_OF": [["路砦社区党支部", None, "路砦社区"]],
        "MEMBER_OF": member,
    })


def test_people_are_matched_by_name_and_hint(tmp_path: Path) -> None:
    path = _article(tmp_path,
                    [[None, "路伟", None, "true"], [None, "王芳", "1975", "true"],
                     [None, "王芳", "1988", "false"]],
                    [["路伟", None, "路砦社区党支部", None, "deputy_secretary"],
                     ["王芳", "1988", "G1", None, "member"]])
    city = read_roster(path)
    assert city.props("Person:路伟")["party_member"] is True
    assert city.members("G1", "deputy_secretary") == {"Person:路伟"}
    assert city.members("G1", "member") == {"Person:王芳:1988"}
    uri = f"embedded:{tmp_path / 'city.rdb'}"
    result = runner.invoke(app, ["load", str(path), "--store", uri])
    assert result.exit_code == 0, result.output
    with open_store(uri) as store:
        assert store.read() == city


def test_an_ambiguous_name_is_reported_once_with_the_rows(tmp_path: Path) -> None:
    path = _article(tmp_path,
                    [[None, "王芳", "1975", "true"], [None, "王芳", "1988", "false"]],
                    [["王芳", None, "G1", None, "member"],
                     ["路砦社区党支部", None, "G1", None, "memberr"]])
    with pytest.raises(ValidationError) as err:
        read_roster(path)
    text = [str(p) for p in err.value.problems]
    assert len(text) == 2, text
    assert "sheet MEMBER_OF 任职, row 3, field 'start': 2 nodes are named '王芳'" in text[0]
    assert "hint '1975'" in text[0] and "start_hint" in text[0]
    assert "that is the name of G1, a PartyOrg, but here a Person is expected" in text[1]


def test_bad_cells_and_files_are_clear_errors(tmp_path: Path) -> None:
    template = write_xlsx(None, tmp_path / "roster.xlsx")
    _fill(template, {"Estate": [["E1", "绿云小区", None, "八百", "yes", 0.5]]})
    with pytest.raises(ValidationError) as err:
        read_roster(template)
    found = {(p.row, p.field): p.message for p in err.value.problems}
    assert found[(3, "households")] == "'八百' is not a whole number"
    assert found[(3, "old")] == "'yes' is not true or false"
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ValidationError, match="not an Excel workbook"):
        read_roster(broken)
