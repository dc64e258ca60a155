"""Originals stored once by sha256, immutable, written atomically (temp file, flushed, renamed).

An original is durable under its name before the row that refers to it commits: the transaction that records
its row writes it to a temporary file beside its name (:meth:`ObjectStore.stage`) and makes it durable just
before it commits (:meth:`ObjectStore.settle`): for a group of originals (intake commits rows in groups) one
``syncfs`` of their filesystem flushes the bytes of all of them, they are renamed, and one more flushes the
names (Linux; elsewhere, and for one or two files, an fsync of each file and of each folder). A file at its
final name has always had its bytes flushed before it got that name; a transaction rolled back leaves no
temporary file. At worst — a crash between the renames and the commit — an original has no row yet, which the
next ingest or ``formkit verify --reconcile`` reconciles (:mod:`formkit.intake.ingest`).

Every process that may hold originals whose rows are not committed yet holds the folder's intake lock
(:meth:`ObjectStore.in_use`, shared); an original without a row is known to be left over from a crash only
while one process holds it alone (:meth:`ObjectStore.alone`).
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import os
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

LOCK_NAME = ".intake.lock"
TEMP_PREFIX = ".tmp-"
FEW = 2  # up to this many originals settle with an fsync of each file and folder, more with syncfs


class ObjectStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._staged: dict[str, Path] = {}  # sha256 → its bytes in a temporary file beside it, not flushed yet
        self._mutex = threading.Lock()

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` durably now; return its sha256. Storing the same bytes again changes nothing."""
        sha = hashlib.sha256(data).hexdigest()
        self.stage(data, sha)
        self.settle([sha])
        return sha

    def stage(self, data: bytes, sha256: str) -> bool:
        """Have ``data`` (whose sha256 the caller computed) on its way to its name: written to a temporary file
        beside it, which :meth:`settle` flushes and renames. False when it is there already (or staged)."""
        with self._mutex:
            if sha256 in self._staged:
                return False
        target = self.path(sha256)
        try:
            if target.stat().st_size == len(data):
                return False
        except FileNotFoundError:
            pass
        tmp = _temporary(target.parent, data)
        with self._mutex:
            first = self._staged.setdefault(sha256, tmp) is tmp
        if not first:  # staged by another thread meanwhile
            tmp.unlink(missing_ok=True)
        return first

    def settle(self, shas: Iterable[str]) -> None:
        """Make these originals durable under their names (see the module's docstring): those staged flushed
        and renamed, and every folder entry flushed."""
        shas = sorted(set(shas))
        if not shas:
            return
        with self._mutex:
            staged = [(self._staged.pop(sha), self.path(sha)) for sha in shas if sha in self._staged]
        claimed = {target.name for _tmp, target in staged}
        missing = [sha for sha in shas if sha not in claimed and not self.path(sha).is_file()]
        if missing:  # never a row without its original
            raise FileNotFoundError(f"原件 {missing[0]} 不在 {self.root} 中")
        whole = len(shas) > FEW and _SYNCFS is not None
        if whole:
            _sync_filesystem(self.root)
        for tmp, target in staged:
            if not whole:
                _fsync(tmp)
            os.replace(tmp, target)
        if whole:
            _sync_filesystem(self.root)
        else:
            for folder in sorted({self.path(sha).parent for sha in shas}):
                _fsync(folder)

    def discard(self, shas: Iterable[str]) -> None:
        """Remove what was staged for these originals and never settled (their rows were not written)."""
        with self._mutex:
            staged = [self._staged.pop(sha) for sha in set(shas) if sha in self._staged]
        for tmp in staged:
            tmp.unlink(missing_ok=True)

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def all(self) -> set[str]:
        if not self.root.is_dir():
            return set()
        return {p.name for p in self.root.glob("??/*") if len(p.name) == 64 and not p.name.startswith(".")}

    def check(self, sha256: str) -> str | None:
        """None when the stored file is there and hashes to its name; otherwise what is wrong."""
        path = self.path(sha256)
        if not path.is_file():
            return "missing"
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return None if digest.hexdigest() == sha256 else "corrupt"

    # the intake lock ------------------------------------------------------------------------------------
    @contextmanager
    def in_use(self) -> Iterator[None]:
        """Held while this process may have originals here whose rows are not committed yet (shared with every
        other process doing the same; nested uses in one process share one lock)."""
        lock = _lock_for(self.root)
        lock.enter()
        try:
            yield
        finally:
            lock.leave()

    def alone(self) -> bool:
        """Whether this process (inside :meth:`in_use`) is the only one that may have originals here without
        their rows; if so, no other may start until this one's use ends. Never waits."""
        return _lock_for(self.root).exclusive()

    def leftovers(self) -> list[Path]:
        """Temporary files of writes that never finished (a process killed mid-write); only meaningful while
        :meth:`alone`, when no write is under way."""
        return sorted(self.root.glob(f"??/{TEMP_PREFIX}*")) if self.root.is_dir() else []


class _Lock:
    """One process's hold on an originals folder's lock file: a POSIX record lock, owned by the process, so
    neither inherited by the forked reading workers nor dropped by them (one descriptor per folder, since
    closing any descriptor of the file would release it). Within the process, uses are counted; while one
    thread holds it alone, another thread's use waits."""

    def __init__(self, root: Path):
        self.root = root
        self.users = 0
        self.fd: int | None = None
        self.owner: int | None = None  # the thread holding it alone
        self.changed = threading.Condition()

    def enter(self) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.owner in (None, threading.get_ident()))
            if self.users == 0:
                self.root.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.root / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
                try:
                    fcntl.lockf(fd, fcntl.LOCK_SH)
                except BaseException:
                    os.close(fd)
                    raise
                self.fd = fd
            self.users += 1

    def leave(self) -> None:
        with self.changed:
            self.users -= 1
            if self.users == 0 and self.fd is not None:
                os.close(self.fd)  # releases the lock
                self.fd, self.owner = None, None
                self.changed.notify_all()

    def exclusive(self) -> bool:
        with self.changed:
            if self.fd is None or self.users != 1:  # another thread of this process is writing
                return False
            try:
                fcntl.lockf(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a failed conversion keeps the shared lock
            except OSError:
                return False
            self.owner = threading.get_ident()
            return True


_LOCKS: dict[str, _Lock] = {}
_LOCKS_MUTEX = threading.Lock()


def _lock_for(root: Path) -> _Lock:
    key = os.path.realpath(root)
    with _LOCKS_MUTEX:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = _Lock(Path(key))
        return lock


def _temporary(folder: Path, data: bytes) -> Path:
    """``data`` in a new read-only temporary file in ``folder`` (made if need be), not flushed."""
    while True:
        path = folder / f"{TEMP_PREFIX}{os.urandom(8).hex()}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            break
        except FileNotFoundError:
            folder.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            pass
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fchmod(fd, 0o444)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    return path


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _syncfs() -> Any:
    """libc's ``syncfs`` (Linux): flushes one filesystem's dirty data and metadata in one call."""
    try:
        return ctypes.CDLL(None, use_errno=True).syncfs if sys.platform.startswith("linux") else None
    except (OSError, AttributeError):
        return None


_SYNCFS = _syncfs()


def _sync_filesystem(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        if _SYNCFS(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), str(path))
    finally:
        os.close(fd)
