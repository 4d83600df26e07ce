"""``python -m redwuye_graph``: the ``redwuye`` command line."""

from redwuye_graph.cli import app

app(prog_name="redwuye")
