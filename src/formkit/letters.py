"""退回修改意见: for each current submission with errors, or that another document contradicts (a county's
feedback against its unit's self-assessment: ``rule.funds-differ``), a short Word letter to its recipient
listing every finding with where it is in their document, ready to send back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from formkit.errors import FormkitError
from formkit.findings import ERROR, Finding, where_text
from formkit.forms.cycle import Cycle
from formkit.forms.model import Form
from formkit.forms.tables import FOOT, HEAD
from formkit.gongwen.compile import Composer
from formkit.gongwen.issuers import Contact, load_issuers
from formkit.ooxml.props import finish_document
from formkit.outputs import clean_text, safe_name, save
from formkit.store import Store, Submission

RESUBMIT_DAYS = 7
WIDTHS = (12, 48, 76, 20)  # of the table's columns, in mm of the 156 mm type area
NAME_CHARS = 100  # what a letter prints of a name the sender set (the rest is theirs to know)
MESSAGE_CHARS = 500  # of one finding's message (it may quote what was typed)


@dataclass
class Letter:
    submission: int
    recipient: str
    path: Path | None
    errors: int
    warnings: int
    error_code: str = ""  # the letter could not be written (the others still are)
    error: str = ""


# forms that are never sent back for correction: a voting sheet's invalid entry is an invalid vote
NOT_RETURNED = {"review-vote"}


@dataclass(frozen=True)
class Sender:
    """Who signs the letters (a body the 办法 names, ``letters_signer`` in forms/cycle.yaml) and whom to call."""
    name: str
    contact: Contact


def sender(cycle: Cycle) -> Sender:
    """The year's signer of the correction letters; refused (notice.missing-setting) when not configured."""
    issuers = load_issuers(cycle.config, cycle.year)
    signer = issuers.setting("letters_signer")
    return Sender(issuers.issuer(signer).full, issuers.contact(signer))


def write_letters(store: Store, cycle: Cycle, out: str | Path, today: date | None = None) -> list[Letter]:
    today = today or date.today()
    year = cycle.year
    signed = sender(cycle)  # before any letter: a year without its signer has none
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    letters = []
    for (form_id, _rid), sub in sorted(store.current(year).items(), key=lambda kv: kv[1].id):
        if not (sub.errors or sub.later) or form_id in NOT_RETURNED:
            continue
        name = clean_text(sub.recipient.name or "", NAME_CHARS, "…")
        letter = Letter(sub.id, name or sub.recipient.id, out / safe_name(
            [sub.recipient.id, name, "退回修改意见"], ".docx"), sub.errors, sub.warnings)
        try:  # one recipient's letter never stops the others'
            _letter(letter.path, cycle.form(form_id), sub, _addressee(sub, name), signed, today)
        except (FormkitError, ValueError) as exc:
            letter.path = None
            letter.error_code, letter.error = (exc.code, exc.message) if isinstance(exc, FormkitError) else (
                "letters.write-failed", f"退回修改意见无法生成：{exc}")
        letters.append(letter)
    return letters


def _letter(path: Path, form: Form, sub: Submission, addressee: str, signed: Sender, today: date) -> None:
    """The letter laid out like an official document (GB/T 9704: page, fonts, line grid), without a 版头."""
    title = form.title
    c = Composer.new()
    c.title(f"关于《{sub.year}年度{title}》退回修改的意见")
    c.blank()
    c.line(f"{addressee}：", indent=False)
    received = sub.received_at.strftime("%Y年%-m月%-d日") if sub.received_at else ""
    due = today + timedelta(days=RESUBMIT_DAYS)
    file = clean_text(Path(sub.file_name).name, NAME_CHARS, "…")
    c.line(
        f"你单位于{received}报送的《{sub.year}年度{title}》（文件“{file}”）经核对，"
        + "、".join(part for part in (f"有 {sub.errors} 处需要修改" if sub.errors else "",
                                      f"{'有 ' if not sub.errors else ''}{sub.warnings} 处请核实" if sub.warnings else "")
                    if part)
        + f"，具体如下。请在原表格上修改或核实，不要增删栏目，于{due.year}年{due.month}月{due.day}日前重新报送。")
    ordered = sorted(sub.findings, key=lambda f: f.severity != ERROR)
    c.table([["序号", "位置", "问题", "处理"]] + [
        [str(n), clean_text(place(form, f), NAME_CHARS, "…") or "—", clean_text(_problem(f), MESSAGE_CHARS, "…"),
         "请修改" if f.severity == ERROR else "请核实"] for n, f in enumerate(ordered, start=1)],
        widths=WIDTHS, size=24, align=("center", "left", "left", "center"))  # 小四
    c.line(f"联系人：{signed.contact.name}，电话：{signed.contact.phone}。")
    c.sign([signed.name], today)
    finish_document(c.doc, signed.name, f"关于《{sub.year}年度{title}》退回修改的意见", today)  # the sender's, not a program's
    save(c.doc, path)


def place(form: Form, f: Finding) -> str:
    """Where in their form a finding is, as the recipient finds it: the page of a PDF, the 表N their copy prints
    above the table (forms.tables) or, on a copy that numbers none, the section, and for a table field its
    name and the row under its header; the filer line and the signature block as 表头 and 表尾."""
    key = re.split(r"[\[.]", f.field or "", maxsplit=1)[0]
    field = form.field(key) if key and key in {x.key for x in form.fields} else None
    section = next((s.title for s in form.sections if field in s.fields), "") if field else ""
    page = f"第{f.location['page']}页 " if f.location.get("page") else ""
    cited = str(f.location.get("cited") or "")
    if field is None or cited in (HEAD, FOOT):
        return f"{page}{cited}" if cited in (HEAD, FOOT) else where_text(f.location)
    number = cited if re.fullmatch(r"表\d+", cited) else ""
    index = re.match(r"^[^\[]+\[(\d+)\]", f.field or "")
    name = f"{number}“{field.label}”" if number else f"{section}“{field.label}”表"
    if field.is_table and (f.location.get("row") or index):
        # the row as the finding counts it (the table's rows from its top, header included), so the letter
        # and the finding shown on the desk or by `formkit read` name the same row
        row = f.location.get("row") or f"{int(index.group(1)) + 1}"  # no place known: the entry's number
        return f"{page}{name}第{row}行"
    if field.is_table:
        return f"{page}{name}"
    return f"{page}{section} {number}".strip()


def _problem(f: Finding) -> str:
    """What is wrong, without the place (it has its own column): what it is about, the field, the reason."""
    head = f"{f.subject or ''}{f'「{f.label}」' if f.label else ''}"
    return f"{head}：{f.reason}" if head else f.reason


def _addressee(sub: Submission, name: str) -> str:
    """Whom the letter is to: a county's rural-revitalisation office for a county's feedback, else the unit."""
    if sub.form == "county-feedback" and sub.recipient.county:
        province = sub.values.get("province")
        return f"{province if isinstance(province, str) else ''}{sub.recipient.county}乡村振兴部门"
    return name
