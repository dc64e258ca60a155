"""A returned file through the desk: taken in exactly as ``formkit ingest`` takes a file (sniffed by its bytes,
read in an isolated worker, stored with its version chain and audit events: :func:`formkit.intake.ingest.
ingest_one`), after two checks that hold nothing back from the reader: the file is readable, and it is a form
issued to this link's holder for this year. A file failing either is refused with nothing stored. A sealed
scan (PDF, JPEG, PNG, TIFF) is taken the same way, and compared with the Word file as after each ``formkit
ingest`` (:func:`formkit.store.sealed.compare_stored`). A unit's written 自评总结 goes to
:func:`formkit.intake.attach.attach`, as ``formkit ingest --attach-to`` sends it.

Files are read by a fixed pool of threads (one isolated reading worker each, as many as ``formkit ingest``
uses), so fifty uploads at once queue for the readers instead of starting fifty workers."""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from formkit.errors import FormkitError
from formkit.intake.attach import Attached, attach
from formkit.intake.ingest import Ingested, ingest_one
from formkit.intake.worker import readers
from formkit.outcomes import READABLE
from formkit.store import IssuedForm, Store, sealed

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
NAME_CHARS = 120
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


def pool() -> ThreadPoolExecutor:
    """The reading threads of this process (made on first use)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(readers(), thread_name_prefix="formkit-desk-read")
        return _POOL


def upload_name(name: str | None) -> str:
    """The file's own name as the browser sent it, without any folder, safe as a file name."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = _UNSAFE.sub("_", base).strip().lstrip(".")
    return base[-NAME_CHARS:] or "上传文件"


def only_for(forms: list[IssuedForm], year: int) -> Callable[[dict], None]:
    """The check of :func:`ingest_one` for a link: a readable form of ``year`` issued to one of ``forms``."""
    mine = {(f.form, f.recipient.id) for f in forms}

    def check(row: dict) -> None:
        if row.get("outcome") not in READABLE:
            raise FormkitError(row.get("code") or "desk.unreadable",
                               row.get("message") or "文件无法读取，未保存；请用下载的表格填写后上传 .docx 文件")
        if row.get("year") != year or (row.get("form"), row.get("recipient_id")) not in mine:
            raise FormkitError("desk.not-yours", "这份文件不是通过本链接下发给你方的表格，未保存；"
                               "请下载本页列出的表格填写后上传（不要改动页脚的识别码）")

    return check


def take(store: Store, data: bytes, name: str, year: int, forms: list[IssuedForm]) -> Ingested:
    """Store one uploaded file for a link's holder (in the calling thread: run it in :func:`pool`)."""
    store.forget_issued(year)  # what was issued since this server started counts (the cache is a batch's)
    with tempfile.TemporaryDirectory(prefix="formkit-desk-") as tmp:
        path = Path(tmp) / upload_name(name)
        path.write_bytes(data)
        result = ingest_one(path, store, year, check=only_for(forms, year), name=path.name)
    if result.submission is not None and not result.duplicate:
        sealed.compare_stored(store)  # a new Word file or scan: compared with the other, as after an ingest
    return result


def take_report(store: Store, data: bytes, name: str, unit_id: str, year: int, actor: str) -> Attached:
    """One uploaded file as ``unit_id``'s written report (in the calling thread: run it in :func:`pool`);
    a unit not issued to is refused like a file (nothing stored)."""
    with tempfile.TemporaryDirectory(prefix="formkit-desk-") as tmp:
        path = Path(tmp) / upload_name(name)
        path.write_bytes(data)
        try:
            return next(iter(attach([path], store, unit_id, year, actor=actor, name=path.name)))
        except FormkitError as exc:
            return Attached(path.name, "", "rejected", exc.code, exc.message, unit_id)
