"""Vetoes as facts about their subject (办法 五、结果及运用: 违纪违规、定点帮扶县出现规模性返贫等重大问题 rule
out the first grade), as the store knows them: what each report says and the secretariat's conclusion in force.
规模性返贫 is about a county, whichever pair's feedback form says it; 违纪违规 and 其他重大问题 are about a unit.

This is the one reading of these facts: the dossier's flags (``evaluation.flags``) and the review's vetoes
(``review.vetoes``, which adds the secretariat's spreadsheet and decides which unit may not be graded first)
both start from it. The secretariat's entries and conclusions are acts (``review_acts``): ``veto:<rule>`` and
``veto-resolved:<rule>``, about a county or a unit's id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from formkit.store import Store

ENTERED, RESOLVED = "veto:", "veto-resolved:"
POVERTY = "return_to_poverty"
COUNTY_RULES = (POVERTY,)  # about a county; the others are about a unit


@dataclass(frozen=True)
class Report:
    source: str  # county-form, inputs (the secretariat's spreadsheet), secretariat (an act), self (the unit's form)
    value: bool
    by: str  # whose report: the unit of the pair whose form it is, the spreadsheet, the act's actor
    reason: str | None = None

    def text(self, subject: str) -> str:
        if self.source == "county-form":
            return f"{subject}对{self.by}的评价表"
        if self.source == "inputs":
            return f"综合评议录入表（{self.by}）"
        return f"{self.by}录入" if self.source == "secretariat" else f"{self.by}自评表"


@dataclass
class Fact:
    """What is known about one rule and one subject (a county, or a unit's id)."""
    rule: str
    subject: str
    reports: list[Report] = field(default_factory=list)
    resolution: dict | None = None  # the secretariat's conclusion in force (an act)

    @property
    def barred(self) -> bool:
        if self.resolution is not None:
            return bool(self.resolution["value"].get("barred"))
        return any(r.value for r in self.reports)

    @property
    def conflict(self) -> bool:
        """Reports that disagree, with no conclusion recorded yet."""
        values = {r.value for r in self.reports}
        return self.resolution is None and values == {True, False}


@dataclass
class Facts:
    """Every fact of a year by (rule, subject), and which units assist each county."""
    facts: dict[tuple[str, str], Fact] = field(default_factory=dict)
    assisting: dict[str, list[str]] = field(default_factory=dict)  # county → the names of the units assisting it

    def fact(self, rule: str, subject: str) -> Fact:
        return self.facts.setdefault((rule, subject), Fact(rule, subject))

    def county(self, county: str) -> Fact | None:
        """What is known about 规模性返贫 in ``county`` (None: nothing reported)."""
        return self.facts.get((POVERTY, county))

    def pair(self, county: str, unit: str, said: bool | None) -> None:
        """One county's feedback form about one unit: the unit assists the county, and what the form says about
        规模性返贫 (None: not returned or not answered) is a report about the county."""
        self.assisting.setdefault(county, []).append(unit)
        if said is not None:
            self.fact(POVERTY, county).reports.append(Report("county-form", bool(said), unit))

    def declared(self, recipient_id: str, unit: str, said: bool | None) -> None:
        """What a unit's own form declares about 违纪违规 (None: not returned or not answered)."""
        if said is not None:
            self.fact("violation", recipient_id).reports.append(Report("self", bool(said), unit))

    def add_acts(self, acts: Iterable[dict]) -> None:
        """The secretariat's entries (reports) and conclusions (in force for their subject)."""
        for act in acts:
            if act["kind"].startswith(ENTERED):
                self.fact(act["kind"][len(ENTERED):], act["subject"]).reports.append(
                    Report("secretariat", bool(act["value"].get("vetoed", True)), act["actor"], act["reason"]))
            elif act["kind"].startswith(RESOLVED):
                self.fact(act["kind"][len(RESOLVED):], act["subject"]).resolution = act


def veto_acts(store: Store, year: int, history: bool = False) -> list[dict]:
    """The secretariat's entries and conclusions of ``year`` (those in force, or every one with ``history``)."""
    return [a for a in store.acts(year, history=history) if a["kind"].startswith((ENTERED, RESOLVED))]
