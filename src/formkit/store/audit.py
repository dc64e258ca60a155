"""The audit log as a hash chain: every event stores the hash of the event before it (``prev_hash``) and its
own ``hash`` = sha256(prev_hash + canonical JSON of the event). A row rewritten or deleted in the middle
breaks the chain; a chain recomputed from a rewritten row on no longer ends in (or passes through) the head
that was written into the manifests published before (issue ``manifest.csv``, the dossier's
``manifest-sha256.txt``), which :func:`heads_in` reads back for ``Store.verify``.

The events that set a submission's row (``ingested``, ``rejected``, ``retried``, ``relinked``) also carry
``digest``, :func:`row_digest` of the row as stored right after the change, so a row edited afterwards no
longer matches its latest event."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

GENESIS = "0" * 64  # the head of an empty log: never evidence that a log was intact
ROW_EVENTS = ("ingested", "rejected", "retried", "relinked")  # the events that record a submission's row
# The submission columns a row digest covers (every column but the id), frozen here so that a column added
# later does not change the digests already in the log.
ROW_COLUMNS = ("sha256", "file_name", "size", "received_at", "format", "producer", "outcome", "code", "message",
               "form", "form_version", "year", "recipient_id", "recipient_name", "errors", "warnings", "record",
               "reader", "converted_by", "supersedes")
HEAD_COLUMN = "审计日志链头"  # the issue manifest's column
HEAD_LINE = "# formkit-audit-head: "  # the dossier manifest's comment line (sha256sum -c skips it)
_HEAD_RE = re.compile(r"^# formkit-audit-head: ([0-9a-f]{64})\s*$", re.M)
_HEX = re.compile(r"[0-9a-f]{64}")


def instant(at: datetime) -> str:
    """A stored time in one form whatever the database gives back (SQLite returns it without a zone)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(prev_hash: str, at: datetime, event: str, submission_id: int | None, sha256: str | None,
               detail: Any) -> str:
    body = json.dumps({"at": instant(at), "event": event, "submission_id": submission_id, "sha256": sha256,
                       "detail": detail}, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def row_digest(row: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of a submission row's :data:`ROW_COLUMNS` as the database gives them
    back (times in one form; a non-finite number an old row may hold is hashed as written, not dropped)."""
    values = {c: instant(row[c]) if isinstance(row[c], datetime) else row[c] for c in ROW_COLUMNS}
    body = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def check_chain(events: list[dict]) -> tuple[list[dict], str]:
    """Problems of the chain (events in id order) and its head. An event whose hash is not that of its own
    content was rewritten (``audit.chain-broken``); an intact event that does not follow the one before it
    means events before it were deleted or rewritten (``audit.events-missing``)."""
    problems, head = [], GENESIS
    for e in events:
        own = event_hash(e["prev_hash"] or "", e["at"], e["event"], e["submission_id"], e["sha256"], e["detail"])
        if e["hash"] != own:
            problems.append(problem("audit.chain-broken",
                                    f"审计日志第 {e['id']} 条事件（{e['event']}）的内容与其哈希不符，已被改写", event=e["id"]))
        elif e["prev_hash"] != head:
            problems.append(problem("audit.events-missing",
                                    f"审计日志第 {e['id']} 条事件之前的事件缺失或被改写（哈希链断开）", event=e["id"]))
        head = e["hash"] or ""
    return problems, head


def problem(code: str, message: str, **where: Any) -> dict:
    return {"code": code, "message": message, **where}


def heads_in(path: str | Path) -> list[str]:
    """The audit heads written into a manifest formkit produced (none when the file has none)."""
    text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    found = set(_HEAD_RE.findall(text))
    lines = text.splitlines()
    if lines and HEAD_COLUMN in lines[0]:
        found.update(r[HEAD_COLUMN] for r in csv.DictReader(lines) if _HEX.fullmatch(r.get(HEAD_COLUMN) or ""))
    return sorted(found)
