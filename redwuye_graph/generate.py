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
from typing import TYPE_CHECKING, Any

from redwuye_graph.schema import CreditGrade, Label, PartyOrgLevel, RelType
from redwuye_graph.vocabulary import canonical, check_share

if TYPE_CHECKING:
    import numpy as np

    from redwuye_graph.citygraph import CityGraph

__all__ = ["DEFAULT_PRESET", "LEVELS", "PRESETS", "STREAMS", "PolicyLevels", "Preset",
           "check_level", "check_preset", "generate", "level_name", "preset"]


@dataclass(frozen=True)
class PolicyLevels:
    """How far each Red Property policy has been implemented (shares in [0, 1]).

    Each is the chance that an eligible candidate has the post (names and meanings:
    :data:`~redwuye_graph.vocabulary.POSTS`). Defaults describe a city part-way through
    the 2019 measures.
    """

    #: Qualifying companies (≥ 3 party members on staff) that have formed a party organisation.
    company_party_org: float = 0.6
    #: Companies without a party organisation that have a party-building instructor.
    company_instructor: float = 0.5
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
    head_on_regional_committee: float = 0.4
    #: Owners' committees with a member on the regional party committee.
    owners_on_regional_committee: float = 0.3
    #: Estates with no serving company (property-management vacuum).
    vacuum: float = 0.06
    #: Vacuum estates under interim management by the street or community.
    interim_managed: float = 0.5
    #: Resident units that have joined co-building with their community.
    co_building: float = 0.5

    def __post_init__(self) -> None:
        for f in fields(self):
            check_share(getattr(self, f.name), f"levels.{f.name}")


#: Names of the policy levels (:data:`~redwuye_graph.vocabulary.POSTS`), in order.
LEVELS = tuple(f.name for f in fields(PolicyLevels))
#: Random streams of the generator, spawned in this order from ``SeedSequence(seed)``: the
#: city's structure, the names of people, then one per policy level.
STREAMS = ("structure", "people", *LEVELS)


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
#: The preset the command line and the dashboard use when none is given.
DEFAULT_PRESET = "district"


def check_preset(name: Any, where: str = "preset") -> str:
    """``name`` if it names a preset, else ``ValueError`` naming ``where`` and the presets."""
    if name not in PRESETS:
        raise ValueError(f"{where}: unknown preset {name!r}; allowed: {', '.join(PRESETS)}")
    return str(name)


def level_name(name: str, where: str = "levels") -> str:
    """The current name of a policy level (an old name with a deprecation message);
    ``ValueError`` naming ``where`` and the levels when there is none."""
    name = canonical(name, where)
    if name not in LEVELS:
        raise ValueError(f"{where}.{name}: unknown policy level; allowed: {', '.join(LEVELS)}")
    return name


def check_level(name: str, value: Any, where: str = "levels") -> tuple[str, float]:
    """A policy level: its current name (:func:`level_name`) and its value as a share;
    ``ValueError`` naming ``where`` otherwise."""
    name = level_name(name, where)
    return name, check_share(value, f"{where}.{name}")


def preset(name: str, **levels: float) -> Preset:
    """A named preset, with policy levels overridden by keyword (checked by
    :func:`check_level`)."""
    base = PRESETS[check_preset(name)]
    if not levels:
        return base
    checked = dict(check_level(k, v) for k, v in levels.items())
    return replace(base, levels=replace(base.levels, **checked))


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
    """Keeps the id counters and the random streams while a city is generated.

    The city's structure (places, estates, companies and who serves whom, the people of
    the community two committees, company heads and project managers, resident units)
    comes from the ``structure`` stream and the names of people from ``people``; each
    policy level draws only from its own stream, one fixed set of draws per candidate
    whatever the levels, so raising a level adds posts without moving anything else.
    Ids are allocated for every candidate, present or not, so an id names the same body
    or person at every level.
    """

    def __init__(self, spec: Preset, seed: int):
        import numpy as np

        from redwuye_graph.citygraph import CityGraph

        self.spec = spec
        self.levels = spec.levels
        streams = np.random.SeedSequence(seed).spawn(len(STREAMS))
        self.streams = {name: np.random.default_rng(s) for name, s in zip(STREAMS, streams,
                                                                           strict=True)}
        self.rng = self.streams["structure"]
        self.city = CityGraph()
        self._next: dict[str, int] = {}

    def new_id(self, prefix: str, width: int) -> str:
        n = self._next.get(prefix, 0) + 1
        self._next[prefix] = n
        return f"{prefix}{n:0{width}d}"

    def chance(self, p: float) -> bool:
        """A structural coin with probability ``p`` (from the structure stream)."""
        return bool(self.rng.random() < p)

    def draws(self, level: str, size: int | tuple[int, ...]) -> np.ndarray:
        """Uniform draws on [0, 1) from the stream of one policy level."""
        return self.streams[level].random(size)

    def node(self, label: Label, prefix: str, width: int, **props: Any) -> str:
        node_id = self.new_id(prefix, width)
        self.city.add_node(label, node_id, **props)
        return node_id

    def candidate(self) -> tuple[str, str]:
        """The id and name of a person who may or may not hold a post."""
        return self.new_id("P", 7), _person_name(self.streams["people"])

    def add_person(self, who: tuple[str, str], party_member: bool,
                   knows_property_law: bool = False) -> str:
        self.city.add_node(Label.PERSON, who[0], name=who[1], party_member=party_member,
                           knows_property_law=knows_property_law)
        return who[0]

    def person(self, party_member: bool, knows_property_law: bool = False) -> str:
        return self.add_person(self.candidate(), party_member, knows_property_law)

    def party_org(self, host: str, name: str, level: PartyOrgLevel,
                  affiliated_to: str | None, org: str | None = None) -> str:
        org = org or self.new_id("G", 6)
        self.city.add_node(Label.PARTY_ORG, org, name=name, level=str(level))
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
    """Generate a synthetic city; the same preset and seed give the same graph.

    The policy levels change only the posts, committees and organisations they govern
    (monotone in the level: what exists at one level exists at every higher one); the
    structure, and so every estate's company, households, fee and vacancy, is the same
    at any levels (only ``vacuum`` governs vacancy).
    """
    import numpy as np

    spec = preset(spec) if isinstance(spec, str) else spec
    b = _Builder(spec, seed)
    rng, city = b.rng, b.city

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
    company_orgs = _company_party_orgs(b, companies, street_orgs)
    served = _serve_estates(b, estates, companies, company_orgs)
    _make_owners_committees(b, estates, served)
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


def _company_party_orgs(b: _Builder, companies: list[str], street_orgs: dict[str, str]
                        ) -> dict[str, str]:
    """Party organisations of qualifying companies, instructors for the others."""
    city, lv = b.city, b.levels
    has_org = b.draws("company_party_org", len(companies))
    has_instructor = b.draws("company_instructor", len(companies))
    company_orgs: dict[str, str] = {}
    for i, company in enumerate(companies):
        org, instructor = b.new_id("G", 6), b.candidate()
        props = city.props(company)
        members = props["party_members_on_staff"]
        if members >= 3 and has_org[i] < lv.company_party_org:
            level = (PartyOrgLevel.COMMITTEE if members >= 50 else
                     PartyOrgLevel.GENERAL_BRANCH if members >= 15 else PartyOrgLevel.BRANCH)
            street = city.out(company, RelType.REGISTERED_IN)[0]
            company_orgs[company] = b.party_org(company, props["name"] + "党组织", level,
                                                street_orgs[street], org=org)
            head = city.into(company, RelType.MEMBER_OF)[0]
            if city.props(head)["party_member"]:
                b.member(head, org, "secretary")
        elif has_instructor[i] < lv.company_instructor:
            # an instructor is for a company without a party organisation
            city.add_rel(RelType.INSTRUCTOR_OF, b.add_person(instructor, True), company)
    return company_orgs


def _serve_estates(b: _Builder, estates: list[tuple[str, _Community]], companies: list[str],
                   company_orgs: dict[str, str]) -> list[bool]:
    """Projects of serving companies (and their posts), or vacancies; whether served."""
    rng, city, lv = b.rng, b.city, b.levels
    # Company market shares are heavy-tailed: a few large groups, many small firms.
    share = rng.pareto(1.2, len(companies)) + 0.2
    share /= share.sum()
    n = len(estates)
    vacant = b.draws("vacuum", n) < lv.vacuum
    interim, interim_by = b.draws("interim_managed", (n, 2)).T
    group = b.draws("company_party_org", n)
    instructed = b.draws("secretary_instructor", n)
    supervised, supervisor_pick = b.draws("quality_supervisor", (n, 2)).T
    head_seated = b.draws("head_on_regional_committee", n)
    served = []
    for e, (estate, comm) in enumerate(estates):
        company = companies[int(rng.choice(len(companies), p=share))]
        project, manager = b.new_id("J", 6), b.candidate()
        manager_party = b.chance(0.3)
        group_org = b.new_id("G", 6)
        served.append(not vacant[e])
        if vacant[e]:
            if interim[e] < lv.interim_managed:
                manager_body = comm.id if interim_by[e] < 0.6 else comm.street
                city.add_rel(RelType.INTERIM_MANAGES, manager_body, estate)
            continue
        city.add_node(Label.PROJECT, project, name=city.props(estate)["name"] + "物业管理处")
        city.add_rel(RelType.OPERATES, company, project)
        city.add_rel(RelType.SERVES, project, estate)
        b.member(b.add_person(manager, manager_party), project, "manager")
        if company in company_orgs and group[e] < 0.25:
            b.party_org(project, city.props(project)["name"] + "党小组", PartyOrgLevel.GROUP,
                        company_orgs[company], org=group_org)
        if instructed[e] < lv.secretary_instructor:
            city.add_rel(RelType.INSTRUCTOR_OF, comm.secretary, project)
        if supervised[e] < lv.quality_supervisor:
            qualified = [p for p in comm.two_committees
                         if city.props(p)["party_member"] and city.props(p)["knows_property_law"]]
            if qualified:
                supervisor = qualified[int(supervisor_pick[e] * len(qualified))]
                city.add_rel(RelType.QUALITY_SUPERVISOR_OF, supervisor, project)
        head = city.into(company, RelType.MEMBER_OF)[0]
        if (city.props(head)["party_member"]
                and head_seated[e] < lv.head_on_regional_committee
                and comm.rpc not in city.out(head, RelType.MEMBER_OF)):
            b.member(head, comm.rpc, "member")
    return served


#: Seats an owners' committee may have, and how often.
_SEATS = ([5, 7, 9], [0.5, 0.35, 0.15])


def _make_owners_committees(b: _Builder, estates: list[tuple[str, _Community]],
                            served: list[bool]) -> None:
    """Owners' committees of managed estates: seats, party members, community members,
    their party group and their delegate to the regional party committee."""
    city, lv = b.city, b.levels
    n, most = len(estates), max(_SEATS[0])
    formed = b.draws("owners_committee", n)
    seats = b.streams["owners_committee"].choice(_SEATS[0], n, p=_SEATS[1])
    party = b.draws("owners_committee_party_member", (n, most))
    joined, joiner = b.draws("community_member_on_owners_committee", (n, 2)).T
    delegated, delegate_pick = b.draws("owners_on_regional_committee", (n, 2)).T
    for e, (estate, comm) in enumerate(estates):
        oc, org = b.new_id("O", 6), b.new_id("G", 6)
        people = [b.candidate() for _ in range(int(seats[e]))]
        if not (served[e] and formed[e] < lv.owners_committee):
            continue
        city.add_node(Label.OWNERS_COMMITTEE, oc, name=city.props(estate)["name"] + "业主委员会")
        city.add_rel(RelType.COMMITTEE_OF, oc, estate)
        members = []
        for seat, who in enumerate(people):
            if seat == len(people) - 1 and joined[e] < lv.community_member_on_owners_committee:
                person = comm.two_committees[int(joiner[e] * len(comm.two_committees))]
            else:
                person = b.add_person(who, bool(party[e, seat] < lv.owners_committee_party_member))
            role = "chair" if seat == 0 else "vice_chair" if seat == 1 else "member"
            b.member(person, oc, role)
            members.append(person)
        in_party = [p for p in members if city.props(p)["party_member"]]
        if len(in_party) >= 3:
            b.party_org(oc, city.props(oc)["name"] + "党小组", PartyOrgLevel.GROUP,
                        comm.party_org, org=org)
            for p in in_party:
                b.member(p, org, "member")
        if delegated[e] < lv.owners_on_regional_committee:
            delegate = members[int(delegate_pick[e] * len(members))]
            if comm.rpc not in city.out(delegate, RelType.MEMBER_OF):
                b.member(delegate, comm.rpc, "member")


_UNIT_SUFFIX = {"government": "办事处", "school": "学校", "hospital": "医院",
                "enterprise": "公司", "public_institution": "中心"}


def _make_resident_units(b: _Builder, communities: list[_Community]) -> None:
    rng, city, lv = b.rng, b.city, b.levels
    joins = b.streams["co_building"]
    for comm in communities:
        for _ in range(int(rng.poisson(1.5))):
            kind = _UNIT_KINDS[int(rng.integers(len(_UNIT_KINDS)))]
            unit = b.node(Label.RESIDENT_UNIT, "U", 5,
                          name=_name(rng, _PLACE, 2, 3) + _UNIT_SUFFIX[kind], kind=kind)
            city.add_rel(RelType.IN_COMMUNITY, unit, comm.id)
            if b.chance(0.5):
                b.party_org(unit, city.props(unit)["name"] + "党支部", PartyOrgLevel.BRANCH,
                            comm.party_org)
            joined, hours = joins.random(), int(joins.integers(10, 200))
            if joined < lv.co_building:
                city.add_rel(RelType.CO_BUILDS_WITH, unit, comm.id, resource_hours=hours)
