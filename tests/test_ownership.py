"""Who owns what: store locks by file identity, private store files, stale temporary
folders, worker processes that die with their parent, sweep folders with one writer,
atomic manifests, services on loopback, clear errors for outputs, ports and disks."""

from __future__ import annotations

import ipaddress
import os
import shlex
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from scenario_texts import tiny_scenario

from redwuye_graph.errors import LockedError, StoreError
from redwuye_graph.experiments import make_executor
from redwuye_graph.files import (
    FileLock,
    PrivateTempDir,
    lock_folder,
    lock_store,
    read_json,
    remove_stale_tempdirs,
    write_text_atomic,
)
from redwuye_graph.generate import generate
from redwuye_graph.rosters import read_roster, write_csv
from redwuye_graph.store import open_store, public_uri

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


def test_closing_a_store_removes_its_lock_files(tmp_path: Path, private_tmp: Path) -> None:
    path = tmp_path / "city.rdb"
    with open_store(f"embedded:{path}") as db:
        db.load(generate("tiny", seed=2))  # the save makes a new inode: a second lock file
        assert len(list(private_tmp.glob("redwuye.locks-*/*.lock"))) == 2
    assert list(private_tmp.glob("redwuye.locks-*/*.lock")) == []
    with open_store(f"embedded:{path}"):  # and opens again
        pass


def test_a_save_releases_the_replaced_files_inode(tmp_path: Path, private_tmp: Path) -> None:
    # the replaced file's inode is free and may name another store next (a flaky
    # "open in another process" in the parallel suite)
    path = tmp_path / "city.rdb"
    with open_store(f"embedded:{path}") as db:
        db.load(generate("tiny", seed=2))
        first = path.stat()
        db.load(generate("tiny", seed=3), mode="replace")  # saved again: another new inode
        now = path.stat()
        assert (now.st_dev, now.st_ino) != (first.st_dev, first.st_ino)
        locks = {p.name for p in private_tmp.glob("redwuye.locks-*/*.lock")}
        assert len(locks) == 2 and f"file-{now.st_dev}-{now.st_ino}.lock" in locks
        assert f"file-{first.st_dev}-{first.st_ino}.lock" not in locks


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
    scenario.write_text(f"[scenario]\n"
                        f'name = "s"\nstore = "embedded:{missing}"\ndays = 40\n')
    result = subprocess.run([*CLI, "simulate",
                             str(scenario), "--out", str(tmp_path / "out")],
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
    out = tmp_path / "out"
    with lock_folder(out, "sweep folder"), \
            pytest.raises(LockedError, match=f"sweep folder {out} is being written"):
        lock_folder(out, "sweep folder")
    lock_folder(out, "sweep folder").close()


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


def _can_mount() -> bool:
    """Whether this process may mount in a private mount namespace (root, unshare)."""
    try:
        return subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs none /mnt"],
                              capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


needs_mount = pytest.mark.skipif(not _can_mount(), reason="cannot mount in a private "
                                 "namespace (needs root and unshare)")


def in_namespace(setup: str, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run ``commands`` (one after another) in a private mount namespace after ``setup``
    (shell mounts, gone with the namespace); each command's result."""
    marker = "@@@ next command @@@"
    script = "\n".join([f"{setup} || exit 99",
                        *(f"{shlex.join(c)}; echo \"rc=$?\"; echo '{marker}' >&2; "
                          f"echo '{marker}'" for c in commands)])
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True,
                          text=True, cwd=REPO, timeout=300)
    assert done.returncode != 99, done.stderr
    results = []
    for out, err in zip(done.stdout.split(marker)[:-1], done.stderr.split(marker)[:-1],
                        strict=True):
        body, _, rc = out.strip("\n").rpartition("rc=")
        results.append(subprocess.CompletedProcess([], int(rc), body.strip("\n"), err.strip("\n")))
    return results


@needs_mount
def test_stats_and_coverage_read_a_store_in_a_read_only_folder(store_file: Path) -> None:
    folder = store_file.parent
    before = store_file.read_bytes()
    roster = folder.parent / "roster"
    write_csv(generate("tiny", seed=5), roster)
    store = f"embedded:{store_file}"
    stats, coverage, load = in_namespace(
        f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder}",
        [*CLI, "stats", "--store", store], [*CLI, "coverage", "--store", store],
        [*CLI, "load", str(roster), "--replace", "--store", store])
    assert stats.returncode == 0 and "District" in stats.stdout, stats.stderr
    assert coverage.returncode == 0, coverage.stderr
    assert load.returncode == 1
    assert load.stderr == f"error: {store}: cannot save: Read-only file system; " \
                          "the file is as it was"
    assert store_file.read_bytes() == before


@needs_mount
def test_a_full_disk_during_a_load_is_one_line_and_leaves_the_store(tmp_path: Path) -> None:
    """A real full disk: a 28 KiB tmpfs holds one tiny store but not a second beside it."""
    disk = tmp_path / "disk"
    disk.mkdir()
    first, second = tmp_path / "first", tmp_path / "second"
    write_csv(generate("tiny", seed=2), first)
    write_csv(generate("tiny", seed=5), second)
    store = f"embedded:{disk / 'city.rdb'}"
    copy = tmp_path / "copy.rdb"
    loaded, full, listing = in_namespace(
        f"mount -t tmpfs -o size=28k,mode=0700 tmpfs {disk}",
        [*CLI, "load", str(first), "--store", store],
        [*CLI, "load", str(second), "--replace", "--store", store],
        ["sh", "-c", f"ls -A {disk}; cp {disk / 'city.rdb'} {copy}"])
    assert loaded.returncode == 0, loaded.stderr
    assert full.returncode == 1
    assert full.stderr == f"error: {store}: cannot save: No space left on device; " \
                          "the file is as it was"
    assert listing.stdout == "city.rdb"  # no temporary file left on the disk
    with open_store(f"embedded:{copy}") as db:  # the store holds the first roster
        assert db.read().fingerprint() == read_roster(first).fingerprint()


TINY = tiny_scenario(days=45)

LONG_SWEEP = """[sweep]
name = "long_tiny"
scenario = "tiny.toml"
design = "lhs"
samples = 400
replicates = 1
design_seed = 4
days = 120

[params]
pay_intercept = [-1.0, 1.0]
"""


def write_files(folder: Path, sweep: str = LONG_SWEEP) -> tuple[Path, Path]:
    """A tiny scenario and a sweep over it in ``folder``: (scenario, sweep)."""
    (folder / "tiny.toml").write_text(TINY, encoding="utf-8")
    (folder / "sweep.toml").write_text(sweep, encoding="utf-8")
    return folder / "tiny.toml", folder / "sweep.toml"


def descendants(pid: int) -> set[int]:
    """The processes below ``pid`` (children, their children, ...)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                kids = {int(k) for k in (task / "children").read_text().split()}
            except OSError:
                continue
            todo += sorted(kids - found)
            found |= kids
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its reaper does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["local", "dask"])
def test_a_killed_sweep_leaves_no_worker_and_holds_its_folder_until_then(
        tmp_path: Path, executor: str) -> None:
    """The workers of either executor die with the sweep (local: the kernel's parent-death
    signal; dask: its workers exit when the pipe their parent holds closes)."""
    _, sweep = write_files(tmp_path)
    out = tmp_path / "out"
    command = [*CLI, "sweep", str(sweep), "--out", str(out), "--executor", executor,
               "--workers", "2"]
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:  # ready: finished runs on disk, so both workers took runs
        assert wait_for(lambda: (out / "runs.parquet").exists(), timeout=240)
        second = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
        workers = descendants(proc.pid)
        assert len(workers) >= 2
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert second.returncode == 1
    assert second.stderr.splitlines()[-1] == (
        f"error: sweep folder {out} is being written by another process; wait for it to "
        "finish or use another folder")
    assert wait_for(lambda: not any(map(alive, workers)), timeout=60), \
        [p for p in workers if alive(p)]
    lock_folder(out, "sweep folder").close()  # the kernel released the dead sweep's lock


@pytest.mark.parametrize("command", ["simulate", "sweep"])
def test_out_naming_a_file_is_refused_before_anything_runs(tmp_path: Path,
                                                           command: str) -> None:
    scenario, sweep = write_files(tmp_path)
    target = tmp_path / "results.txt"
    target.write_text("keep me\n")
    source = scenario if command == "simulate" else sweep
    result = subprocess.run([*CLI, command, str(source), "--out", str(target)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr == (f"error: --out {target} is a file, not a folder; name a folder "
                             "(it is made if missing)\n")
    assert target.read_text() == "keep me\n"


def test_a_truncated_sweep_json_is_named_on_resume(tmp_path: Path) -> None:
    _, sweep = write_files(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "sweep.json").write_text('{"name": "long_tiny", "finger')
    result = subprocess.run([*CLI, "sweep", str(sweep), "--out", str(out)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith(
        f"error: {out / 'sweep.json'}: not readable JSON (")
    assert sorted(p.name for p in out.iterdir()) == ["sweep.json"]


def test_a_truncated_manifest_is_named_by_show(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{"scenario": {"na')
    result = subprocess.run([*CLI, "show", str(tmp_path)], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {tmp_path / 'manifest.json'}: not readable JSON")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.slow
@needs_mount
def test_a_full_disk_during_simulate_is_one_line_and_keeps_the_earlier_result(
        tmp_path: Path) -> None:
    """A real full disk: a 300 KiB tmpfs holds one tiny result (~190 KiB), not two."""
    scenario, _ = write_files(tmp_path)
    disk = tmp_path / "disk"
    disk.mkdir()
    out = disk / "result"
    keep = tmp_path / "kept"
    first, second, _copy = in_namespace(
        f"mount -t tmpfs -o size=300k tmpfs {disk}",
        [*CLI, "simulate", str(scenario), "--out", str(out)],
        [*CLI, "simulate", str(scenario), "--out", str(out)],
        ["cp", "-a", str(out), str(keep)])
    assert first.returncode == 0, first.stderr
    assert second.returncode == 1
    assert second.stderr.splitlines()[-1] == f"error: {out}: No space left on device"
    assert sorted(p.name for p in keep.iterdir()) == [
        "city.parquet", "company.parquet", "district.parquet", "estate.parquet", "log.parquet",
        "manifest.json", "plot.png", "summary.parquet", "tender.parquet"]
    show = subprocess.run([*CLI, "show", str(keep)], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert show.returncode == 0, show.stderr


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize(("command", "option"), [
    (["dashboard", "--port", "99999"], "--port"),
    (["dashboard", "--http-port", "0"], "--http-port"),
    (["neo4j", "start", "--bolt-port", "70000"], "--bolt-port"),
    (["neo4j", "start", "--http-port", "65536"], "--http-port"),
])
def test_a_port_out_of_range_is_refused_in_one_line(command: list[str], option: str) -> None:
    result = subprocess.run([*CLI, *command], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert f"Invalid value for '{option}'" in result.stderr


@pytest.mark.parametrize("port", ["99999", "0", "http"])
def test_a_bolt_uri_port_out_of_range_is_refused_without_its_password(port: str) -> None:
    result = subprocess.run([*CLI, "stats", "--store", f"bolt://neo4j:hunter2@127.0.0.1:{port}"],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == ("error: redwuye stats: Invalid value for '--store': "
                             f"bolt://127.0.0.1:{port}: the port must be a number from 1 to "
                             "65535 (see 'redwuye stats --help')\n")


def test_a_password_in_a_bolt_uri_is_never_printed() -> None:
    store = f"bolt://neo4j:hunter2@127.0.0.1:{free_port()}"
    result = subprocess.run([*CLI, "stats", "--store", store], cwd=REPO, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "NEO4J_PASSWORD": ""})
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"error: cannot reach Neo4j at {public_uri(store)}: ")
    assert "hunter2" not in result.stderr + result.stdout


def test_a_dask_scheduler_that_does_not_answer_fails_in_one_line(tmp_path: Path) -> None:
    _, sweep = write_files(tmp_path)
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = subprocess.run([*CLI, "sweep", str(sweep), "--out", str(tmp_path / "out"),
                             "--executor", f"dask={address}"], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    waited = time.monotonic() - started
    assert result.returncode == 1
    assert result.stderr == (f"error: executor dask={address}: no Dask scheduler answered in "
                             "5 s (OSError); start one or check the address\n")
    assert waited < 60  # 5 s and the start-up, not the 30 s it waited before


@pytest.mark.slow
def test_a_dask_local_cluster_listens_on_loopback_only() -> None:
    psutil = pytest.importorskip("psutil")
    with make_executor("dask", workers=1) as ex:
        me = psutil.Process()
        listening = {(proc.pid, conn.laddr.ip)
                     for proc in [me, *me.children(recursive=True)]
                     for conn in proc.net_connections(kind="inet") if conn.status == "LISTEN"}
        assert ex.client.dashboard_link.startswith("http://127.0.0.1:")
    assert len({pid for pid, _ in listening}) >= 2  # the scheduler here, a worker below
    # loopback only; '::ffff:127.0.0.1' is 127.0.0.1 on a dual-stack socket
    ips = {ipaddress.ip_address(ip) for _, ip in listening}
    assert {str(getattr(ip, "ipv4_mapped", None) or ip) for ip in ips} == {"127.0.0.1"}


@pytest.mark.neo4j
@pytest.mark.xdist_group("neo4j")
def test_credentials_in_a_bolt_uri_authenticate_and_are_not_kept(neo4j_uri: str) -> None:
    scheme, _, rest = neo4j_uri.partition("://")
    with open_store(f"{scheme}://neo4j:hunter2@{rest}") as db:
        assert db.uri == neo4j_uri
        assert db.run("RETURN 1 AS one") == [{"one": 1}]


def test_a_malformed_bolt_uri_names_itself_and_its_option_without_the_password() -> None:
    result = subprocess.run([*CLI, "stats", "--store", "bolt://neo4j:hunter2@[::1"],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == ("error: redwuye stats: Invalid value for '--store': bolt://[::1: "
                             "not a valid URI (Invalid IPv6 URL); e.g. bolt://127.0.0.1:7687 or "
                             "bolt://[::1]:7687 (see 'redwuye stats --help')\n")


def test_a_malformed_bolt_uri_in_a_scenario_names_the_file_and_key(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text('[scenario]\nname = "s"\nstore = "bolt://neo4j:hunter2@[::1"\n')
    result = subprocess.run([*CLI, "simulate", str(scenario), "--out", str(tmp_path / "out")],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr == (f"error: {scenario}: scenario.store: bolt://[::1: not a valid URI "
                             "(Invalid IPv6 URL); e.g. bolt://127.0.0.1:7687 or "
                             "bolt://[::1]:7687\n")
    assert not (tmp_path / "out").exists()


def test_no_password_reaches_a_manifest_or_a_sweep_fingerprint(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Neo4j scenario's password (in its URI, or NEO4J_PASSWORD) is kept nowhere: the
    store's city is given as read, so no server is needed."""
    import json
    from dataclasses import replace

    from redwuye_graph.experiments import load_sweep
    from redwuye_graph.provenance import scenario_manifest
    from redwuye_graph.sim.scenario import StoreSnapshot, load_scenario

    monkeypatch.setenv("NEO4J_PASSWORD", "env-secret")
    files = {}
    for name, uri in (("secret", "bolt://neo4j:hunter2@db.example:7687"),
                      ("plain", "bolt://db.example:7687")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "s.toml").write_text(
            f'[scenario]\nname = "s"\nstore = "{uri}"\ndays = 40\nseeds = 1\n')
        (tmp_path / name / "sweep.toml").write_text(
            '[sweep]\nname = "w"\nscenario = "s.toml"\ndays = 40\n\n'
            '[params]\nwage = [3000.0, 4000.0]\n')
        files[name] = tmp_path / name
    sc = load_scenario(files["secret"] / "s.toml")
    city = generate("tiny", seed=2)
    sc = replace(sc, store_city=StoreSnapshot(sc.store or "", city, city.fingerprint()))
    kept = json.dumps(scenario_manifest(sc, [0], [0], "start", "end"))
    assert "hunter2" not in kept and "env-secret" not in kept
    assert '"store": "bolt://db.example:7687"' in kept
    secret, plain = (load_sweep(files[n] / "sweep.toml") for n in ("secret", "plain"))
    assert secret.fingerprint() == plain.fingerprint()


def test_a_refused_store_sweep_leaves_no_sweep_json(tmp_path: Path, store_file: Path) -> None:
    (tmp_path / "s.toml").write_text(f'[scenario]\nname = "s"\nstore = "embedded:{store_file}"'
                                     '\ndays = 40\nseeds = 1\n')
    (tmp_path / "sweep.toml").write_text('[sweep]\nname = "w"\nscenario = "s.toml"\n'
                                         'days = 40\n\n[params]\nwage = [3000.0, 4000.0]\n')
    out = tmp_path / "out"
    with open_store(f"embedded:{store_file}"):  # held by this process
        result = subprocess.run([*CLI, "sweep", str(tmp_path / "sweep.toml"), "--out", str(out)],
                                cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].endswith("is open in another process; close it first")
    assert not (out / "sweep.json").exists()
    assert list(out.iterdir()) == []


def _calibration_files(folder: Path) -> tuple[Path, Path]:
    """A tiny scenario and a two-trial targets file over it: (scenario, targets)."""
    (folder / "tiny.toml").write_text(TINY, encoding="utf-8")
    (folder / "targets.toml").write_text(
        "[calibrate]\ntrials = 2\nseeds = 1\n\n[params]\nwage = [3000.0, 4000.0]\n\n"
        "[targets.satisfaction_end]\nvalue = 0.6\ntolerance = 0.05\n", encoding="utf-8")
    return folder / "tiny.toml", folder / "targets.toml"


SOBOL_SWEEP = """[sweep]
name = "sobol_tiny"
scenario = "tiny.toml"
design = "sobol"
samples = 2
days = 45

[params]
pay_intercept = [-1.0, 1.0]
wage = [3000.0, 4000.0]
"""


@pytest.mark.parametrize("command", ["calibrate", "sensitivity", "discover"])
def test_a_calibration_sensitivity_or_discovery_folder_has_one_writer(
        tmp_path: Path, command: str) -> None:
    """A second writer of the folder (held here, as a running command would hold it) is
    refused before it runs or writes anything."""
    scenario, targets = _calibration_files(tmp_path)
    _, sweep = write_files(tmp_path, SOBOL_SWEEP)
    out = tmp_path / "out"
    if command == "discover":  # a finished sweep to discover in
        done = subprocess.run([*CLI, "sweep", str(sweep), "--out", str(out)], cwd=REPO,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    argv = {"calibrate": ["calibrate", "--scenario", str(scenario), "--targets", str(targets),
                          "--out", str(out)],
            "sensitivity": ["sensitivity", str(sweep), "--out", str(out)],
            "discover": ["discover", str(out), "--outcome", "collection_12m",
                         "--threshold", "0.5"]}[command]
    what = "calibration folder" if command == "calibrate" else "sweep folder"
    before = sorted(p.name for p in out.iterdir()) if out.exists() else []
    with lock_folder(out, what):
        result = subprocess.run([*CLI, *argv], cwd=REPO, capture_output=True, text=True,
                                timeout=300)
        assert sorted(p.name for p in out.iterdir()) == before
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"error: {what} {out} is being written by another process; wait for it to finish or "
        "use another folder")


@pytest.mark.parametrize("module", ["redwuye_graph", "redwuye_graph.cli"])
def test_python_m_runs_the_command_line(module: str) -> None:
    result = subprocess.run([sys.executable, "-m", module, "queries"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "coverage/summary" in result.stdout
    usage = subprocess.run([sys.executable, "-m", module, "--help"], cwd=REPO,
                           capture_output=True, text=True, timeout=120)
    assert "Usage: redwuye " in usage.stdout


def test_a_file_lock_is_given_the_identity_lock_it_moves(tmp_path: Path,
                                                         private_tmp: Path) -> None:
    """``FileLock(identity=...)``: after the file is replaced, :meth:`hold_identity` holds
    the new inode and removes the lock file of the old one."""
    target, new = tmp_path / "store", tmp_path / "new"
    target.write_text("old")
    new.write_text("new")
    with lock_store(target, "the store") as held:
        old_locks = set(private_tmp.glob("redwuye.locks-*/file-*.lock"))
        assert len(old_locks) == 1
        identity = old_locks.pop()
    fd = os.open(identity, os.O_RDWR | os.O_CREAT, 0o600)
    held = FileLock([fd], [identity], identity=identity)
    os.replace(new, target)
    held.hold_identity(target)
    assert not identity.exists()
    os.link(target, tmp_path / "link")
    with pytest.raises(LockedError):  # the new inode is held, by any name
        lock_store(tmp_path / "link", "a link")
    held.close()
    lock_store(tmp_path / "link", "a link").close()


def test_sensitivity_holds_its_folder_until_its_analysis_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not only the sweep: the analysis written after it is under the same lock."""
    from typer.testing import CliRunner

    from redwuye_graph.cli import app
    from redwuye_graph.experiments import sensitivity as module

    _, sweep = write_files(tmp_path, SOBOL_SWEEP)
    out = tmp_path / "out"
    analyse = module.sensitivity
    held: list[bool] = []

    def checked(*args: object, **kwargs: object) -> object:
        try:  # a second writer (a second lock, even in this process) is refused
            lock_folder(out, "sweep folder").close()
            held.append(False)
        except LockedError:
            held.append(True)
        return analyse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "sensitivity", checked)
    result = CliRunner().invoke(app, ["sensitivity", str(sweep), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert held == [True]
    assert (out / "sensitivity.csv").exists()
