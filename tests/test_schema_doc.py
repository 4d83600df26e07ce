from __future__ import annotations

from pathlib import Path

from redwuye_graph.schema import MEMBER_ROLES, NODE_SPECS, REL_SPECS, CreditGrade, PartyOrgLevel

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
