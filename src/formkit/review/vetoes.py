"""Vetoes as facts about their subject (办法 五、结果及运用: 违纪违规、定点帮扶县出现规模性返贫等重大问题 rule
out the first grade). 规模性返贫 is about a county: reported on the feedback form of every pair the county fills
in, in the secretariat's spreadsheet beside the county's 实绩考核, or entered by the secretariat from its
monitoring data; it bars the first grade for every unit assisting that county. 违纪违规 and 其他重大问题 are
about a unit: declared on its form, found in everyday work, or entered by the secretariat with its reason.

Reports that disagree about one county (是 on one pair's form, 否 on another's) are a finding, and the bar
holds until the secretariat records its conclusion with a reason (:func:`resolve`); that conclusion is then in
force for its subject whatever the reports say. Entries and conclusions are acts in the store
(``review_acts``, each one audited): ``veto:<rule>`` and ``veto-resolved:<rule>``, about a county or a unit.
The facts themselves are read by :mod:`formkit.evaluation.facts`, which the dossier's flags read too; this
module adds the secretariat's spreadsheet and decides, for the configured vetoes, which unit they bar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from formkit.errors import FormkitError
from formkit.evaluation.facts import COUNTY_RULES, ENTERED, RESOLVED, Fact, Facts, Report
from formkit.evaluation.units import Evaluation, UnitEntry
from formkit.findings import WARNING, Finding, finding
from formkit.forms.cycle import Cycle
from formkit.review.inputs import Inputs
from formkit.review.reasons import RULE_NAMES
from formkit.store import Store


@dataclass
class Vetoes(Facts):
    """The year's facts (``evaluation.facts``, the forms' and the acts', plus the secretariat's spreadsheet),
    read for the review: which of the configured vetoes bar each unit."""
    enabled: tuple[str, ...] = ()
    best: str = ""

    def _barred(self, rule: str, subject: str) -> Fact | None:
        found = self.facts.get((rule, subject))
        return found if rule in self.enabled and found is not None and found.barred else None

    def of_unit(self, recipient_id: str, counties: list[str]) -> list[dict[str, Any]]:
        """The vetoes barring one unit, as data (see ``reasons.veto_text``)."""
        out: list[dict[str, Any]] = []
        violation = self._barred("violation", recipient_id)
        if violation:
            sources = [r for r in violation.reports if r.value] if violation.resolution is None else []
            out += [{"rule": "violation", "source": r.source, **({"reason": r.reason} if r.reason else {})}
                    for r in sources] or [{"rule": "violation", "source": "resolved"}]
        barred = [c for c in dict.fromkeys(counties) if self._barred("return_to_poverty", c)]
        if barred:
            veto: dict[str, Any] = {"rule": "return_to_poverty", "counties": barred}
            unresolved = [c for c in barred if self.facts[("return_to_poverty", c)].conflict]
            out.append({**veto, "unresolved": unresolved} if unresolved else veto)
        major = self._barred("major_problem", recipient_id)
        if major:
            given = major.resolution if major.resolution is not None else next(r for r in major.reports if r.value)
            out.append({"rule": "major_problem", "reason": (given["reason"] if isinstance(given, dict) else given.reason)})
        return out

    def resolved_of(self, recipient_id: str, counties: list[str]) -> list[dict[str, Any]]:
        """The secretariat's conclusions about this unit and its counties (the ``resolved`` reasons' data)."""
        subjects = [("violation", recipient_id), ("major_problem", recipient_id)]
        subjects += [("return_to_poverty", c) for c in dict.fromkeys(counties)]
        out = []
        for rule, subject in subjects:
            found = self.facts.get((rule, subject))
            if rule in self.enabled and found is not None and found.resolution is not None:
                act = found.resolution
                out.append({"rule": rule, "name": subject if rule in COUNTY_RULES else "", "barred": found.barred,
                            "reason": act["reason"], "by": act["actor"], "best": self.best})
        return out

    def findings(self) -> list[Finding]:
        """A finding for every county whose reports disagree and that no conclusion settles yet."""
        out = []
        for (rule, county), found in sorted(self.facts.items()):
            if rule not in COUNTY_RULES or rule not in self.enabled or not found.conflict:
                continue
            yes = [r.text(county) for r in found.reports if r.value]
            no = [r.text(county) for r in found.reports if not r.value]
            units = self.assisting.get(county, [])
            out.append(finding(
                "review.poverty-conflict", WARNING,
                f"{county}是否出现规模性返贫，各方报告不一致（报“是”：{'、'.join(yes)}；报“否”：{'、'.join(no)}），"
                f"秘书处核实并记录结论前按出现处理，{'、'.join(units)}不得评为“{self.best}”",
                subject=county, params={"county": county, "yes": yes, "no": no, "units": units, "best": self.best}))
        return out


def collect(dossier: Evaluation, inputs: Inputs, acts: list[dict], enabled: tuple[str, ...], best: str) -> Vetoes:
    """Every report and conclusion about the year's vetoes: the units' and counties' forms (``dossier``), the
    secretariat's spreadsheet (``inputs``), the secretariat's entries and conclusions (``acts``)."""
    out = Vetoes(enabled=enabled, best=best)
    for _category, _lead, units in dossier.categories:
        for u in units:
            _from_forms(out, u)
    for rid, flag in inputs.violation.items():
        if flag:
            out.fact("violation", rid).reports.append(Report("inputs", True, inputs.source))
    for county, flag in inputs.return_to_poverty.items():
        out.fact("return_to_poverty", county).reports.append(Report("inputs", flag, inputs.source))
    out.add_acts(acts)
    return out


def _from_forms(out: Vetoes, u: UnitEntry) -> None:
    out.declared(u.recipient_id, u.unit, u.values.get("violations") if u.submission is not None else None)
    for c in u.counties:
        out.pair(c.county, u.unit, c.submission.values.get("return_to_poverty") if c.submission else None)


def enter(store: Store, cycle: Cycle, rule: str, subject: str, reason: str, actor: str | None = None) -> dict:
    """The secretariat enters a veto about ``subject`` (a county for 规模性返贫, from its monitoring data; a
    unit's id for 违纪违规 or 其他重大问题), with its reason; audited. Returns the act."""
    reason = _checked(store, cycle, rule, subject, reason)
    return store.record_act(cycle.year, ENTERED + rule, subject, {"vetoed": True}, actor or cycle.config.coordinator,
                            reason)


def resolve(store: Store, cycle: Cycle, rule: str, subject: str, barred: bool, reason: str,
            actor: str | None = None) -> dict:
    """The secretariat's conclusion about ``subject`` (the bar held or lifted), with its reason; in force for
    that subject whatever the reports say, until another conclusion. Audited. Returns the act."""
    reason = _checked(store, cycle, rule, subject, reason)
    return store.record_act(cycle.year, RESOLVED + rule, subject, {"barred": barred}, actor or cycle.config.coordinator,
                            reason)


def _checked(store: Store, cycle: Cycle, rule: str, subject: str, reason: str) -> str:
    year, enabled = cycle.year, cycle.config.review.vetoes
    if rule not in enabled:
        names = "、".join(RULE_NAMES.get(r, r) for r in enabled)
        raise FormkitError("review.unknown-veto", f"“{rule}”不是{year}年度不得评为“{cycle.best}”的情形（{names}）")
    if not (reason or "").strip():
        raise FormkitError("review.act-no-reason", "记录否决情形或核实结论必须写明理由")
    county = rule in COUNTY_RULES
    issued = store.issued(year)
    known = ({i.recipient.county for i in issued if i.form == "county-feedback"} if county
             else {i.recipient.id for i in issued if i.form == "self-assessment"})
    if subject not in known and county:
        raise FormkitError("review.unknown-county", f"{year}年度没有向“{subject}”下发地方评价表，不是本年度的定点帮扶县"
                           "（规模性返贫按县记录：--county 写县名）")
    if subject not in known:
        raise FormkitError("review.unknown-unit", f"{year}年度没有向“{subject}”下发自评表，不是本年度的被评单位"
                           "（违纪违规、其他重大问题按单位记录：--unit 写单位代码）")
    return reason.strip()
