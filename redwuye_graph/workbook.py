"""Rosters as Excel workbooks (台账): one sheet per label and per relationship type.

Each sheet has two header rows, Chinese (row 1) and English (row 2, the keys the
reader uses), and the data from row 3. Columns with a fixed vocabulary (booleans,
credit grade, party-organisation level, role) carry drop-down lists, numeric columns
the schema's bounds. :func:`write_xlsx` writes an empty template or a city;
:func:`read_xlsx` reads one back through the same checks as every roster.

Ids may be left out: a node without one gets ``<Label>:<name>`` (``Person:路伟``), with
the row's ``hint`` (区分, e.g. a birth year or post) appended when given, and a
relationship may name a node by its name instead of its id. Two people of one name
are told apart by ``hint`` (the ``start_hint`` / ``end_hint`` columns of a
relationship sheet); a name that still matches several nodes is reported, with their
rows, and nothing is loaded.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.errors import Problem, ValidationError
from redwuye_graph.rosters import _Builder, _read_bytes
from redwuye_graph.schema import (
    MEMBER_ROLES,
    NODE_SPECS,
    REL_SPECS,
    Label,
    PropType,
    RelType,
)

__all__ = ["read_xlsx", "write_xlsx"]

#: Chinese names of labels, relationship types and columns (English where missing).
ZH: dict[str, str] = {
    "District": "区县", "Street": "街道", "Community": "社区", "ResidentsCommittee": "居委会",
    "RegionalPartyCommittee": "区域党委", "Estate": "小区", "PropertyCompany": "物业企业",
    "Project": "物业项目", "OwnersCommittee": "业委会", "PartyOrg": "党组织",
    "ResidentUnit": "驻区单位", "Person": "人员",
    "IN_DISTRICT": "属于区县", "IN_STREET": "属于街道", "IN_COMMUNITY": "属于社区",
    "COMMITTEE_OF": "所属", "OPERATES": "运营", "SERVES": "服务小区",
    "REGISTERED_IN": "注册地", "INTERIM_MANAGES": "临时管理", "PARTY_ORG_OF": "党组织所在",
    "AFFILIATED_TO": "隶属", "MEMBER_OF": "任职", "INSTRUCTOR_OF": "党建指导员",
    "QUALITY_SUPERVISOR_OF": "质量监督员", "CO_BUILDS_WITH": "共建",
    "id": "编号(可空)", "name": "名称", "hint": "区分(同名时填)", "households": "户数",
    "old": "老旧小区", "fee_level": "物业费(元/㎡·月)", "staff": "员工数",
    "party_members_on_staff": "党员员工数", "credit_grade": "信用等级",
    "blacklisted": "黑名单", "star_rating": "星级", "level": "层级", "kind": "类别",
    "party_member": "党员", "knows_property_law": "懂物业法规", "role": "职务",
    "resource_hours": "每月共建小时", "start": "从(编号或名称)", "end": "到(编号或名称)",
    "start_hint": "从·区分", "end_hint": "到·区分",
}
_DATA_ROW = 3
#: A relationship cell's name matches several nodes (reported where it is).
_AMBIGUOUS = object()
_MAX_ROWS = 1_000_000


def _title(kind: str) -> str:
    return f"{kind} {ZH[kind]}" if kind in ZH else kind


def _node_columns(label: Label) -> list[str]:
    return ["id", "name", "hint", *(p for p in NODE_SPECS[label].props if p not in ("id", "name"))]


def _rel_columns(rtype: RelType) -> list[str]:
    return ["start", "start_hint", "end", "end_hint", *REL_SPECS[rtype].props]


def _choices(kind: str, column: str) -> list[str] | None:
    """The drop-down values of a column, if it has a fixed vocabulary."""
    if kind in NODE_SPECS:
        spec = NODE_SPECS[Label(kind)]
        if column in spec.choices:
            return sorted(spec.choices[column])
        if spec.props.get(column) is PropType.BOOLEAN:
            return ["true", "false"]
    elif column == "role" and kind == RelType.MEMBER_OF:
        return sorted(set().union(*MEMBER_ROLES.values()))
    return None


def _bounds(kind: str, column: str) -> tuple[PropType, float, float] | None:
    spec: Any = NODE_SPECS[Label(kind)] if kind in NODE_SPECS else REL_SPECS[RelType(kind)]
    ptype = spec.props.get(column)
    if ptype in (PropType.INT, PropType.FLOAT):
        return ptype, spec.minimum[column], spec.maximum[column]
    return None


def write_xlsx(city: CityGraph | None, path: Path | str) -> Path:
    """Write a workbook: the empty template (``city`` None) or ``city``'s rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)
    kinds: list[tuple[str, list[str], list[dict[str, Any]]]] = []
    for label in NODE_SPECS:
        rows = city.node_rows(label) if city is not None else []
        kinds.append((str(label), _node_columns(label), rows))
    for rtype in REL_SPECS:
        rows = city.rel_rows(rtype) if city is not None else []
        kinds.append((str(rtype), _rel_columns(rtype), rows))
    for kind, columns, rows in kinds:
        sheet = book.create_sheet(_title(kind))
        sheet.append([ZH.get(c, c) for c in columns])
        sheet.append(columns)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = f"A{_DATA_ROW}"
        for row in rows:
            sheet.append([_cell(row.get(c)) for c in columns])
        last = max(_DATA_ROW + len(rows) + 500, 1000)
        for i, column in enumerate(columns, start=1):
            letter = get_column_letter(i)
            sheet.column_dimensions[letter].width = max(12, 2 * len(ZH.get(column, column)))
            where = f"{letter}{_DATA_ROW}:{letter}{last}"
            if (values := _choices(kind, column)) is not None:
                check = DataValidation(type="list", formula1=f'"{",".join(values)}"',
                                       allow_blank=True, showErrorMessage=True,
                                       errorTitle=column, error=f"one of {', '.join(values)}")
            elif (bounds := _bounds(kind, column)) is not None:
                ptype, low, high = bounds
                check = DataValidation(type="whole" if ptype is PropType.INT else "decimal",
                                       operator="between", formula1=str(low),
                                       formula2=str(high), allow_blank=True,
                                       showErrorMessage=True, errorTitle=column,
                                       error=f"a number from {low:g} to {high:g}")
            else:
                continue
            sheet.add_data_validation(check)
            check.add(where)
    out = Path(path)
    book.save(out)
    return out


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _typed(ptype: PropType, value: Any) -> Any:
    """A cell's value as ``ptype``; ValueError in plain words if it is not one."""
    if ptype is PropType.STRING:
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not text")
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return value if isinstance(value, str) else str(value)
    if ptype is PropType.BOOLEAN:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in ("true", "false"):
            return word == "true"
        raise ValueError(f"{value!r} is not true or false")
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "a whole number" if ptype is PropType.INT else "a number"
        raise ValueError(f"{value!r} is not {kind}")
    if ptype is PropType.INT:
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(f"{value!r} is not a whole number")
            return int(value)
        return value
    return float(value)


class _Sheets:
    """Reads the sheets of one workbook into a :class:`_Builder`."""

    def __init__(self, book: Any, name: str):
        self.name = name
        self.b = _Builder()
        self.sheets: dict[str, Any] = {}
        known = {*NODE_SPECS, *REL_SPECS}
        for sheet in book.worksheets:
            kind = sheet.title.split(" ", 1)[0]
            if kind not in known:
                self.b.problem(f"{name} sheet {sheet.title!r}", None, None,
                               "unknown sheet; sheets are named after a label or a "
                               "relationship type (as in 'redwuye template')")
                continue
            self.sheets[kind] = sheet
        #: Nodes by name (ids, with their hint and where they are), for references.
        self.by_name: dict[str, list[tuple[str, Any, str]]] = defaultdict(list)

    def rows(self, kind: str, columns: list[str]
             ) -> list[tuple[str, int, dict[str, Any]]]:
        """``(where, row, {column: value})`` of a sheet's filled rows."""
        sheet = self.sheets.get(kind)
        if sheet is None:
            return []
        where = f"{self.name} sheet {sheet.title}"
        if (sheet.max_row or 0) > _MAX_ROWS:
            self.b.problem(where, None, None, f"{sheet.max_row:,} rows; at most "
                           f"{_MAX_ROWS:,} are read")
            return []
        header = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True), ())
        index: dict[str, int] = {}
        for i, key in enumerate(header):
            if key is None:
                continue
            key = str(key).strip()
            if key in index:
                self.b.problem(where, 2, key, "column appears twice; keep one")
            elif key not in columns:
                self.b.problem(where, 2, key, f"unknown column; allowed: {', '.join(columns)}")
            else:
                index[key] = i
        out = []
        for n, values in enumerate(sheet.iter_rows(min_row=_DATA_ROW, values_only=True),
                                   start=_DATA_ROW):
            row = {k: values[i] for k, i in index.items()
                   if i < len(values) and values[i] not in (None, "")}
            if row:
                out.append((where, n, row))
        return out

    def typed(self, where: str, n: int, row: dict[str, Any], types: dict[str, PropType]
              ) -> tuple[dict[str, Any], bool]:
        values: dict[str, Any] = {}
        ok = True
        for key, value in row.items():
            try:
                values[key] = _typed(types.get(key, PropType.STRING), value)
            except ValueError as exc:
                self.b.problem(where, n, key, str(exc))
                ok = False
        return values, ok

    def read_nodes(self) -> None:
        for label in NODE_SPECS:
            types = {**NODE_SPECS[label].props, "hint": PropType.STRING}
            for where, n, row in self.rows(str(label), _node_columns(label)):
                values, ok = self.typed(where, n, row, types)
                hint = values.pop("hint", None)
                node_id = values.pop("id", None)
                name = values.get("name")
                if node_id is None and isinstance(name, str):
                    node_id = f"{label}:{name}" + (f":{hint}" if hint else "")
                if isinstance(name, str) and isinstance(node_id, str):
                    self.by_name[name].append((node_id, hint, f"{where}, row {n}"))
                self.b.node(where, n, label, node_id, values, ok, "id")

    def resolve(self, where: str, n: int, field: str, value: Any, hint: Any,
                labels: set[Label]) -> Any:
        """The id a relationship cell names: an id, or a (name, hint) of one node."""
        if not isinstance(value, str) or value in self.b.seen:
            return value
        found = [(i, h, at) for i, h, at in self.by_name.get(value, [])
                 if self.b.labels.get(i) in labels and (hint is None or h == hint)]
        if len(found) == 1:
            return found[0][0]
        if len(found) > 1:
            rows = "; ".join(f"{i} ({at}{f', hint {h!r}' if h else ''})" for i, h, at in found[:5])
            self.b.problem(where, n, field, f"{len(found)} nodes are named {value!r}: {rows}; "
                           f"give the id, or tell them apart in {field}_hint")
            return _AMBIGUOUS
        return value

    def read_rels(self) -> None:
        for rtype, spec in REL_SPECS.items():
            ends = ({s for s, _ in spec.pairs}, {t for _, t in spec.pairs})
            types = {**spec.props, "start_hint": PropType.STRING, "end_hint": PropType.STRING}
            for where, n, row in self.rows(str(rtype), _rel_columns(rtype)):
                values, ok = self.typed(where, n, row, types)
                start, end = values.pop("start", None), values.pop("end", None)
                start_hint, end_hint = values.pop("start_hint", None), values.pop("end_hint", None)
                start = self.resolve(where, n, "start", start, start_hint, ends[0])
                end = self.resolve(where, n, "end", end, end_hint, ends[1])
                if start is _AMBIGUOUS or end is _AMBIGUOUS:  # reported; no cascade
                    if isinstance(start, str):
                        self.b.incomplete.add((start, rtype))
                    continue
                self.b.rel(where, n, rtype, start, end, values, ok, ("start", "end"))


def read_xlsx(path: Path | str) -> CityGraph:
    """Read a workbook written by :func:`write_xlsx` (and filled in), validating it."""
    import io
    import zipfile

    from openpyxl import load_workbook

    src = Path(path)
    raw = _read_bytes(src)
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ValidationError([Problem(src.name, None, None, "not an Excel workbook (.xlsx): "
                                       f"{exc.__class__.__name__}: {exc}")]) from None
    try:
        sheets = _Sheets(book, src.name)
        sheets.read_nodes()
        sheets.read_rels()
    finally:
        book.close()
    return sheets.b.finish()
