"""One root error with stable codes; each layer raises its own subclass.

A code is a short dotted name (``roster.unknown-category``) that a user, a test and a log line all use
for the same problem. The message is for the clerk, in Chinese; ``where`` says where in the input the
problem is (file, sheet, row, column) so it can be shown next to the message.
"""

from __future__ import annotations

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


class RosterError(FormkitError):
    """The roster cannot be used as it is."""


class IssueError(FormkitError):
    """A form could not be issued (template or data problem)."""


class ConversionError(FormkitError):
    """LibreOffice could not convert a document."""
