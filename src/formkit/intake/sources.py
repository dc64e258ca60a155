"""What intake opens: files named, and every file below folders named, in a stable order; only regular
files, and below a folder only those that stay inside it (a FIFO, a socket, a device or a symlink leading out
is refused with a code, never opened); the bytes read with the limit checked before and on the open
descriptor."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from formkit.limits import Limits

SKIP_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class Source:
    """A file to ingest: its path, the folder it was found in (None when named directly), and a refusal
    found while listing it (not a regular file, or a symlink leading out of the folder)."""
    path: Path
    root: Path | None = None
    code: str = ""
    message: str = ""

    def __fspath__(self) -> str:
        return os.fspath(self.path)


class Refused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code, self.message = code, message


NOT_A_FILE = "不是普通文件（管道、设备、套接字等），未读取"
OUTSIDE = "是指向所收取文件夹以外的符号链接，未读取"


def expand(paths: Iterable[str | Path | Source]) -> list[Source]:
    """Files named, and every file below folders named, in a stable order; what cannot be read safely
    (not a regular file, a symlink leading out of its folder) is listed with its refusal."""
    out: list[Source] = []
    for p in paths:
        if isinstance(p, Source):
            out.append(p)
        elif Path(p).is_dir():
            out.extend(_below(Path(p)))
        else:
            out.append(Source(Path(p)))
    return out


def _below(folder: Path) -> list[Source]:
    root = folder.resolve()
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):  # symlinked folders are listed, never entered
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            if name in SKIP_NAMES or (name in dirnames and not path.is_symlink()):
                continue
            if not _inside(path, root):
                found.append(Source(path, root, "intake.outside-folder", OUTSIDE))
            elif name in dirnames:
                continue  # a symlink to a folder inside: its files are listed from the folder itself
            else:
                try:
                    regular = stat.S_ISREG(path.stat().st_mode)
                except OSError:
                    regular = True  # a dangling link: opening it says why
                found.append(Source(path, root) if regular else Source(path, root, "intake.not-a-file", NOT_A_FILE))
    return sorted(found, key=lambda s: s.path)


def _inside(path: Path, root: Path) -> bool:
    real = Path(os.path.realpath(path))
    return real == root or root in real.parents


class TooLarge(Exception):
    def __init__(self, size: int, sha256: str):
        super().__init__(size)
        self.size, self.sha256 = size, sha256


def read_safely(source: Source, limits: Limits) -> bytes:
    """The bytes of a regular file, checked before it is opened (a FIFO or device is never opened) and
    again on the open descriptor (opened non-blocking, so a file swapped for a FIFO cannot hang)."""
    if source.code:
        raise Refused(source.code, source.message)
    before = os.stat(source.path)
    if not stat.S_ISREG(before.st_mode):
        raise Refused("intake.not-a-file", NOT_A_FILE)
    if source.root is not None and not _inside(source.path, source.root):
        raise Refused("intake.outside-folder", OUTSIDE)
    fd = os.open(source.path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as fh:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
            raise Refused("intake.not-a-file", "文件在读取时被替换，未读取")
        if now.st_size > limits.max_bytes:
            digest = hashlib.sha256()
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
            raise TooLarge(now.st_size, digest.hexdigest())
        data = fh.read(now.st_size + 1)  # not a buffer of the limit's size for every file
        if len(data) > now.st_size:  # it grew while being read: the rest too, up to the limit
            data += fh.read(limits.max_bytes + 1 - len(data))
        return data
