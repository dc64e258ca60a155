"""An official document (公文) as data, and reading one from a content file (YAML + Markdown-like body)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

HEADINGS = [
    ("h1", re.compile(r"^[一二三四五六七八九十]+、")),
    ("h2", re.compile(r"^（[一二三四五六七八九十]+）")),
    ("h3", re.compile(r"^\d+\.")),
    ("h4", re.compile(r"^（\d+）")),
]


@dataclass
class Block:
    kind: str  # p, h1, h2, h3, h4, table
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Attachment:
    title: str
    blocks: list[Block] = field(default_factory=list)
    separate: bool = False  # 另发: sent on its own (the personalised forms), named in 附件说明 only


@dataclass
class OfficialDocument:
    title: str
    organs: list[str]
    body: list[Block]
    date: date
    mark: str | None = None  # 发文机关标志; default: the first organ + "文件"
    number: str | None = None  # 发文字号
    copy_number: str | None = None  # 份号
    classification: str | None = None  # 密级和保密期限
    urgency: str | None = None  # 紧急程度
    recipients: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)  # 署名; default: the organs
    sealed: bool = False
    note: str | None = None  # 附注
    copies_to: list[str] = field(default_factory=list)  # 抄送
    printer: str | None = None  # 印发机关
    print_date: date | None = None
    letter: bool = False  # 信函格式 (10.1)
    signers: list[str] = field(default_factory=list)  # 签发人, for documents to a higher authority (7.2.6)

    @property
    def mark_text(self) -> str:
        return self.mark or (self.organs[0] + "文件")

    @property
    def note_text(self) -> str:
        """The 附注 without the round brackets it is printed in (7.3.6), however many a content file gave."""
        text = (self.note or "").strip()
        while len(text) > 1 and text[0] in "（(" and text[-1] in "）)":
            text = text[1:-1].strip()
        return text


def parse_body(text: str) -> list[Block]:
    """Paragraphs separated by blank lines; 一、（一）1.（1）open the four heading levels; lines starting
    with ``|`` form a table (a ``|---|`` line is skipped)."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [ln.strip() for ln in chunk.strip().splitlines() if ln.strip()]
        if not lines:
            continue
        if lines[0].startswith("|"):
            rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines if not re.match(r"^\|[-\s|:]+\|$", ln)]
            blocks.append(Block("table", rows=rows))
            continue
        paragraph = "".join(lines)
        kind = next((k for k, pattern in HEADINGS if pattern.match(paragraph)), "p")
        blocks.append(Block(kind, paragraph))
    return blocks


def chinese_date(d: date) -> str:
    """成文日期 and 印发日期: Arabic numerals, no leading zeros (7.3.5.4)."""
    return f"{d.year}年{d.month}月{d.day}日"
