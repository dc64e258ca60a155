"""Limits for files from outside, in one table: name, default, unit and what it guards against.

Defaults follow Apache POI and Tika (engineering-notes.md). ``Limits`` holds the values in force; every
reader and intake step takes them from here, so one place says what formkit accepts. ``HELP`` gives each
limit's unit and meaning in Chinese; messages that refuse something for a limit quote it with :func:`over`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    zip_entries: int = 1000
    inflate_ratio: int = 100
    ratio_floor_bytes: int = 100 * 1024
    part_bytes: int = 64 * 1024 * 1024
    inflated_bytes: int = 256 * 1024 * 1024
    text_chars: int = 10_000_000
    pdf_pages: int = 200
    seconds: float = 60.0
    memory_mb: int = 1536
    sheet_cells: int = 200_000
    grid_columns: int = 1000
    grid_cells: int = 2_000_000
    name_chars: int = 60
    text_value_chars: int = 500
    longtext_chars: int = 20_000
    property_chars: int = 120
    scan_pixels: int = 60_000_000
    scan_page_seconds: float = 30.0
    page_mm: int = 1500
    page_objects: int = 20_000


HELP = {
    "max_bytes": ("字节", "单个文件的最大体积"),
    "zip_entries": ("个", "一个 .docx/.xlsx 压缩包中最多的部件数"),
    "inflate_ratio": ("倍", "部件解压后与压缩前体积之比的上限（压缩炸弹）"),
    "ratio_floor_bytes": ("字节", "小于此体积的部件不检查压缩比"),
    "part_bytes": ("字节", "单个部件解压后的最大体积"),
    "inflated_bytes": ("字节", "全部部件解压后的总体积上限"),
    "text_chars": ("字符", "一个文档可读出的最多字符数"),
    "pdf_pages": ("页", "PDF 最多页数"),
    "seconds": ("秒", "读取一个文件的时间上限（超时即停止）"),
    "memory_mb": ("MB", "读取一个文件可用的内存上限"),
    "sheet_cells": ("个", "一个 .xlsx 工作簿中最多的单元格数"),
    "grid_columns": ("列", "一个表格（或工作表）最多的列数（Word 表格最多 63 列）"),
    "grid_cells": ("个", "一个文档全部表格（去掉空行空列后的工作表）合计最多的单元格位置数"),
    "name_chars": ("字符", "名称（单位、县、省等花名册中的名称）的最多字符数"),
    "text_value_chars": ("字符", "单行文字栏目的最多字符数"),
    "longtext_chars": ("字符", "大段文字栏目（情况说明、评价意见等）的最多字符数"),
    "property_chars": ("字符", "文档属性（表格、年度、报送对象编号和名称）的最多字符数"),
    "scan_pixels": ("像素", "扫描件（图片或图片 PDF）一页的最多像素数"),
    "scan_page_seconds": ("秒", "扫描件每页识别的时间预算（文件的时间上限按页数增加）"),
    "page_mm": ("毫米", "版式文件（OFD）页面每边的最大长度"),
    "page_objects": ("个", "版式文件（OFD）一页中最多的文字、线条和图像对象数"),
}

DEFAULT = Limits()


def scan_seconds(limits: Limits, pages: int) -> float:
    """The time budget of a scan of ``pages`` pages: the file's own, and each page's on top."""
    return limits.seconds + pages * limits.scan_page_seconds


def over(name: str, limits: Limits = DEFAULT) -> str:
    """A limit as a clerk reads it: ``单个部件解压后的最大体积为 67108864 字节``."""
    unit, meaning = HELP[name]
    value = getattr(limits, name)
    return f"{meaning}为 {value:g} {unit}" if isinstance(value, float) else f"{meaning}为 {value} {unit}"
