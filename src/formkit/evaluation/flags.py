"""The minimum requirements of the regulation (指标说明) that a unit's self-assessment can fail: the finding
code that says so → the flag shown to reviewers. The dossier flags them; the review docks points for them.
Also the flags of the documents themselves (missing, with errors, a declared violation, figures that differ)
and of a unit's counties (规模性返贫, a fact about the county: :func:`county_flags`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from formkit.codes import lookup
from formkit.evaluation.facts import Facts
from formkit.forms.measures import MEASURES
from formkit.validate.cross import UNIT_TABLES as CROSS_CODES

FLAG_RULES = {
    "rule.county-not-visited": "有定点帮扶县本年度未见单位负责同志调研考察",
    "rule.no-cadre": "有定点帮扶县未选派挂职帮扶干部",
    "rule.no-first-secretary": "未选派驻村第一书记",
}


# The flag for a cross-document finding (funds, cadres, first secretaries, visits the county confirms
# differently): which county, then the finding as the county's form shows it.
FUNDS_FLAG = "{county}「{label}」：{reason}"


@dataclass(frozen=True)
class Flag:
    code: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, code: str, **params: Any) -> Flag:
        return cls(code, tuple(sorted(params.items())))

    @property
    def text(self) -> str:
        """The flag in Chinese: a minimum requirement's own flag text, else the codes table's message."""
        template = FLAG_RULES.get(self.code) or (FUNDS_FLAG if self.code in CROSS_CODES
                                                 else lookup(self.code).message)
        return template.format(**dict(self.params))

    def as_dict(self) -> dict:
        return {"code": self.code, "text": self.text, **dict(self.params)}


def finding_flags(sub, differences, config, county: str | None = None) -> list[Flag]:
    """The flags one document raises: the unit's self-assessment (``county`` None) or a county's feedback.
    ``sub`` is the current :class:`formkit.store.Submission` (None: not returned)."""
    best = config.grades[0]
    if sub is None:
        return [Flag.of("flag.county-missing", county=county) if county else Flag.of("flag.self-missing")]
    out = []
    if county is None:
        if sub.errors:
            out.append(Flag.of("flag.self-errors", errors=sub.errors))
        out += [Flag.of(f.code) for f in sub.findings if f.code in FLAG_RULES]
        if sub.values.get("violations"):
            out.append(Flag.of("flag.violation", best=best))
        out += [Flag.of(f.code, county=f.subject or "", label=f.label or "", reason=f.reason)
                for f in sub.findings if f.code in CROSS_CODES]
        out += [Flag.of("flag.sources-differ", quarter=d.quarter, label=MEASURES[d.measure].title,
                        year_end=f"{d.year_end:g}", ledger=f"{d.ledger:g}") for d in differences]
    return out


def county_flags(facts: Facts, counties: list[str], best: str) -> list[Flag]:
    """The flags of a unit's counties as facts about each county (``evaluation.facts``): 规模性返贫 reported on
    any pair's form or entered by the secretariat flags every unit assisting the county; reports that disagree
    are flagged as such until the secretariat's conclusion, which is then what counts."""
    out = []
    for county in dict.fromkeys(counties):
        fact = facts.county(county)
        if fact is None or not fact.barred:
            continue
        code = "flag.poverty-conflict" if fact.conflict else "flag.return-to-poverty"
        out.append(Flag.of(code, county=county, best=best))
    return out
