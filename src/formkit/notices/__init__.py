"""The notices (公文) formkit writes, from content files a clerk can edit: YAML for the document's parts,
a Markdown-like body, both Jinja templates filled with the year's figures (from the store, through
``evaluation`` and ``forms.measures``), laid out by the GB/T 9704 engine (``gongwen``, which knows no store)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from formkit.convert import convert, font_report
from formkit.forms.cycle import Cycle
from formkit.gongwen.check import check_docx, check_pdf
from formkit.gongwen.compile import build
from formkit.gongwen.issuers import Contact, load_issuers
from formkit.gongwen.model import chinese_date
from formkit.notices.content import NoticeError, notice_path, render_notice
from formkit.notices.progress import progress_figures
from formkit.ofd.write import ofd_beside
from formkit.ooxml.inspect import first_body_text
from formkit.outputs import save
from formkit.review.results import approved_context, results_context
from formkit.store import Store

__all__ = ["STORE_KINDS", "NoticeError", "issue_forms_context", "notice_path", "progress_context", "render_notice",
           "write_notice"]


def issue_forms_context(cycle: Cycle, serial: int = 1) -> dict[str, Any]:
    """What every notice's content file may name: the year's bodies (by the configuration's names), its
    grades and deadlines, and, for what must be configured, ``person(organ)`` (its 联系人 and phone) and
    ``mailbox()`` (where the forms are sent), each refusing (notice.missing-setting) when not configured."""
    year, config = cycle.year, cycle.config
    issuers = load_issuers(config, year)
    deadlines = {form: config.deadline(form, year) for form in ("self-assessment", "county-feedback")}

    def person(organ: str) -> Contact:
        return issuers.contact(organ)

    def mailbox() -> str:
        return issuers.setting("submit_email")

    return {
        "year": year, "serial": serial, "issuers": issuers, "person": person, "mailbox": mailbox,
        "coordinator": config.coordinator, "grades": list(config.grades),
        "organisers": list(config.organisers) or [config.coordinator], "leading_group": config.leading_group,
        "categories": [{"name": c.name, "lead": c.lead} for c in config.categories],
        "leads": [c.lead for c in config.categories], "cadre_supervisor": config.cadre_supervisor,
        "addressees": list(issuers.addressees), "results_sender": issuers.setting("results_sender"),
        "deadline_self": chinese_date(deadlines["self-assessment"]) if deadlines["self-assessment"] else "年底",
        "deadline_county": chinese_date(deadlines["county-feedback"]) if deadlines["county-feedback"] else "年底",
    }


def progress_context(store: Store, cycle: Cycle, serial: int = 1, half: int | None = None) -> dict[str, Any]:
    """Figures for the progress notice of half-year ``half`` (:func:`formkit.notices.progress.progress_figures`)."""
    return {**issue_forms_context(cycle, serial), **progress_figures(store, cycle, half)}


def _review_context(store: Store, cycle: Cycle, serial: int) -> dict[str, Any]:
    return {**issue_forms_context(cycle, serial), **results_context(store, cycle)}


def _approved_context(store: Store, cycle: Cycle, serial: int) -> dict[str, Any]:
    """The results once the leading group's 审定 is recorded (refused before: review.not-approved)."""
    return {**issue_forms_context(cycle, serial), **approved_context(store, cycle)}


# notices whose figures come from the store
STORE_KINDS = {"progress": progress_context, "review-proposal": _review_context, "review-results": _approved_context,
               "review-copy": _approved_context}


def write_notice(kind: str, cycle: Cycle, out: str | Path, *, store: Store | None = None, serial: int = 1,
                 content: str | Path | None = None, pdf: bool = False, when: date | None = None,
                 half: int | None = None, ofd: bool = False) -> dict[str, Any]:
    """Render the notice ``kind`` of ``cycle`` to ``out`` (.docx), and to PDF with its format checks (``ofd``:
    also to OFD beside the PDF, its text read back: :func:`formkit.ofd.write.ofd_beside`); a
    notice whose figures come from the store (:data:`STORE_KINDS`) reads them from ``store``. ``when``: the
    成文日期 (today when not given), whose year the 发文字号 takes; ``half``: the progress notice's half-year."""
    when = when or date.today()
    if kind in STORE_KINDS:
        if store is None:
            raise NoticeError("notice.needs-store", f"“{kind}”通知的数字来自数据库，需要指定数据库")
        context = progress_context(store, cycle, serial, half) if kind == "progress" else \
            STORE_KINDS[kind](store, cycle, serial)
    else:
        context = issue_forms_context(cycle, serial)
    document = render_notice(content or notice_path(kind), context, when)
    out = Path(out)
    save(build(document), out)
    result: dict[str, Any] = {"docx": out}
    if pdf or ofd:
        data = out.read_bytes()
        rendered = convert(out, out.parent)
        fonts = font_report()
        result.update(pdf=rendered, fonts="，".join(f"{k}→{v}" for k, v in fonts.items() if k in (
            "仿宋_GB2312", "楷体_GB2312", "黑体", "宋体", "方正小标宋简体")),
            checks=check_docx(data) + check_pdf(rendered, first_text=first_body_text(data), letter=document.letter,
                                                docx=data))
    if ofd:
        result.update(ofd_beside(rendered, document.title))
    return result
