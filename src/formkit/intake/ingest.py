"""Ingest files into the store: sniff, convert legacy formats, read in isolation, record, audit.

One boundary per file: whatever goes wrong with one file (a reader bug, the database refusing its row) gives
that file a coded result, and its row if at all possible; the rest of the batch goes on. Only regular files
are read, and below a folder only those that stay inside it (a symlink leading out is refused). Bytes whose
stored outcome was transient (``timeout``, ``crashed``, ``out-of-memory``) are read again when they arrive
again, as an audited new attempt (:meth:`formkit.store.Store.retry`).

Rows are committed in groups (:mod:`formkit.intake.group`), each original durable before its row commits
(:mod:`formkit.store.objects`). An ingest killed in between leaves
originals without rows; they are reconciled, never lost: the same bytes ingested again get their row as any
new file does (the original is there already), and at the end of every ingest, when no other is under way, each
original still without a row is read from the store and recorded under its place there (:func:`adopt`; the
name it arrived under was never recorded). ``formkit verify`` lists them until then (``orphaned``)."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from formkit import __version__
from formkit.convert import convert, soffice
from formkit.errors import FormkitError, os_reason
from formkit.findings import ERROR, WARNING, finding
from formkit.intake.group import GROUP_BYTES, GROUP_SECONDS, Group, Storable
from formkit.intake.sources import Refused, Source, TooLarge, expand, read_safely
from formkit.intake.worker import (
    FORK_LOCK,
    TICK,
    TRANSIENT,
    Outcome,
    Request,
    in_order,
    read_isolated,
    read_request,
    small,
)
from formkit.limits import DEFAULT, Limits
from formkit.read.sniff import classify
from formkit.store import READABLE, Store, Submission, schema, sealed
from formkit.store.objects import ObjectStore
from formkit.store.safe import Cleaned, Serialized, clean, display_name, fit
from formkit.store.store import refused_by_database
from formkit.store.writing import Writing

READER = f"formkit/{__version__}"
READ_AHEAD = 32  # files in hand per reading worker: reading goes on while a group commits (within GROUP_BYTES)
COLUMN_LABELS = {"recipient_id": "接收方编号", "form": "表单", "producer": "生成软件", "format": "格式"}


@dataclass
class Ingested:
    file: str
    sha256: str
    outcome: str
    code: str
    message: str
    submission: int | None
    duplicate: bool = False
    form: str | None = None
    recipient: str | None = None
    errors: int = 0
    warnings: int = 0
    retried: str | None = None  # the transient outcome this new attempt replaced

    def as_dict(self) -> dict:
        return {"file": self.file, "sha256": self.sha256, "outcome": self.outcome, "code": self.code or None,
                "message": self.message or None, "submission": self.submission, "duplicate": self.duplicate,
                "form": self.form, "recipient": self.recipient, "errors": self.errors, "warnings": self.warnings,
                "retried": self.retried}


def ingest(paths: Iterable[str | Path | Source], store: Store, year: int | None = None, limits: Limits = DEFAULT,
           on_progress: Callable[[Ingested], None] | None = None, workers: int | None = None) -> Iterator[Ingested]:
    """Every file in ``paths`` into the store, in order; then the originals an earlier ingest kept without
    their rows (:func:`adopt`, when no other ingest is under way). Files are read by up to ``workers`` isolated
    workers at once (``intake.worker.readers()``) while this thread prepares the next ones and stores those
    already read, in groups (:mod:`formkit.intake.group`), in order: only the reading (and the writing of each
    original, while it is read) leaves this thread, never the database."""
    with store.objects.in_use():
        yield from _stored(expand(paths), store, year, limits, on_progress, workers)
        if store.objects.alone():
            yield from _stored(_unrecorded(store), store, year, limits, on_progress, workers)
    sealed.compare_stored(store)  # a new Word file or scan: compared with the other (store.sealed)


def adopt(store: Store, year: int | None = None, limits: Limits = DEFAULT) -> list[Ingested] | None:
    """Each original kept without its row (an ingest killed between writing its originals and committing
    their rows, or a store unavailable at the time) read from the store and recorded now, under its place in
    the originals folder; a temporary file of a write that never finished is removed. None when another
    process is ingesting (an original without a row may be one whose row it is about to commit)."""
    with store.objects.in_use():
        if not store.objects.alone():
            return None
        return list(_stored(_unrecorded(store), store, year, limits, None, None))


def _unrecorded(store: Store) -> list[Source]:
    """The originals without a row, as files to ingest (while this process is alone with the originals);
    one that no longer hashes to its name is left where it is, for ``verify`` to report."""
    for leftover in store.objects.leftovers():
        leftover.unlink(missing_ok=True)
    return [Source(store.objects.path(sha)) for sha in store.unrecorded() if store.objects.check(sha) is None]


def _stored(sources: Iterable[Source], store: Store, year: int | None, limits: Limits,
            on_progress: Callable[[Ingested], None] | None, workers: int | None) -> Iterator[Ingested]:
    def read(item: _Prepared | _Known | Ingested, following: _Prepared | _Known | Ingested | None
             ) -> _Prepared | _Known | Ingested:  # in a reading thread
        if isinstance(item, _Prepared):
            item.read(year, limits, store.objects, following if isinstance(following, _Prepared) else None)
        return item

    def prepare(source: Source) -> _Prepared | _Known | Ingested:  # in this thread, as in_order pulls it
        with FORK_LOCK:  # hashing and the store's C libraries never run while a reading thread forks
            item = _prepare(source, store, limits, known)
        if isinstance(item, _Prepared):
            staged.add(item.sha)
        return item

    known, staged = store.stored(), set()
    group = Group(store)
    try:
        for item in in_order(read, map(prepare, sources), workers, tick=GROUP_SECONDS,
                             weight=lambda item: getattr(item, "size", 0), budget=GROUP_BYTES, ahead=READ_AHEAD):
            if item is not TICK:
                if not group.fits(item):  # the originals a group holds stay within its budget
                    yield from _committed(group, known, on_progress)
                with FORK_LOCK:
                    group.add(item)
            if group.due():
                yield from _committed(group, known, on_progress)
        yield from _committed(group, known, on_progress)
    finally:  # stopped early: what is not committed is rolled back
        group.abandon()
        store.objects.discard(staged)  # originals written while read whose rows were never written


def _committed(group: Group, known: set[str], on_progress: Callable[[Ingested], None] | None) -> Iterator[Ingested]:
    with FORK_LOCK:
        results = group.commit()
    known.update(r.sha256 for r in results if r.submission is not None)
    for result in results:
        if on_progress:
            on_progress(result)
        yield result


def ingest_one(source: str | Path | Source, store: Store, year: int | None = None,
               limits: Limits = DEFAULT, check: Callable[[dict], None] | None = None,
               name: str | None = None) -> Ingested:
    """One file in transactions of its own (the original written in the same transaction as its row),
    recorded under ``name`` (default: the path given). ``check(row)`` sees what was read (outcome, form,
    year, recipient_id) before anything is stored; a FormkitError it raises refuses the file with nothing
    stored (the web desk: a form issued to another)."""
    prepared = _prepare(source if isinstance(source, Source) else Source(Path(source)), store, limits)
    if isinstance(prepared, Ingested):
        return prepared
    prepared.name = name or prepared.name
    if isinstance(prepared, _Prepared):
        prepared.read(year, limits)
    if check is not None:
        seen = (prepared.row or {"outcome": "crashed"}) if isinstance(prepared, _Prepared) else \
            {"outcome": prepared.existing.outcome, "form": prepared.existing.form, "year": prepared.existing.year,
             "recipient_id": prepared.existing.recipient.id}
        try:
            check(seen)
        except FormkitError as exc:
            return Ingested(prepared.name, prepared.sha if isinstance(prepared, _Prepared) else
                            prepared.existing.sha256, "rejected", exc.code, exc.message, None)
    return prepared.alone(store)


@dataclass
class _Prepared(Storable):
    """A file whose bytes are in hand and that needs reading (new bytes, or a transient outcome to retry)."""
    source: Source
    name: str
    data: bytes
    sha: str
    existing: Submission | None
    row: dict | None = None
    failure: Exception | None = None
    _ahead: Request | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    def ahead(self, year: int | None, limits: Limits) -> Request | None:
        """This file as the reading worker is sent it ahead of its turn (kept for its turn), when it is small
        and read there (not refused or converted first); else None."""
        if self._ahead is None and self.failure is None and small(self.size) and \
                classify(self.data, display_name(self.source.path.name)).action == "read":
            self._ahead = Request(self.data, display_name(self.source.path.name), year, limits, stored=True)
        return self._ahead

    def read(self, year: int | None, limits: Limits, objects: ObjectStore | None = None,
             following: _Prepared | None = None) -> None:
        """The submission row (in a reading thread: nothing here touches the database); with ``objects``,
        the original is written there, to be made durable with its row, while the worker reads. ``following``:
        the file this thread reads next, sent to the worker now when small."""
        def keep() -> None:
            try:
                objects.stage(self.data, self.sha)
            except OSError:  # met again, and recorded, when its row is stored
                pass

        if self.failure is not None:
            return
        try:
            ahead = following.ahead(year, limits) if following is not None else None
        except Exception:  # noqa: BLE001 - that file is read in its turn (and meets what failed then)
            ahead = None
        try:
            self.row = _read(self.data, self.source.path, self.name, year, limits, keep if objects else None,
                             self._ahead, ahead)
        except Exception as exc:  # the boundary: kept for together() or alone() to record
            self.failure = exc
        finally:
            self._ahead = None

    def together(self, target: Store | Writing) -> Callable[[], Ingested]:
        """Keep the original and its row through ``target`` (a group's transaction, or the store), in the
        batch's order; what the database refuses is raised. The same bytes may have been stored by an earlier
        file of this batch since they were prepared: the store says so. Returns what gives the result once
        ``target`` has committed."""
        if self.failure is not None:
            return _kept_as(target, self.data, self.name, self.sha, self.row, self.failure)
        existing = self.existing and target.find(self.sha)
        stored = target.retry(existing.id, self.data, self.row) if existing and existing.outcome in TRANSIENT \
            else target.add(self.data, self.row, self.sha, fresh=self.existing is None)
        return lambda: _result(self.name, {**self.row, "sha256": self.sha}, stored)

    def alone(self, store: Store) -> Ingested:
        """Keep the original and its row in transactions of their own; whatever goes wrong gives this file
        a coded row (:func:`_fallback`)."""
        try:
            if self.failure is not None:
                raise self.failure
            return self.together(store)()
        except Exception as exc:  # the boundary: this file gets a coded row, the batch goes on
            return _fallback(store, self.data, self.name, self.sha, self.row, exc)


@dataclass
class _Known(Storable):
    """Bytes stored before with a final outcome: a duplicate, audited as such (a missing original is put back)."""
    name: str
    data: bytes
    existing: Submission

    @property
    def size(self) -> int:
        return len(self.data)

    def together(self, target: Store | Writing) -> Callable[[], Ingested]:
        result = _known(self.name, self.existing, target.note_duplicate(self.existing, self.data))
        return lambda: result

    def alone(self, store: Store) -> Ingested:
        try:
            return self.together(store)()
        except Exception as exc:  # the boundary, as in _Prepared.alone
            return _fallback(store, self.data, self.name, self.existing.sha256, None, exc)


def _prepare(source: Source, store: Store, limits: Limits, known: set[str] | None = None) -> _Prepared | _Known | Ingested:
    """The file's bytes and what the store already knows of them; a file refused before reading is done
    here, bytes already stored with a final outcome only need their duplicate recorded. ``known``: the
    sha256 the store held when the batch began and those stored since by it (the store is asked about
    these only; bytes a concurrent ingest stores meanwhile are found when the file's group is stored)."""
    name = display_name(source.path)
    try:
        data = read_safely(source, limits)
    except Refused as refused:
        return Ingested(name, "", "rejected", refused.code, refused.message, None)
    except TooLarge as big:
        return Ingested(name, big.sha256, "rejected", "intake.too-large",
                        f"文件有 {big.size} 字节，超过 {limits.max_bytes} 字节的上限，未保存", None)
    except OSError as exc:
        return Ingested(name, "", "rejected", "intake.cannot-open", f"无法打开文件（{os_reason(exc)}）", None)
    sha = hashlib.sha256(data).hexdigest()
    try:
        existing = store.find(sha) if known is None or sha in known else None
    except Exception as exc:  # the boundary, as in _Prepared.alone: not read, kept with a row saying why
        return _Prepared(source, name, data, sha, None, failure=exc)
    if existing and existing.outcome not in TRANSIENT:
        return _Known(name, data, existing)
    return _Prepared(source, name, data, sha, existing)


def _read(data: bytes, path: Path, name: str, year: int | None, limits: Limits,
          meanwhile: Callable[[], None] | None = None, request: Request | None = None,
          ahead: Request | None = None) -> dict:
    """The submission row for these bytes: sniffed, converted or read in the worker, made storable.
    ``meanwhile`` is called while the worker reads (at once when nothing is read in the worker); ``request``:
    these bytes as sent to the worker, if made already; ``ahead``: the next file the worker reads."""
    base = display_name(path.name)
    kind = classify(data, base)
    if meanwhile is not None and kind.action != "read":
        meanwhile()
        meanwhile = None
    converted_by = None
    if kind.action == "reject":
        outcome = Outcome("rejected", kind.code, kind.message)
    elif kind.action == "convert":
        outcome, _converted, converted_by = _convert_then_read(data, path, kind.name, year, limits)
    else:
        outcome = read_request(request or Request(data, base, year, limits, stored=True), meanwhile, ahead)
    record = outcome.record  # what the worker read, as the store keeps it
    who = (record or {}).get("recipient") or {}
    row = {
        "file_name": name, "format": _format(kind.name, record), "outcome": outcome.outcome, "code": outcome.code or None,
        "message": outcome.message or None, "reader": READER, "converted_by": converted_by,
        "record": record or None, "producer": (record.get("source") or {}).get("producer") if record else None,
        "form": record.get("form") if record else None, "form_version": record.get("version") if record else None,
        "year": record.get("year") if record else None,
        "recipient_id": who.get("id") or (_fallback_recipient(record) if record else None),
        "recipient_name": who.get("name"), "unit_id": who.get("unit_id"), "unit": who.get("unit"),
        "county": who.get("county"), "period": who.get("period"),
    }
    return _storable(row, outcome.text, outcome.canonical)


def _format(kind: str, record: dict | None) -> str:
    """The kind the file was sniffed as, or ``scan`` for what was read as a scan (a PDF of page images)."""
    return "scan" if ((record or {}).get("source") or {}).get("format") == "scan" else kind


def _storable(row: dict, text: str | None = None, canonical: str | None = None) -> dict:
    """``row`` as the store can keep it: a value that is not a finite number is stored as empty with an
    error finding (``store.not-finite``), a property longer than its column is clipped with a warning
    (``store.too-long``); the counts and the outcome follow the findings. ``text``, ``canonical``: the
    record's standard JSON and the canonical JSON of it, when the worker made them (the record needs no
    cleaning)."""
    record = row["record"]
    cleaned = (Cleaned(record, text=text) if text is not None else clean(record)) if record else None
    row, clipped = fit(schema.submissions, {**row, "record": cleaned.value if cleaned else None})
    record = row["record"]
    if record is not None:
        added = [finding("store.not-finite", ERROR, "数值不是有限数（NaN 或无穷大），无法保存，已按空值记录",
                         label=path.removeprefix("values."), key=path).as_dict()
                 for path in cleaned.not_finite]
        added += [finding("store.too-long", WARNING, f"超过 {schema.submissions.c[col].type.length} 个字符，已截断保存",
                          label=COLUMN_LABELS.get(col, col), key=col).as_dict() for col in clipped]
        record["findings"] = findings = [*(record.get("findings") or []), *added]
        if added and row["outcome"] in READABLE:
            first = next((f for f in findings if f["severity"] == ERROR), findings[0])
            row["outcome"] = "accepted-with-warnings"
            row["code"], row["message"] = row["code"] or first["code"], row["message"] or first["message"]
        row["record"] = Serialized(record, None, None) if added else Serialized(record, cleaned.text, canonical)
    findings = (record or {}).get("findings") or []
    row["errors"] = sum(f.get("severity") == ERROR for f in findings)
    row["warnings"] = len(findings) - row["errors"]
    return row


def _fallback(store: Store, data: bytes, name: str, sha: str, row: dict | None, exc: Exception) -> Ingested:
    """Something failed for this one file: keep its original with a row saying why (:func:`_kept_as`), in a
    transaction of its own; when even that fails, nothing was kept (``store.unavailable``)."""
    try:
        return _kept_as(store, data, name, sha, row, exc)()
    except Exception as again:  # the store itself is unusable: nothing was kept for this file
        detail = str(again).strip().splitlines()[0][:200] if str(again).strip() else type(again).__name__
        return Ingested(name, sha, "crashed", "store.unavailable", f"{_why(exc)[2]}；登记也失败：{detail}", None)


def _kept_as(target: Store | Writing, data: bytes, name: str, sha: str, row: dict | None,
             exc: Exception) -> Callable[[], Ingested]:
    """The original kept with a row saying why this file could not be stored as read (:func:`_why`); what
    gives the result once ``target`` has committed."""
    outcome, code, message = _why(exc)
    minimal = {"file_name": name, "format": (row or {}).get("format"), "outcome": outcome, "code": code,
               "message": message, "errors": 0, "warnings": 0, "reader": READER}
    existing = target.find(sha)
    stored = target.retry(existing.id, data, minimal) if existing else target.add(data, minimal, sha)
    return lambda: _result(name, {**minimal, "sha256": sha}, stored)


def _why(exc: Exception) -> tuple[str, str, str]:
    """The outcome, code and message of a file that failed: the database refused the row
    (``store.rejected-row``, final); a coded error; anything else ``intake.crashed`` (read again next time)."""
    reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"[:300]
    if refused_by_database(exc):
        return "rejected", "store.rejected-row", f"数据库拒绝保存读取结果，原件已登记为拒收：{reason}"
    if isinstance(exc, FormkitError):
        return "rejected", exc.code, exc.message
    return "crashed", "intake.crashed", f"处理文件时出现程序错误，原件已登记，再次收取时重读：{reason}"


def _fallback_recipient(record: dict) -> str | None:
    """A form identified by its content has no recipient id: use its unit (and county) name."""
    values = record.get("values") or {}
    unit, county = values.get("unit_name"), values.get("county")
    if record.get("form") == "county-feedback" and county:
        return f"name:{unit}/{county}"
    return f"name:{unit}" if unit else None


def _convert_then_read(data: bytes, path: Path, kind: str, year: int | None,
                       limits: Limits) -> tuple[Outcome, bytes | None, str | None]:
    if soffice() is None:
        return Outcome("rejected", "intake.needs-conversion",
                       "这是旧版或导出格式的文件，需要 LibreOffice 转换，本机未安装；请另存为 .docx 后报送"), None, None
    suffix = {"doc": ".doc", "rtf": ".rtf", "html": ".html", "word-xml": ".xml", "flat-opc": ".xml",
              "odt": ".odt", "xls": ".xls", "ods": ".ods"}.get(kind, path.suffix or ".doc")
    sheet = kind in ("xls", "ods")  # a spreadsheet (the quarterly ledger) becomes .xlsx, anything else .docx
    target, ext = ("xlsx:Calc MS Excel 2007 XML", ".xlsx") if sheet else ("docx:MS Word 2007 XML", ".docx")
    with tempfile.TemporaryDirectory(prefix="formkit-convert-") as tmp:
        source = Path(tmp) / f"source{suffix}"
        source.write_bytes(data)
        try:
            converted = convert(source, Path(tmp) / "out", target, timeout=limits.seconds)
        except FormkitError as exc:
            return Outcome("timeout" if exc.code == "convert.timeout" else "rejected", exc.code,
                           f"{kind} 文件转换失败：{exc.message}"), None, "LibreOffice"
        out = converted.read_bytes()
    return read_isolated(out, display_name(path.stem) + ext, year, limits, stored=True), out, "LibreOffice"


def _known(name: str, sub: Submission, stored) -> Ingested:
    """The file's bytes were stored before: what was found then."""
    return Ingested(name, sub.sha256, stored.outcome, sub.code or "", sub.message or "", stored.id, stored.duplicate,
                    sub.form, sub.recipient.name or sub.recipient.id, sub.errors, sub.warnings, stored.retried)


def _result(name: str, row: dict, stored) -> Ingested:
    return Ingested(name, row["sha256"], stored.outcome, row.get("code") or "", row.get("message") or "",
                    stored.id, stored.duplicate, row.get("form"), row.get("recipient_name") or row.get("recipient_id"),
                    row.get("errors") or 0, row.get("warnings") or 0, stored.retried)
