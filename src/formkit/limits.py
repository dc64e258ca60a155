"""Limits for files from outside, in one table: name, default, unit and what it guards against.

Defaults follow Apache POI and Tika (engineering-notes.md). ``Limits`` holds the values in force; every
reader and intake step takes them from here, so one place says what formkit accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    zip_entries: int = 1000
    inflate_ratio: int = 100
    ratio_floor_bytes: int = 100 * 1024
    part_bytes: int = 64 * 1024 * 1024
    inflated_bytes: int = 256 * 1024 * 1024
    xml_depth: int = 256
    text_chars: int = 10_000_000
    pdf_pages: int = 200
    seconds: float = 60.0
    memory_mb: int = 1536

    def with_(self, **changes) -> Limits:
        return Limits(**{**{f.name: getattr(self, f.name) for f in fields(self)}, **changes})


HELP = {
    "max_bytes": ("字节", "单个文件的最大体积"),
    "zip_entries": ("个", "一个 .docx 压缩包中最多的部件数"),
    "inflate_ratio": ("倍", "部件解压后与压缩前体积之比的上限（压缩炸弹）"),
    "ratio_floor_bytes": ("字节", "小于此体积的部件不检查压缩比"),
    "part_bytes": ("字节", "单个部件解压后的最大体积"),
    "inflated_bytes": ("字节", "全部部件解压后的总体积上限"),
    "xml_depth": ("层", "XML 嵌套层数上限（lxml 在 256 层处停止）"),
    "text_chars": ("字符", "一个文档可读出的最多字符数"),
    "pdf_pages": ("页", "PDF 最多页数"),
    "seconds": ("秒", "读取一个文件的时间上限（超时即停止）"),
    "memory_mb": ("MB", "读取一个文件可用的内存上限"),
}

DEFAULT = Limits()
