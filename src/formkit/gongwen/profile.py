"""The GB/T 9704-2012 profile (``forms/gbt9704-2012.yaml``): every number with its clause and strength, and
:func:`set_page`, the one place a Word document's page is set from it (official documents, the dossier, the
correction letters and the issued forms alike)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from formkit.ooxml import styling
from formkit.resources import forms_dir

FAIL, WARN = "fail", "warn"


@dataclass(frozen=True)
class Rule:
    key: str
    value: object
    clause: str
    strength: str  # mandatory, normally, recommended
    tolerance: float | None = None
    note: str = ""

    @property
    def level(self) -> str:
        """What a deviation is: a failure for 应当/须 (mandatory), a warning for 一般/推荐."""
        return FAIL if self.strength == "mandatory" else WARN


class Profile:
    def __init__(self, rules: dict[str, Rule]):
        self.rules = rules

    def __getitem__(self, key: str) -> Rule:
        return self.rules[key]

    def v(self, key: str):
        return self.rules[key].value

    def page(self) -> dict[str, int]:
        """The page in twips (5.1, 5.2.1): A4, the margins around the 156 × 225 mm type area, and the header
        and footer distances."""
        return {"width": self.v("page.width"), "height": self.v("page.height"), "top": self.v("page.margin_top"),
                "bottom": self.v("page.margin_bottom"), "left": self.v("page.margin_left"),
                "right": self.v("page.margin_right"), "header": self.v("page.header"), "footer": self.v("page.footer")}


@lru_cache(maxsize=4)
def load_profile(path: str | None = None) -> Profile:
    raw = yaml.safe_load(Path(path or forms_dir() / "gbt9704-2012.yaml").read_text(encoding="utf-8"))
    rules = {}
    for group, items in raw.items():
        for name, spec in items.items():
            key = f"{group}.{name}"
            rules[key] = Rule(key, spec["value"], str(spec.get("clause", "")), spec["strength"],
                              spec.get("tolerance"), spec.get("note", ""))
    return Profile(rules)


def set_page(section, profile: Profile | None = None, footer: int | None = None) -> None:
    """Set a python-docx ``section`` to the profile's page. ``footer`` (twips from the page's bottom edge)
    replaces the profile's footer distance, which places an official document's page number (7.5), for a
    footer that holds something else."""
    page = (profile or load_profile()).page()
    if footer is not None:
        page["footer"] = footer
    styling.set_page(section, **page)
