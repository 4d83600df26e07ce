"""The city model: a Mesa 3.5 ``Model`` built from a CityGraph.

Organisational actors are Mesa agents (:mod:`redwuye_graph.sim.agents`); households are
a layer of numpy arrays (:class:`~redwuye_graph.sim.households.VectorHouseholds`) or,
in the reference model, one Mesa agent each
(:class:`~redwuye_graph.sim.reference.ReferenceHouseholds`). One step is one day;
monthly accounts and fee decisions, tripartite meetings and company reviews are Mesa
recurring events. Each estate's links are read from the graph with
:func:`redwuye_graph.linkage.estate_linkage`; policies and company turnover change the
model's own copy of the graph and the links are read again. Policies
(:mod:`redwuye_graph.sim.policies`) see the model through
:class:`~redwuye_graph.sim.policies.ModelView`; the model calls their hooks.

Examples
--------
>>> from redwuye_graph.generate import generate
>>> model = CityModel(generate("tiny", seed=1), seed=3)
>>> model.run(60)
>>> tables = model.tables()
>>> sorted(tables)
['city', 'company', 'district', 'estate', 'log', 'summary', 'tender']
>>> int(tables["city"]["day"].max())
60
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.time import Schedule
from numba import njit

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.linkage import LINKAGE_COLUMNS, estate_linkage, estate_rows
from redwuye_graph.schema import Label, RelType
from redwuye_graph.sim.agents import Community, Company
from redwuye_graph.sim.capacity import channel_hours
from redwuye_graph.sim.households import VectorHouseholds
from redwuye_graph.sim.layer import DayControl, HouseholdLayer
from redwuye_graph.sim.params import CATEGORIES, Params
from redwuye_graph.sim.policies import PROJECT_POSTS, Policy, RunPolicies, furnish_project
from redwuye_graph.sim.records import Recorder

__all__ = ["HOUSEHOLD_BYTES", "MONTH_DAYS", "STREAMS", "CityModel", "MemoryNeedError",
           "available_memory", "check_households", "check_memory"]

#: Days in a model month (accounts, fee decisions, meeting cycle).
MONTH_DAYS = 30
#: Random streams, one per component, spawned in this order from the run's SeedSequence;
#: ``policies`` is the parent of one stream per policy (by kind and occurrence).
STREAMS = ("mesa", "arrivals", "escalation", "households", "payment", "service", "tenders",
           "policies")
_COBUILT = np.array([c in ("parking", "security", "neighbour") for c in CATEGORIES])
#: Take-up capacity of an interim-managed estate: the community manages it itself.
_UNLIMITED = 1 << 40
#: Memory a household takes in the vectorised layer while it runs, bytes (its arrays,
#: the month's buffers and temporaries, its share of the complaint store; measured at
#: 1.4 M households over 65 days, 114 bytes, rounded up).
HOUSEHOLD_BYTES = 128


class MemoryNeedError(ValueError, MemoryError):
    """A city needs more memory than the machine has available (the message says how
    much); a ``ValueError`` too, so the command line reports it as bad input."""


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``, else the
    physical memory), or ``None`` when the system does not say."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import os

        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(households: int, available: int | None = None) -> None:
    """Refuse (:class:`MemoryNeedError`) a city whose ``households`` would need more than
    the ``available`` memory (default: :func:`available_memory`), before allocating."""
    need = households * HOUSEHOLD_BYTES
    have = available_memory() if available is None else available
    if have is not None and need > have:
        raise MemoryNeedError(
            f"the city's {households:,} households need about {_size(need)} to simulate "
            f"({HOUSEHOLD_BYTES} bytes each); {_size(have)} is available")


def check_households(households: int, available: int | None = None) -> None:
    """Refuse a city with no households to simulate (``ValueError``) or more than memory
    holds (:func:`check_memory`)."""
    if households <= 0:
        raise ValueError("the city has no households to simulate (every estate has "
                         "households = 0)")
    check_memory(households, available)


def _size(count: int) -> str:
    return f"{count / 2**30:.1f} GiB" if count >= 2**30 else f"{count / 2**20:.0f} MiB"


class CityModel(mesa.Model):  # type: ignore[misc]
    """The Red Property city: estates, companies, committees and households, day by day.

    Parameters
    ----------
    city : the organisation; the model works on its own copy.
    params : model parameters (defaults when omitted).
    policies : interventions, each started on its start day (see :meth:`add_policy`).
    seed : run seed; one ``SeedSequence(seed)`` is spawned into :data:`STREAMS`.
    reference : use one Mesa agent per household (the reference model).
    """

    def __init__(self, city: CityGraph, params: Params | None = None,
                 policies: Iterable[Policy] = (), seed: int = 0, reference: bool = False):
        streams = dict(zip(STREAMS, np.random.SeedSequence(seed).spawn(len(STREAMS)),
                           strict=True))
        policy_seed = streams.pop("policies")
        self.rngs = {name: np.random.default_rng(s) for name, s in streams.items()}
        super().__init__(rng=self.rngs["mesa"])
        self.seed = seed
        self.p = params or Params()
        self.city = city.copy()
        self._nodes_added = 0
        self._dirty = False
        self._links: pd.DataFrame | None = None
        self._channels: tuple[np.ndarray, ...] | None = None

        links = estate_linkage(self.city)
        if links.empty:
            raise ValueError("the city has no estates to simulate")
        gaps = simulation_gaps(links)
        if gaps:
            raise ValueError(gaps)
        self.estate_ids = list(links["estate"])
        self.index = {e: i for i, e in enumerate(self.estate_ids)}
        n = len(self.estate_ids)
        self.households = links["households"].to_numpy(np.int64)
        check_households(int(self.households.sum()))
        self.old = links["old"].to_numpy(bool)
        self.fee = links["fee_level"].to_numpy(float) * self.p.flat_area_m2
        self.district = links["district"].to_numpy(str)
        self.community = links["community"].to_numpy(str)
        #: problems per household and day at full service quality (estates × categories)
        self.base_rates = np.tile(np.asarray(self.p.rates()) / 365.0, (n, 1))
        self.base_rates[self.old, 0] *= self.p.old_repairs_factor
        self.community_ids = sorted(set(self.community))
        where = {c: k for k, c in enumerate(self.community_ids)}
        self.community_index = np.array([where[c] for c in self.community], np.int64)
        self.owners_hours = np.zeros(n)
        self.cross_hours = np.zeros(n)
        self.community_hours = np.zeros(len(self.community_ids))

        #: Changes whenever estates change company or companies their standing.
        self.firm_version = 0
        self._firms_changed = True
        self.companies: dict[str, Company] = {}
        for _, row in links.dropna(subset=["company"]).drop_duplicates("company").iterrows():
            self.companies[row["company"]] = Company(self, row["company"], row["credit_grade"],
                                                     bool(row["blacklisted"]),
                                                     int(row["star_rating"]))
        self.communities = {
            str(c): Community(self, str(c), [self.index[e] for e in group["estate"]])
            for c, group in links.groupby("community", sort=True)}
        self.response = np.full(n, self.p.response_days, np.int64)
        self.vacated = np.full(n, -1, np.int64)
        self.meeting_estates = np.zeros(n, bool)
        self._read_links(links)
        #: Share of new projects that get each post from the city's own practice: the
        #: day-0 coverage (policies in force add theirs).
        self.post_shares = _coverage(self._flags)
        self.collection = np.full(n, np.nan)
        peer0 = self._budget_share()
        self.staff = np.where(self.served, self._target_staff(peer0 * self.fee * self.households),
                              0.0)
        self.revenue = np.zeros(n)
        self.cost = np.zeros(n)
        self.peer_paid = np.full(n, peer0)
        for company in self.companies.values():
            mine = np.fromiter(company.estates, np.int64)
            company.cash = self.p.reserve_months * float(
                (self.staff[mine] * self.p.wage + self.p.overhead * self.households[mine]).sum())
        self.vacated[~self.served] = 0
        #: Day of each vacant estate's next tender (-1: served).
        self.tender_due = np.where(self.served, -1, self.p.tender_days).astype(np.int64)
        #: Community-side posts of each vacant estate's last project, kept for the next.
        self._kept_posts: dict[int, list[tuple[str, RelType]]] = {}
        for company in self.companies.values():
            company.score = peer0
        self.refresh_cobuilding()

        layer_rngs = {k: self.rngs[k] for k in ("arrivals", "households", "payment")}
        self.layer: HouseholdLayer
        if reference:
            from redwuye_graph.sim.reference import ReferenceHouseholds

            self.layer = ReferenceHouseholds(self, self.households, self.p, layer_rngs)
        else:
            self.layer = VectorHouseholds(self.households, self.p, layer_rngs)
        self.recorder = Recorder(self)

        #: The run's policies: added, in force, their hooks and random streams.
        self.policies = RunPolicies(policy_seed)
        #: accumulated neglect per estate, in [0, 1] (starts at day 0's quality shortfall)
        self.neglect = 1.0 - self.quality()
        self._built = False
        for policy in policies:
            self.add_policy(policy)
        self._built = True
        self.schedule_recurring(self._month, Schedule(interval=MONTH_DAYS, start=MONTH_DAYS))
        self._meetings: Any = None
        self.set_meetings(self.p.meetings_per_month)
        self.schedule_recurring(self._review, Schedule(interval=self.p.review_days,
                                                       start=self.p.review_days))

    # -- links from the graph -------------------------------------------------------------
    @property
    def links(self) -> pd.DataFrame:
        """Each estate's links (:func:`~redwuye_graph.linkage.estate_linkage`) as last read."""
        if self._links is None:
            self._links = estate_linkage(self.city)
        return self._links

    def _read_links(self, links: pd.DataFrame | None = None) -> None:
        links = estate_linkage(self.city) if links is None else links
        self._links = links
        self._flags = {c: links[c].to_numpy(bool, copy=True) for c in LINKAGE_COLUMNS}
        self.company_of = np.array(links["company"].to_numpy(object), object)
        self.project_of = np.array(links["project"].to_numpy(object), object)
        # what the full read holds for "none" (NaN in a string column, else None)
        self._none = {name: next((v for v in arr if not isinstance(v, str)), np.nan)
                      for name, arr in (("company", self.company_of),
                                        ("project", self.project_of))}
        self._links_changed()
        self._read_hours(None)
        self._pending: set[int] = set()
        self._pending_firms: set[str] = set()
        self._hours_due: set[int] = set()

    def _read_hours(self, estates: list[int] | None) -> None:
        """Channel hours (owners', cross, community) of ``estates`` (all when None) and of
        their communities, from who holds which posts now."""
        ids = self.estate_ids if estates is None else [self.estate_ids[e] for e in estates]
        hours = channel_hours(self.city, ids, self.p)
        at = slice(None) if estates is None else estates
        self.owners_hours[at] = hours.owners
        self.cross_hours[at] = hours.cross
        for comm, value in hours.community.items():
            self.community_hours[self.community_ids.index(comm)] = value
        self._channels = None

    def _links_changed(self) -> None:
        """Model arrays and company estates from the links just read."""
        col = self._flags
        self.served = col["has_company"]
        self.links_tripartite = col["tripartite"]
        self.owners = col["has_owners_committee"]
        self.trust = col["community_member_on_owners_committee"]
        self.community_link = (self.trust | col["secretary_instructor"]
                               | col["quality_supervisor"] | col["interim_managed"])
        self.path = self.owners | self.community_link
        self.fast = col["head_on_regional_committee"] | col["owners_on_regional_committee"]
        self.responsive = (col["company_party_org"] | col["company_instructor"]
                           | col["secretary_instructor"])
        self.supervised = col["quality_supervisor"]
        self.interim = col["interim_managed"]
        for company in self.companies.values():
            company.estates = set()
        for i, cid in enumerate(self.company_of):
            if cid is not None and cid in self.companies:
                self.companies[cid].estates.add(i)
        self._dirty = False
        self.firm_version += 1
        self._firms_changed = True

    def reorganise(self, city: CityGraph) -> None:
        """Adopt ``city`` as the organisation from now on: the same estates, companies and
        vacancies with other posts, committees and organisations (a scenario's
        ``[levels]`` applied to its base city on day 0). Linkage groups stay the base
        city's cohort."""
        links = estate_linkage(city)
        if list(links["estate"]) != self.estate_ids or not np.array_equal(
                links["has_company"].to_numpy(bool), self.served):
            raise ValueError("reorganise: the new city must have the same estates and "
                             "vacancies as the model's city")
        self.city = city.copy()
        self._read_links(links)
        self.post_shares = _coverage(self._flags)
        self.refresh_cobuilding()

    def refresh_links(self) -> None:
        """Read every estate's links again from the (changed) graph."""
        self._read_links()

    def _refresh_pending(self) -> None:
        """Read again the links of the estates changed by exits, interim managers and
        tenders (and of the other estates of the companies involved)."""
        estates = set(self._pending)
        self._hours_due.update(self._pending)
        if self._pending_firms:
            estates.update(i for i, cid in enumerate(self.company_of)
                           if cid in self._pending_firms)
        order = sorted(estates)
        none = self._none
        for e, row in zip(order, estate_rows(self.city, [self.estate_ids[e] for e in order]),
                          strict=True):
            for name in LINKAGE_COLUMNS:
                self._flags[name][e] = row[name]
            for name, column in (("company", self.company_of), ("project", self.project_of)):
                column[e] = none[name] if row[name] is None else row[name]
        self._links = None
        self._pending.clear()
        self._pending_firms.clear()
        self._links_changed()
        # a post removed or added changes the shares of the people holding posts in the
        # community: read the hours of every estate of the communities involved
        touched = np.isin(self.community_index, self.community_index[sorted(self._hours_due)])
        self._hours_due.clear()
        self._read_hours([int(e) for e in np.flatnonzero(touched)])

    def refresh_cobuilding(self) -> None:
        """Read the co-building resource hours (a month, per community) again."""
        hours: dict[str, float] = {}
        for _, comm, _, props in self.city.rels(RelType.CO_BUILDS_WITH):
            hours[comm] = hours.get(comm, 0.0) + float(props["resource_hours"])
        self.cobuild_hours = np.array([hours.get(c, 0.0) for c in self.community_ids])
        self._channels = None

    # -- money and staff ------------------------------------------------------------------
    def _budget_share(self) -> float:
        p = self.p
        return float(1.0 / (1.0 + np.exp(-(p.pay_intercept + p.pay_satisfaction
                                            * (p.sat_init - 0.5)))))

    def _target_staff(self, revenue: np.ndarray) -> np.ndarray:
        p = self.p
        floor = p.min_staff * self.households / 1000.0
        return np.maximum(floor, (1.0 - p.margin) * (revenue - p.overhead * self.households)
                          / p.wage)

    def per_estate(self, by_company: dict[str, float]) -> np.ndarray:
        """Each estate's value of its serving company in ``by_company`` (0 if none)."""
        return np.array([by_company.get(c, 0.0) if isinstance(c, str) else 0.0
                         for c in self.company_of], float)

    def effort(self) -> np.ndarray:
        """Per-estate company effort multiplier (responsiveness, supervision, policies)."""
        p = self.p
        e = (1.0 + p.party_effort * self.responsive) * (1.0 - p.shirk * ~self.supervised)
        for policy in self.policies.hooked("effort"):
            e = policy.effort(self, e)
        return np.asarray(e, float)

    def quality(self) -> np.ndarray:
        """Per-estate service quality in [0, 1]: effective staff (staff × effort, or the
        interim manager's staff) per 1,000 households ÷ ``staff_norm``; 0 in a vacuum."""
        p = self.p
        staff = np.where(self.served, self.staff * self.effort(),
                         self.interim * p.interim_staff * self.households / 1000.0)
        per_1000 = staff * 1000.0 / np.maximum(self.households, 1)
        return np.asarray(np.minimum(per_1000 / p.staff_norm, 1.0), float)

    # -- policies ---------------------------------------------------------------------------
    def add_policy(self, policy: Policy) -> None:
        """Add ``policy`` to the run; it starts on its start day.

        Policies given to the constructor start, roll out and end as Mesa one-off events,
        in the order given; for one added later, the steps whose day has come happen at
        once.

        Parameters
        ----------
        policy : a policy (:func:`~redwuye_graph.sim.policies.make_policy`).
        """
        for day, call in self.policies.add(policy, self):
            if self._built and day <= self.time:
                call()
            else:
                self.schedule_event(call, at=float(day))

    def end_policy(self, kind: str) -> bool:
        """End the policy of ``kind`` in force, if any; whether there was one."""
        return self.policies.end(kind, self)

    def policy_rng(self, policy: Policy) -> np.random.Generator:
        """The random stream of ``policy`` in this run."""
        return self.policies.rng(policy)

    def policy_state(self, policy: Policy) -> dict[str, Any]:
        """What ``policy`` keeps in this run while in force."""
        return self.policies.state(policy)

    def new_serial(self) -> int:
        """A new serial number for a node the model adds (project, committee, person)."""
        self._nodes_added += 1
        return self._nodes_added

    def interim_days(self) -> int:
        """Days from a company's exit to interim management (``interim_days`` or policy)."""
        days = self.p.interim_days
        for policy in self.policies.hooked("interim_days"):
            days = policy.interim_days(self, days)
        return days

    # -- the day ----------------------------------------------------------------------------
    def control(self, day: int) -> DayControl:
        """Today's per-estate orders to the household layer."""
        p = self.p
        interim = ~self.served & self.interim
        rate = np.where(self.served, self.staff * p.productivity * self.effort(),
                        interim * p.interim_staff * self.households / 1000.0 * p.productivity)
        capacity = _whole(rate, self.rngs["service"])
        problems = self.base_rates * (1.0 + p.problem_neglect * self.neglect)[:, None]
        mean = self.layer.satisfaction().total / np.maximum(self.households, 1)
        report = np.clip(p.report_base + p.report_path * self.path
                         + p.report_trust * (mean - 0.5), 0.0, 1.0)
        if self._channels is None:
            self._channels = self._channel_rates()
        owners, carry, community, cobuild = self._channels
        draw = self.rngs["escalation"]
        carried = np.where(interim, _UNLIMITED, _whole(carry, draw))
        age = np.where(self.fast, p.escalation_days_fast, p.escalation_days).astype(np.int64)
        return DayControl(day, problems, report, capacity, self.response, age, self.path,
                          _whole(owners, draw), carried, self.community_index,
                          _whole(community, draw), _whole(cobuild, draw), _COBUILT)

    def _channel_rates(self) -> tuple[np.ndarray, ...]:
        """Escalated complaints per day each channel can work: owners' committees and
        cross-appointed take-up per estate, community two committees and co-building per
        community; they change only with the posts, the co-building hours and the
        parameters."""
        p = self.p
        work = (1.0 - p.visit_share) / MONTH_DAYS
        owners = self.owners_hours * self.owners * work / p.hours_complaint
        carry = self.cross_hours * self.community_link * work / p.hours_take_up
        community = self.community_hours / MONTH_DAYS / p.hours_complaint
        cobuild = p.cobuild_share * self.cobuild_hours / MONTH_DAYS / p.hours_complaint
        return owners, carry, community, cobuild

    def visits(self) -> np.ndarray:
        """Visits to households in arrears a month per estate: the owners' committee's and
        the cross-appointed people's visiting hours ÷ ``hours_visit``."""
        p = self.p
        hours = self.owners_hours * self.owners + self.cross_hours * self.community_link
        return np.asarray(p.visit_share * hours / p.hours_visit, float)

    def step(self) -> None:
        """One day: complaints filed, worked, escalated; vacuums handled; records kept."""
        day = round(self.time)
        report = self.layer.day(self.control(day))
        self.recorder.day(day, report)
        self._vacuums(day)
        if self._firms_changed:
            self.recorder.companies(day)
            self._firms_changed = False

    def run(self, days: int) -> None:
        """Run ``days`` daily steps."""
        self.recorder.reserve(round(self.time) + days)
        self.run_for(days)

    # -- recurring events ----------------------------------------------------------------
    def set_meetings(self, per_month: int) -> None:
        """(Re)schedule tripartite meetings ``per_month`` times a month from now."""
        if self._meetings is not None:
            self._meetings.stop()
        interval = MONTH_DAYS / per_month
        start = (np.floor(self.time / interval) + 1) * interval
        self._meetings = self.schedule_recurring(self._meeting,
                                                 Schedule(interval=interval, start=start))

    def _meeting(self) -> None:
        self.meeting_estates[:] = False
        self.agents_by_type[Community].do("hold_meeting")
        day = int(np.ceil(self.time))
        hours = self.meeting_estates * self.p.meeting_hours / self.p.hours_complaint
        settled = self.layer.meeting(day, _whole(hours, self.rngs["escalation"]))
        self.recorder.settled(day, settled)

    def _month(self) -> None:
        day = round(self.time)
        p = self.p
        # what residents saw last month: their neighbours' complaints settled or given up
        settled, lost = self.recorder.recent(("settled", "abandoned"), MONTH_DAYS)
        record = np.where(settled + lost > 0, (settled - lost) / np.maximum(settled + lost, 1),
                          0.0)
        target = np.where(self.served, p.sat_base + p.sat_seen * record
                          + p.sat_trust * self.trust, p.sat_vacuum)
        enforcement = p.pay_owners * self.owners + p.pay_community * self.trust
        month = self.layer.month(target, self.peer_paid, enforcement, self.served,
                                 self.visits())
        paid = month.paid
        # an estate without households keeps its last share (it has nobody to pay)
        self.peer_paid = np.divide(paid, self.households, out=self.peer_paid.astype(float),
                                   where=self.households > 0)
        self.revenue = paid * self.fee
        self.cost = np.where(self.served, self.staff * p.wage + p.overhead * self.households,
                             0.0)
        self.recorder.month(day, paid, month.visited)
        self.neglect += (1.0 - self.quality() - self.neglect) / p.neglect_months
        if Company in self.agents_by_type:
            self.agents_by_type[Company].do("settle_accounts")
        target_staff = self._target_staff(self.revenue)
        self.staff = np.where(self.served,
                              self.staff + p.staff_adjust * (target_staff - self.staff), 0.0)
        if self._dirty:
            self._refresh_pending()
        self.recorder.companies(day)
        self._firms_changed = False

    def _review(self) -> None:
        """Company reviews: each company's score over all its estates (its reputation, in
        tenders whatever the policies) and rank; rating policies act on them."""
        if Company not in self.agents_by_type:
            return
        score = self.recorder.review_scores()
        firms = [c for c in self.agents_by_type[Company] if c.estates]
        values = np.array([float(np.nanmean(score[list(c.estates)])) for c in firms])
        values = np.nan_to_num(values, nan=0.5)
        ranks = (np.argsort(np.argsort(values)) + 0.5) / max(len(values), 1)
        reviewers = self.policies.hooked("review")
        for firm, value, rank in zip(firms, values, ranks, strict=True):
            firm.score, firm.rank = float(value), float(rank)
            for policy in reviewers:
                policy.review(self, firm, float(value), float(rank))
        self.firm_version += 1
        self.recorder.companies(round(self.time))

    # -- exits, vacuums, tenders -------------------------------------------------------------
    def withdraw(self, estate: int) -> None:
        """The serving company leaves ``estate``: its project ends, the estate is vacant.

        The project's community-side posts (its instructor and quality supervisor, people
        of the community) are kept for the estate's next project."""
        project = self.project_of[estate]
        company = self.company_of[estate]
        self._pending.add(estate)
        self._pending_firms.add(company)
        if project is not None and project in self.city:
            self._kept_posts[estate] = [
                (person, rel) for rel in (RelType.INSTRUCTOR_OF, RelType.QUALITY_SUPERVISOR_OF)
                for person in sorted(self.city.into(project, rel))]
            self.city.graph.remove_node(project)
        self.companies[company].estates.discard(estate)
        self.served[estate] = False
        self.staff[estate] = 0.0
        day = round(self.time)
        self.vacated[estate] = day
        self.tender_due[estate] = day + self.p.tender_days
        self.recorder.exit(day, estate)
        self._dirty = True
        self._firms_changed = True

    def _vacuums(self, day: int) -> None:
        waited = np.where(~self.served & (self.vacated >= 0), day - self.vacated, -1)
        # interim managers first, then tenders in estate order (the tenders' draw order)
        interim = np.flatnonzero((waited >= self.interim_days()) & ~self.interim)
        for e in interim:
            self.city.add_rel(RelType.INTERIM_MANAGES, str(self.community[e]),
                              self.estate_ids[e])
            self._pending.add(int(e))
        due = np.flatnonzero(~self.served & (self.tender_due >= 0) & (self.tender_due <= day))
        tendered = False
        if len(due):
            sat = self.layer.satisfaction().total / np.maximum(self.households, 1)
            tendered = any([self._tender(int(e), float(sat[e])) for e in due])
        if len(interim) or tendered:
            self._refresh_pending()

    def expected_margin(self, estate: int, satisfaction: float) -> tuple[float, float]:
        """What a bidder expects of ``estate`` at mean ``satisfaction``: the collection
        rate (the payment rule at that satisfaction, peers alike) and the margin of that
        fee income over the cost of a minimum-staffed project (share of the cost)."""
        p = self.p
        rate = 1.0 / (1.0 + np.exp(-(p.pay_intercept + p.pay_satisfaction
                                      * (satisfaction - 0.5))))
        cost = p.min_staff * p.wage / 1000.0 + p.overhead
        return float(rate), float(rate * self.fee[estate] / cost - 1.0)

    def _tender(self, estate: int, satisfaction: float) -> bool:
        """Tender a vacant estate: solvent firms of the pool bid if they expect a margin of
        at least ``bid_margin``; the winner is drawn by tender weight (reputation, and the
        policies' grades and stars). Without a bid the estate stays vacant and is
        tendered again after ``retender_days``. Whether a company took it over."""
        p, day = self.p, round(self.time)
        pool = [c for c in self.companies.values() if c.estates]
        for policy in self.policies.hooked("tender_pool"):
            pool = policy.tender_pool(self, pool)
        rate, margin = self.expected_margin(estate, satisfaction)
        bidders = [c for c in pool if c.cash > 0.0] if margin >= p.bid_margin else []
        record = {"estate": self.estate_ids[estate], "expected_collection": rate,
                  "expected_margin": margin, "bidders": len(bidders)}
        if not bidders:
            self.tender_due[estate] = day + p.retender_days
            reason = (f"expected margin {margin:+.2f} below bid_margin {p.bid_margin:+.2f}"
                      if margin < p.bid_margin else "no solvent firm in the pool")
            self.recorder.tender(day, estate, {**record, "company": None, "chance": np.nan,
                                               "reputation": np.nan, "reason": reason})
            return False
        reputation = np.array([c.score for c in bidders])
        base = p.tender_reputation * (reputation - 0.5)
        weight = base.copy()
        for policy in self.policies.hooked("tender_weights"):
            weight = policy.tender_weights(self, bidders, weight)
        chance = np.exp(weight - weight.max())
        chance /= chance.sum()
        won = int(self.rngs["tenders"].choice(len(bidders), p=chance))
        winner = bidders[won]
        estate_id = self.estate_ids[estate]
        serial = self.new_serial()
        project = f"JSIM{serial:06d}"
        self.city.add_node(Label.PROJECT, project, name=f"{estate_id} project {serial}")
        self.city.add_rel(RelType.OPERATES, winner.company_id, project)
        self.city.add_rel(RelType.SERVES, project, estate_id)
        for person, rel in self._kept_posts.pop(estate, []):
            if person in self.city:
                self.city.add_rel(rel, person, project)
        for manager in self.city.into(estate_id, RelType.INTERIM_MANAGES):
            self.city.graph.remove_edge(manager, estate_id, key=RelType.INTERIM_MANAGES)
        posts = furnish_project(self, estate, self.post_shares, self.rngs["tenders"])
        for policy in self.policies.hooked("new_project"):
            posts += policy.new_project(self, estate)
        self.staff[estate] = p.min_staff * self.households[estate] / 1000.0
        self.vacated[estate] = -1
        self.tender_due[estate] = -1
        reason = (f"{len(bidders)} bidder(s); weight {weight[won]:+.2f} (reputation "
                  f"{base[won]:+.2f}, policies {weight[won] - base[won]:+.2f})"
                  + (f"; new posts: {', '.join(posts)}" if posts else ""))
        self.recorder.tender(day, estate, {**record, "company": winner.company_id,
                                           "chance": float(chance[won]),
                                           "reputation": float(reputation[won]),
                                           "reason": reason})
        self._pending.add(estate)
        self._pending_firms.add(winner.company_id)
        return True

    # -- results ----------------------------------------------------------------------------
    def tables(self) -> dict[str, pd.DataFrame]:
        """Tidy result tables: ``estate``, ``district``, ``city`` and ``company`` per day,
        ``summary``, ``tender`` (one row per tender) and ``log`` (the run log)."""
        return self.recorder.tables()


def _whole(rate: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``rate`` rounded to whole numbers at random, keeping its mean."""
    return _round_at_random(np.asarray(rate, np.float64), rng.random(len(rate)))


@njit(cache=True)
def _round_at_random(rate: np.ndarray, draw: np.ndarray) -> np.ndarray:
    """``floor(rate) + (draw < rate - floor(rate))``, element by element."""
    out = np.empty(len(rate), np.int64)
    for i in range(len(rate)):
        whole = np.floor(rate[i])
        out[i] = np.int64(whole + (draw[i] < rate[i] - whole))
    return out


#: Values the simulation reads: of every estate, and of every company serving one.
ESTATE_NEEDS = ("households", "old", "fee_level")
COMPANY_NEEDS = ("credit_grade", "blacklisted", "star_rating")


def simulation_gaps(links: pd.DataFrame, shown: int = 3) -> str:
    """What a city (its :func:`~redwuye_graph.linkage.estate_linkage` table) lacks to be
    simulated, as one line naming the first ``shown`` bodies, their empty fields and the
    roster file; ``""`` when nothing is missing. A roster may leave these values unknown
    (a partial roster loads); the simulation cannot."""
    gaps: dict[tuple[str, str], list[str]] = {}
    for row in links.to_dict("records"):
        for field in ESTATE_NEEDS:
            if row[field] is None or pd.isna(row[field]):
                gaps.setdefault(("Estate", row["estate"]), []).append(field)
        if row["company"] is not None and not pd.isna(row["company"]):
            for field in COMPANY_NEEDS:
                if row[field] is None or pd.isna(row[field]):
                    fields = gaps.setdefault(("PropertyCompany", row["company"]), [])
                    if field not in fields:
                        fields.append(field)
    if not gaps:
        return ""
    listed = "; ".join(f"nodes/{label}.csv id {node}: {', '.join(fields)}"
                       for (label, node), fields in list(gaps.items())[:shown])
    more = f" (and {len(gaps) - shown} more)" if len(gaps) > shown else ""
    return (f"cannot simulate: {len(gaps)} bodies lack values the simulation needs "
            f"({', '.join(ESTATE_NEEDS)} of every estate; {', '.join(COMPANY_NEEDS)} of "
            f"every company serving one): {listed}{more}")


def _coverage(flags: dict[str, np.ndarray]) -> dict[str, float]:
    """Share of estates with each of :data:`PROJECT_POSTS` among those that can have it
    (served estates; estates with an owners' committee for the committee's posts)."""
    among = {"owners_committee": "has_company",
             "community_member_on_owners_committee": "has_owners_committee",
             "owners_on_regional_committee": "has_owners_committee"}
    out = {}
    for post in PROJECT_POSTS:
        base = flags[among.get(post, "has_company")]
        has = flags["has_owners_committee" if post == "owners_committee" else post]
        out[post] = float((has & base).sum() / base.sum()) if base.any() else 0.0
    return out
