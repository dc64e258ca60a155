"""Read several documents, each in the isolated reading worker with the limits of ``limits.py``: a file that
cannot be read, hangs, eats memory or crashes the reader gets its coded error and the others are still read.
Pairs of a unit's self-assessment and its county's feedback in the same batch are compared
(rule.funds-differ)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from formkit.config import load_config
from formkit.errors import FormkitError
from formkit.limits import DEFAULT, Limits
from formkit.read import ReadError, ReadResult
from formkit.read.sniff import cannot_open
from formkit.read.worker import Outcome, in_order, read_isolated
from formkit.roster.model import Roster
from formkit.validate.rules import compare_funds


def read_many(paths: Iterable[Path], roster: Roster | None = None, year: int | None = None,
              limits: Limits = DEFAULT) -> Iterator[tuple[Path, ReadResult | FormkitError]]:
    def read_one(path: Path) -> tuple[Path, ReadResult | FormkitError]:
        try:
            data = read_regular(path, limits)
        except FormkitError as exc:
            return path, exc
        outcome = read_isolated(data, str(path), year, limits, roster)
        return path, outcome.result if outcome.result is not None else _error(path, outcome)

    results = list(in_order(read_one, map(Path, paths)))  # several workers at once, results in order
    cross_check(r for _p, r in results if isinstance(r, ReadResult))
    yield from results


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
        data = fh.read(limits.max_bytes + 1) if info.st_size <= limits.max_bytes else b""
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


def cross_check(results: Iterable[ReadResult]) -> None:
    """Add rule.funds-differ findings to county forms whose unit's self-assessment is in the same batch."""
    results = list(results)
    units = {r.values.get("unit_name"): r for r in results if r.form == "self-assessment"}
    for county in (r for r in results if r.form == "county-feedback"):
        unit = units.get(county.values.get("unit_name"))
        if unit is not None:
            county.findings.extend(compare_funds(unit.values, county.values, load_config(county.year), county.raw))
