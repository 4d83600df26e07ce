"""Every ``.cypher`` file passes Neo4j's own parser and semantic analysis.

The linter is npm ``@neo4j-cypher/language-support`` (``lintCypherQuery``), installed
from ``tools/cypher-lint/package-lock.json`` with ``npm ci`` on first use; the schema's
labels, relationship types and property keys are passed so a misspelling is reported.
Slow (Neo4j's parser takes seconds per long query); ``make test`` and ``make cypher-lint``
run it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from redwuye_graph.queries import CYPHER_DIR, lint_schema

TOOL = Path(__file__).resolve().parents[1] / "tools" / "cypher-lint"

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cypher-lint")]


@pytest.fixture(scope="module")
def node() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed for Neo4j's Cypher linter")
    if not (TOOL / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        subprocess.run([npm, "ci", "--prefix", str(TOOL)], check=True, capture_output=True,
                       timeout=600)
    return node


def lint(node: str, *targets: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([node, str(TOOL / "lint.mjs"), "-", *map(str, targets)],
                          input=json.dumps(lint_schema()), capture_output=True, text=True,
                          timeout=600, check=False)


def test_every_query_file_passes_neo4j_linter(node: str) -> None:
    result = lint(node, CYPHER_DIR)
    files = len(list(CYPHER_DIR.rglob("*.cypher")))
    assert result.stdout == "", result.stdout
    assert f"linted {files} file(s): 0 problem(s)" in result.stderr
    assert result.returncode == 0


def test_linter_reports_misspellings_and_syntax_errors(node: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "names.cypher").write_text(
        "// name: bad/names\n// param: district: string = null - a district\n"
        "MATCH (e:Estat)-[:IN_COMUNITY]->(c:Community)\n"
        "WHERE $district IS NULL OR c.id = $distrct\n"
        "RETURN e.households AS h, e.nmae AS n ORDER BY h\n", encoding="utf-8")
    (bad / "syntax.cypher").write_text("MATCH (e:Estate) RETURN e.id AS id ORDER BY\n",
                                       encoding="utf-8")
    result = lint(node, bad)
    assert result.returncode == 1
    out = result.stdout
    assert "names.cypher:3:" in out and "Label Estat is not present in the database" in out
    assert "Relationship type IN_COMUNITY is not present in the database" in out
    assert "nmae is not present in the database" in out
    assert "names.cypher:4:" in out and "Parameter $distrct is not defined" in out
    assert "syntax.cypher:1:" in out and ": error: " in out
