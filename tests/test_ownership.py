"""Who owns what: store locks by file identity, private store files, stale temporary
folders, worker processes that die with their parent, sweep folders with one writer,
atomic manifests, services on loopback, clear errors for outputs, ports and disks."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from redwuye_graph.errors import StoreError
from redwuye_graph.files import (
    LockedError,
    PrivateTempDir,
    lock_folder,
    read_json,
    remove_stale_tempdirs,
    write_text_atomic,
)
from redwuye_graph.generate import generate
from redwuye_graph.store import open_store

REPO = Path(__file__).resolve().parents[1]
#: The ``redwuye`` command of this checkout, in a fresh process.
CLI = [sys.executable, "-c", "from redwuye_graph.cli import app; app(prog_name='redwuye')"]


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A system temporary folder of the test's own (temp folders, lock folder)."""
    base = tmp_path / "systmp"
    base.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(base))
    monkeypatch.setenv("TMPDIR", str(base))
    yield base


@pytest.fixture
def store_file(tmp_path: Path) -> Path:
    path = tmp_path / "stores" / "city.rdb"
    with open_store(f"embedded:{path}") as db:
        db.load(generate("tiny", seed=2))
    return path


def test_a_hard_link_to_an_open_store_is_refused(store_file: Path, private_tmp: Path) -> None:
    link = store_file.with_name("other-name.rdb")
    os.link(store_file, link)
    with open_store(f"embedded:{store_file}"), pytest.raises(StoreError, match="another process"):
        open_store(f"embedded:{link}")


def test_a_hard_link_to_a_store_saved_after_opening_is_refused(tmp_path: Path,
                                                               private_tmp: Path) -> None:
    path = tmp_path / "new.rdb"
    with open_store(f"embedded:{path}") as db:
        db.load(generate("tiny", seed=2))  # the save creates the file: a new inode
        os.link(path, tmp_path / "link.rdb")
        with pytest.raises(StoreError, match="another process"):
            open_store(f"embedded:{tmp_path / 'link.rdb'}")


def test_store_files_are_private_and_no_lock_file_beside_them(store_file: Path) -> None:
    assert stat.S_IMODE(store_file.stat().st_mode) == 0o600
    assert sorted(p.name for p in store_file.parent.iterdir()) == ["city.rdb"]


def test_reading_a_store_writes_nothing_beside_it(store_file: Path) -> None:
    """A read-only folder works for stats/coverage: they write nothing in the folder."""
    before = {p.name: p.stat().st_mtime_ns for p in store_file.parent.iterdir()}
    folder_mtime = store_file.parent.stat().st_mtime_ns
    result = subprocess.run([*CLI, "stats", "--store",
                             f"embedded:{store_file}"], capture_output=True, text=True,
                            cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert {p.name: p.stat().st_mtime_ns for p in store_file.parent.iterdir()} == before
    assert store_file.parent.stat().st_mtime_ns == folder_mtime


@pytest.mark.parametrize("make", ["text", "empty", "folder"])
def test_a_path_that_is_not_a_store_is_refused_untouched(tmp_path: Path, make: str) -> None:
    target = tmp_path / "passwd"
    if make == "folder":
        target.mkdir()
    else:
        target.write_text("" if make == "empty" else "root:x:0:0:root:/root:/bin/bash\n")
    with pytest.raises(StoreError, match="not a store file"):
        open_store(f"embedded:{target}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["passwd"]


def test_a_scenario_whose_store_is_missing_says_so_and_creates_nothing(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    missing = tmp_path / "nowhere" / "city.rdb"
    scenario.write_text(f'name = "s"\nstore = "embedded:{missing}"\n')
    result = subprocess.run([*CLI, "simulate",
                             str(scenario), "--days", "40", "--out", str(tmp_path / "out")],
                            capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode != 0
    assert f"no store at {missing}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not missing.parent.exists()


def test_a_killed_owner_leaves_a_temp_folder_the_next_store_removes(
        tmp_path: Path, private_tmp: Path) -> None:
    script = textwrap.dedent(f"""
        import sys, time
        from redwuye_graph.store import open_store
        db = open_store("embedded:{tmp_path / 'k.rdb'}")
        print(db._tmp, flush=True)
        time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.stdout is not None
    folder = Path(proc.stdout.readline().strip())
    assert folder.parent == private_tmp and folder.name.startswith("redwuye-")
    assert remove_stale_tempdirs() == []  # its owner lives: kept
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert folder.is_dir()  # SIGKILL runs no clean-up
    with open_store(f"embedded:{tmp_path / 'k.rdb'}") as db:
        assert not folder.exists()
        assert Path(db._tmp).is_dir()  # type: ignore[attr-defined]


def test_temp_folders_not_made_here_are_left_alone(private_tmp: Path) -> None:
    other = private_tmp / "redwuye-someone-else"
    other.mkdir()
    mine = PrivateTempDir()
    assert stat.S_IMODE(mine.path.stat().st_mode) == 0o700
    mine.close()
    assert not mine.path.exists() and other.is_dir()


def test_a_folder_has_one_writer(tmp_path: Path) -> None:
    with lock_folder(tmp_path / "out", "sweep folder out"):
        with pytest.raises(LockedError, match="sweep folder out is being written"):
            lock_folder(tmp_path / "out", "sweep folder out")
    lock_folder(tmp_path / "out", "sweep folder out").close()


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "sweep.json"
    write_text_atomic(target, '{"a": 1}\n')

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space"):
        write_text_atomic(target, '{"a": 2}\n')
    assert read_json(target) == {"a": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.json"]


def test_a_truncated_manifest_is_named(tmp_path: Path) -> None:
    target = tmp_path / "sweep.json"
    target.write_text('{"name": "s", "fact')
    with pytest.raises(ValueError, match=f"{target}: not readable JSON"):
        read_json(target)
