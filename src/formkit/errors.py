"""One root error with stable codes; each layer raises its own subclass.

A code is a short dotted name (``roster.unknown-category``) that a user, a test and a log line all use
for the same problem. The message is for the clerk, in Chinese; ``where`` says where in the input the
problem is (file, sheet, row, column) so it can be shown next to the message.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class FormkitError(Exception):
    code: str
    message: str
    where: dict[str, Any] = field(default_factory=dict)
    exit_code: int = 2

    def __post_init__(self) -> None:
        super().__init__(self.code, self.message)

    def __str__(self) -> str:
        place = describe_where(self.where)
        return f"[{self.code}] {place}{self.message}" if place else f"[{self.code}] {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "where": dict(self.where)}


def describe_where(where: dict[str, Any]) -> str:
    """Render a location for people: ``units.csv 第5行“单位类别”列：``."""
    parts = []
    if where.get("file"):
        parts.append(str(where["file"]))
    if where.get("sheet"):
        parts.append(f"工作表“{where['sheet']}”")
    if where.get("row") is not None:
        parts.append(f"第{where['row']}行")
    if where.get("column"):
        parts.append(f"“{where['column']}”列")
    return (" ".join(parts) + "：") if parts else ""


class DefinitionError(FormkitError):
    """A form definition, the catalogue or the cycle configuration is inconsistent."""


@dataclass(eq=False)
class RosterError(FormkitError):
    """The roster cannot be used as it is. Raised for the first problem found; ``others`` holds the rest, so
    the clerk sees every problem of the roster at once."""

    others: list[RosterError] = field(default_factory=list)


class IssueError(FormkitError):
    """A form could not be issued (template or data problem)."""


class ConversionError(FormkitError):
    """LibreOffice could not convert a document."""


# What an operating-system error on a path means, in the words a clerk reads.
OS_ERRORS = {errno.EACCES: "没有访问权限", errno.EPERM: "没有访问权限", errno.ENOENT: "不存在",
             errno.ENOTDIR: "路径中有一段不是文件夹", errno.EISDIR: "是一个文件夹", errno.ENOSPC: "磁盘空间不足",
             errno.EROFS: "在只读的文件系统上", errno.ENAMETOOLONG: "名称太长", errno.ELOOP: "符号链接层数过多或形成循环",
             errno.EMFILE: "同时打开的文件过多", errno.ENFILE: "同时打开的文件过多", errno.EIO: "读写出错（磁盘或网络故障）",
             errno.EBUSY: "正被占用", errno.ETXTBSY: "正被占用", errno.ENXIO: "设备不存在或未就绪",
             errno.ENODEV: "设备不存在或未就绪", errno.ESTALE: "网络文件已失效"}


def os_reason(exc: OSError) -> str:
    """Why an operating-system call on a path failed, in Chinese (never the system's English text)."""
    return OS_ERRORS.get(exc.errno, "无法访问（系统错误）" if exc.errno is None else f"无法访问（系统错误 {exc.errno}）")
