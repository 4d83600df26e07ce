from __future__ import annotations

from pathlib import Path

from redwuye_graph.schema import (
    MEMBER_ROLES,
    NODE_SPECS,
    REL_SPECS,
    CreditGrade,
    PartyOrgLevel,
    PropType,
    bounds_table,
)
from redwuye_graph.vocabulary import ROLES, ROSTER_POSTS

DOC = (Path(__file__).resolve().parents[1] / "docs" / "schema.md").read_text(encoding="utf-8")


def test_every_label_property_type_and_role_is_documented() -> None:
    missing = [f"`{label}`" for label in NODE_SPECS if f"`{label}`" not in DOC]
    for spec in NODE_SPECS.values():
        missing += [p for p in spec.props if p not in DOC]
    missing += [f"`{t}`" for t in REL_SPECS if f"`{t}`" not in DOC]
    for roles in MEMBER_ROLES.values():
        missing += [f"`{r}`" for r in roles if f"`{r}`" not in DOC]
    missing += [str(v) for v in [*CreditGrade, *PartyOrgLevel] if str(v) not in DOC]
    assert missing == []


def test_every_number_has_bounds_and_the_doc_shows_them() -> None:
    numeric = (PropType.INT, PropType.FLOAT)
    unbounded = [f"{spec.label}.{p}" for spec in NODE_SPECS.values()
                 for p, t in spec.props.items()
                 if t in numeric and (p not in spec.minimum or p not in spec.maximum)]
    unbounded += [f"{spec.type}.{p}" for spec in REL_SPECS.values()
                  for p, t in spec.props.items()
                  if t in numeric and (p not in spec.minimum or p not in spec.maximum)]
    assert unbounded == []
    shown = DOC.split("<!-- bounds: generated -->\n", 1)[1].split("\n<!-- /bounds -->", 1)[0]
    assert shown == bounds_table()


def test_one_vocabulary_names_every_role_and_roster_post() -> None:
    from redwuye_graph.coverage import ESTATE_COLUMNS

    assert set(ROLES) == {r for roles in MEMBER_ROLES.values() for r in roles}
    missing = [r for r, meaning in ROLES.items() if f"| `{r}` | {meaning} |" not in DOC]
    missing += [p.name for p in ROSTER_POSTS.values()
                if f"| `{p.name}` | {p.meaning} |" not in DOC or p.column not in ESTATE_COLUMNS]
    assert missing == []
