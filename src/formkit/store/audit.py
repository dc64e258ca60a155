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
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select

from formkit import jsontext

GENESIS = "0" * 64  # the head of an empty log: never evidence that a log was intact
ROW_EVENTS = ("ingested", "rejected", "retried", "relinked")  # the events that record a submission's row
INTAKE_EVENTS = ("ingested", "rejected", "retried")  # the events that say what a submission's outcome is
# The submission columns a row digest covers (every column but the id), frozen here so that a column added
# later does not change the digests already in the log.
ROW_COLUMNS = ("sha256", "file_name", "size", "received_at", "format", "producer", "outcome", "code", "message",
               "form", "form_version", "year", "recipient_id", "recipient_name", "errors", "warnings", "record",
               "reader", "converted_by", "supersedes")
# Who a submission is for (migration 5): digested apart (``who``), so the digests of ROW_COLUMNS stay as they were.
WHO_COLUMNS = ("unit_id", "unit", "county", "period")
# An attachment's columns (migration 7) as its ``attached`` event digests them, frozen likewise.
ATTACHMENT_COLUMNS = ("id", "year", "unit_id", "kind", "sha256", "file_name", "size", "format", "received_at",
                      "supersedes", "actor")
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


def append(conn, table, event_name: str, submission_id: int | None, sha: str | None, detail: Any,
           at: datetime) -> None:
    """Append an event to the chain in ``table`` (the audit log as the caller's schema knows it), inside a
    transaction that serialises writers."""
    conn.execute(table.insert(), chained(conn, table, event_name, submission_id, sha, detail, at))


def chained(conn, table, event_name: str, submission_id: int | None, sha: str | None, detail: Any, at: datetime,
            prev: str | None = None) -> dict[str, Any]:
    """The row of an event that extends the chain in ``table``: with the hash of the event before it (``prev``,
    when the caller knows the head because it built that event itself in this transaction; else read) and its
    own. Rows are inserted in the order they were made, before anything else appends."""
    if prev is None:
        prev = conn.execute(_head(table)).scalar() or GENESIS
    return {"at": at, "event": event_name, "submission_id": submission_id, "sha256": sha, "detail": detail,
            "prev_hash": prev, "hash": event_hash(prev, at, event_name, submission_id, sha, detail)}


@lru_cache(maxsize=8)
def _head(table):
    """The statement that reads the chain's head (built once per table)."""
    return select(table.c.hash).order_by(table.c.id.desc()).limit(1)


def row_digest(row: Mapping[str, Any], record_json: str | None = None) -> str:
    """sha256 of the canonical JSON of a submission row's :data:`ROW_COLUMNS` as the database gives them
    back (times in one form; a non-finite number an old row may hold is hashed as written, not dropped).
    ``record_json``: :func:`canonical_json` of the row's record, when the caller has it (made beside the
    reading), set into the row's JSON as it is."""
    values = {c: instant(row[c]) if isinstance(row[c], datetime) else row[c] for c in ROW_COLUMNS}
    if record_json is not None:
        values["record"] = _RECORD_MARK
    body = canonical_json(values)
    if record_json is not None:
        body = body.replace(_RECORD_MARK_JSON, record_json, 1)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def canonical_json(value: Any) -> str:
    """The JSON that digests are taken of: keys sorted, no spaces, text as it is."""
    return jsontext.plain(value, sort_keys=True, separators=jsontext.COMPACT) or \
        json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True, default=str)


# what stands for the record in a row's JSON until its own JSON is set in (no column's text holds a NUL)
_RECORD_MARK = "\x00formkit-record\x00"
_RECORD_MARK_JSON = json.dumps(_RECORD_MARK)


def who_digest(row: Mapping[str, Any]) -> str:
    """sha256 of a submission row's :data:`WHO_COLUMNS` (its unit, county and period as stored)."""
    return _digest({c: row.get(c) for c in WHO_COLUMNS})


def attachment_digest(row: Mapping[str, Any]) -> str:
    """sha256 of an attachment row's :data:`ATTACHMENT_COLUMNS` as the database gives them back."""
    return _digest({c: instant(row[c]) if isinstance(row[c], datetime) else row[c] for c in ATTACHMENT_COLUMNS})


def attachment_problems(rows: list[dict], events: list[dict]) -> list[dict]:
    """Attachments against their ``attached`` events: a row no event records was written behind formkit's
    back (``audit.attachment-unrecorded``), a row that no longer has its recorded digest was changed
    (``audit.attachment-differs``)."""
    recorded = {e["detail"].get("attachment"): e for e in events
                if e["event"] == "attached" and isinstance(e["detail"], dict)}
    out = []
    for r in rows:
        e = recorded.get(r["id"])
        if e is None:
            out.append(problem("audit.attachment-unrecorded", f"附件第 {r['id']} 份（{r['file_name']}）在审计日志中没有记录"
                               "（不是 formkit 写入的）", attachment=r["id"]))
        elif e["detail"].get("digest") != attachment_digest(r):
            out.append(problem("audit.attachment-differs", f"附件第 {r['id']} 份（{r['file_name']}）在数据库中的内容与审计日志"
                               f"第 {e['id']} 条事件记录的不一致：记录后被直接修改过", attachment=r["id"], event=e["id"]))
    return out


def later_digest(rows: Iterable[Mapping[str, Any]]) -> str:
    """sha256 of findings made across documents (``later_findings`` rows, their time left out)."""
    return _digest(sorted(([r["id"], r["submission_id"], r["against_id"], r["code"], r["severity"], r["finding"]]
                           for r in rows), key=lambda r: r[0]))


def _digest(value: Any) -> str:
    body = canonical_json(value)
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


def audit_problems(rows: list[dict], events: list[dict], manifests: Iterable[str | Path],
                   later: list[dict] = ()) -> list[dict]:
    """What ``verify`` reports of the log: breaks in the hash chain, submissions without their intake event or
    differing from what their latest row event recorded (or, for who a row is for, what migration 5 recorded),
    findings across documents not as their ``cross-checked`` event recorded them, and manifests whose head is
    not on the chain."""
    found, _head = check_chain(events)
    migrated = next((e["detail"].get("who") or {} for e in events if e["event"] == "migrated"
                     and isinstance(e["detail"], dict) and e["detail"].get("version") == 5), {})
    found += later_problems(later, events)
    hashes = {e["hash"] for e in events}
    arrived: set[int] = set()
    last: dict[int, dict] = {}  # submission id → its latest row event
    for e in events:
        if e["event"] in ROW_EVENTS and e["submission_id"] is not None:
            last[e["submission_id"]] = e
            if e["event"] in INTAKE_EVENTS:
                arrived.add(e["submission_id"])
    for r in rows:
        e = last.get(r["id"])
        if e is None or r["id"] not in arrived:
            found.append(problem("audit.event-missing", f"第 {r['id']} 份报送（{r['file_name']}）在审计日志中没有收取记录",
                                 submission=r["id"]))
        elif row_differs(r, e) or who_differs(r, e, migrated):
            found.append(problem("audit.record-differs", f"第 {r['id']} 份报送（{r['file_name']}）在数据库中的内容与审计日志"
                                 f"第 {e['id']} 条事件（{e['event']}）记录的不一致：记录后被直接修改过",
                                 submission=r["id"], event=e["id"]))
    for path in manifests:
        heads = heads_in(path)
        if not heads:
            found.append(problem("audit.no-head", f"清单“{path}”中没有审计日志链头", manifest=str(path)))
        for head in heads:
            if head == GENESIS:
                found.append(problem("audit.empty-head", f"清单“{path}”中的审计日志链头为全零（写于任何审计事件之前）："
                                     "不能证明日志未被改写", manifest=str(path), head=head))
            elif head not in hashes:
                found.append(problem("audit.head-mismatch", f"清单“{path}”中的审计日志链头 {head[:12]}… 不在数据库的审计日志中："
                                     "日志在清单发布后被改写", manifest=str(path), head=head))
    return found


def who_differs(row: dict, event: dict, migrated: dict) -> bool:
    """Whether who a row is for is not what was recorded: by its latest row event since migration 5, else by
    the ``migrated`` event that filled it in (rows that event did not fill have nothing recorded)."""
    detail = event["detail"] or {}
    recorded = detail.get("who") or migrated.get(str(row["id"]))
    return recorded is not None and recorded != who_digest(row)


def later_problems(later: list[dict], events: list[dict]) -> list[dict]:
    """Findings across documents against their ``cross-checked`` events: each event lists the rows it added
    and their digest; a row no event lists was added behind formkit's back (``audit.later-unrecorded``), a row
    changed or removed no longer matches its event (``audit.later-differs``)."""
    by_id = {r["id"]: r for r in later}
    listed: set[int] = set()
    out = []
    for e in events:
        detail = e["detail"] if isinstance(e["detail"], dict) else {}
        if e["event"] != "cross-checked" or "findings" not in detail:
            continue
        ids = [i for i in detail["findings"] if isinstance(i, int)]
        listed.update(ids)
        if any(i not in by_id for i in ids) or later_digest(by_id[i] for i in ids) != detail.get("digest"):
            out.append(problem("audit.later-differs", f"审计日志第 {e['id']} 条事件记录的跨表核对结果在数据库中已被修改或删除",
                               event=e["id"]))
    out += [problem("audit.later-unrecorded", f"跨表核对结果第 {i} 条在审计日志中没有记录（不是 formkit 写入的）", later=i)
            for i in sorted(set(by_id) - listed)]
    return out


def row_differs(row: dict, event: dict) -> bool:
    """Whether a submission row is not what its latest row event recorded: its sha256, the outcome the
    event names (intake events), and the digest of the whole row (events from before digests have none)."""
    detail = event["detail"] or {}
    return (event["sha256"] != row["sha256"]
            or (event["event"] in INTAKE_EVENTS and detail.get("outcome") != row["outcome"])
            or ("digest" in detail and detail["digest"] != row_digest(row)))
