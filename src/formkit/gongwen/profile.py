"""The GB/T 9704-2012 profile (``forms/gbt9704-2012.yaml``): every number with its clause and strength."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

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
