"""A unit's written 自评总结 (Word or PDF) accepted as an attachment of its submission: named to its unit by
whoever hands it in (``formkit ingest --attach-to U012 FILE...``; the web desk calls :func:`attach` the
same way), never read as a form.

Each file goes through what intake puts every file through — only regular files, the size limit, the
classifier (``read.sniff``), then opened in the isolated reading worker within the reader's limits
(:func:`formkit.intake.worker.check_isolated`: a .docx package and its main part, a PDF parsed in its own
child) — and a file refused at any step is refused with its code and nothing is stored; the next file is
handled all the same. What is accepted is kept like every original (:mod:`formkit.store.attachments`: by
sha256, durable before its row commits, audited; a new report supersedes the unit's previous one, both
stay). The unit must be one formkit issued forms to in that year (``attach.unknown-unit``).

:func:`attachments` lists each unit's report with the lead department of its category (办法 四（二）: the
lead departments verify their units' material), for ``formkit status`` and the dossier."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from formkit.config import load_config
from formkit.errors import FormkitError, os_reason
from formkit.intake.sources import Refused, Source, TooLarge, expand, read_safely
from formkit.limits import DEFAULT, Limits
from formkit.read.sniff import READ, classify
from formkit.store import Store
from formkit.store.attachments import SELF_REPORT, Attachment
from formkit.store.safe import display_name

REPORT_FORMATS = ("docx", "pdf")  # what a written report may be
NOT_A_REPORT = "自评总结须为 Word（.docx）或 PDF 文件"


@dataclass
class Attached:
    """What became of one file handed in as a unit's report: ``attached`` (``duplicate`` when these bytes
    were attached to it before) or ``rejected`` with a code, nothing stored."""
    file: str
    sha256: str
    outcome: str
    code: str
    message: str
    unit_id: str
    attachment: int | None = None
    duplicate: bool = False
    supersedes: int | None = None  # the unit's previous report, now superseded

    def as_dict(self) -> dict:
        return {**asdict(self), "code": self.code or None, "message": self.message or None}


@dataclass(frozen=True)
class UnitReport:
    """A unit of the year, its category's lead department (who verifies it) and its written report."""
    unit_id: str
    unit: str
    category: str
    lead_department: str
    report: Attachment | None  # the current one
    earlier: int = 0  # the reports it superseded

    def as_dict(self) -> dict:
        report = self.report
        return {"unit_id": self.unit_id, "unit": self.unit, "category": self.category,
                "lead_department": self.lead_department, "earlier": self.earlier,
                "report": None if report is None else {
                    "attachment": report.id, "file": report.file_name, "size": report.size, "format": report.format,
                    "received_at": report.received_at.isoformat(), "sha256": report.sha256}}


def issued_unit(store: Store, unit_id: str, year: int) -> tuple[str, str]:
    """(unit name, lead department) of a unit formkit issued forms to in ``year``, else ``attach.unknown-unit``."""
    for item in store.issued(year):
        if item.recipient.unit_id == unit_id or (item.recipient.id == unit_id and item.form == "self-assessment"):
            return item.recipient.unit or unit_id, item.lead_department or ""
    raise FormkitError("attach.unknown-unit", f"{year}年度 formkit 没有向“{unit_id}”下发过表格，不能将材料附在其名下；"
                       "请核对单位编号（见下发清单 manifest.csv 的接收方编号）", {"unit": unit_id, "year": year})


def attach(paths: Iterable[str | Path | Source], store: Store, unit_id: str, year: int | None = None,
           limits: Limits = DEFAULT, actor: str | None = None, name: str | None = None) -> Iterator[Attached]:
    """Every file in ``paths`` (files, or the files below folders) as ``unit_id``'s written report for
    ``year`` (default: the store's latest year), in order (the module's docstring), each recorded under
    ``name`` if given (the web desk: the name the browser sent), else the path given. The unit is checked
    first: one formkit did not issue to that year is refused for the whole batch (``attach.unknown-unit``)."""
    year = year or store.latest_year()
    if year is None:
        raise FormkitError("attach.unknown-unit", f"数据库中没有下发记录，不能将材料附在“{unit_id}”名下",
                           {"unit": unit_id})
    issued_unit(store, unit_id, year)
    for source in expand(paths):
        yield _attach_one(source, store, unit_id, year, limits, actor, name)


def _attach_one(source: Source, store: Store, unit_id: str, year: int, limits: Limits,
                actor: str | None, name: str | None = None) -> Attached:
    name = name or display_name(source.path)

    def refused(code: str, message: str, sha: str = "") -> Attached:
        return Attached(name, sha, "rejected", code, message, unit_id)

    try:
        data = read_safely(source, limits)
    except Refused as exc:
        return refused(exc.code, exc.message)
    except TooLarge as big:
        return refused("intake.too-large", f"文件有 {big.size} 字节，超过 {limits.max_bytes} 字节的上限，未保存", big.sha256)
    except OSError as exc:
        return refused("intake.cannot-open", f"无法打开文件（{os_reason(exc)}）")
    sha = hashlib.sha256(data).hexdigest()
    kind = classify(data, name)
    if kind.action != READ:  # refused, or a format to save again as .docx
        return refused(kind.code, kind.message, sha)
    if kind.name not in REPORT_FORMATS:
        return refused("attach.not-a-report", f"这是{'Excel 表格' if kind.name == 'xlsx' else '其他格式的文件'}，"
                                              f"不是书面材料；{NOT_A_REPORT}", sha)
    from formkit.intake.worker import check_isolated  # the reading stack, loaded only to attach

    checked = check_isolated(data, Path(name).name, limits)
    if checked.outcome != "accepted":
        return refused(checked.code, checked.message, sha)
    try:
        kept, duplicate = store.attach(year, unit_id, SELF_REPORT, data, name, kind.name, sha, actor)
    except Exception as exc:  # the boundary: this file is not kept, the batch goes on
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        return Attached(name, sha, "crashed", "store.unavailable", f"保存失败，未登记：{detail}", unit_id)
    return Attached(name, sha, "attached", "", "", unit_id, kept.id, duplicate, kept.supersedes)


def attachments(store: Store, year: int) -> list[UnitReport]:
    """Every unit formkit issued a self-assessment to in ``year``, with its category's lead department (the
    one issued with it) and its current written report (or None), in unit order."""
    config = load_config(year)
    by_lead = {c.lead: c.name for c in config.categories}
    history = store.attachments(year, history=True)
    current = {a.unit_id: a for a in history if a.current}
    units = {}
    for item in store.issued(year):
        if item.form == "self-assessment":
            lead = item.lead_department or ""
            unit_id = item.recipient.unit_id or item.recipient.id
            units[unit_id] = UnitReport(unit_id, item.recipient.unit or "", by_lead.get(lead, ""), lead,
                                        current.get(unit_id),
                                        sum(1 for a in history if a.unit_id == unit_id and not a.current))
    return [units[k] for k in sorted(units)]
