"""Scenario files the experiment tests write: one place for their text."""

from __future__ import annotations


def tiny_scenario(days: int = 45, name: str = "tiny") -> str:
    """The text of a one-seed scenario on the `tiny` preset, graph seed 3."""
    return f"""[scenario]
name = "{name}"
preset = "tiny"
graph_seed = 3
days = {days}
seeds = 1
"""
