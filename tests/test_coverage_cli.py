"""``redwuye coverage``, ``breaches``, ``query`` and ``queries``: output and bad input."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from redwuye_graph import coverage
from redwuye_graph.cli import BREACHES_FOUND, app
from redwuye_graph.generate import generate
from redwuye_graph.queries import QueryError, load_library
from redwuye_graph.store import open_store

runner = CliRunner()
CITY = generate("tiny", seed=5)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    uri = f"embedded:{tmp_path_factory.mktemp('cli') / 'city.rdb'}"
    with open_store(uri) as db:
        db.load(CITY)
    yield uri


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_coverage_csv_is_the_oracle(store: str) -> None:
    code, out, _ = invoke("coverage", "--store", store, "--level", "street", "--format", "csv")
    assert code == 0
    got = pd.read_csv(io.StringIO(out), keep_default_na=False, na_values=[""])
    want = coverage.summary(CITY, "street")
    assert list(got.columns) == coverage.SUMMARY_COLUMNS
    assert got["area"].tolist() == want["area"].tolist()
    assert got["tripartite"].tolist() == want["tripartite"].tolist()


def test_coverage_json_per_estate(store: str) -> None:
    code, out, _ = invoke("coverage", "--store", store, "--level", "estate", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["estate"] for r in rows] == coverage.estate_coverage(CITY)["estate"].tolist()
    assert all(isinstance(r["owners_committee_size"], int) for r in rows)


def test_coverage_table_and_worst(store: str) -> None:
    code, out, _ = invoke("coverage", "--store", store, "--level", "city")
    assert code == 0
    assert "tripartite_share" in out and "households" in out
    code, out, _ = invoke("coverage", "--store", store, "--level", "community", "--worst", "2",
                          "--by", "secretary_instructor_share", "--format", "json")
    assert code == 0
    want = coverage.summary(CITY, "community").sort_values(
        ["secretary_instructor_share", "households", "area"], ascending=[True, False, True])
    assert [r["area"] for r in json.loads(out)] == want["area"].head(2).tolist()
    # a community with no owners' committee seats has no party-member share: it is among
    # the worst, not left out of them
    by = "owners_committee_party_member_share"
    undefined = coverage.summary(CITY, "community").query(f"{by}.isna()")["area"].tolist()
    assert len(undefined) == 2
    code, out, _ = invoke("coverage", "--store", store, "--level", "community", "--worst", "3",
                          "--by", by, "--format", "json")
    assert code == 0 and set(undefined) <= {r["area"] for r in json.loads(out)}


def test_breaches_are_the_oracles(store: str) -> None:
    code, out, _ = invoke("breaches", "--store", store, "--format", "json")
    assert code == 0
    want = json.loads(coverage.breaches(CITY).to_json(orient="records", force_ascii=False))
    assert json.loads(out) == want
    code, out, _ = invoke("breaches", "--store", store)
    assert code == 0 and f"{len(want):>7,}  breaches" in out
    assert want  # tiny seed 5 breaks rules: a gate fails on it
    code, out, err = invoke("breaches", "--store", store, "--format", "csv", "--fail-on-breach")
    assert code == BREACHES_FOUND and f"{len(want):,} breach(es)" in err
    assert len(out.splitlines()) == 1 + len(want)


def test_query_with_params(store: str) -> None:
    code, out, _ = invoke("query", "coverage/summary", "--store", store, "--param",
                          "level=district", "--format", "json")
    assert code == 0
    assert json.loads(out)[0]["estates"] == len(list(CITY.nodes("Estate")))


def test_queries_lists_every_query() -> None:
    code, out, _ = invoke("queries", "--verbose")
    assert code == 0
    for name, query in load_library().items():
        assert f"{name}  " in out and query.purpose in out
    assert "param level: string = district in community|street|district|city|all" in out


@pytest.mark.parametrize(("args", "message"), [
    (["query", "coverage/sumary"], "unknown query 'coverage/sumary'; did you mean "
                                   "coverage/summary or coverage/graph/summary?"),
    (["query", "analysis/brokers"], "parameter 'community' is required"),
    (["query", "coverage/summary", "--param", "level"], "--param 'level' is not NAME=VALUE"),
    (["query", "compliance/company_without_party_org", "--param", "min_party_members=x"],
     "parameter 'min_party_members' must be an int, not 'x'"),
    (["query", "coverage/summary", "--param", "level=city", "--param", "lvl=2"],
     "has no parameter 'lvl'; its parameters: level, district"),
    (["coverage", "--level", "county"], "unknown level 'county'; choose one of estate, "),
    (["coverage", "--worst", "3", "--by", "share"], "unknown --by column 'share'; choose one"),
    (["coverage", "--format", "xml"], "unknown format 'xml'; choose one of table, csv, json"),
])
def test_bad_input_is_one_line_naming_the_fix(store: str, args: list[str], message: str) -> None:
    code, out, err = invoke(*args, "--store", store)
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err + out


def test_unreachable_and_missing_stores(tmp_path: Path) -> None:
    code, _, err = invoke("coverage", "--store", "bolt://127.0.0.1:9")
    assert code == 1 and "cannot reach Neo4j at bolt://127.0.0.1:9" in err
    missing = tmp_path / "none.rdb"
    code, _, err = invoke("breaches", "--store", f"embedded:{missing}")
    assert code == 1 and f"no store at {missing}; create one with 'redwuye load" in err
    assert not missing.exists()


def test_debug_lets_the_exception_through(store: str) -> None:
    result = runner.invoke(app, ["--debug", "query", "nope", "--store", store])
    assert isinstance(result.exception, QueryError)
