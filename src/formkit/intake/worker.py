"""Each file is read (:func:`formkit.pipeline.read_document`) in a forked worker with a time and memory limit
(Tika's process isolation): a file that hangs, eats memory or crashes the parser costs only itself. Outcomes
are classified like Tika's.

The worker is long-lived (forking once per file would cost the loaded definitions each time) but never
outlives a failure: after a timeout, running out of memory, a crash or an unexpected reader error the parent
reaps it and the next file gets a fresh one. A transient outcome (``timeout``, ``out-of-memory``,
``crashed``) is retried once in a fresh worker before it is returned.

``formkit ingest`` and ``formkit read`` (:mod:`formkit.intake.batch`) both read through these workers; a document
kept but not read as a form (a unit's written report, :mod:`formkit.intake.attach`) is checked in them
(:func:`check_isolated`).
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from multiprocessing.reduction import ForkingPickler
from typing import Any, TypeVar

from formkit import isolate
from formkit.errors import FormkitError
from formkit.limits import DEFAULT, Limits, scan_seconds
from formkit.ooxml.document import read_docx
from formkit.outcomes import TRANSIENT
from formkit.pdf.extract import parse_pdf
from formkit.pipeline import read_document, warm_up
from formkit.read.result import ReadResult
from formkit.read.sniff import sniff
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
    record: dict[str, Any] | None = None  # what the store keeps (a file read to be stored)
    extra: dict[str, Any] = field(default_factory=dict)
    result: ReadResult | None = None  # the reader's own result, when the file was read for itself (no record)
    text: str | None = None  # ``record`` as standard JSON, made by the worker (None: not shown storable yet)
    canonical: str | None = None  # and the canonical JSON of ``text`` read back (``audit.canonical_json``)


def _serve(conn, limits: Limits) -> None:
    """The worker: reads file after file until the parent closes the pipe. Each answer says whether the
    worker goes on; after any failure it answers and exits, since its heap or stack may be in a bad state. A
    scan's number of pages is said first (``pages``): the parent's time budget for it grows with them."""
    from formkit.scan.pages import on_pages

    on_pages(lambda pages: conn.send(("pages", pages, True)))
    while True:
        try:
            data, name, year, file_limits, roster, stored = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if stored == CHECK:
                conn.send(("checked", check_document(data, name, file_limits), True))
                continue
            result = read_document(data, name, roster, year, file_limits)
            conn.send(("ok", _as_stored(result) if stored else result, True))
            continue
        except FormkitError as exc:  # goes on, unless a nested child (the PDF parser) failed
            reply: tuple = ("error", (exc.code, exc.message, exc.where), _transient(exc.code) is None)
        except MemoryError:
            reply = ("oom", None, False)
        except RecursionError:
            reply = ("error", ("read.too-deep", "文档结构嵌套过深，已拒绝读取", {}), False)
        except Exception as exc:  # a reader bug must not take the batch down: classify it
            reply = ("oom", None, False) if _no_address_space(exc) else \
                ("crash", f"{type(exc).__name__}: {exc}"[:500], False)
        conn.send(reply)  # outside the handler, so what the failed read held is freed first
        if not reply[2]:
            return


def _no_address_space(exc: Exception) -> bool:
    """A library that could not be loaded or could not allocate under the worker's address-space limit (the
    scan path's OCR and PDF renderer load their shared objects on first use): the memory limit, not a bug."""
    text = str(exc).lower()
    return isinstance(exc, (ImportError, OSError)) and (
        "failed to map segment" in text or "cannot allocate memory" in text or "out of memory" in text)


def _as_stored(result: ReadResult) -> tuple[dict[str, Any] | None, str | None]:
    """What the store keeps of a result, made in the worker (beside the other reading, not in the process
    that stores): its record as standard JSON, in canonical form (keys sorted, no spaces), sent alone: the
    parent reads the record back from it, as the store will hold it (:func:`_outcome`). Every key of a record
    is text (the literal keys of ``ReadResult.as_dict`` and the fields' keys, which the form loader only takes
    as text), so that JSON is also the canonical JSON of the record read back: what its digest is taken of,
    as ``verify`` takes it. A record that needs cleaning first (a number that is not finite) is sent itself,
    without JSON."""
    from formkit.store.safe import standard_json  # (the store: loaded by whoever stores, before its workers
    # start; `formkit read` never needs it, nor SQLAlchemy)

    record = result.as_dict()
    text = standard_json(record, canonical=True)
    return (record, None) if text is None else (None, text)


CHECK = "check"  # what the worker is asked to do with a document it only checks


def check_document(data: bytes, name: str, limits: Limits) -> dict[str, Any]:
    """A document that is kept but not read as a form, opened as a reader would open it and within the same
    limits: a .docx package and its main part (zip limits, no DTD), a PDF parsed in its own child (pages,
    time, memory). What it is (``format``, and a PDF's ``pages``); a coded FormkitError when it cannot be
    opened safely."""
    if sniff(data, name) == "pdf":
        return {"format": "pdf", "pages": len(parse_pdf(data, limits)["pages"])}
    document = read_docx(data, limits)
    return {"format": document.format, "pages": None}


def _transient(code: str) -> str | None:
    """The outcome of a coded error that is about the run rather than the file (``pdf.timeout``…)."""
    kind = code.rsplit(".", 1)[-1]
    return kind if kind in TRANSIENT else None


AHEAD_BYTES = 96 << 10  # a file is sent ahead of its turn when it and the one being read are this small together


def small(size: int) -> bool:
    """Whether a file of ``size`` bytes is worth reading before its turn, to be sent ahead (:class:`Request`)."""
    return size <= AHEAD_BYTES // 2


class Request:
    """One file for the worker to read, pickled once (what ``_serve`` receives). Sent *ahead* of its turn (the
    ``ahead`` of :meth:`Worker.read`), it waits in the pipe while the worker reads the file before it: the worker
    goes from one file to the next without sleeping in between (a worker woken for each file read it a
    quarter slower: benchmarks/read_forms.py --cli). Only small files go ahead: two messages within
    :data:`AHEAD_BYTES` and half the pipe's buffer (``SO_SNDBUF``: 212 KB on Linux, 8 KB on BSD), so that
    sending never waits for the worker, which may itself be waiting to send its answer."""

    __slots__ = ("limits", "message", "name", "year")

    def __init__(self, data: bytes, name: str, year: int | None = None, limits: Limits = DEFAULT,
                 roster: Roster | None = None, stored: bool | str = False):
        self.message = ForkingPickler.dumps((data, name, year, limits, roster, stored))
        self.name, self.year, self.limits = name, year, limits


class Worker:
    def __init__(self, limits: Limits):
        self.limits = limits
        self.proc: isolate.Child | None = None
        self.starts = 0
        self.ahead: Request | None = None  # sent, its turn not come yet
        self.room = 0  # the bytes of a file and the one sent ahead of it, at most

    def _start(self, year: int | None) -> None:
        with FORK_LOCK:  # no other thread is inside a C library (lxml, sqlite, OpenSSL) while this one forks
            warm_up(year)  # the child inherits loaded definitions, layouts and validators
            self.proc = isolate.Child(_serve, self.limits, memory_mb=self.limits.memory_mb)
        self.starts += 1
        self.room = min(AHEAD_BYTES, self.proc.send_room() // 2)  # what the pipe takes without waiting, halved

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()
        self.proc, self.ahead = None, None  # a file sent ahead is lost with the worker: sent again in its turn

    def read(self, request: Request, meanwhile: Callable[[], None] | None = None,
             ahead: Request | None = None) -> Outcome:
        """The outcome of ``request``; ``ahead``, the file to be read next by this worker, is sent now (when
        small, :class:`Request`), to be asked for by the next call. Its time budget starts when it is asked
        for (the worker may have begun it a little earlier)."""
        if self.ahead is not None and self.ahead is not request:
            self.stop()  # a file sent ahead and never asked for: its answer would be taken for this one's
        if self.ahead is None and (self.proc is None or not self.proc.is_alive()):
            self.stop()
            self._start(request.year)
        limits = request.limits
        try:  # (a file sent ahead is answered by the worker it was sent to, even one that exited after it)
            if self.ahead is None:
                self.proc.send_bytes(request.message)
            self.ahead = None
            if ahead is not None and ahead.limits == limits and len(request.message) + len(ahead.message) <= self.room:
                self.proc.send_bytes(ahead.message)
                self.ahead = ahead
            if meanwhile is not None:
                _meanwhile(meanwhile)
            started, budget = time.monotonic(), limits.seconds
            status, payload, goes_on = self.proc.receive(budget)
            while status == "pages":  # a scan: its budget grows with its pages (the OCR of each)
                budget = scan_seconds(limits, payload)
                status, payload, goes_on = self.proc.receive(max(0.0, budget - (time.monotonic() - started)))
        except isolate.Timeout:
            self.stop()
            return Outcome("timeout", "intake.timeout", f"读取超过 {budget:g} 秒未完成，已停止")
        except isolate.OutOfMemory as exc:
            self.stop()
            return _out_of_memory(self.limits, f"（{exc.detail}）" if exc.detail else "")
        except isolate.Crashed as exc:
            self.stop()
            return Outcome("crashed", "intake.crashed", f"读取进程异常退出（{exc.detail}）")
        except BaseException:  # interrupted with an answer maybe still to come: never taken for another file's
            self.stop()
            raise
        if not goes_on:
            self.stop()  # it had a failure and exits: reaped here, so the next file never races its exit
        return _outcome(status, payload, self.limits)


def _meanwhile(work: Callable[[], None]) -> None:
    """The caller's work while the worker reads: whatever it raises, the worker's answer is still received (an
    answer left in the pipe would be taken for the next file's)."""
    try:
        work()
    except Exception:  # the caller's own work, done again where it matters
        pass


def _outcome(status: str, payload: Any, limits: Limits) -> Outcome:
    if status == "checked":
        return Outcome("accepted", extra=payload)
    if status == "ok":  # the record the store keeps (and its JSON, when made in the worker), or the typed result
        if isinstance(payload, tuple):  # (_as_stored)
            record, text = payload
            if record is None:
                record = json.loads(text)
            stored = {"record": record, "text": text, "canonical": text}
            findings = record.get("findings") or []
            first = next((f for f in findings if f["severity"] == "error"), findings[0]) if findings else None
            said = (first["code"], first["message"]) if first else None
        else:  # read for itself (``formkit read``): the result, its record made only by whoever needs it
            stored = {"result": payload}
            findings = payload.findings
            first = next((f for f in findings if f.severity == "error"), findings[0]) if findings else None
            said = (first.code, first.message) if first else None
        if said is None:
            return Outcome("accepted", **stored)
        return Outcome("accepted-with-warnings", *said, **stored)
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
                  roster: Roster | None = None, stored: bool | str = False,
                  meanwhile: Callable[[], None] | None = None) -> Outcome:
    """Read one file in this thread's worker for these limits: the typed result, or with ``stored`` only
    what the store keeps (the record and its JSON, made in the worker; :data:`CHECK`: only checked).
    ``meanwhile`` is called while the worker reads (ingest writes the original then). A transient outcome
    is retried once in a fresh worker; ``extra["attempts"]`` says how many were made."""
    return read_request(Request(data, name, year, limits, roster, stored), meanwhile)


def read_request(request: Request, meanwhile: Callable[[], None] | None = None,
                 ahead: Request | None = None) -> Outcome:
    """:func:`read_isolated` of a request; ``ahead``: the request this thread reads next (:meth:`Worker.read`)."""
    worker = worker_for(request.limits)
    first = worker.read(request, meanwhile, ahead)
    if first.outcome not in TRANSIENT:
        first.extra["attempts"] = 1
        return first
    second = worker.read(request)
    second.extra.update(attempts=2, first={"outcome": first.outcome, "code": first.code, "message": first.message})
    return second


def check_isolated(data: bytes, name: str, limits: Limits = DEFAULT) -> Outcome:
    """Check a document that is kept but not read as a form (:func:`check_document`) in this thread's worker,
    as :func:`read_isolated` reads one: ``accepted`` with what it is in ``extra``, or the coded outcome of a
    document that cannot be opened safely."""
    return read_isolated(data, name, None, limits, stored=CHECK)


def readers() -> int:
    """How many files are read at once: one worker per core, at most two (a worker may take its memory
    limit, 1.5 GB by default); ``FORMKIT_READERS`` sets it."""
    try:
        wanted = int(os.environ.get("FORMKIT_READERS", "0"))
    except ValueError:
        wanted = 0
    return max(1, wanted or min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                   else os.cpu_count() or 1))


TICK = object()  # what in_order yields, when asked to, while the next result is not ready


def in_order(fn: Callable[[T, T | None], R], items: Iterable[T], workers: int | None = None,
             tick: float | None = None, weight: Callable[[T], int] | None = None, budget: int = 0,
             ahead: int = 2) -> Iterator[R | object]:
    """``fn(item, following)`` for every item, computed by up to ``workers`` threads (each reading in its own
    worker process), yielded in the items' order as soon as each is ready. ``following`` is the item the same
    thread computes next, when one was waiting as it began (else None: :class:`_Turns`), for ``fn`` to send its
    file ahead (:meth:`Worker.read`). At most ``ahead`` times as many items as
    workers are in hand at once (the work the threads go on with while the caller is busy with a result), and
    with ``weight`` (an item's bytes) no more than ``budget`` of them beyond the first. With one worker
    everything runs in the calling thread. With ``tick``, :data:`TICK` is yielded every ``tick`` seconds while
    the next result is not ready (the caller's moment to do what is due, such as committing what it holds)."""
    workers = workers or readers()
    if workers == 1:
        yield from _in_turn(fn, items)
        return
    pending: deque[tuple[Future, int]] = deque()
    held = 0  # the weight of the items in hand
    turns = _Turns(fn, workers)
    try:
        for item in items:
            size = weight(item) if weight else 0
            pending.append((turns.submit(item), size))
            held += size
            while pending and (len(pending) > ahead * workers or (len(pending) > 1 and weight and held > budget)
                               or pending[0][0].done()):
                yield from _ticks(pending[0][0], tick)
                future, size = pending.popleft()
                held -= size
                yield future.result()
        while pending:
            yield from _ticks(pending[0][0], tick)
            yield pending.popleft()[0].result()
    finally:  # stopped early or failed: what has not begun is cancelled, the threads end after their item
        turns.close()


def _in_turn(fn: Callable[[T, T | None], R], items: Iterable[T]) -> Iterator[R]:
    """``fn(item, following)`` for each item in turn, in this thread (the next item pulled before each call)."""
    them = iter(items)
    item = next(them, _END)
    while item is not _END:
        following = next(them, _END)
        yield fn(item, None if following is _END else following)
        item = following


_END = object()


class _Turns:
    """``workers`` threads taking the items from one queue as each is free: each takes the first item and
    claims the one after it, which it computes next; ``fn(item, following)`` runs with ``following`` that
    claimed item (None when none was waiting). A slow item holds back at most the one its thread claimed."""

    def __init__(self, fn: Callable[[T, T | None], R], workers: int):
        self.fn = fn
        self.queue: deque[tuple[T, Future]] = deque()
        self.closed = False
        self.changed = threading.Condition()
        self.threads = [threading.Thread(target=self._run, name=f"formkit-read-{n}", daemon=True)
                        for n in range(workers)]
        for thread in self.threads:
            thread.start()

    def submit(self, item: T) -> Future:
        future: Future = Future()
        with self.changed:
            self.queue.append((item, future))
            self.changed.notify()
        return future

    def _run(self) -> None:
        claimed: tuple[T, Future] | None = None  # this thread's next item
        while True:
            with self.changed:
                if claimed is None:
                    while not self.queue and not self.closed:
                        self.changed.wait()
                    if not self.queue:
                        return
                    claimed = self.queue.popleft()
                elif self.closed:
                    claimed[1].cancel()
                    return
                (item, future), claimed = claimed, self.queue.popleft() if self.queue else None
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self.fn(item, claimed[0] if claimed else None))
            except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread, from the future
                future.set_exception(exc)

    def close(self) -> None:
        """Cancel what has not begun; wait for the threads to finish the item each is computing."""
        with self.changed:
            self.closed = True
            for _item, future in self.queue:
                future.cancel()
            self.queue.clear()
            self.changed.notify_all()
        for thread in self.threads:
            thread.join()


def _ticks(future: Future, tick: float | None) -> Iterator[object]:
    while tick is not None and not wait([future], tick).done:
        yield TICK


def _stop_workers() -> None:
    for worker in list(_WORKERS.values()):
        worker.stop()
