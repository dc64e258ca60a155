"""The indicator catalogue: the regulation's annex as data (``forms/catalogue.yaml``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from formkit.errors import DefinitionError
from formkit.resources import forms_dir

_HALF_WIDTH = re.compile(r"(?<!\d)[,:](?!\d)|[;()]|(?<![\d.])(\d+)\. ")
_FULL_WIDTH = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）"}


def full_width(text: str) -> str:
    """``text`` as a form or a document prints it: the half-width ``, ; ( ) :`` the regulation's text keeps
    (the catalogue stays verbatim) in full width, and a numbering ``1. `` as ``1．`` (a comma or colon between
    digits is left alone)."""
    return _HALF_WIDTH.sub(lambda m: f"{m.group(1)}．" if m.group(1) else _FULL_WIDTH[m.group(0)], text)


@dataclass(frozen=True)
class Indicator:
    id: str
    text: str
    name: str = ""
    mark: str = ""
    items: tuple[Indicator, ...] = ()

    @property
    def display(self) -> str:
        """The indicator as the annex prints it: ``1. …`` or ``①助力产业振兴。…``."""
        if self.mark:
            return f"{self.mark}{self.name}。{self.text}"
        return f"{self.id.rsplit('.', 1)[-1]}. {self.text}"


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    content: str
    data_source: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Explanation:
    number: int
    term: str
    text: str
    indicators: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Catalogue:
    title: str
    data_source: str
    areas: tuple[Area, ...]
    explanations: tuple[Explanation, ...]

    def indicators(self) -> list[Indicator]:
        """Every indicator and sub-item, in annex order."""
        out: list[Indicator] = []
        for area in self.areas:
            for ind in area.indicators:
                out.append(ind)
                out.extend(ind.items)
        return out

    def area(self, area_id: str) -> Area:
        for area in self.areas:
            if area.id == area_id:
                return area
        raise KeyError(area_id)

    def indicator(self, ind_id: str) -> Indicator:
        for ind in self.indicators():
            if ind.id == ind_id:
                return ind
        raise KeyError(ind_id)

    def knows(self, ref: str) -> bool:
        return any(a.id == ref for a in self.areas) or any(i.id == ref for i in self.indicators())

    def explanations_for(self, ref: str) -> list[Explanation]:
        return [e for e in self.explanations if ref in e.indicators]


def _indicator(raw: dict) -> Indicator:
    return Indicator(
        id=str(raw["id"]),
        text=str(raw["text"]),
        name=str(raw.get("name", "")),
        mark=str(raw.get("mark", "")),
        items=tuple(_indicator(i) for i in raw.get("items", ())),
    )


@lru_cache(maxsize=4)
def load_catalogue(path: str | None = None) -> Catalogue:
    file = Path(path) if path else forms_dir() / "catalogue.yaml"
    raw = yaml.load(file.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    try:
        return Catalogue(
            title=str(raw["title"]),
            data_source=str(raw["data_source"]),
            areas=tuple(
                Area(
                    id=str(a["id"]),
                    name=str(a["name"]),
                    content=str(a["content"]),
                    data_source=str(a["data_source"]),
                    indicators=tuple(_indicator(i) for i in a["indicators"]),
                )
                for a in raw["areas"]
            ),
            explanations=tuple(
                Explanation(
                    number=int(e["number"]),
                    term=str(e["term"]),
                    text=str(e["text"]),
                    indicators=tuple(str(i) for i in e["indicators"]),
                    note=str(e.get("note", "")),
                )
                for e in raw["explanations"]
            ),
        )
    except (KeyError, TypeError) as exc:
        raise DefinitionError("catalogue.invalid", f"指标目录文件格式有误：{exc}", {"file": str(file)}) from exc
