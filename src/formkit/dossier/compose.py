"""The dossier as a .docx in the official layout: a cover (the compiling body and date, no page number), the
contents, per category the summary tables, per unit everything its self-assessment and its counties'
feedback capture (``answers``), the flags reviewers must see and its lead department's 核实, and 附：材料清单,
every source submission with its file checksum."""

from __future__ import annotations

from datetime import date, datetime, timezone

from docx.enum.text import WD_BREAK

from formkit.dossier.answers import unit_answers
from formkit.dossier.summary import SIZE, fitted, summary
from formkit.dossier.values import ANSWER_CHARS, CELL_CHARS, COMMENT_CHARS, NAME_CHARS, answer, money
from formkit.dossier.writer import Writer
from formkit.evaluation.units import Evaluation, UnitEntry
from formkit.evaluation.verification import BEIJING
from formkit.evaluation.verification import shown as verification_shown
from formkit.forms.cycle import Cycle
from formkit.forms.measures import MEASURES
from formkit.gongwen.compile import CHAR, Composer
from formkit.gongwen.model import chinese_date
from formkit.ooxml import official as ox
from formkit.ooxml.paragraphs import Spool
from formkit.store.attachments import described

__all__ = ["ANSWER_CHARS", "CELL_CHARS", "COMMENT_CHARS", "NAME_CHARS", "SOURCES", "compose", "headings", "title"]

SOURCES = "附：材料清单（含文件校验码）"
SUMMARY = "（一）主要指标汇总"
FORMS = {"self-assessment": "自评表", "county-feedback": "地方评价表"}
# the cover: a marking compilations for a review carry (the working group's choice), its table of categories
INTERNAL = "内部资料　注意保存"
COVER_WIDTHS = (12, 9, 6)
LINES_PER_PAGE, TABLE_LINE = 22, 400  # the grid's lines; one 4号 table line, in twips
# 附：材料清单: characters of 五号 per column (the sender takes what is left; a checksum in three lines)
SOURCE_COLUMNS = (("序号", 2), ("材料", 5), ("报送方", 0), ("版本", 3), ("收到日期", 5), ("文件校验码", 11))


def title(year: int) -> str:
    return f"{year}年度中央单位定点帮扶工作成效考核评价材料汇编"


def headings(dossier: Evaluation) -> list[tuple[int, str]]:
    """(level, text) of every heading, in order: what the table of contents and the bookmarks list."""
    out = []
    for number, (name, lead, units) in enumerate(dossier.categories, start=1):
        out.append((0, f"{_cn(number)}、{name}（牵头部门：{lead}）"))
        out.append((1, SUMMARY))
        out += [(1, f"（{_cn(i + 1)}）{unit.unit}") for i, unit in enumerate(units, start=1)]
    out.append((0, SOURCES))
    return out


def compose(dossier: Evaluation, cycle: Cycle, pages: list[int] | None = None, when: date | None = None,
            spool: Spool | None = None):
    """The dossier, compiled by the year's coordinating body on ``when`` (default: the day of the latest
    material it holds, so that the same store gives the same bytes). Its table of contents shows each
    heading's page through a PAGEREF field, which LibreOffice fills in as it renders (one rendering, no
    second pass); ``pages``, when known, is put in as the fields' shown value for readers that do not update
    fields. With a ``spool``, each unit's pages are spooled as they are written (saved through
    ``spool.splice``): the document holds only a placeholder for them."""
    c = Composer.new()
    _cover(c, dossier, cycle, when or as_of(dossier))
    _page_break(c)
    c.title("目　　录")
    c.blank()
    for i, (level, text) in enumerate(headings(dossier)):  # page numbers: PAGEREF fields to the headings
        para = c.para(jc="left", left=(2 * CHAR if level else 0))
        ox.right_tab(para, c.type_width, leader="dot")
        run = c.run(para, f"{text}\t", "body")
        ox.page_ref(run, _mark(i), str(pages[i]) if pages else "")
    ox.update_fields_on_open(c.doc)
    forms = (cycle.form("self-assessment"), cycle.form("county-feedback"))
    w = Writer(c, spool)
    count = iter(range(len(headings(dossier))))

    def heading(text: str, level: int, indent: bool = True) -> None:
        n = next(count)
        w.heading(text, level, n, _mark(n), indent)

    for number, (name, lead, units) in enumerate(dossier.categories, start=1):
        w.page_break()
        heading(f"{_cn(number)}、{name}（牵头部门：{lead}）", 0)
        heading(SUMMARY, 1)
        summary(w, units, cycle.grades)
        for i, unit in enumerate(units, start=1):
            w.page_break()  # each unit from a new page: what one reviewer reads, separable
            heading(f"（{_cn(i + 1)}）{unit.unit}", 1)
            _unit(w, unit, forms)
            w.done()
    w.page_break()
    heading(SOURCES, 0, indent=False)
    _sources(c, dossier)
    return c.doc


def as_of(dossier: Evaluation) -> date:
    """The day (in Beijing) of the latest material the dossier holds; 31 December of its year without any."""
    latest = max((s.received_at for s in dossier.sources), default=None)
    return date(dossier.year, 12, 31) if latest is None else _beijing(latest)


def _cover(c: Composer, dossier: Evaluation, cycle: Cycle, when: date) -> None:
    """The title, a table of the categories, the compiling body and the date; no page number (the first
    page has a footer of its own, empty)."""
    section = c.doc.sections[0]
    section.different_first_page_header_footer = True
    section.first_page_footer.is_linked_to_previous = False
    c.line(INTERNAL, indent=False, role="heading1", jc="left")
    c.blank(3)
    c.title(title(dossier.year))
    c.blank(2)
    rows = [["单位类别", "牵头部门", "单位数"],
            *[[name, lead, str(len(units))] for name, lead, units in dossier.categories],
            ["合计", "", str(sum(len(units) for _n, _l, units in dossier.categories))]]
    c.table(rows, widths=COVER_WIDTHS)
    used = 1 + 3 + 2 + 2 + -(-len(rows) * TABLE_LINE // c.pitch)  # lines so far (a 2-line title)
    c.blank(max(1, LINES_PER_PAGE - used - 3))
    c.line(cycle.config.coordinator, indent=False, jc="center")
    c.line(chinese_date(when), indent=False, jc="center")


def _unit(w: Writer, unit: UnitEntry, forms) -> None:
    if unit.flags:
        w.line("【提请关注】" + "；".join(flag.text for flag in unit.flags) + "。", "heading3")
    w.line(f"核实：{answer(verification_shown(unit.verification), COMMENT_CHARS)}")
    reports = [described(r, _beijing(r.received_at).isoformat()) + ("" if r.current else "（已被替换）")
               for r in reversed(unit.reports)]  # the one in force first
    w.line(f"书面自评总结：{'；'.join(reports) or '未报送'}")
    unit_answers(w, unit, forms)
    if unit.differences:  # both sources, side by side
        quarter = unit.differences[0].quarter
        w.line(f"年底自评表与第{quarter}季度台账不一致的指标：", keep=True)
        w.table([["指标", "年底自评表", f"第{quarter}季度台账"]] + [
            [MEASURES[d.measure].title, money(d.year_end), money(d.ledger)] for d in unit.differences],
            widths=(3, 2, 2), size=SIZE)


def _sources(c: Composer, dossier: Evaluation) -> None:
    """Every submission the dossier draws on, and a note on what its checksum is for."""
    c.line("本汇编依据以下材料编制。文件校验码是按SHA-256算法对所收原件计算的数字摘要，原件有任何改动即不相符，"
           "可用于核对原件是否完整、未经改动。")
    c.table([[head for head, _chars in SOURCE_COLUMNS]] + [
        [str(n), FORMS.get(s.form or "", s.form or "") + ("（盖章件）" if s.scanned else ""),
         answer(s.recipient.name or s.recipient.id, NAME_CHARS),
         f"第{s.form_version}版", _beijing(s.received_at).isoformat(), s.sha256]
        for n, s in enumerate(dossier.sources, start=1)], widths=fitted(SOURCE_COLUMNS, c.type_width), size=SIZE)


def _beijing(at: datetime) -> date:
    """The day in Beijing of a time the store keeps (in UTC)."""
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(BEIJING).date()


def _mark(n: int) -> str:
    return f"_fk_heading_{n}"


def _page_break(c: Composer) -> None:
    para = c.para()
    para.add_run().add_break(WD_BREAK.PAGE)


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n <= 10:
        return "十" if n == 10 else digits[n]
    if n < 20:
        return "十" + digits[n - 10]
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
