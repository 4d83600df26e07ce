"""The command line starts without the heavy libraries (speed: benchmarks/bench_startup.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("pandas", "networkx", "numpy", "mesa", "scipy", "pyarrow")
_PROBE = """
import sys
sys.argv = ["redwuye", *{args!r}]
from redwuye_graph.cli import app
try:
    app()
except SystemExit:
    pass
print("HEAVY:", *[m for m in {heavy!r} if m in sys.modules], file=sys.stderr)
"""


@pytest.mark.parametrize("args", [[], ["--help"], ["queries"]])
def test_the_cli_starts_without_heavy_libraries(args: list[str]) -> None:
    probe = _PROBE.format(args=args, heavy=HEAVY) if args else (
        f"import sys, redwuye_graph.cli\nprint('HEAVY:', *[m for m in {HEAVY!r} "
        "if m in sys.modules], file=sys.stderr)")
    err = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                         text=True).stderr
    assert err.splitlines()[-1].split() == ["HEAVY:"]


def test_the_public_api_is_the_same_objects() -> None:
    import redwuye_graph
    from redwuye_graph.citygraph import CityGraph
    from redwuye_graph.generate import generate
    from redwuye_graph.linkage import estate_linkage

    assert redwuye_graph.CityGraph is CityGraph
    assert redwuye_graph.generate is generate
    assert redwuye_graph.estate_linkage is estate_linkage
    assert all(hasattr(redwuye_graph, name) for name in redwuye_graph.__all__)
