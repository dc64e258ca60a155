"""The roster: which units are evaluated, and which counties each assists ((unit, county) pairs)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    category: str
    lead: str


@dataclass(frozen=True)
class County:
    code: str
    name: str
    province: str
    key_county: bool
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Pair:
    unit: Unit
    county: County

    @property
    def id(self) -> str:
        return f"{self.unit.id}-{self.county.code}"


@dataclass
class Roster:
    units: list[Unit]
    counties: list[County]
    pairs: list[Pair]
    warnings: list[str] = field(default_factory=list)

    def counties_of(self, unit: Unit) -> list[County]:
        return [p.county for p in self.pairs if p.unit.id == unit.id]

    def units_of(self, county: County) -> list[Unit]:
        return [p.unit for p in self.pairs if p.county.code == county.code]
