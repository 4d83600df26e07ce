"""Provenance: what produced an output folder, kept beside it as ``manifest.json``.

A manifest holds the scenario file's text, every parameter value, the policies with
their resolved parameters, the identity of each base city (source and graph hash),
the seeds, the package version and git commit (when the package runs from a git
checkout) and the start and end time. :func:`rerun` reads a scenario back from a
manifest, so a folder can be reproduced bit for bit. No password is kept: a store URI
(in the text too) is written without its ``user:password@``, so a rerun of a Neo4j
scenario takes its credentials from ``NEO4J_USER`` / ``NEO4J_PASSWORD``.

Examples
--------
>>> version = code_version()
>>> sorted(version)
['git_commit', 'git_dirty', 'package']
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from redwuye_graph.files import read_json, write_text_atomic
from redwuye_graph.store import public_text, public_uri

if TYPE_CHECKING:
    from redwuye_graph.sim.scenario import Scenario

__all__ = ["MANIFEST", "code_version", "now", "read_manifest", "rerun", "scenario_manifest",
           "write_manifest"]

#: File name of the manifest in an output folder.
MANIFEST = "manifest.json"
_ROOT = Path(__file__).resolve().parents[1]


def now() -> str:
    """The current time, UTC, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _git(*args: str) -> str | None:
    if not (_ROOT / ".git").exists():
        return None
    try:
        done = subprocess.run(["git", "-C", str(_ROOT), *args], capture_output=True,
                              text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def code_version() -> dict[str, Any]:
    """The package version and, from a git checkout, its commit and whether tracked files
    differ from it (``None`` where unknown)."""
    try:
        package: str | None = metadata.version("redwuye-graph")
    except metadata.PackageNotFoundError:
        package = None
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {"package": package, "git_commit": commit,
            "git_dirty": None if status is None else bool(status)}


def scenario_manifest(sc: Scenario, seeds: list[int], graph_seeds: list[int],
                      started: str, ended: str) -> dict[str, Any]:
    """The manifest of a ``redwuye simulate`` folder."""
    return {
        "kind": "simulate",
        "scenario": {"name": sc.name, "path": str(sc.path), "source": public_text(sc.source)},
        "preset": sc.preset, "store": public_uri(sc.store) if sc.store else None,
        "days": sc.days,
        "warmup_days": sc.warmup_days,
        "levels": sc.levels,
        "params": asdict(sc.params),
        "policies": [{"kind": p.kind, **p.timing(), **p.values}
                     for p in sc.make_policies()],
        "base_cities": {str(g): sc.base_identity(g) for g in graph_seeds},
        "graph_seeds": graph_seeds, "seeds": seeds,
        "estate_table": sc.estate_table,
        "code": code_version(),
        "started": started, "ended": ended,
    }


def write_manifest(out: Path, manifest: dict[str, Any]) -> Path:
    """Write ``OUT/manifest.json`` (atomically: whole or not at all)."""
    target = Path(out) / MANIFEST
    write_text_atomic(target, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return target


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of an output folder; a clear error when it has none."""
    target = Path(folder) / MANIFEST
    if not target.is_file():
        raise FileNotFoundError(f"{folder}: no {MANIFEST}: not a result folder, or written "
                                "before results carried provenance; run it again")
    manifest = read_json(target)
    if not isinstance(manifest, dict):
        raise ValueError(f"{target}: not a manifest (a JSON object); the file is damaged")
    return manifest


def rerun(manifest: dict[str, Any]) -> tuple[Scenario, int, int]:
    """The scenario of a manifest (from the text it kept) and its seeds and graph seeds
    (counts), ready for :func:`~redwuye_graph.sim.scenario.run_scenario`."""
    from dataclasses import replace

    from redwuye_graph.sim.scenario import load_scenario

    head = manifest["scenario"]
    sc = load_scenario(Path(head["path"]), text=head["source"])
    seeds, graphs = manifest["seeds"], manifest["graph_seeds"]
    sc = replace(sc, first_seed=seeds[0], graph_seed=graphs[0],
                 estate_table=manifest["estate_table"])
    return sc, len(seeds), len(graphs)
