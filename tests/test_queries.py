"""The named Cypher library: headers, parameter binding and the runner's errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.queries import (
    CONSTRAINTS,
    CYPHER_DIR,
    QueryError,
    bind,
    constraint_statements,
    cypher_literal,
    get_query,
    load_library,
    parse_query,
    run_group,
    run_query,
)
from redwuye_graph.schema import Label, RelType
from redwuye_graph.store import GraphStore

FOLDERS = {"schema", "coverage", "compliance", "analysis"}


def test_every_file_is_in_the_library_under_its_path() -> None:
    library = load_library()
    files = sorted(set(CYPHER_DIR.rglob("*.cypher")) - {CONSTRAINTS})
    assert len(library) == len(files) >= 12
    assert {name.split("/")[0] for name in library} <= FOLDERS
    for name, query in library.items():
        assert query.path == CYPHER_DIR / f"{name}.cypher"
        assert query.purpose.endswith(".") and len(query.purpose) <= 100, name
        assert query.returns and all(c.isidentifier() for c in query.returns), name


def test_constraints_are_one_per_label_on_its_id() -> None:
    statements = constraint_statements()
    assert statements == [f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{label}) "
                          "REQUIRE n.id IS UNIQUE" for label in Label]


def test_every_query_orders_its_rows() -> None:
    for name, query in load_library().items():
        assert "ORDER BY" in query.text, f"{name} returns rows in no defined order"


def test_only_schema_labels_and_types_are_used() -> None:
    import re

    known = {str(x) for x in (*Label, *RelType)}
    for name, query in load_library().items():
        body = "\n".join(line for line in query.statement.splitlines() if not line.startswith("//"))
        used = set(re.findall(r"[:|]\s*([A-Z][A-Za-z_]+)\b", body))
        assert used <= known, f"{name} uses {sorted(used - known)}"


def test_results_have_the_declared_columns(embedded: GraphStore, tiny_city: CityGraph) -> None:
    embedded.load(tiny_city)
    community = min(n for n, _, _ in tiny_city.nodes(Label.COMMUNITY))
    for name, query in load_library().items():
        names = {p.name for p in query.params}
        params = {"community": community} if "community" in names else {}
        if "level" in names:
            params["level"] = "street"
        table = run_query(embedded, name, params)
        assert list(table.columns) == list(query.returns), name


def test_bind_fills_defaults_and_converts_text() -> None:
    summary = get_query("coverage/summary")
    assert bind(summary, {"level": "city"}) == {"level": "city", "district": None}
    rule = get_query("compliance/company_without_party_org")
    assert bind(rule, {}) == {"min_party_members": 3, "unrecorded": False}
    assert bind(rule, {"min_party_members": "5", "unrecorded": "true"}) == {
        "min_party_members": 5, "unrecorded": True}


@pytest.mark.parametrize(("name", "params", "message"), [
    ("coverage/sumary", {}, "unknown query 'coverage/sumary'; did you mean coverage/summary"),
    ("nothing/like/this", {}, "'redwuye queries' lists all"),
    ("analysis/brokers", {}, "parameter 'community' is required (community: string - the "),
    ("coverage/summary", {"level": "county"},
     "parameter 'level' must be one of community, street, district, city, all, not 'county'"),
    ("coverage/summary", {"level": "city", "distrct": "D01"},
     "query coverage/summary has no parameter 'distrct'; its parameters: level, district"),
    ("compliance/company_without_party_org", {"min_party_members": "three"},
     "parameter 'min_party_members' must be an int, not 'three'"),
    ("compliance/company_without_party_org", {"min_party_members": 2.5},
     "parameter 'min_party_members' must be an int, not 2.5"),
    ("analysis/brokers", {"community": "C00001", "limit": "-1"},
     "parameter 'limit' counts rows: give 0 or more, not -1"),
    ("coverage/graph/estate", {"limit": -5}, "parameter 'limit' counts rows"),
])
def test_bad_names_and_params_say_what_would_be_right(name: str, params: dict[str, object],
                                                       message: str) -> None:
    with pytest.raises(QueryError) as info:
        bind(get_query(name), params)
    assert message in str(info.value)


@pytest.mark.parametrize(("text", "message"), [
    ("MATCH (n) RETURN n.id AS id ORDER BY id", "header has no '// name:' line"),
    ("// name: x/y\n// purpose: P.\n// returns: a\n// param: k: text - k\nRETURN $k AS a",
     "parameter type 'text' is not one of string, int, float, boolean"),
    ("// name: x/y\n// purpose: P.\n// returns: a\n// param: k int\nRETURN $k AS a",
     "bad param line 'k int'"),
    ("// name: x/y\n// purpose: P.\n// returns: a\nRETURN $k AS a",
     "parameters used ['k'] differ from those declared []"),
    ("// name: x/y\n// purpose: P.\n// returns: a\n// author: me\nRETURN 1 AS a",
     "neither 'KEY: value'"),
    ("// name: x/y\n// name: x/z\n// purpose: P.\n// returns: a\nRETURN 1 AS a",
     "header field 'name' appears twice"),
    ("// name: x/y\n// purpose: P.\n// returns: a\n// param: k: int = 2 - k\nRETURN $k AS a",
     "must be the ':param' preamble of the header's defaults, :param k => 2;, not none"),
    ("// name: x/y\n// purpose: P.\n// returns: a\n// param: k: int = 2 - k\n:param k => 3;\n"
     "RETURN $k AS a", "preamble of the header's defaults, :param k => 2;, not :param k => 3;"),
    ("// name: x/y\n// purpose: P.\n// returns: a\n// param: k: int - k\n:param k => 3;\n"
     "RETURN $k AS a", "preamble of the header's defaults, none, not :param k => 3;"),
])
def test_bad_headers_are_refused(text: str, message: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(text, Path("x/y.cypher"))
    assert message in str(info.value)


def test_header_continuation_lines_and_defaults() -> None:
    text = ("// name: x/y\n// purpose: P.\n// returns: a,\n//   b\n"
            "// param: n: float = 2 - a number\n// param: flag: boolean = false - a flag\n"
            ":param n => 2.0;\n:param flag => false;\n"
            "RETURN $n AS a, $flag AS b ORDER BY a")
    query = parse_query(text, Path("x/y.cypher"))
    assert query.returns == ("a", "b")
    assert bind(query, {}) == {"n": 2.0, "flag": False}
    assert bind(query, {"flag": "yes", "n": "0.5"}) == {"n": 0.5, "flag": True}
    with pytest.raises(QueryError, match="must be a boolean"):
        bind(query, {"flag": "maybe"})


def test_shell_script_sets_every_parameter_as_a_literal() -> None:
    query = get_query("coverage/estate")
    script = query.for_shell(bind(query, {"community": "C'0\\1"}))
    assert [line for line in script.splitlines() if line.startswith(":param")] == [
        ":param district => null;", ":param street => null;",
        ":param community => 'C\\'0\\\\1';"]
    assert ":param" not in query.statement and ":param" in query.text
    for name, each in load_library().items():
        if all(not p.required for p in each.params):
            assert each.for_shell(bind(each)) == each.text, name
    assert cypher_literal(True) == "true" and cypher_literal(0.5) == "0.5"


def test_optional_filters_reduce_to_a_seekable_shape_with_the_same_rows(
        embedded: GraphStore, tiny_city: CityGraph) -> None:
    embedded.load(tiny_city)
    given = {param: min(n for n, _, _ in tiny_city.nodes(label)) for param, label in (
        ("district", Label.DISTRICT), ("street", Label.STREET), ("community", Label.COMMUNITY),
        ("estate", Label.ESTATE), ("company", Label.PROPERTY_COMPANY))}
    filtered = 0
    for name, query in load_library().items():
        body = query.statement
        optional = [p.name for p in query.params if f"(${p.name} IS NULL OR " in body]
        # Every null-or filter is the parenthesised idiom statement_for reduces.
        assert body.count("IS NULL OR") == len(optional), name
        if not optional:
            assert query.statement_for({}) == body, name
            continue
        filtered += 1
        for values in ({}, *({p: given[p]} for p in optional), {p: given[p] for p in optional}):
            bound = bind(query, values)
            shape = query.statement_for(bound)
            assert "IS NULL OR" not in shape, name
            for p in optional:
                assert (f".id = ${p}" in shape) == (bound[p] is not None), (name, p)
            assert embedded.run(shape, bound) == embedded.run(body, bound), (name, values)
    assert filtered >= 3  # coverage/estate, coverage/summary, coverage/vacuum, their graphs


def test_run_group_runs_every_query_of_a_folder(embedded: GraphStore,
                                                tiny_city: CityGraph) -> None:
    embedded.load(tiny_city)
    tables = run_group(embedded, "compliance", {"min_party_members": 1})
    assert set(tables) == {n for n in load_library() if n.startswith("compliance/")}
    strict = tables["compliance/company_without_party_org"]
    default = run_query(embedded, "compliance/company_without_party_org")
    assert len(strict) >= len(default)
    with pytest.raises(QueryError, match="no queries in folder 'complience'"):
        run_group(embedded, "complience")


@pytest.mark.slow
def test_the_wheel_ships_the_query_library(tmp_path: Path) -> None:
    import subprocess
    import sys
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(CYPHER_DIR.parents[1])], check=True,
                   capture_output=True)
    wheel = next(tmp_path.glob("redwuye_graph-*.whl"))
    shipped = {n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".cypher")}
    expected = {f"redwuye_graph/cypher/{p.relative_to(CYPHER_DIR).as_posix()}"
                for p in CYPHER_DIR.rglob("*.cypher")}
    assert shipped == expected and len(shipped) >= 15
