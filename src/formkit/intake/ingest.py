"""Ingest files into the store: sniff, convert legacy formats, read in isolation, record, audit.

One boundary per file: whatever goes wrong with one file (a reader bug, the database refusing its row) gives
that file a coded result, and its row if at all possible; the rest of the batch goes on. Only regular files
are read, and below a folder only those that stay inside it (a symlink leading out is refused). Bytes whose
stored outcome was transient (``timeout``, ``crashed``, ``out-of-memory``) are read again when they arrive
again, as an audited new attempt (:meth:`formkit.store.Store.retry`)."""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from formkit import __version__
from formkit.convert import convert, soffice
from formkit.errors import FormkitError, os_reason
from formkit.findings import ERROR, WARNING, finding
from formkit.intake.worker import FORK_LOCK, TRANSIENT, Outcome, in_order, read_isolated
from formkit.limits import DEFAULT, Limits
from formkit.read.result import ReadResult
from formkit.read.sniff import classify
from formkit.store import READABLE, Store, Submission, schema
from formkit.store.safe import clean, display_name, fit
from formkit.store.store import refused_by_database

READER = f"formkit/{__version__}"
SKIP_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
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


def ingest(paths: Iterable[str | Path | Source], store: Store, year: int | None = None, limits: Limits = DEFAULT,
           on_progress: Callable[[Ingested], None] | None = None, workers: int | None = None) -> Iterator[Ingested]:
    """Every file in ``paths`` into the store, in order. Files are read by up to ``workers`` isolated workers
    at once (``intake.worker.readers()``) while this thread prepares the next ones and stores those already
    read, one by one, in order: only the reading leaves this thread, never the store."""
    def read(prepared: _Prepared | Ingested) -> _Prepared | Ingested:  # in a reading thread
        if isinstance(prepared, _Prepared):
            prepared.read(year, limits)
        return prepared

    def prepare(source: Source) -> _Prepared | Ingested:  # in this thread, as in_order pulls the next file
        with FORK_LOCK:  # hashing and the store's C libraries never run while a reading thread forks
            return _prepare(source, store, limits)

    for prepared in in_order(read, map(prepare, expand(paths)), workers):
        if isinstance(prepared, _Prepared):
            with FORK_LOCK:
                result = prepared.store(store)
        else:
            result = prepared
        if on_progress:
            on_progress(result)
        yield result


def ingest_one(source: str | Path | Source, store: Store, year: int | None = None,
               limits: Limits = DEFAULT) -> Ingested:
    prepared = _prepare(source if isinstance(source, Source) else Source(Path(source)), store, limits)
    if isinstance(prepared, Ingested):
        return prepared
    prepared.read(year, limits)
    return prepared.store(store)


@dataclass
class _Prepared:
    """A file whose bytes are in hand and that needs reading (new bytes, or a transient outcome to retry)."""
    source: Source
    name: str
    data: bytes
    sha: str
    existing: Submission | None
    row: dict | None = None
    failure: Exception | None = None

    def read(self, year: int | None, limits: Limits) -> None:
        """The submission row (in a reading thread: nothing here touches the store)."""
        try:
            self.row = _read(self.data, self.source.path, self.name, year, limits)
        except Exception as exc:  # the boundary: kept for store() to record
            self.failure = exc

    def store(self, store: Store) -> Ingested:
        """Keep the original and its row (in the calling thread, in the batch's order). The same bytes may
        have been stored by an earlier file of this batch since they were prepared: the store says so."""
        try:
            if self.failure is not None:
                raise self.failure
            existing = self.existing and store.find(self.sha)
            stored = store.retry(existing.id, self.data, self.row) if existing and existing.outcome in TRANSIENT \
                else store.add(self.data, self.row)
        except Exception as exc:  # the boundary: this file gets a coded row, the batch goes on
            return _fallback(store, self.data, self.name, self.sha, self.row, exc)
        return _result(self.name, {**self.row, "sha256": self.sha}, stored)


def _prepare(source: Source, store: Store, limits: Limits) -> _Prepared | Ingested:
    """The file's bytes and what the store already knows of them; a file refused before reading, or bytes
    already stored with a final outcome, are done here."""
    name = display_name(source.path)
    try:
        data = _read_safely(source, limits)
    except Refused as refused:
        return Ingested(name, "", "rejected", refused.code, refused.message, None)
    except _TooLarge as big:
        return Ingested(name, big.sha256, "rejected", "intake.too-large",
                        f"文件有 {big.size} 字节，超过 {limits.max_bytes} 字节的上限，未保存", None)
    except OSError as exc:
        return Ingested(name, "", "rejected", "intake.cannot-open", f"无法打开文件（{os_reason(exc)}）", None)
    sha = hashlib.sha256(data).hexdigest()
    try:
        existing = store.find(sha)
        if existing and existing.outcome not in TRANSIENT:
            return _known(name, existing, store.note_duplicate(existing, data))
    except Exception as exc:  # the boundary, as in _Prepared.store
        return _fallback(store, data, name, sha, None, exc)
    return _Prepared(source, name, data, sha, existing)


def _read(data: bytes, path: Path, name: str, year: int | None, limits: Limits) -> dict:
    """The submission row for these bytes: sniffed, converted or read in the worker, made storable."""
    base = display_name(path.name)
    kind = classify(data, base)
    converted_by = None
    if kind.action == "reject":
        outcome = Outcome("rejected", kind.code, kind.message)
    elif kind.action == "convert":
        outcome, _converted, converted_by = _convert_then_read(data, path, kind.name, year, limits)
    else:
        outcome = read_isolated(data, base, year, limits)
    result = outcome.result  # the typed result the worker returned; its JSON form is what is stored
    who = result.recipient if result else {}
    row = {
        "file_name": name, "format": kind.name, "outcome": outcome.outcome, "code": outcome.code or None,
        "message": outcome.message or None, "reader": READER, "converted_by": converted_by,
        "record": outcome.record or None, "producer": result.source.get("producer") if result else None,
        "form": result.form if result else None, "form_version": result.version if result else None,
        "year": result.year if result else None,
        "recipient_id": who.get("id") or (_fallback_recipient(result) if result else None),
        "recipient_name": who.get("name"), "unit_id": who.get("unit_id"), "unit": who.get("unit"),
        "county": who.get("county"), "period": who.get("period"),
    }
    return _storable(row)


def _storable(row: dict) -> dict:
    """``row`` as the store can keep it: a value that is not a finite number is stored as empty with an
    error finding (``store.not-finite``), a property longer than its column is clipped with a warning
    (``store.too-long``); the counts and the outcome follow the findings."""
    cleaned = clean(row["record"]) if row["record"] else None
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
    findings = (record or {}).get("findings") or []
    row["errors"] = sum(f.get("severity") == ERROR for f in findings)
    row["warnings"] = len(findings) - row["errors"]
    return row


def _fallback(store: Store, data: bytes, name: str, sha: str, row: dict | None, exc: Exception) -> Ingested:
    """Something failed for this one file: keep its original with a row saying why (the database refused
    the row: ``store.rejected-row``, final; anything else: ``intake.crashed``, read again next time)."""
    reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"[:300]
    if refused_by_database(exc):
        outcome, code, message = "rejected", "store.rejected-row", f"数据库拒绝保存读取结果，原件已登记为拒收：{reason}"
    elif isinstance(exc, FormkitError):
        outcome, code, message = "rejected", exc.code, exc.message
    else:
        outcome, code, message = "crashed", "intake.crashed", f"处理文件时出现程序错误，原件已登记，再次收取时重读：{reason}"
    minimal = {"file_name": name, "format": (row or {}).get("format"), "outcome": outcome, "code": code,
               "message": message, "errors": 0, "warnings": 0, "reader": READER}
    try:
        existing = store.find(sha)
        stored = store.retry(existing.id, data, minimal) if existing else store.add(data, minimal)
    except Exception as again:  # the store itself is unusable: nothing was kept for this file
        detail = str(again).strip().splitlines()[0][:200] if str(again).strip() else type(again).__name__
        return Ingested(name, sha, "crashed", "store.unavailable", f"{message}；登记也失败：{detail}", None)
    return _result(name, {**minimal, "sha256": sha}, stored)


def _fallback_recipient(result: ReadResult) -> str | None:
    """A form identified by its content has no recipient id: use its unit (and county) name."""
    unit, county = result.values.get("unit_name"), result.values.get("county")
    if result.form == "county-feedback" and county:
        return f"name:{unit}/{county}"
    return f"name:{unit}" if unit else None


class _TooLarge(Exception):
    def __init__(self, size: int, sha256: str):
        super().__init__(size)
        self.size, self.sha256 = size, sha256


def _read_safely(source: Source, limits: Limits) -> bytes:
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
            raise _TooLarge(now.st_size, digest.hexdigest())
        return fh.read(limits.max_bytes + 1)


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
    return read_isolated(out, display_name(path.stem) + ext, year, limits), out, "LibreOffice"


def _known(name: str, sub: Submission, stored) -> Ingested:
    """The file's bytes were stored before: what was found then."""
    return Ingested(name, sub.sha256, stored.outcome, sub.code or "", sub.message or "", stored.id, stored.duplicate,
                    sub.form, sub.recipient.name or sub.recipient.id, sub.errors, sub.warnings, stored.retried)


def _result(name: str, row: dict, stored) -> Ingested:
    return Ingested(name, row["sha256"], stored.outcome, row.get("code") or "", row.get("message") or "",
                    stored.id, stored.duplicate, row.get("form"), row.get("recipient_name") or row.get("recipient_id"),
                    row.get("errors") or 0, row.get("warnings") or 0, stored.retried)
