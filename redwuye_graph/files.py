"""Who owns a file: locks by file identity, private temporary folders, atomic writes.

- :func:`lock_store` holds a store exclusively, keyed by its resolved path *and* by its
  device and inode, so a hard link or a symlink to an open store cannot open it twice.
  The lock files live in a private per-user folder under the system temporary folder,
  never beside the store (whose folder may be read-only, or not the user's).
- :func:`lock_folder` holds an output folder (``--out`` of a sweep or a simulation)
  against a second writer: an advisory lock on the folder itself, no file added;
  :func:`check_folder` refuses an ``--out`` that is a file before anything runs.
- :func:`die_with_parent` makes a child process (a server, a pool worker) die with
  its parent, so none outlives a killed command.
- :class:`PrivateTempDir` is a ``redwuye-*`` folder (mode 0700) locked while its owner
  lives; folders whose owner died (SIGKILL) are removed when the next one is made.
- :func:`write_atomic` / :func:`write_text_atomic` write a temporary file beside the
  target and rename it over the target, so a reader never sees half a file;
  :func:`read_json` names the file when its JSON is not readable, and
  :func:`write_error` names the file a library's write error (a full disk) left unnamed.

Every lock is released by the kernel when its process dies, however it dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from redwuye_graph.errors import LockedError

__all__ = ["FileLock", "PrivateTempDir", "check_folder", "die_with_parent",
           "lock_folder", "lock_store", "read_json", "remove_stale_tempdirs", "write_atomic",
           "write_error", "write_text_atomic"]

#: Prefix of the private temporary folders (under :func:`tempfile.gettempdir`).
TEMP_PREFIX = "redwuye-"
#: The file that marks a temporary folder as made by :class:`PrivateTempDir`.
_OWNER_MARK = ".owner"
_PR_SET_PDEATHSIG = 1


class FileLock:
    """Exclusive advisory locks (``flock``) held on open descriptors until :meth:`close`;
    ``lock_files`` (lock files of :func:`lock_store`, one per descriptor) are removed then,
    so none piles up. ``identity`` is the one of them that locks a file's device and inode
    (:meth:`hold_identity` moves it), if any."""

    def __init__(self, fds: list[int], lock_files: list[Path] | None = None,
                 identity: Path | None = None):
        self._fds = fds
        self._lock_files = lock_files or []
        self._identity = identity

    def hold_identity(self, path: Path) -> None:
        """Hold the device and inode ``path`` now names (after it was replaced) instead of
        the replaced file's: its inode is free and may name another store next."""
        with contextlib.suppress(FileNotFoundError):
            key = _identity_lock(Path(path))
            if key != self._identity and self.take(key):
                self._release(self._identity)
                self._identity = key

    def _release(self, key: Path | None) -> None:
        """Remove and release the one lock file ``key`` (nothing for None)."""
        if key is None or key not in self._lock_files:
            return
        i = self._lock_files.index(key)
        key.unlink(missing_ok=True)
        os.close(self._fds.pop(i))
        self._lock_files.pop(i)

    def take(self, key: Path) -> bool:
        """Hold the lock file ``key`` too; False if another process holds it."""
        fd = _hold(key)
        if fd is None:
            return False
        self._fds.append(fd)
        self._lock_files.append(key)
        return True

    def close(self) -> None:
        """Remove the lock files (while still held) and release the locks."""
        for key in self._lock_files:
            key.unlink(missing_ok=True)
        for fd in self._fds:
            os.close(fd)
        self._fds, self._lock_files = [], []

    def __enter__(self) -> FileLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _flock(fd: int) -> bool:
    """Lock ``fd`` exclusively without waiting; False if another process holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _lock_dir() -> Path:
    """The per-user folder of store locks (0700, owned by this user, not a symlink)."""
    folder = Path(tempfile.gettempdir()) / f"redwuye.locks-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    info = folder.lstat()
    if not folder.is_dir() or folder.is_symlink() or info.st_uid != os.getuid() \
            or info.st_mode & 0o077:
        raise LockedError(f"{folder}: the lock folder is not a private folder of this user; "
                          "remove it")
    return folder


def _hold(path: Path) -> int | None:
    """Open (creating, 0600) and lock the lock file ``path``; its descriptor, or None if
    held elsewhere. A file its holder removed on release is not a lock: then try again."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        if not _flock(fd):
            os.close(fd)
            return None
        with contextlib.suppress(FileNotFoundError):
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        os.close(fd)  # locked a file that was removed meanwhile


def _identity_lock(path: Path) -> Path:
    """The lock file of the device and inode of ``path`` (FileNotFoundError if none)."""
    info = path.stat()
    return _lock_dir() / f"file-{info.st_dev}-{info.st_ino}.lock"


def lock_store(path: Path, what: str) -> FileLock:
    """Hold the store file at ``path`` (which need not exist yet) for this process.

    The lock is keyed by the resolved path and, when the file exists, by its device and
    inode. Raises :class:`LockedError` (naming ``what``) if another process holds it.
    """
    path = Path(path).resolve()
    keys = [_lock_dir() / f"path-{hashlib.sha256(str(path).encode()).hexdigest()[:32]}.lock"]
    with contextlib.suppress(FileNotFoundError):
        keys.append(_identity_lock(path))
    fds: list[int] = []
    for key in keys:
        fd = _hold(key)
        if fd is None:
            FileLock(fds, keys[:len(fds)]).close()
            raise LockedError(f"{what} is open in another process; close it first")
        fds.append(fd)
    return FileLock(fds, keys, identity=keys[1] if len(keys) > 1 else None)


def check_folder(path: Path, what: str) -> None:
    """Refuse (:class:`ValueError`) an output folder ``path`` that is a file: before
    anything runs, so no work is lost at the end."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{what} {path} is a file, not a folder; name a folder "
                         "(it is made if missing)")


def lock_folder(path: Path, what: str) -> FileLock:
    """Create the folder ``path`` if needed and hold it against a second writer.

    Raises :class:`ValueError` if ``path`` (or a folder above it) is a file, and
    :class:`LockedError` if another process holds the folder; both name ``what``
    (e.g. ``sweep folder``) and ``path``.
    """
    path = Path(path)
    check_folder(path, what)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ValueError(f"{what} {path} cannot be made: a part of it is a file, "
                         "not a folder") from None
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    if not _flock(fd):
        os.close(fd)
        raise LockedError(f"{what} {path} is being written by another process; wait for "
                          "it to finish or use another folder")
    return FileLock([fd])


def remove_stale_tempdirs(base: Path | None = None) -> list[Path]:
    """Remove this user's :class:`PrivateTempDir` folders whose owner is gone; the removed.

    Only folders that carry the owner mark are touched, and only when their lock can be
    taken (the kernel drops it when the owner dies).
    """
    base = Path(base or tempfile.gettempdir())
    removed = []
    for entry in base.glob(f"{TEMP_PREFIX}*"):
        try:
            info = entry.lstat()
            if not entry.is_dir() or entry.is_symlink() or info.st_uid != os.getuid() \
                    or not (entry / _OWNER_MARK).is_file():
                continue
            fd = os.open(entry, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            if _flock(fd):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
        finally:
            os.close(fd)
    return removed


class PrivateTempDir:
    """A fresh ``redwuye-*`` folder, mode 0700, held by this process until :meth:`close`.

    Making one first removes the stale folders of dead owners
    (:func:`remove_stale_tempdirs`). The folder is made under a hidden name, locked, then
    renamed, so no other process ever sees it unlocked.
    """

    def __init__(self) -> None:
        remove_stale_tempdirs()
        base = Path(tempfile.gettempdir())
        while True:
            hidden = Path(tempfile.mkdtemp(prefix=f".{TEMP_PREFIX}new-", dir=base))
            self._fd = os.open(hidden, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            (hidden / _OWNER_MARK).write_text(f"{os.getpid()}\n")
            self.path = base / (TEMP_PREFIX + hidden.name.removeprefix(f".{TEMP_PREFIX}new-"))
            try:
                os.rename(hidden, self.path)
                return
            except OSError:  # that name exists: try another
                os.close(self._fd)
                shutil.rmtree(hidden, ignore_errors=True)

    def close(self) -> None:
        """Remove the folder and release it."""
        if self._fd >= 0:
            shutil.rmtree(self.path, ignore_errors=True)
            os.close(self._fd)
            self._fd = -1


def write_atomic(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write ``path`` whole or not at all: ``write`` fills a temporary file beside it,
    which is synced and renamed over ``path``; on any error the target is unchanged."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # as an ordinary new file (mkstemp makes 0600)
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """This process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`write_atomic`)."""
    data = text.encode("utf-8")
    write_atomic(path, lambda handle: handle.write(data))


def read_json(path: Path) -> Any:
    """The JSON in ``path``; a :class:`ValueError` naming the file if it is not JSON."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not readable JSON ({exc}); the file is damaged: "
                         "remove it or restore it") from None


def write_error(path: Path, exc: OSError) -> OSError:
    """``exc``, raised while writing under ``path``, as an error that names a file (libraries
    such as pyarrow leave it out: 'Error writing bytes ... [errno 28] No space left ...')."""
    if exc.filename:
        return exc
    text = exc.strerror or str(exc)
    found = re.search(r"\[errno (\d+)\] (.+)", text, re.IGNORECASE)
    code, why = (int(found[1]), found[2].strip()) if found else (exc.errno, text)
    return OSError(code, why, str(path))


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux ``prctl``).

    For child processes: the store's server, the workers of a local pool.
    """
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


