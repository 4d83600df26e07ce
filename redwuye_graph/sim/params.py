"""The parameter registry: every number the simulation uses, in one typed place.

Each field of :class:`Params` carries a :class:`Param` in its metadata: default, allowed
range, unit, one sentence of meaning and the source or reason for the default. The
scenario files, the CLI, the ODD description (``docs/model.md``) and any sweep read
this one registry, :data:`PARAMS`.

Examples
--------
>>> p = Params.from_mapping({"wage": 4000.0})
>>> p.wage, p.flat_area_m2
(4000.0, 90.0)
>>> Params.from_mapping({"wage": -1.0})
Traceback (most recent call last):
...
redwuye_graph.sim.params.ParamError: params.wage: -1.0 is outside [1000.0, 20000.0] (yuan/month)
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

__all__ = ["CATEGORIES", "PARAMS", "SETTINGS", "TEXTS", "Param", "ParamError", "Params",
           "check_text", "settings_table"]

#: Complaint categories, in the order used by every per-category array.
CATEGORIES = ("repairs", "sanitation", "parking", "security", "neighbour")


class ParamError(ValueError):
    """A parameter name or value is not allowed; the message names where, which and why."""


@dataclass(frozen=True)
class Param:
    """One registered parameter."""

    name: str
    default: float
    low: float
    high: float
    unit: str
    meaning: str
    source: str
    integer: bool = False

    def check(self, value: Any, where: str = "params") -> float:
        """Return ``value`` as the parameter's type, or raise :class:`ParamError`.

        ``nan``, ``inf`` and numbers too large for a float are refused with the rest
        (comparisons are exact: a whole number is never converted before it is checked).
        """
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParamError(f"{where}.{self.name}: {_short(value)} is not a number; allowed "
                             f"range [{self.low:g}, {self.high:g}] ({self.unit})")
        if isinstance(value, float) and not math.isfinite(value):
            raise ParamError(f"{where}.{self.name}: {value!r} is not a finite number; allowed "
                             f"range [{self.low:g}, {self.high:g}] ({self.unit})")
        if self.integer and isinstance(value, float) and not value.is_integer():
            raise ParamError(f"{where}.{self.name}: {value!r} must be a whole number in "
                             f"[{self.low:g}, {self.high:g}] ({self.unit})")
        if not self.low <= value <= self.high:
            raise ParamError(f"{where}.{self.name}: {_short(value)} is outside "
                             f"[{self.low}, {self.high}] ({self.unit})")
        return int(value) if self.integer else float(value)


def _p(default: float, low: float, high: float, unit: str, meaning: str, source: str,
       integer: bool = False) -> Any:
    meta = {"param": (default, low, high, unit, meaning, source, integer)}
    return field(default=int(default) if integer else float(default), metadata=meta)


_SEED = "seed article (Zhengzhou 2019)"
_CAL = "calibrated: no linkage ~40-60% collection, full linkage >85-90% in two years"
_ASSUMED = "assumption, plausible magnitude; sweep it"
_DIRECT = ("named assumption, a direct link effect that no counted activity produces; "
           "0 (off) in the calibrated default")


@dataclass(frozen=True)
class Params:
    """All model parameters; build with :meth:`from_mapping` to validate overrides."""

    # -- problems and complaints ------------------------------------------------------
    rate_repairs: float = _p(0.6, 0.0, 10.0, "problems/household/year",
                             "Arrival rate of repair problems in a new, well-served estate.",
                             "Beijing 12345 2019: property among top categories; " + _ASSUMED)
    rate_sanitation: float = _p(0.3, 0.0, 10.0, "problems/household/year",
                                "Arrival rate of sanitation problems.", _ASSUMED)
    rate_parking: float = _p(0.25, 0.0, 10.0, "problems/household/year",
                             "Arrival rate of parking problems.", _ASSUMED)
    rate_security: float = _p(0.15, 0.0, 10.0, "problems/household/year",
                              "Arrival rate of security problems.", _ASSUMED)
    rate_neighbour: float = _p(0.2, 0.0, 10.0, "problems/household/year",
                               "Arrival rate of neighbour-dispute problems.", _ASSUMED)
    old_repairs_factor: float = _p(2.0, 1.0, 5.0, "ratio",
                                   "Repair problems in old estates relative to new ones.",
                                   "domain context: old estates carry the repair load; " + _ASSUMED)
    staff_norm: float = _p(15.0, 1.0, 100.0, "staff/1000 households",
                           "Effective staff (staff × effort) at which service quality is full; "
                           "quality is effective staff ÷ this, at most 1.", _ASSUMED)
    neglect_months: float = _p(6.0, 0.5, 60.0, "months",
                               "Memory of neglect: each month neglect moves 1/neglect_months of "
                               "the way to the month's quality shortfall (1 - quality).",
                               "model rule: neglect accumulates; " + _ASSUMED)
    problem_neglect: float = _p(1.0, 0.0, 10.0, "ratio",
                                "Extra problems at full neglect: problem rates are multiplied "
                                "by 1 + problem_neglect × neglect.", _ASSUMED)
    report_base: float = _p(0.6, 0.0, 1.0, "share",
                            "Share of problems a household complains about where no escalation "
                            "path exists, at satisfaction 0.5.", _ASSUMED)
    report_path: float = _p(0.2, 0.0, 1.0, "share",
                            "Extra share of problems complained about where an escalation path "
                            "exists (someone to take it up).", _ASSUMED)
    report_trust: float = _p(0.4, 0.0, 2.0, "share/score",
                             "Change in the share complained about per unit of the estate's mean "
                             "satisfaction above 0.5 (trust that complaining helps).", _ASSUMED)
    hard_repairs: float = _p(0.3, 0.0, 1.0, "share",
                             "Share of repair complaints the company cannot solve alone "
                             "(common funds, utilities).", _ASSUMED)
    hard_sanitation: float = _p(0.05, 0.0, 1.0, "share",
                                "Share of sanitation complaints the company cannot solve alone.",
                                _ASSUMED)
    hard_parking: float = _p(0.6, 0.0, 1.0, "share",
                             "Share of parking complaints the company cannot solve alone.",
                             _ASSUMED)
    hard_security: float = _p(0.3, 0.0, 1.0, "share",
                              "Share of security complaints the company cannot solve alone.",
                              _ASSUMED)
    hard_neighbour: float = _p(0.7, 0.0, 1.0, "share",
                               "Share of neighbour disputes the company cannot solve alone.",
                               _ASSUMED)
    # -- company service --------------------------------------------------------------
    productivity: float = _p(0.35, 0.01, 5.0, "complaints/staff/day",
                             "Complaints one staff member settles per day at full effort.",
                             _CAL)
    response_days: int = _p(2, 0, 30, "days",
                            "Days before the company can settle a complaint (travel, "
                            "scheduling); on-site service points shorten it.", _ASSUMED,
                            integer=True)
    shirk: float = _p(0.25, 0.0, 0.9, "share",
                      "Effort lost where no community quality supervisor watches the project.",
                      "model rule: effort cannot drift down unseen; " + _ASSUMED)
    party_effort: float = _p(0.2, 0.0, 2.0, "share",
                             "Extra effort of a company with a party organisation or a "
                             "party-building instructor.", _SEED + "; " + _ASSUMED)
    credit_effort: float = _p(0.3, 0.0, 2.0, "share per unit at stake",
                              "Extra effort of a rated company per unit of tender weight "
                              "(or blacklist) it stands to win or lose at its next credit "
                              "review (at most one unit counts).", _ASSUMED)
    star_effort: float = _p(0.3, 0.0, 2.0, "share per unit at stake",
                            "Extra effort of a rated company per unit of tender weight it "
                            "stands to win or lose in stars at its next review.", _ASSUMED)
    stake_width: float = _p(0.15, 0.01, 1.0, "score",
                            "How far from a review threshold (score or rank) a company still "
                            "sees its grade or stars at stake (width of the fall-off).",
                            _ASSUMED)
    stake_blacklist: float = _p(1.0, 0.0, 5.0, "log-weight",
                                "What a grade-C company stands to lose by blacklisting, in "
                                "units of tender weight.", _ASSUMED)
    # -- escalation -------------------------------------------------------------------
    escalation_days: int = _p(10, 1, 90, "days",
                              "Age at which an unresolved complaint escalates, where a path "
                              "exists.", "hotline studies: 3-5 day lag to response; "
                              + _ASSUMED, integer=True)
    escalation_days_fast: int = _p(3, 1, 90, "days",
                                   "Escalation age where the company head or an owners' "
                                   "committee member sits on the regional party committee.",
                                   _ASSUMED, integer=True)
    hours_committee: float = _p(100.0, 0.0, 200.0, "hours/person/month",
                                "Hours a two-committee member gives to property-service work "
                                "a month, split equally among their posts (the community, each "
                                "owners' committee, instructor or supervisor post).", _CAL)
    hours_owner: float = _p(10.0, 0.0, 100.0, "hours/person/month",
                            "Volunteer hours an owners' committee member gives a month, split "
                            "equally among their posts.", _ASSUMED)
    hours_complaint: float = _p(0.5, 0.1, 40.0, "hours/complaint",
                                "Hours the community two committees or an owners' committee "
                                "spend settling one escalated complaint.", _ASSUMED)
    hours_take_up: float = _p(0.25, 0.05, 20.0, "hours/complaint",
                              "Hours a cross-appointed person spends taking one escalated "
                              "complaint up to the community two committees.", _ASSUMED)
    visit_share: float = _p(0.3, 0.0, 1.0, "share",
                            "Share of owners' committee and cross-appointed hours spent "
                            "visiting households in arrears (the rest works complaints).",
                            _ASSUMED)
    hours_visit: float = _p(1.0, 0.1, 20.0, "hours/visit",
                            "Hours one visit to a household in arrears takes.", _ASSUMED)
    meeting_hours: float = _p(8.0, 0.0, 200.0, "hours/estate/meeting",
                              "Joint working hours a tripartite meeting gives each tripartite "
                              "estate's escalated complaints (oldest first).",
                              _SEED + ": meets monthly, problems digested at the grassroots; "
                              + _ASSUMED)
    meetings_per_month: int = _p(1, 1, 8, "1/month",
                                 "Tripartite meetings per month at tripartite estates.",
                                 _SEED, integer=True)
    cobuild_share: float = _p(0.2, 0.0, 1.0, "share",
                              "Share of a resident unit's co-building resource hours (a month) "
                              "that settle escalated parking, security or neighbour complaints "
                              "of the community's estates with a path.", _ASSUMED)
    max_age_days: int = _p(60, 10, 365, "days",
                           "Age at which a resident gives up on an unresolved complaint.",
                           _ASSUMED, integer=True)
    quick_days: int = _p(7, 1, 60, "days",
                         "A complaint settled within this many days counts as quick.",
                         _ASSUMED, integer=True)
    window_days: int = _p(30, 1, 180, "days",
                          "Window W of the resolution rate (settled within W of filing).",
                          "project outcome definition", integer=True)
    # -- satisfaction -----------------------------------------------------------------
    sat_init: float = _p(0.5, 0.0, 1.0, "score",
                         "Mean initial satisfaction.", _ASSUMED)
    sat_init_sd: float = _p(0.12, 0.0, 0.5, "score",
                            "Spread of initial satisfaction between households.", _ASSUMED)
    sat_filed: float = _p(0.03, 0.0, 1.0, "score",
                          "Satisfaction lost when a household meets a problem (complained "
                          "about or not).", _ASSUMED)
    sat_quick: float = _p(0.1, 0.0, 1.0, "score",
                          "Satisfaction gained when a complaint is settled quickly.", _CAL)
    sat_late: float = _p(0.03, 0.0, 1.0, "score",
                         "Satisfaction gained when a complaint is settled late.", _CAL)
    sat_abandoned: float = _p(0.2, 0.0, 1.0, "score",
                              "Satisfaction lost when a household gives up on a complaint.",
                              _CAL)
    sat_base: float = _p(0.55, 0.0, 1.0, "score",
                         "Satisfaction a served estate drifts to with no news.", _CAL)
    sat_seen: float = _p(0.3, 0.0, 1.0, "score",
                         "Drift target gained per unit of the estate's visible record last "
                         "month: (complaints settled - abandoned) ÷ (settled + abandoned), in "
                         "[-1, 1] (neighbours' complaints settled, repairs seen).", _CAL)
    sat_trust: float = _p(0.0, 0.0, 1.0, "score",
                          "Extra drift target where a community member sits on the owners' "
                          "committee, for the mere link (owners trust the process).", _DIRECT)
    sat_vacuum: float = _p(0.2, 0.0, 1.0, "score",
                           "Drift target of an estate with no company.", _ASSUMED)
    sat_drift: float = _p(0.1, 0.0, 1.0, "1/month",
                          "Monthly pull of satisfaction toward the estate's drift target.",
                          _ASSUMED)
    sat_peer: float = _p(0.2, 0.0, 1.0, "1/month",
                         "Monthly pull of satisfaction toward the estate mean (peer effect).",
                         _ASSUMED)
    dissatisfied: float = _p(0.3, 0.0, 1.0, "score",
                             "Households below this satisfaction count as dissatisfied.",
                             _ASSUMED)
    # -- fee payment ------------------------------------------------------------------
    pay_intercept: float = _p(0.2, -10.0, 10.0, "logit",
                              "Log-odds of paying at satisfaction 0.5, peers at 50%, no "
                              "enforcement.", _CAL)
    pay_satisfaction: float = _p(6.0, 0.0, 30.0, "logit/score",
                                 "Effect of satisfaction on the log-odds of paying.", _CAL)
    pay_peer: float = _p(2.0, 0.0, 20.0, "logit/share",
                         "Effect of last month's estate collection rate on paying.",
                         "public-goods ABMs (Amin et al. 2018); " + _CAL)
    pay_visit: float = _p(1.5, 0.0, 10.0, "logit",
                          "Log-odds of paying gained that month by a household in arrears "
                          "visited by an owners' committee member or cross-appointed person.",
                          "Chu, Chang & Sing 2013 (free-riding, persuasion); " + _CAL)
    pay_owners: float = _p(0.0, 0.0, 5.0, "logit",
                           "Log-odds of paying where the estate has an owners' committee, for "
                           "the mere committee (enforcement).", _DIRECT)
    pay_community: float = _p(0.0, 0.0, 5.0, "logit",
                              "Log-odds of paying where a community member sits on the owners' "
                              "committee, for the mere link.", _DIRECT)
    pay_propensity_sd: float = _p(1.0, 0.0, 5.0, "logit",
                                  "Spread of households' fixed willingness to pay.", _ASSUMED)
    # -- company finances -------------------------------------------------------------
    flat_area_m2: float = _p(90.0, 20.0, 300.0, "m²",
                             "Mean charged floor area per household; fee = fee_level × area.",
                             "typical urban flat; " + _ASSUMED)
    wage: float = _p(3500.0, 1000.0, 20000.0, "yuan/month",
                     "Monthly cost of one staff member.", "Zhengzhou service wages; "
                     + _ASSUMED)
    overhead: float = _p(5.0, 0.0, 100.0, "yuan/household/month",
                         "Non-staff cost of serving one household.", _ASSUMED)
    margin: float = _p(0.1, 0.0, 0.9, "share",
                       "Share of net revenue the company keeps rather than spends on staff.",
                       _ASSUMED)
    staff_adjust: float = _p(0.25, 0.0, 1.0, "1/month",
                             "Monthly speed at which project staff follows revenue.", _ASSUMED)
    min_staff: float = _p(4.0, 0.0, 100.0, "staff/1000 households",
                          "Staff a project keeps however low its revenue (contract minimum).",
                          _ASSUMED)
    reserve_months: float = _p(3.0, 0.0, 60.0, "months",
                               "Initial cash of a company, in months of its costs.", _ASSUMED)
    # -- vacuum, tenders, reviews -----------------------------------------------------
    interim_days: int = _p(90, 0, 720, "days",
                           "Days from a company's exit until the street or community starts "
                           "interim management.", _SEED + " (vacuum rules); " + _ASSUMED,
                           integer=True)
    interim_staff: float = _p(3.0, 0.0, 100.0, "staff/1000 households",
                              "Complaint-handling staff of interim management.", _ASSUMED)
    tender_days: int = _p(120, 1, 1000, "days",
                          "Days from an exit (or day 0, for an estate vacant then) to its "
                          "tender.", _ASSUMED, integer=True)
    retender_days: int = _p(180, 1, 1000, "days",
                            "Days from a tender without a bid to the next tender.", _ASSUMED,
                            integer=True)
    bid_margin: float = _p(0.0, -1.0, 5.0, "share of cost",
                           "Margin a firm must expect (fee income at the collection the "
                           "estate's satisfaction promises, over the cost of a "
                           "minimum-staffed project) to bid; -1: firms always bid.",
                           "Wuhan 2021: 2,074 old estates without management; " + _ASSUMED)
    tender_reputation: float = _p(2.0, 0.0, 10.0, "log-weight/score",
                                  "Tender preference per unit of a company's last review "
                                  "score over all its estates (its reputation).", _ASSUMED)
    tender_credit: float = _p(0.5, 0.0, 5.0, "log-weight/grade",
                              "Tender preference per credit grade step while credit rating "
                              "is in force.", _ASSUMED)
    tender_star: float = _p(0.3, 0.0, 5.0, "log-weight/star",
                            "Tender preference per star while star rating is in force.",
                            _ASSUMED)
    review_days: int = _p(182, 30, 730, "days",
                          "Interval of company reviews (mid-year and annual).",
                          _SEED + " (年中、年度述职评议)", integer=True)
    blacklist_score: float = _p(0.35, 0.0, 1.0, "score",
                                "Review score below which a grade-C company is blacklisted.",
                                _ASSUMED)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], where: str = "params") -> Params:
        """Defaults overridden by ``values``; unknown names or bad values raise ParamError."""
        checked: dict[str, Any] = {}
        for name, value in values.items():
            if name not in PARAMS:
                raise ParamError(f"{where}.{name}: unknown parameter; known: "
                                 f"{', '.join(sorted(PARAMS))}")
            checked[name] = PARAMS[name].check(value, where)
        return replace(cls(), **checked)

    def rates(self) -> tuple[float, ...]:
        """Per-category arrival rates, in :data:`CATEGORIES` order (per household-year)."""
        return tuple(getattr(self, f"rate_{c}") for c in CATEGORIES)

    def hard(self) -> tuple[float, ...]:
        """Per-category shares beyond the company, in :data:`CATEGORIES` order."""
        return tuple(getattr(self, f"hard_{c}") for c in CATEGORIES)


#: The registry: parameter name -> :class:`Param`, in declaration order.
PARAMS: dict[str, Param] = {
    f.name: Param(f.name, *f.metadata["param"]) for f in fields(Params)
}


def _short(value: Any) -> str:
    """``repr(value)``, cut to 60 characters (a number of a million digits stays short)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"a number of {len(str(abs(value)))} digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_SEED_INT = 2**31 - 1
_SAMPLER_INT = 2**32 - 1
#: The registry of run settings: every whole number a scenario (``[scenario]``), sweep
#: (``[sweep]``) or targets file (``[calibrate]``) or a command-line option sets about a
#: run. One name means one thing, with one range, wherever it appears.
SETTINGS: dict[str, Param] = {p.name: p for p in (
    Param("graph_seed", 0, 0, _SEED_INT, "seed", "Seed of the (first) generated base city.",
          "", integer=True),
    Param("graph_seeds", 1, 1, 100, "cities", "Number of base cities (graph seeds).", "",
          integer=True),
    Param("days", 730, 1, 3650, "days", "Horizon of each run (after the warm-up).", "",
          integer=True),
    Param("warmup_days", 0, 0, 1825, "days", "Days run before the horizon: policies start "
          "and outcomes count after them.", "", integer=True),
    Param("seeds", 5, 1, 1000, "runs", "Number of runs (seeds) of each base city.", "",
          integer=True),
    Param("first_seed", 0, 0, _SEED_INT, "seed", "Seed of the first run.", "", integer=True),
    Param("samples", 16, 1, 100_000, "points", "Points of a sweep design (what it means: "
          "the design's table).", "", integer=True),
    Param("replicates", 1, 1, 1000, "runs", "Run seeds per point of a sweep.", "",
          integer=True),
    Param("design_seed", 0, 0, _SAMPLER_INT, "seed", "Seed of a sweep's sampler.", "",
          integer=True),
    Param("morris_levels", 4, 2, 100, "levels", "Grid levels of the Morris design.", "",
          integer=True),
    Param("trials", 40, 1, 10_000, "trials", "Trials of a calibration (optuna TPE).", "",
          integer=True),
    Param("sampler_seed", 0, 0, _SAMPLER_INT, "seed", "Seed of a calibration's sampler.", "",
          integer=True),
    Param("workers", 2, 1, 256, "processes", "Worker processes of an executor (--workers).",
          "", integer=True),
    Param("permutations", 8, 1, 100_000, "orders", "Sampled orders of a Shapley attribution "
          "with more than 5 channels (compare --permutations).", "", integer=True),
    Param("worst", 10, 1, 1_000_000, "rows", "Rows of the worst units shown (coverage "
          "--worst).", "", integer=True),
)}

#: Longest text, in characters, of each text key of a scenario, sweep or targets file.
TEXTS: dict[str, int] = {"name": 200, "description": 4000, "preset": 100, "store": 4096,
                         "scenario": 4096, "design": 100}


def check_text(value: Any, where: str, key: str) -> str:
    """``value`` as the text of ``key`` (:data:`TEXTS`): a non-empty string within its
    length, without control characters (a ``description`` may hold line breaks and tabs);
    else :class:`ParamError` naming ``where``."""
    limit = TEXTS[key]
    if not isinstance(value, str) or not value:
        raise ParamError(f"{where}: {_short(value)} must be a non-empty string")
    if len(value) > limit:
        raise ParamError(f"{where}: {len(value):,} characters; at most {limit:,}")
    allowed = "\n\t" if key == "description" else ""
    bad = next((ch for ch in value if ch not in allowed
                and unicodedata.category(ch) in ("Cc", "Cs")), None)
    if bad is not None:
        raise ParamError(f"{where}: control character U+{ord(bad):04X} at position "
                         f"{value.index(bad) + 1}; write text without NUL or control characters")
    return value


def settings_table() -> str:
    """The Markdown table of :data:`SETTINGS` and :data:`TEXTS` (``docs/experiments.md``)."""
    rows = ["| key | default | range | unit | meaning |", "|---|---|---|---|---|"]
    rows += [f"| `{p.name}` | {p.default:g} | [{p.low:,.0f}, {p.high:,.0f}] | {p.unit} | "
             f"{p.meaning} |" for p in SETTINGS.values()]
    rows += [f"| `{k}` | | text, 1 to {n:,} characters | | no NUL or control characters"
             f"{' (line breaks and tabs allowed)' if k == 'description' else ''} |"
             for k, n in TEXTS.items()]
    return "\n".join(rows)
