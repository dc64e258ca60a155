"""Sealed copies: a scan of a returned form (``format`` ``scan``) is the sealed copy of its recipient's
submission, whichever arrives first. Linked by columns — the same form, year and recipient as the Word file
(a scan identified by its unit and county cells, not by its QR code, by what was issued to those names) —
and by acts (``review_acts``, each one also an audit event), so no table of its own:

- ``scan-compared`` (subject ``<form>|<recipient id>``): the Word file's values against the latest scan's,
  made by formkit whenever either has a new version (:func:`compare_all`, run after every ingest); its
  findings (``scan.differs``) count on the current Word file while both are current.
- ``scan-confirmed`` (subject ``<submission id>|<path>``): a person's reading of a value the scan left
  uncertain (:func:`confirm`, ``formkit scan confirm``); it fills that value of a scan that stands for the
  recipient's submission (no Word file came) and takes the uncertain finding away.

A Word file's data always wins: while a recipient has one, its scans are evidence only (``Store.current``)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from formkit.errors import FormkitError
from formkit.findings import Finding
from formkit.store.records import SCAN, Submission

if TYPE_CHECKING:
    from formkit.store.store import Store

COMPARED, CONFIRMED = "scan-compared", "scan-confirmed"
FORMKIT = "formkit"
TO_CONFIRM = ("scan.uncertain", "scan.handwritten")


def issued_names(store: Store, year: int) -> dict[tuple, str]:
    """(form, unit name, county name) → the recipient id formkit issued that form to."""
    return {(i.form, i.recipient.unit, i.recipient.county): i.recipient.id for i in store.issued(year)}


def recipient_id(sub: Submission, names: dict[tuple, str]) -> str | None:
    """Whose submission ``sub`` is: its recipient id, or for a scan identified by its cells (a name, no id)
    the recipient issued that form for its unit and county."""
    rid = sub.recipient.id
    if sub.scanned and rid and rid.startswith("name:"):
        return names.get((sub.form, sub.recipient.unit, sub.recipient.county)) or rid
    return rid


def subject(form: str, rid: str) -> str:
    return f"{form}|{rid}"


def latest_scans(subs: list[Submission], names: dict[tuple, str], year: int) -> dict[tuple, Submission]:
    """(form, recipient id) → the latest readable scan of ``year``."""
    out = {}
    for sub in subs:
        if sub.scanned and sub.readable and sub.year == year:
            out[(sub.form, recipient_id(sub, names))] = sub
    return out


def sealed_copies(store: Store, year: int, of: set[tuple[str, str | None]]) -> list[Submission]:
    """The latest scan of each (form, recipient id) in ``of``: the dossier lists them among its sources."""
    subs = [s for s in store.submissions(year) if s.scanned]
    if not subs:
        return []
    return [scan for key, scan in latest_scans(subs, issued_names(store, year), year).items() if key in of]


def compare_stored(store: Store) -> int:
    """:func:`compare_all` for every year that has a scan (after an ingest)."""
    from sqlalchemy import select

    from formkit.store import schema

    t = schema.submissions
    with store.reading() as conn:
        years = [y for y in conn.execute(select(t.c.year).where(t.c.format == SCAN).distinct()).scalars() if y]
    return sum(compare_all(store, year) for year in sorted(years))


def compare_all(store: Store, year: int) -> int:
    """Compare every recipient's current Word file with its latest scan where either changed since the last
    comparison (an act ``scan-compared``); returns how many comparisons were made."""
    from formkit.scan.compare import differences

    subs = store.submissions(year)
    names = issued_names(store, year)
    scans = latest_scans(subs, names, year)
    if not scans:
        return 0
    words = {(s.form, s.recipient.id): s for s in subs if s.readable and not s.scanned and s.year == year}
    done = {a["subject"]: a["value"] for a in store.acts(year, COMPARED)}
    made = 0
    for (form, rid), scan in scans.items():
        word = words.get((form, rid))
        if word is None or word.record is None or scan.record is None:
            continue
        said = done.get(subject(form, rid)) or {}
        if said.get("word") == word.id and said.get("scan") == scan.id:
            continue
        found = differences(form, year, word.record.values, scan.record.values, scan.record.raw)
        store.record_act(year, COMPARED, subject(form, rid),
                         {"word": word.id, "scan": scan.id, "findings": [f.as_dict() for f in found]}, FORMKIT)
        made += 1
    return made


def attach(store: Store, year: int, current: dict[tuple, Submission], subs: list[Submission]) -> None:
    """Give the current submissions what the sealed copies say: a Word file the differences from its latest
    scan (while both are the ones compared); a scan standing for its recipient the values a person confirmed,
    its uncertain findings on them gone."""
    scans = [s for s in current.values() if s.scanned]
    compared = store.acts(year, COMPARED) if any(s.scanned for s in subs) else []
    if not compared and not scans:
        return
    names = issued_names(store, year)
    latest = latest_scans(subs, names, year)
    for act in compared:
        form, _sep, rid = act["subject"].partition("|")
        word, scan = current.get((form, rid)), latest.get((form, rid))
        if word is not None and not word.scanned and word.id == act["value"].get("word") \
                and scan is not None and scan.id == act["value"].get("scan"):
            word.later.extend(Finding.from_dict(f) for f in act["value"].get("findings") or [])
    if scans:
        confirmed = store.acts(year, CONFIRMED)
        for key, sub in list(current.items()):
            if sub.scanned:
                current[key] = _confirmed(sub, [a for a in confirmed if a["subject"].startswith(f"{sub.id}|")])


def _confirmed(sub: Submission, acts: list[dict]) -> Submission:
    """``sub`` with the values confirmed by ``acts`` and without the findings they settle."""
    if not acts or sub.record is None:
        return sub
    values = _copy(sub.record.values)
    settled = set()
    for act in acts:
        path = act["subject"].split("|", 1)[1]
        _set(values, path, act["value"].get("value"))
        settled.add(path)
    kept = tuple(f for f in sub.record.findings if not (f.code in TO_CONFIRM and f.field in settled))
    gone = len(sub.record.findings) - len(kept)
    record = dataclasses.replace(sub.record, values=values, findings=kept)
    return dataclasses.replace(sub, record=record, read_warnings=max(0, sub.read_warnings - gone))


def overview(store: Store, year: int) -> list[dict[str, Any]]:
    """Every latest scan of ``year``, one row each (``formkit scan list``, the dossier's annex): whose, which
    file, its seals, the Word file it was compared with and how many differences, what is still to confirm."""
    subs = store.submissions(year)
    names = issued_names(store, year)
    current = store.current(year)
    compared = {a["subject"]: a["value"] for a in store.acts(year, COMPARED)}
    rows = []
    for (form, rid), scan in sorted(latest_scans(subs, names, year).items(), key=lambda kv: kv[1].id):
        now = current.get((form, rid))
        word = now if now is not None and not now.scanned else None
        said = compared.get(subject(form, rid)) or {}
        same = word is not None and said.get("word") == word.id and said.get("scan") == scan.id
        shown = now if now is not None and now.id == scan.id else scan  # with what was confirmed
        source = scan.record.source if scan.record else {}
        rows.append({"submission": scan.id, "form": form, "recipient_id": rid,
                     "recipient": scan.recipient.name or rid, "file": scan.file_name, "sha256": scan.sha256,
                     "pages": len((source.get("scan") or {}).get("pages") or []),
                     "seals": (source.get("scan") or {}).get("seals") or [],
                     "word": word.id if word else None,
                     "differences": len(said.get("findings") or []) if same else None,
                     "pending": [] if word else [{"field": f.field, "message": f.message} for f in pending(shown)]})
    return rows


def pending(sub: Submission) -> list[Finding]:
    """The values of a scan a person has still to confirm."""
    return [f for f in (sub.record.findings if sub.record else ()) if f.code in TO_CONFIRM and f.field]


def confirm(store: Store, submission_id: int, path: str, text: str, actor: str, reason: str | None = None) -> dict:
    """Record a person's reading of a value a scan left uncertain (``text`` as they read it on the scan),
    normalised as the form's field would be; an act ``scan-confirmed``, audited."""
    from formkit.scan.confirm import typed

    sub = next((s for s in store.submissions() if s.id == submission_id), None)
    if sub is None or not sub.scanned or sub.record is None or sub.year is None:
        raise FormkitError("scan.not-found", f"找不到第 {submission_id} 份扫描件（或它不是读自扫描件的报送）")
    done = {a["subject"] for a in store.acts(sub.year, CONFIRMED)}
    if f"{submission_id}|{path}" in done or not any(f.field == path for f in pending(sub)):
        raise FormkitError("scan.no-such-value", f"第 {submission_id} 份扫描件中没有待确认的“{path}”（或已确认）")
    value = typed(sub.record, path, text)
    return store.record_act(sub.year, CONFIRMED, f"{submission_id}|{path}", {"value": value, "text": text},
                            actor, reason)


def _copy(values: dict[str, Any]) -> dict[str, Any]:
    return {k: [dict(r) if isinstance(r, dict) else r for r in v] if isinstance(v, list) else v
            for k, v in values.items()}


def _set(values: dict[str, Any], path: str, value: Any) -> None:
    """Set ``field`` or ``table[i].column`` in ``values``."""
    if "[" not in path:
        values[path] = value
        return
    table, rest = path.split("[", 1)
    index, column = rest.split("].", 1)
    rows = values.get(table) or []
    if int(index) < len(rows) and isinstance(rows[int(index)], dict):
        rows[int(index)][column] = value


__all__ = ["COMPARED", "CONFIRMED", "attach", "compare_all", "confirm", "pending"]
