"""Attribution: what each mechanism carries of the gain of scenario B over scenario A.

A *channel* is one mechanism of the model, registered in :data:`CHANNELS` with a
one-line meaning and how to switch it off: parameter overrides (a value, or the name of
another parameter whose value it takes) and/or policy kinds removed. Switching a channel
off applies to both scenarios of a comparison; it makes the mechanism make no
difference, so the gain that went through it disappears.

For a set ``S`` of channels left on (the others off), ``v(S)`` is the mean paired gain
B − A over the same runs (graph seed, run seed) as the comparison: the same base cities
and random streams, only the switches differ. Then

- ``total = v(all)`` is the comparison's own gain (every channel on);
- ``residual = v(none)`` is what remains with every channel off (mechanisms outside the
  registry: staff following revenue, peers, the base city's own posts ...);
- *one at a time*: channel ``i`` carries ``v(all) − v(all − i)``; the ``interaction``
  ``total − residual − Σ`` is reported, so the parts sum to the total;
- *Shapley*: channel ``i`` carries its marginal gain ``v(S + i) − v(S)`` averaged over
  the orders in which channels are switched on: exact over all ``2^k`` sets for up to
  ``exact_up_to`` channels, else over sampled orders (each with its reverse). Each order's
  marginals sum to ``total − residual``, so Shapley needs no interaction term.

Channels that change neither scenario (a parameter already at its off value, a policy
neither runs) are *idle*: they carry exactly 0 and cost no run. Runs whose effective
scenario (parameters, policies) is the same are run once.

Every part is computed per run pair and then averaged, with a 95% interval over the
base cities (over the runs with one base city), as in
:mod:`redwuye_graph.experiments.compare`.

Adding a channel for a new mechanism is one :func:`channel` call below.

Examples
--------
>>> CHANNELS["meetings"].overrides
{'meeting_hours': 0.0}
>>> from redwuye_graph.sim.params import Params
>>> CHANNELS["fast_escalation"].switch_off(Params(), [])[0].escalation_days_fast
10
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from redwuye_graph.errors import RunError, one_line
from redwuye_graph.experiments.compare import DifferentCitiesError, paired_interval
from redwuye_graph.outcomes import HEADLINE, check_outcomes, run_outcomes
from redwuye_graph.sim.params import PARAMS, Params
from redwuye_graph.sim.policies import POLICIES
from redwuye_graph.sim.scenario import Run, Scenario

if TYPE_CHECKING:
    from redwuye_graph.experiments.executors import Executor

__all__ = ["CHANNELS", "METHODS", "Attribution", "Channel", "attribute", "channel",
           "run_pair_outcomes"]

#: Attribution methods: both, or one of them.
METHODS = ("both", "one_at_a_time", "shapley")


@dataclass(frozen=True)
class Channel:
    """One mechanism and how to switch it off.

    ``overrides`` maps a parameter to its off value (a number) or to the name of another
    parameter whose value it then takes; ``policies`` are policy kinds removed.
    """

    name: str
    meaning: str
    overrides: Mapping[str, float | str] = field(default_factory=dict)
    policies: tuple[str, ...] = ()

    def switch_off(self, params: Params, policies: Sequence[Mapping[str, Any]]
                   ) -> tuple[Params, list[Mapping[str, Any]]]:
        """``params`` and ``policies`` (scenario policy specs) with this channel off."""
        values: dict[str, Any] = {
            k: PARAMS[k].check(getattr(params, v) if isinstance(v, str) else v,
                               f"channel {self.name}")
            for k, v in self.overrides.items()}
        kept = [p for p in policies if p["kind"] not in self.policies]
        return replace(params, **values), kept


#: The registry of channels: name -> :class:`Channel`, in registration order.
CHANNELS: dict[str, Channel] = {}


def channel(name: str, meaning: str, overrides: Mapping[str, float | str] | None = None,
            policies: Iterable[str] = ()) -> Channel:
    """Register a channel (see :class:`Channel`); its parameters and policies must exist."""
    overrides = dict(overrides or {})
    for key, value in overrides.items():
        if key not in PARAMS or (isinstance(value, str) and value not in PARAMS):
            raise ValueError(f"channel {name}: unknown parameter {key}={value!r}")
    for kind in policies:
        if kind not in POLICIES:
            raise ValueError(f"channel {name}: unknown policy {kind!r}")
    CHANNELS[name] = Channel(name, meaning, overrides, tuple(policies))
    return CHANNELS[name]


channel("community_escalation", "the community two committees' time: escalated complaints "
        "settled (reached through a cross-appointed person or as interim manager), taken up "
        "and arrears visits by cross-appointed two-committee members",
        {"hours_committee": 0.0})
channel("owners_escalation", "the owners' committee volunteers' time: escalated complaints "
        "settled and arrears visits", {"hours_owner": 0.0})
channel("fast_escalation", "a seat on the regional party committee lets complaints "
        "escalate sooner (escalation_days_fast)", {"escalation_days_fast": "escalation_days"})
channel("meetings", "tripartite meetings settle escalated complaints",
        {"meeting_hours": 0.0})
channel("co_building", "co-building units' resource hours settle escalated parking, "
        "security and neighbour complaints", {"cobuild_share": 0.0})
channel("arrears_visits", "a visit about arrears raises the visited household's log-odds "
        "of paying that month (the visits still take their time)", {"pay_visit": 0.0})
channel("neighbours_record", "neighbours' complaints settled or given up move the "
        "estate's satisfaction target (sat_seen)", {"sat_seen": 0.0})
channel("neglect", "neglect (poor service remembered) raises the rate of problems",
        {"problem_neglect": 0.0})
channel("quality_supervision", "a community quality supervisor keeps company effort up "
        "(off: no estate loses effort for want of one)", {"shirk": 0.0})
channel("party_effort", "a party organisation, party-building instructor or "
        "secretary-instructor raises company effort", {"party_effort": 0.0})
channel("credit_rating", "credit rating with blacklist: effort, grades in tenders, "
        "blacklisted firms excluded (the policy removed)", policies=("credit_rating",))
channel("star_rating", "star rating: effort, stars in tenders (the policy removed)",
        policies=("star_rating",))
channel("service_points", "on-site service points shorten the response delay (the policy "
        "removed)", policies=("service_points",))
channel("interim_management", "faster interim management of vacuum estates (the policy "
        "removed)", policies=("interim_management",))
channel("direct_pay_owners", "assumed direct term: an owners' committee adds pay_owners "
        "to the log-odds of paying", {"pay_owners": 0.0})
channel("direct_pay_community", "assumed direct term: a community member on the owners' "
        "committee adds pay_community to the log-odds of paying", {"pay_community": 0.0})
channel("direct_sat_trust", "assumed direct term: a community member on the owners' "
        "committee raises the satisfaction target by sat_trust", {"sat_trust": 0.0})


def run_pair_outcomes(run: Run) -> dict[str, float]:
    """Every outcome of :data:`~redwuye_graph.outcomes.OUTCOMES` for one run (no estate
    table kept): the unit of work of an attribution, for any executor."""
    sc = run.scenario
    model = sc.model(run.graph_seed, run.seed)
    model.run(sc.days)
    return run_outcomes(model.recorder.tables(estates=False))


@dataclass(frozen=True)
class Attribution:
    """The gain of ``b`` over ``a`` split by channel.

    ``table`` has one row per method, outcome and part: ``part`` is a channel name,
    ``residual``, ``interaction`` (one at a time only) or ``total``; ``kind`` says which;
    ``value`` is the mean over run pairs, ``low`` .. ``high`` its 95% interval,
    ``share`` the value as a share of the total. For a method, the parts other than
    ``total`` sum to it.
    """

    a: str
    b: str
    table: pd.DataFrame
    channels: list[str]
    idle: list[str]
    pairs: list[tuple[int, int]]
    runs: int
    exact: bool
    permutations: int

    def wide(self, outcome: str) -> pd.DataFrame:
        """One outcome's parts as rows (residual, channels, interaction, idle channels,
        total) with, per method, the value, its interval and its share of the total."""
        part = self.table[self.table["outcome"] == outcome]
        if part.empty:
            raise ValueError(f"outcome {outcome!r} was not attributed; attributed: "
                             f"{', '.join(self.table['outcome'].unique())}")
        order = list(dict.fromkeys(part.sort_values("kind", key=lambda k: k.map(_ORDER),
                                                    kind="stable")["part"]))
        frame = pd.DataFrame({"part": order})
        for method, rows in part.groupby("method", sort=False):
            rows = rows.set_index("part")
            for column in ("value", "low", "high", "share"):
                frame[f"{method}_{column}"] = frame["part"].map(rows[column])
        return frame

    def describe(self) -> str:
        """What was switched and how the Shapley values were computed."""
        graphs = sorted({g for g, _ in self.pairs})
        how = ("exact over all sets of channels" if self.exact else
               f"sampled over {self.permutations} orders of the channels (each with its "
               "reverse)")
        idle = f"; idle (no change to either scenario, 0): {', '.join(self.idle)}" \
            if self.idle else ""
        return (f"{self.b} − {self.a} split over {len(self.channels)} channel(s) in play "
                f"({', '.join(self.channels) or 'none'}){idle}; {len(self.pairs)} run pair(s) "
                f"on {len(graphs)} base cities, {self.runs} runs; Shapley {how}; 95% "
                "intervals over the base cities")


def _orders(k: int, exact: bool, permutations: int, seed: int) -> list[tuple[int, ...]]:
    """Orders in which the channels are switched on: all of them, or sampled ones, each
    followed by its reverse."""
    if exact:
        return list(itertools.permutations(range(k)))
    rng = np.random.default_rng(seed)
    orders: list[tuple[int, ...]] = []
    while len(orders) < permutations:
        order = tuple(int(i) for i in rng.permutation(k))
        orders += [order, order[::-1]]
    return orders[:permutations]


def _shapley_exact(k: int, value: Callable[[frozenset[int]], np.ndarray]) -> list[np.ndarray]:
    """Exact Shapley values from the value of every set of channels on."""
    from math import factorial

    phi = [np.zeros_like(value(frozenset())) for _ in range(k)]
    for i in range(k):
        others = [j for j in range(k) if j != i]
        for size in range(k):
            weight = factorial(size) * factorial(k - size - 1) / factorial(k)
            for subset in itertools.combinations(others, size):
                s = frozenset(subset)
                phi[i] = phi[i] + weight * (value(s | {i}) - value(s))
    return phi


def attribute(a: Scenario, b: Scenario, channels: Iterable[str] | None = None,
              outcomes: Iterable[str] = HEADLINE, method: str = "both",
              permutations: int = 8, exact_up_to: int = 5, seed: int = 0,
              pairs: Iterable[tuple[int, int]] | None = None,
              executor: Executor | None = None,
              progress: Callable[[int], None] | None = None,
              on_plan: Callable[[int], None] | None = None) -> Attribution:
    """Split the paired gain B − A in each outcome by channel (see the module docstring).

    Parameters
    ----------
    a, b : the two scenarios, on the same base cities.
    channels : names of :data:`CHANNELS` (default: all).
    outcomes : outcome names (default: the headline outcomes).
    method : one of :data:`METHODS`.
    permutations : sampled orders when more than ``exact_up_to`` channels are in play.
    seed : seed of the sampled orders.
    pairs : (graph seed, run seed) of the runs (default: ``a``'s base cities × seeds).
    executor : where the runs execute (default: serially); left open.
    progress : called with 1 as each run finishes.
    on_plan : called once with the number of runs before they start.
    """
    names = list(CHANNELS) if channels is None else list(channels)
    for name in names:
        if name not in CHANNELS:
            raise ValueError(f"unknown channel {name!r}; known: {', '.join(CHANNELS)}")
    outcomes = check_outcomes(outcomes)
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if permutations < 1:
        raise ValueError(f"permutations {permutations}: must be at least 1")
    a, b = a.snapshot(), b.snapshot()  # a store is read here once, not by every run
    pairs = sorted(set(pairs) if pairs is not None else
                   {(g, s) for g in a.graph_seed_list() for s in a.seed_list()})
    if not pairs:
        raise ValueError("attribution needs at least one run pair (graph seed, seed)")
    for g in sorted({g for g, _ in pairs}):
        if a.base_identity(g)["graph_hash"] != b.base_identity(g)["graph_hash"]:
            raise DifferentCitiesError(f"{a.name} and {b.name} have different base cities on "
                                       f"graph seed {g}: the gain would mix the cities in")

    arms = (a, b)

    def effective(arm: int, off: Iterable[int]) -> tuple[Params, list[Mapping[str, Any]]]:
        params = arms[arm].params
        policies: list[Mapping[str, Any]] = list(arms[arm].policies)
        for i in off:
            params, policies = CHANNELS[names[i]].switch_off(params, policies)
        return params, policies

    play = [i for i in range(len(names))
            if any(effective(arm, [i]) != (arms[arm].params, arms[arm].policies)
                   for arm in (0, 1))]
    inplay = [names[i] for i in play]
    idle = [n for n in names if n not in inplay]
    k = len(inplay)
    exact = k <= exact_up_to
    orders = _orders(k, exact, permutations, seed) if method != "one_at_a_time" else []
    every = frozenset(range(k))
    wanted: set[frozenset[int]] = {every, frozenset()}
    if method != "shapley":
        wanted |= {every - {i} for i in range(k)}
    if method != "one_at_a_time":
        if exact:
            wanted |= {frozenset(c) for n in range(k + 1)
                       for c in itertools.combinations(range(k), n)}
        for order in orders:
            wanted |= {frozenset(order[:j]) for j in range(k + 1)}

    # the distinct effective scenarios and the runs each needs
    variants: dict[tuple[int, Params, str], Scenario] = {}
    key_of: dict[tuple[int, frozenset[int]], tuple[int, Params, str]] = {}
    for on in sorted(wanted, key=lambda s: (len(s), sorted(s))):
        off = [play[i] for i in range(k) if i not in on]
        for arm in (0, 1):
            params, policies = effective(arm, off)
            key = (arm, params, repr(policies))
            key_of[(arm, on)] = key
            if key not in variants:
                tag = "+".join(names[i] for i in off) or "all on"
                variants[key] = replace(arms[arm], name=f"{arms[arm].name} [off: {tag}]",
                                        params=params, policies=[dict(p) for p in policies],
                                        estate_table=False)
    keys = list(variants)
    runs = [Run(variants[key], g, s) for key in keys for g, s in pairs]
    if on_plan is not None:
        on_plan(len(runs))
    values = _execute(runs, executor, progress)
    n = len(pairs)
    per_key = {key: values[i * n:(i + 1) * n] for i, key in enumerate(keys)}

    cache: dict[frozenset[int], np.ndarray] = {}

    def gain(on: frozenset[int]) -> np.ndarray:
        """Per pair and outcome: B − A with the channels ``on`` on (pairs × outcomes)."""
        if on not in cache:
            rows = [[vb[o] - va[o] for o in outcomes] for va, vb in
                    zip(per_key[key_of[(0, on)]], per_key[key_of[(1, on)]], strict=True)]
            cache[on] = np.array(rows, float)
        return cache[on]

    total, residual = gain(every), gain(frozenset())
    parts: dict[str, list[tuple[str, str, np.ndarray]]] = {}
    if method != "shapley":
        alone = [total - gain(every - {i}) for i in range(k)]
        interaction = total - residual - sum(alone, np.zeros_like(total))
        parts["one_at_a_time"] = [*((inplay[i], "channel", alone[i]) for i in range(k)),
                                  ("interaction", "interaction", interaction)]
    if method != "one_at_a_time":
        if exact:
            phi = _shapley_exact(k, gain)
        else:
            phi = [np.zeros_like(total) for _ in range(k)]
            for order in orders:
                for j, i in enumerate(order):
                    before = frozenset(order[:j])
                    phi[i] = phi[i] + (gain(before | {i}) - gain(before)) / len(orders)
        parts["shapley"] = [(inplay[i], "channel", phi[i]) for i in range(k)]
    graph = pd.Series([g for g, _ in pairs])
    rows = []
    zero = np.zeros_like(total)
    for how, channel_parts in parts.items():
        listed = [("residual", "residual", residual), *channel_parts,
                  *((name, "idle", zero) for name in idle), ("total", "total", total)]
        for part, kind, per_pair in listed:
            for j, outcome in enumerate(outcomes):
                column = pd.Series(per_pair[:, j])
                low, high = paired_interval(column, graph)
                mean, whole = float(column.mean()), float(total[:, j].mean())
                rows.append({"method": how, "outcome": outcome, "part": part, "kind": kind,
                             "value": mean, "low": low, "high": high,
                             "share": mean / whole if whole else np.nan,
                             "meaning": _meaning(part)})
    table = pd.DataFrame(rows)
    return Attribution(a.name, b.name, table, inplay, idle, pairs, len(runs), exact,
                       len(orders) if not exact else 0)


_ORDER = {"residual": 0, "channel": 1, "interaction": 2, "idle": 3, "total": 4}


def _meaning(part: str) -> str:
    if part in CHANNELS:
        return CHANNELS[part].meaning
    return {"residual": "gain left with every channel in play switched off",
            "interaction": "total − residual − the channels' one-at-a-time parts",
            "total": "the comparison's gain (every channel on)"}[part]


def _execute(runs: list[Run], executor: Executor | None,
             progress: Callable[[int], None] | None) -> list[dict[str, float]]:
    """Each run's outcomes, in the order of ``runs``."""
    from redwuye_graph.experiments.executors import SerialExecutor

    out: list[dict[str, float] | None] = [None] * len(runs)
    for i, value, error in (executor or SerialExecutor()).imap(run_pair_outcomes, runs):
        if error is not None:
            r = runs[i]
            raise RunError(f"{r.scenario.path}: run graph_seed={r.graph_seed} "
                           f"seed={r.seed} failed: {one_line(error)}")
        out[i] = value
        if progress is not None:
            progress(1)
    return [v for v in out if v is not None]
