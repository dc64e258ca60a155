"""The findings across the returns a member of staff may see: every finding of each form's version in force
(the one ``formkit letters`` writes its correction letter from), with its place and words as the letter has
them, filtered by form, category and code, each linking to its submission's page."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from formkit.findings import ERROR, Finding
from formkit.web.common import Desk, page
from formkit.web.staff import caller, year_of
from formkit.web.views import FormState, form_states, visible_forms

SHOWN = 1000  # rows on one page; the filters narrow it down
FILTERS = ("form", "category", "code")


@dataclass(frozen=True)
class Row:
    state: FormState
    finding: Finding

    @property
    def form(self) -> str:
        return self.state.issued.form

    @property
    def category(self) -> str:
        return self.state.category

    @property
    def code(self) -> str:
        return self.finding.code


def finding_rows(states: list[FormState]) -> list[Row]:
    """Every finding of the versions in force, errors first, then by form and recipient."""
    rows = [Row(s, f) for s in states if s.current is not None for f in s.current.findings]
    return sorted(rows, key=lambda r: (r.finding.severity != ERROR, r.form, r.state.issued.recipient.id))


def choices(rows: list[Row]) -> dict[str, dict[str, str]]:
    """What each filter may be set to, from the rows themselves: value → what the list shows."""
    forms = {r.form: r.state.title for r in rows}
    categories = {r.category: r.category for r in rows if r.category}
    codes: dict[str, int] = {}
    for r in rows:
        codes[r.code] = codes.get(r.code, 0) + 1
    return {"form": dict(sorted(forms.items())), "category": dict(sorted(categories.items())),
            "code": {c: f"{c}（{n}）" for c, n in sorted(codes.items())}}


def findings_page(request: Request) -> Response:
    desk = Desk.of(request)
    viewer, csrf = caller(request)
    year = year_of(request, desk)
    rows = finding_rows(form_states(desk.store, year, visible_forms(desk.store, viewer, year)))
    wanted = {k: request.query_params.get(k, "") for k in FILTERS}
    shown = [r for r in rows if all(not v or getattr(r, k) == v for k, v in wanted.items())]
    return page(request, "findings.html", staff=viewer, csrf=csrf, year=year, rows=shown[:SHOWN], total=len(shown),
                limit=SHOWN, choices=choices(rows), wanted=wanted)
