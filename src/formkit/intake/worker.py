"""Each file is read (:func:`formkit.pipeline.read_document`) in a forked worker with a time and memory limit
(Tika's process isolation): a file that hangs, eats memory or crashes the parser costs only itself. Outcomes
are classified like Tika's.

The worker is long-lived (forking once per file would cost the loaded definitions each time) but never
outlives a failure: after a timeout, running out of memory, a crash or an unexpected reader error the parent
reaps it and the next file gets a fresh one. A transient outcome (``timeout``, ``out-of-memory``,
``crashed``) is retried once in a fresh worker before it is returned.

``formkit ingest`` and ``formkit read`` (:mod:`formkit.intake.batch`) both read through these workers.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from formkit import isolate
from formkit.errors import FormkitError
from formkit.limits import DEFAULT, Limits
from formkit.outcomes import TRANSIENT
from formkit.pipeline import read_document, warm_up
from formkit.read.result import ReadResult
from formkit.roster.model import Roster

# A child forked while another thread of this process is inside a C library that released the GIL (lxml
# parsing, sqlite, OpenSSL hashing) inherits that library's locks as held and can hang on its first call.
# Workers are forked, and their definitions warmed up, only under this lock; a thread that calls such a library
# while reading threads run (ingest's storing thread) holds it around that work.
FORK_LOCK = threading.RLock()

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Outcome:
    outcome: str
    code: str = ""
    message: str = ""
    record: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    result: ReadResult | None = None  # the reader's own result, when the file was read


def _serve(conn, limits: Limits) -> None:
    """The worker: reads file after file until the parent closes the pipe. Each answer says whether the
    worker goes on; after any failure it answers and exits, since its heap or stack may be in a bad state."""
    while True:
        try:
            data, name, year, file_limits, roster = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", read_document(data, name, roster, year, file_limits), True))
            continue
        except FormkitError as exc:  # goes on, unless a nested child (the PDF parser) failed
            reply: tuple = ("error", (exc.code, exc.message, exc.where), _transient(exc.code) is None)
        except MemoryError:
            reply = ("oom", None, False)
        except RecursionError:
            reply = ("error", ("read.too-deep", "文档结构嵌套过深，已拒绝读取", {}), False)
        except Exception as exc:  # a reader bug must not take the batch down: classify it
            reply = ("crash", f"{type(exc).__name__}: {exc}"[:500], False)
        conn.send(reply)  # outside the handler, so what the failed read held is freed first
        if not reply[2]:
            return


def _transient(code: str) -> str | None:
    """The outcome of a coded error that is about the run rather than the file (``pdf.timeout``…)."""
    kind = code.rsplit(".", 1)[-1]
    return kind if kind in TRANSIENT else None


class Worker:
    def __init__(self, limits: Limits):
        self.limits = limits
        self.proc: isolate.Child | None = None
        self.starts = 0

    def _start(self, year: int | None) -> None:
        with FORK_LOCK:  # no other thread is inside a C library (lxml, sqlite, OpenSSL) while this one forks
            warm_up(year)  # the child inherits loaded definitions, layouts and validators
            self.proc = isolate.Child(_serve, self.limits, memory_mb=self.limits.memory_mb)
        self.starts += 1

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()
        self.proc = None

    def read(self, data: bytes, name: str, year: int | None, limits: Limits, roster: Roster | None = None) -> Outcome:
        if self.proc is None or not self.proc.is_alive():
            self.stop()
            self._start(year)
        try:
            self.proc.send((data, name, year, limits, roster))
            status, payload, goes_on = self.proc.receive(limits.seconds)
        except isolate.Timeout:
            self.stop()
            return Outcome("timeout", "intake.timeout", f"读取超过 {limits.seconds:g} 秒未完成，已停止")
        except isolate.OutOfMemory as exc:
            self.stop()
            return _out_of_memory(self.limits, f"（{exc.detail}）" if exc.detail else "")
        except isolate.Crashed as exc:
            self.stop()
            return Outcome("crashed", "intake.crashed", f"读取进程异常退出（{exc.detail}）")
        if not goes_on:
            self.stop()  # it had a failure and exits: reaped here, so the next file never races its exit
        return _outcome(status, payload, self.limits)


def _outcome(status: str, payload: Any, limits: Limits) -> Outcome:
    if status == "ok":
        record = payload.as_dict()  # what the store keeps; the typed result travels beside it
        if not payload.findings:
            return Outcome("accepted", record=record, result=payload)
        first = next((f for f in payload.findings if f.severity == "error"), payload.findings[0])
        return Outcome("accepted-with-warnings", first.code, first.message, record=record, result=payload)
    if status == "error":
        code, text, where = payload
        return Outcome(_transient(code) or "rejected", code, text, extra={"where": where} if where else {})
    if status == "oom":
        return _out_of_memory(limits)
    return Outcome("crashed", "intake.crashed", f"读取时出现程序错误：{payload}")


def _out_of_memory(limits: Limits, note: str = "") -> Outcome:
    return Outcome("out-of-memory", "intake.out-of-memory", f"读取所需内存超过 {limits.memory_mb} MB 上限，已停止{note}")


_WORKERS: dict[tuple[Limits, int], Worker] = {}
_WORKERS_LOCK = threading.Lock()


def worker_for(limits: Limits = DEFAULT) -> Worker:
    """This thread's worker for these limits (made on first use; its process starts with the first file).
    One per thread, since a child dies with the thread that started it (``isolate``): a thread that ends
    takes its worker along, and a later thread given the same ident finds it dead and starts another."""
    key = (limits, threading.get_ident())
    with _WORKERS_LOCK:
        worker = _WORKERS.get(key)
        if worker is None:
            worker = _WORKERS[key] = Worker(limits)
            if len(_WORKERS) == 1:
                atexit.register(_stop_workers)
    return worker


def read_isolated(data: bytes, name: str, year: int | None = None, limits: Limits = DEFAULT,
                  roster: Roster | None = None) -> Outcome:
    """Read one file in this thread's worker for these limits. A transient outcome is retried once in a
    fresh worker; ``extra["attempts"]`` says how many were made."""
    worker = worker_for(limits)
    first = worker.read(data, name, year, limits, roster)
    if first.outcome not in TRANSIENT:
        first.extra["attempts"] = 1
        return first
    second = worker.read(data, name, year, limits, roster)
    second.extra.update(attempts=2, first={"outcome": first.outcome, "code": first.code, "message": first.message})
    return second


def readers() -> int:
    """How many files are read at once: one worker per core, at most two (a worker may take its memory
    limit, 1.5 GB by default); ``FORMKIT_READERS`` sets it."""
    try:
        wanted = int(os.environ.get("FORMKIT_READERS", "0"))
    except ValueError:
        wanted = 0
    return max(1, wanted or min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                   else os.cpu_count() or 1))


def in_order(fn: Callable[[T], R], items: Iterable[T], workers: int | None = None) -> Iterator[R]:
    """``fn(item)`` for every item, computed by up to ``workers`` threads (each reading in its own worker
    process), yielded in the items' order as soon as each is ready; at most twice as many items as workers
    are in hand at once. With one worker everything runs in the calling thread."""
    workers = workers or readers()
    if workers == 1:
        yield from map(fn, items)
        return
    pending: deque[Future] = deque()
    with ThreadPoolExecutor(workers, thread_name_prefix="formkit-read") as pool:
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                while len(pending) > 2 * workers or (pending and pending[0].done()):
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def _stop_workers() -> None:
    for worker in list(_WORKERS.values()):
        worker.stop()
