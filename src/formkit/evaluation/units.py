"""Each unit as the evaluation sees it, from the store: its year-end figures (``forms.measures``), the same
figures from its latest quarterly ledger where they differ, its counties' feedback, and the flags reviewers
must see. The dossier, the review and the notices read this; none of them computes a figure itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from formkit.evaluation.facts import Facts, veto_acts
from formkit.evaluation.flags import Flag, county_flags, finding_flags
from formkit.evaluation.ledgers import Ledger, latest
from formkit.evaluation.verification import Verification, verifications
from formkit.forms import measures as m
from formkit.forms.cycle import Cycle
from formkit.store import Store, Submission, sealed
from formkit.store.attachments import Attachment

UNIT_FORM, COUNTY_FORM = m.UNIT_FORM, "county-feedback"
# the figures compared between the year-end form and the latest ledger (both have them)
COMPARED = ("invested", "brought", "trained", "consumer")


@dataclass
class UnitFigures:
    """A unit's figures from its year-end self-assessment."""
    visits: int = 0
    main_leader_visit: bool = False
    cadres: int = 0
    secretaries: int = 0
    invested: float = 0.0
    brought: float = 0.0
    key_share: float | None = None  # share of funds going to key counties
    trained: int = 0
    consumer: float = 0.0
    completion: m.Completion = field(default_factory=lambda: m.Completion(None, 0, 0, ()))

    @classmethod
    def of(cls, values: dict) -> UnitFigures:
        f = m.figures(UNIT_FORM, values)
        visits = [v for v in values.get("visits") or [] if isinstance(v, dict) and v.get("date")]
        return cls(int(f["visits"]), any(v.get("main_leader") for v in visits), int(f["cadres"]),
                   int(f["secretaries"]), f["invested"], f["brought"], m.key_share(values), int(f["trained"]),
                   f["consumer"], m.completion(UNIT_FORM, values))


@dataclass
class CountyFeedback:
    county: str
    recipient_id: str
    submission: Submission | None

    def _value(self, key: str):
        return self.submission.values.get(key) if self.submission else None

    @property
    def grade(self) -> str | None:
        return self._value("grade_overall")

    @property
    def comment(self) -> str | None:
        return self._value("comment_overall")

    @property
    def main_leader_visited(self) -> bool:
        return bool(self._value("main_leader_visited"))

    @property
    def return_to_poverty(self) -> bool:
        return bool(self._value("return_to_poverty"))


@dataclass
class Difference:
    """A figure on which the year-end form and the latest ledger disagree: both are shown."""
    measure: str
    year_end: float
    ledger: float
    quarter: int


@dataclass
class UnitEntry:
    unit: str
    recipient_id: str
    category: str
    lead: str
    submission: Submission | None
    figures: UnitFigures
    ledger: Ledger | None = None  # the latest quarterly ledger
    differences: list[Difference] = field(default_factory=list)
    counties: list[CountyFeedback] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    verification: Verification | None = None  # the lead department's 核实 in force
    reports: list[Attachment] = field(default_factory=list)  # its written 自评总结, the current one last

    @property
    def values(self) -> dict:
        return self.submission.values if self.submission else {}

    def flag(self, flag: Flag) -> None:
        if flag not in self.flags:
            self.flags.append(flag)


@dataclass
class Evaluation:
    year: int
    categories: list[tuple[str, str, list[UnitEntry]]]  # (category, lead, units)
    sources: list[Submission]  # every submission the evaluation draws on


def differences(figures: UnitFigures, ledger: Ledger | None) -> list[Difference]:
    if ledger is None:
        return []
    out = []
    for key in COMPARED:
        year_end, kept = round(float(getattr(figures, key)), 2), ledger.measure(key)
        if abs(year_end - kept) >= 0.005:
            out.append(Difference(key, year_end, kept, ledger.quarter))
    return out


def evaluate(store: Store, cycle: Cycle, category: str | None = None) -> Evaluation:
    year, config = cycle.year, cycle.config
    current = store.current(year)
    issued = store.issued(year)
    ledgers = latest(store, year)
    verified = verifications(store, year)
    reports: dict[str, list[Attachment]] = {}
    for report in store.attachments(year, history=True):
        reports.setdefault(report.unit_id, []).append(report)
    counties: dict[str, list] = {}
    facts = Facts()  # every pair's report, whatever the category asked for: 规模性返贫 is about the county
    for item in issued:
        if item.form == COUNTY_FORM:
            counties.setdefault(item.recipient.unit_id or item.recipient.unit or "", []).append(item)
            csub = current.get((COUNTY_FORM, item.recipient.id))
            facts.pair(item.recipient.county or "", item.recipient.unit or "", csub.values.get("return_to_poverty")
                       if csub else None)
    facts.add_acts(veto_acts(store, year))
    by_lead = {c.lead: c.name for c in config.categories}
    entries: dict[str, list[UnitEntry]] = {}
    sources: dict[int, Submission] = {}
    for item in sorted((i for i in issued if i.form == UNIT_FORM), key=lambda i: i.recipient.id):
        rid = item.recipient.id
        sub = current.get((UNIT_FORM, rid))
        values = sub.values if sub else {}
        cat = values.get("category") or by_lead.get(item.lead_department or "", "")
        if category and cat != category:
            continue
        figures = UnitFigures.of(values)
        ledger = ledgers.get(item.recipient.unit_id or rid)
        entry = UnitEntry(item.recipient.unit or "", rid, cat, item.lead_department or "", sub, figures, ledger,
                          differences(figures, ledger) if sub else [], verification=verified.get(rid),
                          reports=reports.get(item.recipient.unit_id or rid, []))
        if sub:
            sources[sub.id] = sub
        for flag in finding_flags(sub, entry.differences, config):
            entry.flag(flag)
        for pair in sorted(counties.get(item.recipient.unit_id or item.recipient.unit or "", []),
                           key=lambda p: p.recipient.id):
            csub = current.get((COUNTY_FORM, pair.recipient.id))
            feedback = CountyFeedback(pair.recipient.county or "", pair.recipient.id, csub)
            entry.counties.append(feedback)
            if csub:
                sources[csub.id] = csub
            for flag in finding_flags(csub, [], config, county=feedback.county):
                entry.flag(flag)
        for flag in county_flags(facts, [c.county for c in entry.counties], config.grades[0]):
            entry.flag(flag)
        entries.setdefault(cat, []).append(entry)
    order = [(c.name, c.lead) for c in config.categories if c.name in entries]
    shown = {(s.form, s.recipient.id) for s in sources.values()}  # and their sealed copies (scans)
    sources.update({s.id: s for s in sealed.sealed_copies(store, year, shown)})
    return Evaluation(year, [(name, lead, entries[name]) for name, lead in order],
                      sorted(sources.values(), key=lambda s: s.id))
