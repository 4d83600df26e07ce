"""The interactive dashboard: ``redwuye dashboard`` serves a Solara page over a live model.

:mod:`.run` holds the model run the page drives (controls, stepping, series, worst
estates; no web code); :mod:`.page` the Solara page and its ECharts plots, imported
only by the server; :func:`serve` starts the server.
"""

from redwuye_graph.dashboard.run import CONTROLS, Control, Controls, DashboardRun
from redwuye_graph.dashboard.serve import serve

__all__ = ["CONTROLS", "Control", "Controls", "DashboardRun", "serve"]
