"""Seeded synthetic cities: the organisation of a Red Property city, at three sizes.

Presets: ``tiny`` (tests), ``district`` (~800 estates, ~0.5 M households) and ``city``
(Zhengzhou-like: ~120 streets, ~1,000 communities, ~5,000 estates, ~2,000 companies,
~3 M households). :class:`PolicyLevels` sets how far each policy has been implemented.
Households are an estate attribute; people are only those who hold posts.

Examples
--------
>>> from redwuye_graph.generate import generate
>>> city = generate("tiny", seed=1)
>>> city.validate()
[]
>>> city.counts()["nodes"]["District"]
1
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.schema import CreditGrade, Label, PartyOrgLevel, RelType

__all__ = ["PRESETS", "PolicyLevels", "Preset", "generate", "preset"]


@dataclass(frozen=True)
class PolicyLevels:
    """How far each Red Property policy has been implemented (shares in [0, 1]).

    Defaults describe a city part-way through the 2019 measures.
    """

    #: Qualifying companies (≥ 3 party members on staff) that have formed a party organisation.
    company_party_org: float = 0.6
    #: Companies without a party organisation that have a party-building instructor.
    instructor: float = 0.5
    #: Projects whose party-building instructor is the community party secretary.
    secretary_instructor: float = 0.35
    #: Projects with a quality supervisor from the community two committees.
    quality_supervisor: float = 0.3
    #: Managed estates with an owners' committee.
    owners_committee: float = 0.3
    #: Probability that an owners'-committee seat goes to a party member.
    owners_committee_party_member: float = 0.25
    #: Owners' committees with a community two-committee member on them.
    community_member_on_owners_committee: float = 0.3
    #: Party-member heads of serving companies sitting on the regional party committee.
    company_head_on_regional_committee: float = 0.4
    #: Owners' committees with a member on the regional party committee.
    owners_member_on_regional_committee: float = 0.3
    #: Estates with no serving company (property-management vacuum).
    vacuum: float = 0.06
    #: Vacuum estates under interim management by the street or community.
    interim_management: float = 0.5
    #: Resident units that have joined co-building with their community.
    co_building: float = 0.5

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"policy level {f.name}={value} is outside [0, 1]")


@dataclass(frozen=True)
class Preset:
    """Size of a synthetic city."""

    name: str
    districts: int
    streets: int
    communities: int
    estates: int
    companies: int
    mean_households: float
    levels: PolicyLevels = field(default_factory=PolicyLevels)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("tiny", districts=1, streets=2, communities=4, estates=14, companies=5,
               mean_households=300),
        Preset("district", districts=1, streets=10, communities=70, estates=800,
               companies=320, mean_households=625),
        Preset("city", districts=10, streets=120, communities=1000, estates=5000,
               companies=2000, mean_households=600),
    )
}


def preset(name: str, **levels: float) -> Preset:
    """A named preset, with policy levels overridden by keyword."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    base = PRESETS[name]
    return replace(base, levels=replace(base.levels, **levels)) if levels else base


# -- names ---------------------------------------------------------------------------
_SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力斌鹏宇浩凯健俊"
    "帆帅旭宁婷雪琳晨欣梅兵林波海峰岩"
)
_PLACE = list(
    "金水中原二七管城惠济上街航空港郑东高新经开花园丰产文化东风南阳人民纬五经八黄河农"
    "业政七健康绿云亚新路砦碧波杨金祭城龙子湖博学如意天明"
)
_ESTATE_SUFFIX = ["小区", "花苑", "家园", "花园", "新村", "苑", "公寓", "名门"]
_UNIT_KINDS = ["government", "school", "hospital", "enterprise", "public_institution"]


def _name(rng: np.random.Generator, chars: list[str], low: int, high: int) -> str:
    n = int(rng.integers(low, high + 1))
    return "".join(chars[int(i)] for i in rng.integers(0, len(chars), n))


def _person_name(rng: np.random.Generator) -> str:
    return _SURNAMES[int(rng.integers(len(_SURNAMES)))] + _name(rng, _GIVEN, 1, 2)


def _split(rng: np.random.Generator, total: int, parts: int) -> list[int]:
    """Split ``total`` items into ``parts`` groups of at least one, roughly evenly."""
    if parts > total:
        raise ValueError(f"cannot split {total} items into {parts} non-empty groups")
    weights = rng.gamma(4.0, 1.0, parts)
    extra = rng.multinomial(total - parts, weights / weights.sum())
    return [1 + int(x) for x in extra]


class _Builder:
    """Keeps the id counters and the random stream while a city is generated."""

    def __init__(self, spec: Preset, seed: int):
        self.spec = spec
        self.levels = spec.levels
        self.rng = np.random.default_rng(np.random.SeedSequence(seed))
        self.city = CityGraph()
        self._next: dict[str, int] = {}

    def new_id(self, prefix: str, width: int) -> str:
        n = self._next.get(prefix, 0) + 1
        self._next[prefix] = n
        return f"{prefix}{n:0{width}d}"

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def node(self, label: Label, prefix: str, width: int, **props: Any) -> str:
        node_id = self.new_id(prefix, width)
        self.city.add_node(label, node_id, **props)
        return node_id

    def person(self, party_member: bool, knows_property_law: bool = False) -> str:
        return self.node(Label.PERSON, "P", 7, name=_person_name(self.rng),
                         party_member=party_member, knows_property_law=knows_property_law)

    def party_org(self, host: str, name: str, level: PartyOrgLevel,
                  affiliated_to: str | None) -> str:
        org = self.node(Label.PARTY_ORG, "G", 6, name=name, level=str(level))
        self.city.add_rel(RelType.PARTY_ORG_OF, org, host)
        if affiliated_to is not None:
            self.city.add_rel(RelType.AFFILIATED_TO, org, affiliated_to)
        return org

    def member(self, person: str, body: str, role: str) -> None:
        self.city.add_rel(RelType.MEMBER_OF, person, body, role=role)


@dataclass
class _Community:
    id: str
    party_org: str
    rc: str
    rpc: str
    secretary: str
    two_committees: list[str]
    street: str


def generate(spec: Preset | str, seed: int = 0) -> CityGraph:
    """Generate a synthetic city; the same preset and seed give the same graph."""
    spec = preset(spec) if isinstance(spec, str) else spec
    b = _Builder(spec, seed)
    rng, city, lv = b.rng, b.city, b.levels

    street_orgs: dict[str, str] = {}
    communities: list[_Community] = []
    street_counts = _split(rng, spec.streets, spec.districts)
    community_counts = _split(rng, spec.communities, spec.streets)
    estate_counts = _split(rng, spec.estates, spec.communities)
    streets: list[str] = []
    for n_streets in street_counts:
        district = b.node(Label.DISTRICT, "D", 2, name=_name(rng, _PLACE, 2, 2) + "区")
        for _ in range(n_streets):
            street = b.node(Label.STREET, "S", 4, name=_name(rng, _PLACE, 2, 3) + "街道")
            city.add_rel(RelType.IN_DISTRICT, street, district)
            street_orgs[street] = b.party_org(street, city.props(street)["name"] + "党工委",
                                              PartyOrgLevel.COMMITTEE, None)
            streets.append(street)

    community_iter = iter(community_counts)
    for street in streets:
        for _ in range(next(community_iter)):
            communities.append(_make_community(b, street, street_orgs[street]))

    estates: list[tuple[str, _Community]] = []
    for comm, n_estates in zip(communities, estate_counts, strict=True):
        for _ in range(n_estates):
            old = b.chance(0.4)
            households = max(20, int(rng.lognormal(np.log(spec.mean_households) - 0.18, 0.6)))
            fee = rng.uniform(0.3, 0.8) if old else rng.uniform(0.9, 3.0)
            estate = b.node(Label.ESTATE, "E", 6,
                            name=_name(rng, _PLACE, 2, 3) + _ESTATE_SUFFIX[
                                int(rng.integers(len(_ESTATE_SUFFIX)))],
                            households=households, old=old, fee_level=round(float(fee), 2))
            city.add_rel(RelType.IN_COMMUNITY, estate, comm.id)
            estates.append((estate, comm))

    companies = _make_companies(b, streets)
    _serve_estates(b, estates, companies, street_orgs)
    for estate, comm in estates:
        if city.into(estate, RelType.SERVES) and b.chance(lv.owners_committee):
            _make_owners_committee(b, estate, comm)
    _make_resident_units(b, communities)
    return city


def _make_community(b: _Builder, street: str, street_org: str) -> _Community:
    rng, city = b.rng, b.city
    name = _name(rng, _PLACE, 2, 3) + "社区"
    comm = b.node(Label.COMMUNITY, "C", 5, name=name)
    city.add_rel(RelType.IN_STREET, comm, street)
    org = b.party_org(comm, name + "党委", PartyOrgLevel.COMMITTEE, street_org)
    rc = b.node(Label.RESIDENTS_COMMITTEE, "R", 5, name=name + "居委会")
    city.add_rel(RelType.COMMITTEE_OF, rc, comm)
    rpc = b.node(Label.REGIONAL_PARTY_COMMITTEE, "Q", 5, name=name + "区域党委")
    city.add_rel(RelType.COMMITTEE_OF, rpc, comm)

    # The secretary also directs the residents' committee (一肩挑).
    secretary = b.person(party_member=True, knows_property_law=b.chance(0.5))
    b.member(secretary, org, "secretary")
    b.member(secretary, rc, "director")
    b.member(secretary, rpc, "secretary")
    two_committees = [secretary]
    for i in range(int(rng.integers(4, 8))):
        party = b.chance(0.7)
        person = b.person(party_member=party, knows_property_law=b.chance(0.3))
        if party:
            b.member(person, org, "deputy_secretary" if i == 0 else "member")
        b.member(person, rc, "deputy_director" if i == 0 else "member")
        two_committees.append(person)
    return _Community(comm, org, rc, rpc, secretary, two_committees, street)


def _make_companies(b: _Builder, streets: list[str]) -> list[str]:
    rng, city = b.rng, b.city
    companies = []
    for _ in range(b.spec.companies):
        staff = int(rng.lognormal(3.3, 0.9)) + 5
        company = b.node(
            Label.PROPERTY_COMPANY, "F", 5,
            name="河南" + _name(rng, _PLACE, 2, 2) + "物业服务有限公司",
            staff=staff,
            party_members_on_staff=int(rng.binomial(staff, rng.uniform(0.01, 0.12))),
            credit_grade=str(list(CreditGrade)[int(rng.choice(5, p=[0.1, 0.25, 0.35, 0.2, 0.1]))]),
            blacklisted=b.chance(0.02),
            star_rating=int(rng.choice(6, p=[0.35, 0.2, 0.2, 0.12, 0.08, 0.05])),
        )
        city.add_rel(RelType.REGISTERED_IN, company, streets[int(rng.integers(len(streets)))])
        head = b.person(party_member=b.chance(0.4))
        b.member(head, company, "head")
        companies.append(company)
    return companies


def _serve_estates(b: _Builder, estates: list[tuple[str, _Community]], companies: list[str],
                   street_orgs: dict[str, str]) -> None:
    rng, city, lv = b.rng, b.city, b.levels
    # Company market shares are heavy-tailed: a few large groups, many small firms.
    share = rng.pareto(1.2, len(companies)) + 0.2
    share /= share.sum()
    company_orgs: dict[str, str] = {}
    for company in companies:
        props = city.props(company)
        if props["party_members_on_staff"] >= 3 and b.chance(lv.company_party_org):
            members = props["party_members_on_staff"]
            level = (PartyOrgLevel.COMMITTEE if members >= 50 else
                     PartyOrgLevel.GENERAL_BRANCH if members >= 15 else PartyOrgLevel.BRANCH)
            street = city.out(company, RelType.REGISTERED_IN)[0]
            company_orgs[company] = b.party_org(company, props["name"] + "党组织", level,
                                                street_orgs[street])
            head = city.into(company, RelType.MEMBER_OF)[0]
            if city.props(head)["party_member"]:
                b.member(head, company_orgs[company], "secretary")
        elif b.chance(lv.instructor):
            instructor = b.person(party_member=True)
            city.add_rel(RelType.INSTRUCTOR_OF, instructor, company)

    for estate, comm in estates:
        if b.chance(lv.vacuum):
            if b.chance(lv.interim_management):
                manager = comm.id if b.chance(0.6) else comm.street
                city.add_rel(RelType.INTERIM_MANAGES, manager, estate)
            continue
        company = companies[int(rng.choice(len(companies), p=share))]
        project = b.node(Label.PROJECT, "J", 6,
                         name=city.props(estate)["name"] + "物业管理处")
        city.add_rel(RelType.OPERATES, company, project)
        city.add_rel(RelType.SERVES, project, estate)
        b.member(b.person(party_member=b.chance(0.3)), project, "manager")
        if company in company_orgs and b.chance(0.25):
            b.party_org(project, city.props(project)["name"] + "党小组", PartyOrgLevel.GROUP,
                        company_orgs[company])
        if b.chance(lv.secretary_instructor):
            city.add_rel(RelType.INSTRUCTOR_OF, comm.secretary, project)
        if b.chance(lv.quality_supervisor):
            qualified = [p for p in comm.two_committees
                         if city.props(p)["party_member"] and city.props(p)["knows_property_law"]]
            if qualified:
                supervisor = qualified[int(rng.integers(len(qualified)))]
                city.add_rel(RelType.QUALITY_SUPERVISOR_OF, supervisor, project)
        head = city.into(company, RelType.MEMBER_OF)[0]
        if (city.props(head)["party_member"] and b.chance(lv.company_head_on_regional_committee)
                and comm.rpc not in city.out(head, RelType.MEMBER_OF)):
            b.member(head, comm.rpc, "member")


def _make_owners_committee(b: _Builder, estate: str, comm: _Community) -> None:
    rng, city, lv = b.rng, b.city, b.levels
    oc = b.node(Label.OWNERS_COMMITTEE, "O", 6, name=city.props(estate)["name"] + "业主委员会")
    city.add_rel(RelType.COMMITTEE_OF, oc, estate)
    seats = int(rng.choice([5, 7, 9], p=[0.5, 0.35, 0.15]))
    members = []
    for seat in range(seats):
        if seat == seats - 1 and b.chance(lv.community_member_on_owners_committee):
            person = comm.two_committees[int(rng.integers(len(comm.two_committees)))]
        else:
            person = b.person(party_member=b.chance(lv.owners_committee_party_member))
        role = "chair" if seat == 0 else "vice_chair" if seat == 1 else "member"
        b.member(person, oc, role)
        members.append(person)
    party = [p for p in members if city.props(p)["party_member"]]
    if len(party) >= 3:
        org = b.party_org(oc, city.props(oc)["name"] + "党小组", PartyOrgLevel.GROUP,
                          comm.party_org)
        for p in party:
            b.member(p, org, "member")
    if b.chance(lv.owners_member_on_regional_committee):
        delegate = members[int(rng.integers(len(members)))]
        if comm.rpc not in city.out(delegate, RelType.MEMBER_OF):
            b.member(delegate, comm.rpc, "member")


def _make_resident_units(b: _Builder, communities: list[_Community]) -> None:
    rng, city, lv = b.rng, b.city, b.levels
    for comm in communities:
        for _ in range(int(rng.poisson(1.5))):
            kind = _UNIT_KINDS[int(rng.integers(len(_UNIT_KINDS)))]
            unit = b.node(Label.RESIDENT_UNIT, "U", 5,
                          name=_name(rng, _PLACE, 2, 3) + {"government": "办事处",
                                                           "school": "学校",
                                                           "hospital": "医院",
                                                           "enterprise": "公司",
                                                           "public_institution": "中心"}[kind],
                          kind=kind)
            city.add_rel(RelType.IN_COMMUNITY, unit, comm.id)
            if b.chance(0.5):
                b.party_org(unit, city.props(unit)["name"] + "党支部", PartyOrgLevel.BRANCH,
                            comm.party_org)
            if b.chance(lv.co_building):
                city.add_rel(RelType.CO_BUILDS_WITH, unit, comm.id,
                             resource_hours=int(rng.integers(10, 200)))
