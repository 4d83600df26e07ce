"""Bulk import as a Neo4j user does it: ``redwuye export --format neo4j-admin`` writes the
roster, ``import.sh`` (neo4j-admin's complete import command) and ``constraints.cypher``;
the script imports into a stopped local Neo4j (``redwuye neo4j admin`` as its
neo4j-admin), the server starts on the imported database (the start waits for Bolt), the
constraints are created with cypher-shell, and coverage equals that of a Bolt load of the
same city on the same server.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from redwuye_graph import generate, neo4j_local
from redwuye_graph.cli import app
from redwuye_graph.queries import constraint_statements, run_query
from redwuye_graph.schema import Label
from redwuye_graph.store import open_store
from redwuye_graph.store.base import conflicts

pytestmark = [pytest.mark.neo4j, pytest.mark.slow, pytest.mark.xdist_group("neo4j")]

REDWUYE = str(Path(sys.executable).with_name("redwuye"))


def _coverage(uri: str) -> dict[str, object]:
    with open_store(uri) as db:
        return {"summary": run_query(db, "coverage/summary", {"level": "all"}),
                "estate": run_query(db, "coverage/estate"),
                "breaches": run_query(db, "compliance/company_without_org_or_instructor")}


def test_export_neo4j_admin_imports_with_constraints(tmp_path: Path) -> None:
    city = generate("tiny", seed=5)
    store = f"embedded:{tmp_path / 'store.rdb'}"
    with open_store(store) as db:
        db.load(city)
    out = tmp_path / "roster"
    result = CliRunner().invoke(app, ["export", "--store", store, "--format", "neo4j-admin",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    printed = result.stdout
    for label in Label:
        assert f"--nodes=nodes/{label}.csv" in printed
    assert f"cypher-shell -d neo4j -f {out}/constraints.cypher" in printed
    assert (out / "constraints.cypher").read_text(encoding="utf-8").count("CREATE CONSTRAINT") \
        == len(Label)

    (tmp_path / "neo4j").mkdir()
    cache = neo4j_local.scratch_cache(tmp_path / "neo4j")
    admin = f"{shlex.quote(REDWUYE)} neo4j admin --cache {shlex.quote(str(cache))}"
    imported = subprocess.run(["sh", str(out / "import.sh")], capture_output=True, text=True,
                              env={**os.environ, "NEO4J_ADMIN": admin}, timeout=600,
                              check=False)
    assert imported.returncode == 0, imported.stdout[-2000:] + imported.stderr[-2000:]
    assert f"{len(city)} nodes" in imported.stdout
    server = neo4j_local.start(cache, 0, detach=False)
    try:
        busy = subprocess.run([REDWUYE, "neo4j", "admin", "--cache", str(cache), "database",
                               "import", "full", "neo4j"], capture_output=True, text=True,
                              timeout=600, check=False)
        assert busy.returncode == 1
        assert "an import needs it stopped: 'redwuye neo4j stop --cache" in busy.stderr
        with open_store(server.uri) as db:
            assert conflicts(db.read(), city) == []
            assert db.run("SHOW CONSTRAINTS YIELD name RETURN count(*) AS n")[0]["n"] == 0
        shell = subprocess.run([REDWUYE, "neo4j", "shell", "--cache", str(cache), "-f",
                                str(out / "constraints.cypher")], capture_output=True,
                               text=True, timeout=600, check=False)
        assert shell.returncode == 0, shell.stderr
        with open_store(server.uri) as db:
            names = {r["name"] for r in db.run("SHOW CONSTRAINTS YIELD name, type "
                                               "WHERE type = 'UNIQUENESS' RETURN name")}
            assert names == {s.split()[2] for s in constraint_statements()}
            assert len(names) == len(Label)
        bulk = _coverage(server.uri)
        assert len(bulk["estate"]) == len(city.node_rows(Label.ESTATE))
        with open_store(server.uri) as db:
            db.clear()
            db.load(city)
        bolt = _coverage(server.uri)
        for name, frame in bulk.items():
            assert frame.equals(bolt[name]), name
    finally:
        neo4j_local.stop(cache)
