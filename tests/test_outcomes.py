"""The outcomes module: each outcome once, over counts; every reader agrees with it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from redwuye_graph.generate import generate
from redwuye_graph.outcomes import (
    COMPARED,
    HEADLINE,
    OUTCOMES,
    REGISTRY,
    REPORT_OUTCOMES,
    SENSITIVITY_OUTCOMES,
    SUMMARY,
    Counts,
    check_outcomes,
    collection_12m,
    collection_first_12m,
    collection_last,
    describe,
    linkage_groups,
    median_days,
    outcomes_of,
    resolution_90d,
    resolution_rate,
    run_outcomes,
)
from redwuye_graph.sim import CityModel


def _counts(days: int = 400, **over: np.ndarray) -> Counts:
    """One unit of 100 households: month ends every 30 days, 10 complaints a day."""
    day = np.arange(1, days + 1)
    month = day % 30 == 0
    series = {"filed": np.full(days, 10), "within_window": np.full(days, 8),
              "within_quick": np.full(days, 5), "settled": np.full(days, 9),
              "escalated": np.full(days, 2), "escalated_filed": np.full(days, 2),
              "problems": np.full(days, 20), "visits": np.where(month, 4, 0),
              "open": day.copy(),
              "paid": np.where(month, np.where(day <= 365, 50, 90), 0),
              "due": np.where(month, 100, 0), "sat_sum": np.full(days, 55.0),
              "dissatisfied": np.full(days, 3), "exits": (day == 100).astype(int),
              "tenders": np.zeros(days, int), "vacuum": (day > 390).astype(int)}
    return Counts({**series, **over}, households=100, uncensored=days - 30,
                  ages=np.array([0, 2, 5, 2, 1]))


def test_each_outcome_reads_its_counts() -> None:
    c = _counts()
    values = outcomes_of(c, OUTCOMES)
    # 400 days: 13 month ends, 12 in the first year (50 paid), one after (90 paid)
    year = [d for d in range(36, 401) if d % 30 == 0]
    assert values["collection_12m"] == pytest.approx(
        sum(50 if d <= 365 else 90 for d in year) / (100 * len(year)))
    assert values["collection_first_12m"] == 0.5
    assert values["collection_last"] == 0.9
    assert values["resolution_rate"] == 0.8 and values["quick_rate"] == 0.5
    assert values["ever_settled"] == 0.9 and values["escalation_share"] == 0.2
    assert values["median_days"] == 2 and values["p90_days"] == 3
    assert values["open_at_end"] == 400
    assert values["satisfaction_end"] == 0.55 and values["dissatisfied_end"] == 0.03
    assert (values["exits"], values["tenders"], values["vacuum_days"]) == (1, 0, 10)
    assert values["problem_rate"] == pytest.approx(20 * 365 / 100)
    assert values["report_share"] == 0.5 and values["visit_rate"] == 0.04


def test_undefined_ratios_are_nan() -> None:
    c = _counts(20, filed=np.zeros(20, int))
    assert math.isnan(collection_12m(c)) and math.isnan(collection_last(c))
    assert math.isnan(resolution_rate(c)) and math.isnan(outcomes_of(c, ["ever_settled"])[
        "ever_settled"])
    with pytest.raises(ValueError, match="ages"):
        median_days(Counts(c.days, 100, 0))


def test_upto_reads_an_earlier_day_with_the_run_censoring() -> None:
    c = _counts()
    assert collection_last(c.upto(200)) == 0.5 and collection_first_12m(c.upto(200)) == 0.5
    assert c.upto(380).uncensored == 370 and c.upto(100).uncensored == 100
    # report on the last day: filing days 311..370 (uncensored) of the last 90
    late = _counts(within_window=np.where(np.arange(1, 401) > 340, 10, 0))
    assert resolution_90d(late) == pytest.approx(30 / 60)
    # dashboard: the 90 filing days up to the last uncensored one
    assert resolution_90d(late.upto(late.uncensored)) == pytest.approx(30 / 90)


def test_per_estate_counts_give_one_value_per_estate_and_sum_to_the_unit() -> None:
    a, b = _counts(), _counts(paid=_counts()["paid"] // 2)
    both = {k: np.stack([a[k], b[k]], axis=1) for k in a.days}
    each = Counts(both, np.array([100, 100]), a.uncensored, per_estate=True)
    summed = Counts(both, 200, a.uncensored)
    for name in ("collection_12m", "collection_last", "resolution_rate", "satisfaction_end",
                 "vacuum_days"):
        per = outcomes_of(each, [name])[name]
        assert list(per) == [outcomes_of(a, [name])[name], outcomes_of(b, [name])[name]]
        assert outcomes_of(summed, [name])[name] == pytest.approx(
            outcomes_of(Counts({k: v.sum(axis=1) for k, v in both.items()}, 200,
                               a.uncensored), [name])[name], rel=1e-15)


def test_counts_from_a_table_read_censoring_and_households() -> None:
    frame = pd.DataFrame({"day": range(1, 11), "filed": 2, "within_window": 1, "open": 0,
                          "households": 50, "censored": [d > 7 for d in range(1, 11)]})
    c = Counts.from_table(frame)
    assert (c.last, c.uncensored, c.households) == (10, 7, 50)
    assert resolution_rate(c) == 0.5


def test_selections_name_registered_outcomes() -> None:
    for names in (SUMMARY, COMPARED, HEADLINE, REPORT_OUTCOMES, SENSITIVITY_OUTCOMES):
        assert set(names) <= set(OUTCOMES)
    assert set(SUMMARY) == set(COMPARED)
    assert all(REGISTRY[n].meaning == OUTCOMES[n] for n in OUTCOMES)
    with pytest.raises(ValueError, match=r"unknown outcome 'nope'; known: collection_12m"):
        check_outcomes(["collection_12m", "nope"])
    assert describe({"resolution_rate": 0.5, "median_days": 3.0},
                    ["resolution_rate", "median_days"]) == "resolution_rate 50.0%, median_days 3"


def test_linkage_groups() -> None:
    groups = linkage_groups(np.array([True, False, False]), np.array([True, True, False]))
    assert groups.tolist() == [0, 1, 2] and groups.dtype == np.int8


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    model = CityModel(generate("tiny", seed=1), seed=3)
    model.run(400)
    return model.recorder.tables()


def test_summary_daily_tables_and_run_outcomes_agree(tables: dict[str, pd.DataFrame]) -> None:
    summary = tables["summary"].set_index("group")
    daily = [n for n in SUMMARY if n not in ("median_days", "p90_days")]  # those need ages
    city = outcomes_of(Counts.from_table(tables["city"]), daily)
    for name in daily:
        # equal up to the order of summing satisfaction over estates
        assert summary.loc["all", name] == pytest.approx(city[name], rel=1e-14), name
    values = run_outcomes(tables)
    assert list(values) == list(OUTCOMES)
    assert values["collection_first_12m"] == collection_first_12m(
        Counts.from_table(tables["city"]))
    # the tiny city is one district: its district outcomes are the city's
    district = tables["district"]
    one = outcomes_of(Counts.from_table(district), HEADLINE)
    assert one == pytest.approx({n: city[n] for n in HEADLINE}, rel=1e-14)
