"""Ingest files into the store: sniff, convert legacy formats, read in isolation, record, audit.
One bad file is rejected with its reason; the rest of the batch goes on."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from formkit import __version__
from formkit.errors import FormkitError
from formkit.intake.formats import classify
from formkit.intake.worker import Outcome, read_isolated
from formkit.limits import DEFAULT, Limits
from formkit.store import Store

READER = f"formkit/{__version__}"
SKIP_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


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

    def as_dict(self) -> dict:
        return {"file": self.file, "sha256": self.sha256, "outcome": self.outcome, "code": self.code or None,
                "message": self.message or None, "submission": self.submission, "duplicate": self.duplicate,
                "form": self.form, "recipient": self.recipient, "errors": self.errors, "warnings": self.warnings}


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and every file below folders named, in a stable order."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.name not in SKIP_NAMES))
        else:
            out.append(p)
    return out


def ingest(paths: Iterable[str | Path], store: Store, year: int | None = None, limits: Limits = DEFAULT,
           progress: Callable[[Ingested], None] | None = None) -> Iterator[Ingested]:
    for path in expand(paths):
        result = ingest_one(path, store, year, limits)
        if progress:
            progress(result)
        yield result


def ingest_one(path: Path, store: Store, year: int | None = None, limits: Limits = DEFAULT) -> Ingested:
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            return _too_large(path, size, limits)
        data = path.read_bytes()
    except OSError as exc:
        return Ingested(str(path), "", "rejected", "intake.cannot-open", f"无法打开文件：{exc.strerror}", None)
    sha = hashlib.sha256(data).hexdigest()
    existing = store.find(sha)
    if existing:
        stored = store._duplicate(existing)
        return _result(path, existing, stored.duplicate)
    kind = classify(data, path.name)
    converted_by = None
    if kind.action == "reject":
        outcome = Outcome("rejected", kind.code, kind.message)
    elif kind.action == "convert":
        outcome, converted, converted_by = _convert_then_read(data, path, kind.name, year, limits)
    else:
        outcome = read_isolated(data, path.name, year, limits)
    record = outcome.record or {}
    findings = record.get("findings") or []
    row = {
        "file_name": str(path), "format": kind.name, "producer": (record.get("source") or {}).get("producer"),
        "outcome": outcome.outcome, "code": outcome.code or None, "message": outcome.message or None,
        "form": record.get("form"), "form_version": record.get("version"), "year": record.get("year"),
        "recipient_id": (record.get("recipient") or {}).get("id") or _fallback_recipient(record),
        "recipient_name": (record.get("recipient") or {}).get("name"),
        "errors": sum(f["severity"] == "error" for f in findings),
        "warnings": sum(f["severity"] != "error" for f in findings),
        "record": record or None, "reader": READER, "converted_by": converted_by,
    }
    try:
        stored = store.add(data, row)
    except FormkitError as exc:
        return Ingested(str(path), sha, "crashed", exc.code, exc.message, None)
    return Ingested(str(path), sha, stored.outcome, row["code"] or "", row["message"] or "", stored.id,
                    stored.duplicate, row["form"], row["recipient_name"] or row["recipient_id"], row["errors"],
                    row["warnings"])


def _fallback_recipient(record: dict) -> str | None:
    """A form identified by its content has no recipient id: use its unit (and county) name."""
    values = record.get("values") or {}
    if not record.get("form"):
        return None
    if record["form"] == "county-feedback" and values.get("county"):
        return f"name:{values.get('unit_name')}/{values['county']}"
    return f"name:{values['unit_name']}" if values.get("unit_name") else None


def _convert_then_read(data: bytes, path: Path, kind: str, year: int | None,
                       limits: Limits) -> tuple[Outcome, bytes | None, str | None]:
    from formkit.convert import convert, soffice

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
    return read_isolated(out, path.stem + ext, year, limits), out, "LibreOffice"


def _too_large(path: Path, size: int, limits: Limits) -> Ingested:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return Ingested(str(path), digest.hexdigest(), "rejected", "intake.too-large",
                    f"文件有 {size} 字节，超过 {limits.max_bytes} 字节的上限，未保存", None)


def _result(path: Path, row: dict, duplicate: bool) -> Ingested:
    return Ingested(str(path), row["sha256"], row["outcome"], row["code"] or "", row["message"] or "", row["id"],
                    duplicate, row["form"], row["recipient_name"] or row["recipient_id"], row["errors"],
                    row["warnings"])
