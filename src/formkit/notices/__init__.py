"""The notices (公文) formkit writes, from content files a clerk can edit: YAML for the document's parts,
a Markdown-like body, both Jinja templates filled with the year's figures (from the store, through
``evaluation`` and ``forms.measures``), laid out by the GB/T 9704 engine (``gongwen``, which knows no store)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, TemplateError

from formkit.convert import convert, font_report
from formkit.errors import FormkitError
from formkit.evaluation.ledgers import latest
from formkit.forms import measures as m
from formkit.forms.cycle import Cycle
from formkit.gongwen.check import check_docx, check_pdf
from formkit.gongwen.compile import build
from formkit.gongwen.model import Attachment, OfficialDocument, chinese_date, parse_body
from formkit.intake.status import status
from formkit.ooxml.inspect import first_body_text
from formkit.outputs import save
from formkit.progress.report import progress
from formkit.resources import templates_dir
from formkit.review.results import results_context
from formkit.store import Store


class NoticeError(FormkitError):
    """A notice's content file cannot be used."""


def notice_path(name: str) -> Path:
    return templates_dir() / "notices" / f"{name}.md"


def render_notice(source: str | Path, context: dict[str, Any], when: date) -> OfficialDocument:
    text = Path(source).read_text(encoding="utf-8")
    env = Environment(undefined=StrictUndefined, keep_trailing_newline=True)
    try:
        rendered = env.from_string(text).render(**context)
    except TemplateError as exc:
        raise NoticeError("notice.template", f"公文内容文件中的模板标记有误：{exc}", {"file": str(source)}) from exc
    parts = re.split(r"^---[ \t]*$", rendered, maxsplit=2, flags=re.MULTILINE)
    if len(parts) < 3:
        raise NoticeError("notice.format", "公文内容文件应以 --- 包起的 YAML 开头，其后是正文", {"file": str(source)})
    head = yaml.safe_load(parts[1]) or {}
    # the body, then each attachment after a line "=== 附件：title"
    pieces = re.split(r"^===[ \t]*附件[:：][ \t]*(.+?)[ \t]*$", parts[2], flags=re.MULTILINE)
    attachments = [Attachment(str(a)) for a in head.get("attachments") or []]
    attachments += [Attachment(title, parse_body(text)) for title, text in zip(pieces[1::2], pieces[2::2], strict=True)]
    try:
        return OfficialDocument(
            title=str(head["title"]), organs=list(head["organs"]), body=parse_body(pieces[0]), date=when,
            number=head.get("number"), recipients=list(head.get("recipients") or []),
            attachments=attachments,
            signature=list(head.get("signature") or []), sealed=bool(head.get("sealed", False)),
            note=head.get("note"), copies_to=[str(c) for c in head.get("copies_to") or []],
            printer=head.get("printer"), print_date=when, letter=bool(head.get("letter", False)),
            signers=[str(x) for x in head.get("signers") or []])
    except KeyError as exc:
        raise NoticeError("notice.format", f"公文内容文件缺少“{exc.args[0]}”", {"file": str(source)}) from exc


def issue_forms_context(cycle: Cycle, serial: int = 1) -> dict[str, Any]:
    year, config = cycle.year, cycle.config
    deadlines = {form: config.deadline(form, year) for form in ("self-assessment", "county-feedback")}
    return {
        "year": year, "serial": serial, "coordinator": config.coordinator, "grades": list(config.grades),
        "organisers": list(config.organisers) or [config.coordinator],
        "categories": [{"name": c.name, "lead": c.lead} for c in config.categories],
        "leads": [c.lead for c in config.categories], "cadre_supervisor": config.cadre_supervisor,
        "deadline_self": chinese_date(deadlines["self-assessment"]) if deadlines["self-assessment"] else "年底",
        "deadline_county": chinese_date(deadlines["county-feedback"]) if deadlines["county-feedback"] else "年底",
    }


def progress_context(store: Store, cycle: Cycle, serial: int = 1) -> dict[str, Any]:
    """Figures for the progress notice, from what the store holds for ``year``: through the year the latest
    quarterly ledger of each unit (定期调度; a unit that has not reported counts with its latest earlier
    one), else the year-end self-assessments (``forms.measures.OUTPUT_SOURCE``)."""
    year = cycle.year
    report = status(store, cycle)
    summary = report.summary()
    forms = [s.values for (form, _rid), s in store.current(year).items() if form == m.UNIT_FORM and s.record]
    totals = m.totals(m.figures(m.UNIT_FORM, v) for v in forms)
    missing = [r.recipient for r in report.rows if r.state == "missing" and r.form == m.UNIT_FORM]
    source, from_ledgers = "各单位报送的自评表", False
    kept = latest(store, year)  # unit → its latest quarterly ledger
    if kept:
        ledger = progress(store, cycle)
        totals.update(m.totals(x.figures for x in kept.values()))
        source, from_ledgers = f"各单位截至第{ledger.quarter}季度末的工作台账", True
        missing = [u.unit for u in ledger.missing(ledger.quarter)]
    shown = {key: _figure(totals.get(key, 0.0)) for key in NOTICE_FIGURES}
    return {**issue_forms_context(cycle, serial), "sa": summary.get(m.UNIT_FORM, {}),
            "cf": summary.get("county-feedback", {}), "totals": shown, "missing_units": missing, "source": source,
            "from_ledgers": from_ledgers}


# what the progress notice's text may print (its template names them): measure keys of forms.measures
NOTICE_FIGURES = ("invested", "brought", "cadres", "secretaries", "trained", "bought", "sold")


def _figure(value: float) -> int | float:
    """A total as a notice prints it: 487 (not 487.0), 16952.27."""
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def _review_context(store: Store, cycle: Cycle, serial: int) -> dict[str, Any]:
    return {**issue_forms_context(cycle, serial), **results_context(store, cycle)}


# notices whose figures come from the store
STORE_KINDS = {"progress": progress_context, "review-proposal": _review_context, "review-results": _review_context,
               "review-copy": _review_context}


def write_notice(kind: str, cycle: Cycle, out: str | Path, *, store: Store | None = None, serial: int = 1,
                 content: str | Path | None = None, pdf: bool = False, when: date | None = None) -> dict[str, Any]:
    """Render the notice ``kind`` of ``cycle`` to ``out`` (.docx), and to PDF with its format checks; a
    notice whose figures come from the store (:data:`STORE_KINDS`) reads them from ``store``."""
    when = when or date.today()
    if kind in STORE_KINDS:
        if store is None:
            raise NoticeError("notice.needs-store", f"“{kind}”通知的数字来自数据库，需要指定数据库")
        context = STORE_KINDS[kind](store, cycle, serial)
    else:
        context = issue_forms_context(cycle, serial)
    document = render_notice(content or notice_path(kind), context, when)
    out = Path(out)
    save(build(document), out)
    result: dict[str, Any] = {"docx": out}
    if pdf:
        rendered = convert(out, out.parent)
        fonts = font_report()
        result.update(pdf=rendered, fonts="，".join(f"{k}→{v}" for k, v in fonts.items() if k in (
            "仿宋_GB2312", "楷体_GB2312", "黑体", "宋体", "方正小标宋简体")),
            checks=check_docx(out.read_bytes()) + check_pdf(rendered, first_text=first_body_text(out.read_bytes()),
                                                            letter=document.letter))
    return result
