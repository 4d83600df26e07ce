"""Fuzzed scenario, sweep and targets files: a clear error or a valid file, never a
traceback (``benchmarks/fuzz_toml.py`` runs thousands)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from toml_fuzz import TomlFuzzer


@pytest.fixture(scope="module")
def fuzzer(tmp_path_factory: pytest.TempPathFactory) -> TomlFuzzer:
    return TomlFuzzer(tmp_path_factory.mktemp("toml_fuzz"))


@pytest.mark.slow
@settings(max_examples=400, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_fuzzed_toml_files_are_clear_errors_or_valid(fuzzer: TomlFuzzer,
                                                     data: st.DataObject) -> None:
    assert fuzzer.run(data) in ("refused", "accepted")


def test_the_fuzzer_starts_from_valid_files(tmp_path: Path) -> None:
    """Unmutated, each base file loads (so refusals come from the mutations)."""
    from toml_fuzz import BASES, dumps

    fuzzer = TomlFuzzer(tmp_path)
    for kind, doc in BASES.items():
        path = tmp_path / f"{kind}.toml"
        path.write_text(dumps(doc), encoding="utf-8")
        fuzzer.LOADERS[kind](path)
