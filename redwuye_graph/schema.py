"""The organisation schema: node labels, relationship types, roles and property types.

Everything that reads or writes the organisation (CityGraph, rosters, stores, the
Cypher library) takes its names from here. ``docs/schema.md`` describes the same
schema for people; ``tests/test_schema_doc.py`` checks that it names every label,
property, relationship type, role and enum value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum

__all__ = [
    "BODY_KINDS",
    "FLOAT_TEXT",
    "INT64_MAX",
    "INT64_MIN",
    "INT_TEXT",
    "LEVEL_RANK",
    "MAX_ID_CHARS",
    "MAX_TEXT_CHARS",
    "MEMBER_ROLES",
    "NODE_SPECS",
    "REL_SPECS",
    "CreditGrade",
    "FacilityKind",
    "Label",
    "NodeSpec",
    "PartyOrgLevel",
    "PropType",
    "RelSpec",
    "RelType",
    "bounds_table",
]


class Label(StrEnum):
    """Node labels: every body of the organisation, and the people who hold posts."""

    DISTRICT = "District"
    STREET = "Street"
    COMMUNITY = "Community"
    RESIDENTS_COMMITTEE = "ResidentsCommittee"
    REGIONAL_PARTY_COMMITTEE = "RegionalPartyCommittee"
    ESTATE = "Estate"
    PROPERTY_COMPANY = "PropertyCompany"
    PROJECT = "Project"
    OWNERS_COMMITTEE = "OwnersCommittee"
    PARTY_ORG = "PartyOrg"
    RESIDENT_UNIT = "ResidentUnit"
    PERSON = "Person"
    OFFICE = "Office"
    SERVICE_FACILITY = "ServiceFacility"
    HOUSING_AUTHORITY = "HousingAuthority"
    OBSERVATION = "Observation"


class RelType(StrEnum):
    """Relationship types.

    Location: ``IN_DISTRICT``, ``IN_STREET``, ``IN_COMMUNITY``, ``COMMITTEE_OF``.
    Service: ``OPERATES`` (company runs a project), ``SERVES`` (project serves an
    estate or a resident unit), ``REGISTERED_IN``, ``INTERIM_MANAGES``. Companies as
    they are: ``BRANCH_OF`` (分公司 -> 总公司), ``OFFICE_OF`` (管理处 of a company),
    ``RUNS`` (an office runs a project), ``FACILITY_OF`` (a service facility and the
    body that hosts it). Party: ``PARTY_ORG_OF`` (the body an organisation sits in),
    ``CO_HOSTED_BY`` (further bodies a joint organisation is built with),
    ``AFFILIATED_TO`` (隶属), ``LEADS`` (a party organisation leads a company).
    People: ``MEMBER_OF`` with a role, and the cross-appointment posts ``INSTRUCTOR_OF``
    (党建指导员) and ``QUALITY_SUPERVISOR_OF`` (质量监督员). Co-building:
    ``CO_BUILDS_WITH``. Observed outcomes: ``OBSERVED_AT``.
    """

    IN_DISTRICT = "IN_DISTRICT"
    IN_STREET = "IN_STREET"
    IN_COMMUNITY = "IN_COMMUNITY"
    COMMITTEE_OF = "COMMITTEE_OF"
    OPERATES = "OPERATES"
    SERVES = "SERVES"
    REGISTERED_IN = "REGISTERED_IN"
    INTERIM_MANAGES = "INTERIM_MANAGES"
    PARTY_ORG_OF = "PARTY_ORG_OF"
    AFFILIATED_TO = "AFFILIATED_TO"
    MEMBER_OF = "MEMBER_OF"
    INSTRUCTOR_OF = "INSTRUCTOR_OF"
    QUALITY_SUPERVISOR_OF = "QUALITY_SUPERVISOR_OF"
    CO_BUILDS_WITH = "CO_BUILDS_WITH"
    BRANCH_OF = "BRANCH_OF"
    OFFICE_OF = "OFFICE_OF"
    RUNS = "RUNS"
    FACILITY_OF = "FACILITY_OF"
    CO_HOSTED_BY = "CO_HOSTED_BY"
    LEADS = "LEADS"
    OBSERVED_AT = "OBSERVED_AT"


#: Integers the stores hold exactly (both keep 64-bit signed integers).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: How a whole number and a number are written in a roster cell or a query parameter:
#: ASCII digits only, as neo4j-admin reads them (no ``1_000``, no full-width digits, no
#: ``nan`` or ``inf``).
INT_TEXT = re.compile(r"[+-]?[0-9]+")
FLOAT_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: Longest id, and longest other text value, in characters.
MAX_ID_CHARS = 100
MAX_TEXT_CHARS = 1000


class PropType(StrEnum):
    """Property value types, named as in the neo4j-admin import header."""

    STRING = "string"
    INT = "int"
    FLOAT = "float"
    BOOLEAN = "boolean"


class PartyOrgLevel(StrEnum):
    """Level of a party organisation, highest first: 党组 / 党委 / 党总支 / 党支部 / 党小组.

    The order is the rank used where "the highest-level organisation" of a body counts
    (:data:`LEVEL_RANK`).
    """

    LEADING_GROUP = "leading_group"
    COMMITTEE = "committee"
    GENERAL_BRANCH = "general_branch"
    BRANCH = "branch"
    GROUP = "group"


#: Rank of each party organisation level, 1 = highest (the Cypher uses the same numbers).
LEVEL_RANK: dict[str, int] = {str(level): i for i, level in enumerate(PartyOrgLevel, 1)}


class FacilityKind(StrEnum):
    """Kind of a service facility (服务阵地)."""

    PARTY_SERVICE_CENTRE = "party_service_centre"
    PARTY_SERVICE_STATION = "party_service_station"
    DAY_CARE = "day_care"
    CULTURE = "culture"
    READING_ROOM = "reading_room"
    EXHIBITION_HALL = "exhibition_hall"


class CreditGrade(StrEnum):
    """Credit grade of a property company, best first."""

    AAA = "AAA"
    AA = "AA"
    A = "A"
    B = "B"
    C = "C"


@dataclass(frozen=True)
class NodeSpec:
    """Properties of one label: name -> type; ``required`` must be present and non-empty.

    ``choices`` restricts string properties to a fixed vocabulary; ``minimum`` and
    ``maximum`` bound every numeric property (both are required for each, see
    :func:`bounds_table`); ``at_most`` caps a property by another one of the same node
    (party members on staff by staff).
    """

    label: Label
    props: dict[str, PropType]
    required: frozenset[str] = frozenset({"id", "name"})
    choices: dict[str, frozenset[str]] = field(default_factory=dict)
    minimum: dict[str, float] = field(default_factory=dict)
    maximum: dict[str, float] = field(default_factory=dict)
    at_most: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RelSpec:
    """Which (source, target) label pairs a relationship type may join, and its rules.

    ``one_per_source``: each source node has at most one relationship of this type.
    ``required_for``: labels whose nodes must have one such outgoing relationship.
    ``required_props``: relationship properties that must be present.
    ``minimum`` / ``maximum``: bounds of numeric properties, as on :class:`NodeSpec`.
    """

    type: RelType
    pairs: frozenset[tuple[Label, Label]]
    props: dict[str, PropType] = field(default_factory=dict)
    one_per_source: bool = False
    required_for: frozenset[Label] = frozenset()
    required_props: frozenset[str] = frozenset()
    minimum: dict[str, float] = field(default_factory=dict)
    maximum: dict[str, float] = field(default_factory=dict)

    @property
    def sources(self) -> frozenset[Label]:
        """Labels that may start this relationship."""
        return frozenset(s for s, _ in self.pairs)


def _pairs(sources: set[Label], targets: set[Label]) -> frozenset[tuple[Label, Label]]:
    return frozenset((s, t) for s in sources for t in targets)


_BASE = {"id": PropType.STRING, "name": PropType.STRING}
_L = Label

#: Every label's ``partial`` flag: true when the roster records only some of the body's
#: posts and links (a hand roster from a partial source); a rule that needs a missing
#: link or an empty value then counts the body as not recorded, never as a breach.
_PARTIAL = {"partial": PropType.BOOLEAN}

NODE_SPECS: dict[Label, NodeSpec] = {
    spec.label: replace(spec, props={**spec.props, **_PARTIAL})
    for spec in (
        NodeSpec(_L.DISTRICT, dict(_BASE)),
        NodeSpec(_L.STREET, dict(_BASE)),
        NodeSpec(_L.COMMUNITY, dict(_BASE)),
        NodeSpec(_L.RESIDENTS_COMMITTEE, dict(_BASE)),
        NodeSpec(_L.REGIONAL_PARTY_COMMITTEE, dict(_BASE)),
        NodeSpec(
            _L.ESTATE,
            {**_BASE, "households": PropType.INT, "old": PropType.BOOLEAN,
             "fee_level": PropType.FLOAT},
            minimum={"households": 0, "fee_level": 0.0},
            maximum={"households": 100_000, "fee_level": 100.0},
        ),
        NodeSpec(
            _L.PROPERTY_COMPANY,
            {**_BASE, "staff": PropType.INT, "party_members_on_staff": PropType.INT,
             "credit_grade": PropType.STRING, "blacklisted": PropType.BOOLEAN,
             "star_rating": PropType.INT},
            choices={"credit_grade": frozenset(CreditGrade)},
            minimum={"staff": 0, "party_members_on_staff": 0, "star_rating": 0},
            maximum={"staff": 1_000_000, "party_members_on_staff": 1_000_000, "star_rating": 5},
            at_most={"party_members_on_staff": "staff"},
        ),
        NodeSpec(_L.PROJECT, dict(_BASE)),
        NodeSpec(_L.OWNERS_COMMITTEE, dict(_BASE)),
        NodeSpec(
            _L.PARTY_ORG,
            {**_BASE, "level": PropType.STRING},
            required=frozenset({"id", "name", "level"}),
            choices={"level": frozenset(PartyOrgLevel)},
        ),
        NodeSpec(_L.RESIDENT_UNIT, {**_BASE, "kind": PropType.STRING}),
        NodeSpec(
            _L.PERSON,
            {**_BASE, "party_member": PropType.BOOLEAN, "knows_property_law": PropType.BOOLEAN},
        ),
        NodeSpec(_L.OFFICE, dict(_BASE)),
        NodeSpec(_L.SERVICE_FACILITY, {**_BASE, "kind": PropType.STRING},
                 required=frozenset({"id", "name", "kind"}),
                 choices={"kind": frozenset(FacilityKind)}),
        NodeSpec(_L.HOUSING_AUTHORITY, dict(_BASE)),
        NodeSpec(
            _L.OBSERVATION,
            {**_BASE, "period": PropType.STRING, "fee_collection": PropType.FLOAT,
             "fee_collection_bound": PropType.STRING, "complaints": PropType.INT,
             "resolved": PropType.INT, "source": PropType.STRING, "date": PropType.STRING},
            required=frozenset({"id", "period", "source"}),
            choices={"fee_collection_bound": frozenset({"below", "above"})},
            minimum={"fee_collection": 0.0, "complaints": 0, "resolved": 0},
            maximum={"fee_collection": 1.0, "complaints": 10_000_000, "resolved": 10_000_000},
            at_most={"resolved": "complaints"},
        ),
    )
}

#: Kind of body for cross-appointment, by label: a person holding posts in bodies of two
#: or more kinds is cross-appointed (双向进入、交叉任职).
BODY_KINDS: dict[Label, str] = {
    _L.PARTY_ORG: "party", _L.REGIONAL_PARTY_COMMITTEE: "party",
    _L.RESIDENTS_COMMITTEE: "residents", _L.COMMUNITY: "community",
    _L.OWNERS_COMMITTEE: "owners",
    _L.PROPERTY_COMPANY: "company", _L.PROJECT: "company", _L.OFFICE: "company",
}

#: Roles a person may hold, by the label of the body joined with ``MEMBER_OF``.
MEMBER_ROLES: dict[Label, frozenset[str]] = {
    _L.PARTY_ORG: frozenset({"secretary", "deputy_secretary", "member"}),
    _L.RESIDENTS_COMMITTEE: frozenset({"director", "deputy_director", "member"}),
    _L.REGIONAL_PARTY_COMMITTEE: frozenset({"secretary", "deputy_secretary", "member"}),
    _L.OWNERS_COMMITTEE: frozenset({"chair", "vice_chair", "member"}),
    _L.PROPERTY_COMPANY: frozenset({"head", "deputy_head", "manager", "deputy_manager",
                                    "staff"}),
    _L.PROJECT: frozenset({"manager", "deputy_manager", "staff"}),
    _L.OFFICE: frozenset({"manager", "deputy_manager", "staff"}),
    _L.COMMUNITY: frozenset({"staff"}),
    _L.HOUSING_AUTHORITY: frozenset({"director", "deputy_director", "staff"}),
}

_PARTY_HOSTS = frozenset({_L.STREET, _L.COMMUNITY, _L.PROPERTY_COMPANY, _L.PROJECT,
                          _L.OWNERS_COMMITTEE, _L.RESIDENT_UNIT, _L.OFFICE,
                          _L.HOUSING_AUTHORITY})

REL_SPECS: dict[RelType, RelSpec] = {
    spec.type: spec
    for spec in (
        RelSpec(RelType.IN_DISTRICT, _pairs({_L.STREET}, {_L.DISTRICT}),
                one_per_source=True, required_for=frozenset({_L.STREET})),
        RelSpec(RelType.IN_STREET, _pairs({_L.COMMUNITY}, {_L.STREET}),
                one_per_source=True, required_for=frozenset({_L.COMMUNITY})),
        RelSpec(RelType.IN_COMMUNITY, _pairs({_L.ESTATE, _L.RESIDENT_UNIT}, {_L.COMMUNITY}),
                one_per_source=True, required_for=frozenset({_L.ESTATE, _L.RESIDENT_UNIT})),
        RelSpec(RelType.COMMITTEE_OF,
                _pairs({_L.RESIDENTS_COMMITTEE, _L.REGIONAL_PARTY_COMMITTEE}, {_L.COMMUNITY})
                | _pairs({_L.OWNERS_COMMITTEE}, {_L.ESTATE}),
                one_per_source=True,
                required_for=frozenset({_L.RESIDENTS_COMMITTEE, _L.REGIONAL_PARTY_COMMITTEE,
                                        _L.OWNERS_COMMITTEE})),
        RelSpec(RelType.OPERATES, _pairs({_L.PROPERTY_COMPANY}, {_L.PROJECT})),
        RelSpec(RelType.SERVES, _pairs({_L.PROJECT}, {_L.ESTATE, _L.RESIDENT_UNIT}),
                one_per_source=True, required_for=frozenset({_L.PROJECT})),
        RelSpec(RelType.REGISTERED_IN, _pairs({_L.PROPERTY_COMPANY}, {_L.STREET}),
                one_per_source=True, required_for=frozenset({_L.PROPERTY_COMPANY})),
        RelSpec(RelType.INTERIM_MANAGES, _pairs({_L.STREET, _L.COMMUNITY}, {_L.ESTATE})),
        RelSpec(RelType.PARTY_ORG_OF, _pairs({_L.PARTY_ORG}, set(_PARTY_HOSTS)),
                one_per_source=True, required_for=frozenset({_L.PARTY_ORG})),
        RelSpec(RelType.CO_HOSTED_BY, _pairs({_L.PARTY_ORG}, set(_PARTY_HOSTS))),
        RelSpec(RelType.AFFILIATED_TO, _pairs({_L.PARTY_ORG}, {_L.PARTY_ORG}),
                one_per_source=True),
        RelSpec(RelType.LEADS, _pairs({_L.PARTY_ORG}, {_L.PROPERTY_COMPANY, _L.OFFICE})),
        RelSpec(RelType.MEMBER_OF, _pairs({_L.PERSON}, set(MEMBER_ROLES)),
                props={"role": PropType.STRING}, required_props=frozenset({"role"})),
        RelSpec(RelType.INSTRUCTOR_OF, _pairs({_L.PERSON}, {_L.PROPERTY_COMPANY, _L.PROJECT})),
        RelSpec(RelType.QUALITY_SUPERVISOR_OF, _pairs({_L.PERSON}, {_L.PROJECT})),
        RelSpec(RelType.CO_BUILDS_WITH, _pairs({_L.RESIDENT_UNIT}, {_L.COMMUNITY}),
                props={"resource_hours": PropType.INT},
                required_props=frozenset({"resource_hours"}),
                minimum={"resource_hours": 0}, maximum={"resource_hours": 10_000}),
        RelSpec(RelType.BRANCH_OF, _pairs({_L.PROPERTY_COMPANY}, {_L.PROPERTY_COMPANY}),
                one_per_source=True),
        RelSpec(RelType.OFFICE_OF, _pairs({_L.OFFICE}, {_L.PROPERTY_COMPANY}),
                one_per_source=True, required_for=frozenset({_L.OFFICE})),
        RelSpec(RelType.RUNS, _pairs({_L.OFFICE}, {_L.PROJECT})),
        RelSpec(RelType.FACILITY_OF,
                _pairs({_L.SERVICE_FACILITY}, {_L.COMMUNITY, _L.ESTATE, _L.PROPERTY_COMPANY,
                                               _L.OFFICE, _L.PROJECT}),
                one_per_source=True, required_for=frozenset({_L.SERVICE_FACILITY})),
        RelSpec(RelType.OBSERVED_AT, _pairs({_L.OBSERVATION}, {_L.ESTATE}),
                one_per_source=True, required_for=frozenset({_L.OBSERVATION})),
    )
}


def _number(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def bounds_table() -> str:
    """The bounds of every numeric property, as the markdown table in ``docs/schema.md``."""
    lines = ["| property | of | type | from | to |", "|---|---|---|---|---|"]
    specs: list[tuple[str, dict[str, PropType], dict[str, float], dict[str, float],
                      dict[str, str]]] = [
        (str(n.label), n.props, n.minimum, n.maximum, n.at_most) for n in NODE_SPECS.values()]
    specs += [(str(r.type), r.props, r.minimum, r.maximum, {}) for r in REL_SPECS.values()]
    for owner, props, low, high, at_most in specs:
        for prop, ptype in props.items():
            if ptype in (PropType.INT, PropType.FLOAT):
                top = _number(high[prop])
                if prop in at_most:
                    top += f", and at most `{at_most[prop]}`"
                lines.append(f"| `{prop}` | {owner} | {ptype} | {_number(low[prop])} | {top} |")
    return "\n".join(lines)
