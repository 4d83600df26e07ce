"""JupyterLab for the planner notebooks: the ``redwuye`` kernel and the Lab command.

``make lab`` (``redwuye lab``) registers the kernel the notebooks name (``redwuye``: this
environment's Python, so ``import redwuye_graph`` works whatever Jupyter opens the
notebook) and starts JupyterLab on the repository; the notebooks find the repository's
files from the package, wherever Lab was opened. ``make kernel`` registers the kernel
for the user too, for a JupyterLab installed elsewhere.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["KERNEL", "KERNEL_DISPLAY", "lab_command", "register_kernel", "repo_root"]

#: The kernel name every notebook's metadata names.
KERNEL = "redwuye"
KERNEL_DISPLAY = "Python (redwuye)"


def repo_root() -> Path:
    """The checkout the package runs from (it holds ``notebooks/``); an error when the
    package is installed without one."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "notebooks").is_dir():
        raise FileNotFoundError(f"{root}: no notebooks/ folder; run 'redwuye lab' from a "
                                "checkout of redwuye-graph (make lab)")
    return root


def register_kernel(user: bool = False) -> Path:
    """Register this Python as the ``redwuye`` Jupyter kernel (idempotent).

    Parameters
    ----------
    user : register for the user (any JupyterLab on the machine finds it) instead of in
        this environment only.

    Returns
    -------
    pathlib.Path
        The kernel spec's folder.
    """
    from ipykernel.kernelspec import install

    where = install(user=user, kernel_name=KERNEL, display_name=KERNEL_DISPLAY,
                    prefix=None if user else sys.prefix)
    return Path(where)


def lab_command(root: Path | None = None, port: int | None = None, browser: bool = True,
                extra: list[str] | None = None) -> list[str]:
    """The command line that starts JupyterLab on ``root`` (default: the repository).

    Running as root (a container) adds ``--allow-root``, which Jupyter otherwise refuses.
    """
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root or repo_root()}"]
    if port is not None:
        cmd.append(f"--port={port}")
    if not browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return [*cmd, *(extra or [])]
