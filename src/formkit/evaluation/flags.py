"""The minimum requirements of the regulation (指标说明) that a unit's self-assessment can fail: the finding
code that says so → the flag shown to reviewers. The dossier flags them; the review docks points for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from formkit.forms.measures import MEASURES

FLAG_RULES = {
    "rule.county-not-visited": "有定点帮扶县本年度未见单位负责同志调研考察",
    "rule.no-cadre": "有定点帮扶县未选派挂职帮扶干部",
    "rule.no-first-secretary": "未选派驻村第一书记",
}


# Every flag a reviewer sees: code → its text, rendered only when shown (``Flag.text``).
FLAG_TEXT = {
    **FLAG_RULES,
    "flag.self-missing": "自评表未报送",
    "flag.self-errors": "自评表有 {errors} 处错误待修改",
    "flag.violation": "自评申报存在违纪违规问题（不得评为“{best}”）",
    "flag.county-missing": "{county}地方评价表未报送",
    "flag.return-to-poverty": "{county}出现规模性返贫（不得评为“{best}”）",
    "rule.funds-differ": "{county}「{label}」：{reason}",
    "flag.sources-differ": "年底自评表与第{quarter}季度台账的“{label}”不一致（自评表 {year_end:g}，台账 {ledger:g}），"
                           "两者均列出，请核实",
}


@dataclass(frozen=True)
class Flag:
    code: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, code: str, **params: Any) -> Flag:
        return cls(code, tuple(sorted(params.items())))

    @property
    def text(self) -> str:
        return FLAG_TEXT[self.code].format(**dict(self.params))

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
        out += [Flag.of("rule.funds-differ", county=f.subject or "", label=f.label or "", reason=f.reason)
                for f in sub.findings if f.code == "rule.funds-differ"]
        out += [Flag.of("flag.sources-differ", quarter=d.quarter, label=MEASURES[d.measure].title,
                        year_end=d.year_end, ledger=d.ledger) for d in differences]
    elif sub.values.get("return_to_poverty"):
        out.append(Flag.of("flag.return-to-poverty", county=county, best=best))
    return out
