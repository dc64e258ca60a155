"""``formkit read`` of several files: each read in the isolated reading worker (:mod:`formkit.intake.worker`)
with the limits of ``limits.py``, so that a file that cannot be read, hangs, eats memory or crashes the reader
gets its coded error and the others are still read; then the checks across the batch's documents
(:func:`formkit.pipeline.cross_checked`: a unit's self-assessment and its county's feedback read together)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from formkit.errors import FormkitError
from formkit.intake.worker import Outcome, Request, in_order, read_request, small
from formkit.limits import DEFAULT, Limits
from formkit.pipeline import cross_checked
from formkit.read import ReadError, ReadResult, cannot_open
from formkit.roster.model import Roster


def read_many(paths: Iterable[Path], roster: Roster | None = None, year: int | None = None,
              limits: Limits = DEFAULT, each: Callable[[Path, ReadResult], None] | None = None,
              ) -> Iterator[tuple[Path, ReadResult | FormkitError]]:
    """(path, result or coded error) for every file, in order, read by the reading workers; each worker is
    sent its next file while it reads one, when both are small (:func:`formkit.intake.worker.in_order`).
    ``each(path, result)`` is called with every result as it comes in, in the thread that waited for it, while
    other files are still being read (``formkit read --json`` writes each result's JSON then, instead of after
    the batch: a county's result that the checks across the batch give more findings is a new object)."""
    ahead: dict[int, Request | FormkitError] = {}  # files read before their turn, by their place in ``paths``

    def request(path: Path) -> Request | FormkitError:
        try:
            return Request(read_regular(path, limits), str(path), year, limits, roster)
        except FormkitError as exc:
            return exc

    def read_one(item: tuple[int, Path], following: tuple[int, Path] | None) -> ReadResult | FormkitError:
        (n, path), sent = item, None
        this = ahead.pop(n, None) or request(path)
        if isinstance(this, FormkitError):
            return this
        if following is not None and _small(following[1], limits):
            sent = ahead[following[0]] = request(following[1])
        outcome = read_request(this, ahead=sent if isinstance(sent, Request) else None)
        if outcome.result is None:
            return _error(path, outcome)
        if each is not None:
            each(path, outcome.result)
        return outcome.result

    paths = list(map(Path, paths))
    results = in_order(read_one, enumerate(paths), ahead=4)  # several workers at once, results in order
    yield from zip(paths, cross_checked(results), strict=True)


def _small(path: Path, limits: Limits) -> bool:
    """A file small enough to be sent to a worker ahead of its turn (:class:`Request`), as it is now."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return False
    return small(size) and size <= limits.max_bytes


def read_regular(path: Path, limits: Limits = DEFAULT) -> bytes:
    """The bytes of a regular file of at most ``limits.max_bytes``. A FIFO, device or folder is refused
    before it is opened (and checked again on the opened descriptor, which never blocks)."""
    where = {"file": str(path)}
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ReadError("read.not-a-file", "不是普通文件，未读取", where)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise cannot_open(path, exc) from exc
    with open(fd, "rb", closefd=True) as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ReadError("read.not-a-file", "不是普通文件，未读取", where)
        try:
            data = fh.read(limits.max_bytes + 1) if info.st_size <= limits.max_bytes else b""
        except OSError as exc:  # (an I/O error of the disk, say)
            raise cannot_open(path, exc) from exc
    size = max(info.st_size, len(data))
    if size > limits.max_bytes:
        raise ReadError("read.too-large", f"文件有 {size} 字节，超过 {limits.max_bytes} 字节的上限，未读取", where)
    return data


def _error(path: Path, outcome: Outcome) -> FormkitError:
    """The coded error of a file the worker could not read; the worker's own failures are named ``read.*``."""
    code = outcome.code
    if code.startswith("intake."):
        code = "read." + code.removeprefix("intake.")
    return ReadError(code, outcome.message, {**outcome.extra.get("where", {}), "file": str(path)})
