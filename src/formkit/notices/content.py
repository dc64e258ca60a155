"""A notice's content file (``templates/notices/*.md``: YAML for the document's parts, then a Markdown-like
body, both Jinja templates) → an :class:`OfficialDocument`. The organs a file names are the configuration's
names; what the document prints about them — the full name, the 发文字号 from the 主办机关's 代字 and the
成文日期's year, every organ's 签发人 on an 上行文, the 印发机关 — comes from the year's ``issuers``. A value
nobody configured, an attachment with nothing in it, or a placeholder left in the text stops the notice."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, TemplateError

from formkit.errors import FormkitError
from formkit.gongwen.content import PLACEHOLDER
from formkit.gongwen.issuers import Issuers
from formkit.gongwen.model import Attachment, OfficialDocument, parse_body
from formkit.resources import templates_dir


class NoticeError(FormkitError):
    """A notice's content file cannot be used."""


def notice_path(name: str) -> Path:
    return templates_dir() / "notices" / f"{name}.md"


def render_notice(source: str | Path, context: dict[str, Any], when: date) -> OfficialDocument:
    """The notice of ``source`` filled with ``context`` (its ``issuers`` and ``serial`` settle the organs'
    names and the number), dated ``when`` (成文日期, and the year of its 发文字号)."""
    where = {"file": str(source)}
    text = Path(source).read_text(encoding="utf-8")
    env = Environment(undefined=StrictUndefined, keep_trailing_newline=True)
    try:
        rendered = env.from_string(text).render(**context)
    except TemplateError as exc:
        raise NoticeError("notice.template", f"公文内容文件中的模板标记有误：{exc}", where) from exc
    parts = re.split(r"^---[ \t]*$", rendered, maxsplit=2, flags=re.MULTILINE)
    if len(parts) < 3:
        raise NoticeError("notice.format", "公文内容文件应以 --- 包起的 YAML 开头，其后是正文", where)
    head = yaml.safe_load(parts[1]) or {}
    # the body, then each attachment after a line "=== 附件：title"
    pieces = re.split(r"^===[ \t]*附件[:：][ \t]*(.+?)[ \t]*$", parts[2], flags=re.MULTILINE)
    attachments = [_listed(a) for a in head.get("attachments") or []]
    attachments += [Attachment(title, parse_body(text)) for title, text in zip(pieces[1::2], pieces[2::2], strict=True)]
    try:
        document = _document(head, parse_body(pieces[0]), attachments, when, context.get("issuers"),
                             int(context.get("serial", 1)))
    except KeyError as exc:
        raise NoticeError("notice.format", f"公文内容文件缺少“{exc.args[0]}”", where) from exc
    _refuse_gaps(document, where)
    return document


def _listed(item) -> Attachment:
    """An attachment the YAML names: a title, or {title, separate} (separate: 另发, no pages here)."""
    if isinstance(item, dict):
        return Attachment(str(item["title"]), separate=bool(item.get("separate", False)))
    return Attachment(str(item))


def _document(head: dict, body, attachments, when: date, issuers: Issuers | None, serial: int) -> OfficialDocument:
    organs = [str(o) for o in head["organs"]]
    shown = (lambda name: issuers.issuer(name).full) if issuers else (lambda name: name)
    letter = bool(head.get("letter", False))
    number = head.get("number")
    if number is None and issuers:  # 7.2.5: the 主办机关's number, the year of the 成文日期
        number = issuers.number(organs[0], when, serial, letter)
    signers = [str(x) for x in head.get("signers") or []]
    if head.get("upward") and issuers:  # 7.2.6: every organ's 签发人, in the organs' order
        signers = [issuers.need(o, "signer") for o in organs]
    printer = head.get("printer")
    if printer is None and issuers and not letter:
        printer = issuers.need(organs[0], "printer")
    return OfficialDocument(
        title=str(head["title"]), organs=[shown(o) for o in organs], body=body, date=when, number=number,
        mark=head.get("mark"), recipients=[str(r) for r in head.get("recipients") or []], attachments=attachments,
        signature=[shown(str(s)) for s in head.get("signature") or []], sealed=bool(head.get("sealed", False)),
        note=head.get("note"), copies_to=[str(c) for c in head.get("copies_to") or []], printer=printer,
        print_date=when, letter=letter, signers=signers)


def _refuse_gaps(d: OfficialDocument, where: dict) -> None:
    """No attachment page holding only its title, no placeholder in print (gongwen.content.PLACEHOLDER)."""
    for a in d.attachments:
        if not a.blocks and not a.separate:
            raise NoticeError("notice.empty-attachment", f"附件“{a.title}”没有内容：请附上表样，或写明 separate: true"
                              "（在附件说明中注明另发）", where)
    texts = [d.title, d.number or "", d.mark or "", d.note or "", d.printer or "", *d.organs, *d.recipients,
             *d.signature, *d.signers, *d.copies_to, *(a.title for a in d.attachments)]
    texts += [b.text for b in d.body] + [cell for b in d.body for row in b.rows for cell in row]
    texts += [b.text for a in d.attachments for b in a.blocks]
    texts += [cell for a in d.attachments for b in a.blocks for row in b.rows for cell in row]
    for text in texts:
        found = PLACEHOLDER.search(text)
        if found:
            raise NoticeError("notice.placeholder", f"公文中有占位符“{found.group(0)}”（{text[:30]}）：请写实际内容，"
                              "或在 forms/cycle.yaml 中填写所缺的设置", where)
