"""Who sees what. Every page asks here, with the caller as a :class:`Viewer`: the forms it may see (a
recipient its own; a lead department its category's; the secretariat and observers all), and a submission
only when it belongs to one of those forms. An id changed in a URL finds nothing it may not see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timezone

from formkit.config import load_config
from formkit.findings import ERROR
from formkit.forms import load_form
from formkit.forms.schedule import due
from formkit.store import IssuedForm, Store, Submission
from formkit.store.accounts import Account, Link
from formkit.web.settings import BEIJING, desk_settings, today

STATES = {"missing": "未报送", "valid": "已报送（无错误）", "with-errors": "已报送（有错误，待修改）"}


@dataclass(frozen=True)
class Viewer:
    actor: str  # as the audit log names it
    role: str  # secretariat, lead, observer, recipient
    category: str | None = None  # a lead department's
    holder: str | None = None  # a recipient's link
    year: int | None = None  # a link's year
    name: str = ""

    @classmethod
    def of_account(cls, account: Account) -> Viewer:
        return cls(f"account:{account.name}", account.role, account.category, name=account.name)

    @classmethod
    def of_link(cls, link: Link) -> Viewer:
        return cls(f"link:{link.year}:{link.holder}", "recipient", holder=link.holder, year=link.year, name=link.holder)

    @property
    def secretariat(self) -> bool:
        return self.role == "secretariat"


def visible_forms(store: Store, viewer: Viewer, year: int) -> list[IssuedForm]:
    """The forms of ``year`` the viewer may see."""
    if viewer.role == "recipient":
        return store.issued_to_holder(year, viewer.holder or "") if year == viewer.year else []
    if viewer.role == "lead":
        category = load_config(year).category(viewer.category or "")
        return [i for i in store.issued(year) if category is not None and i.lead_department == category.lead]
    if viewer.role in ("secretariat", "observer"):
        return store.issued(year)
    return []


@dataclass
class FormState:
    issued: IssuedForm
    title: str
    category: str
    versions: list[Submission]  # every version received, oldest first
    current: Submission | None  # the latest readable one: the one that counts
    deadline: date | None

    @property
    def state(self) -> str:
        return "missing" if self.current is None else ("with-errors" if self.current.errors else "valid")

    @property
    def label(self) -> str:
        return STATES[self.state]

    def lateness(self, sub: Submission) -> str:
        """逾期 (after the form's deadline), 截止后 (after the desk closed), or nothing."""
        return lateness(sub, self.deadline, desk_settings(self.issued.year).closes)

    @property
    def overdue(self) -> bool:
        if self.current is None:
            return self.deadline is not None and today() > self.deadline
        return bool(self.lateness(self.current))


def lateness(sub: Submission, deadline: date | None, closes: date | None) -> str:
    received = sub.received_at
    if received is None:
        return ""
    day = (received if received.tzinfo else received.replace(tzinfo=timezone.utc)).astimezone(BEIJING).date()
    if closes is not None and day > closes:
        return "截止后报送"
    return "逾期报送" if deadline is not None and day > deadline else ""


def form_states(store: Store, year: int, forms: list[IssuedForm]) -> list[FormState]:
    """Each of ``forms`` with every version received for it, the one in force and its deadline."""
    config = load_config(year)
    leads = {c.lead: c.name for c in config.categories}
    history = store.history(year, {f.recipient.id for f in forms})
    by_key: dict[tuple, list[Submission]] = {}
    for sub in history:
        by_key.setdefault((sub.form, sub.recipient.id), []).append(sub)
    out = []
    for f in forms:
        versions = by_key.get((f.form, f.recipient.id), [])
        readable = [s for s in versions if s.readable]
        out.append(FormState(f, load_form(f.form, year).title, leads.get(f.lead_department or "", ""), versions,
                             readable[-1] if readable else None, due(config, f.form, year, f.recipient.period)))
    return out


def visible_submission(store: Store, viewer: Viewer, submission_id: int) -> tuple[FormState, Submission] | None:
    """A submission the viewer may see, with the state of its form; None for any other id."""
    key = store.submission_key(submission_id)
    if key is None or key[1] is None:
        return None
    form, year, recipient = key
    mine = [f for f in visible_forms(store, viewer, year) if (f.form, f.recipient.id) == (form, recipient)]
    if not mine:
        return None
    state = form_states(store, year, mine)[0]
    sub = next((s for s in state.versions if s.id == submission_id), None)
    return (state, sub) if sub is not None else None


def summary(states: list[FormState]) -> list[dict]:
    """Per form and category: issued, received, valid, with errors, missing, overdue."""
    out: dict[tuple[str, str], dict] = {}
    for s in states:
        row = out.setdefault((s.title, s.category), {"form": s.title, "category": s.category or "—", "issued": 0,
                                                     "received": 0, "valid": 0, "with-errors": 0, "missing": 0,
                                                     "overdue": 0})
        row["issued"] += 1
        row[s.state] += 1
        row["received"] += s.state != "missing"
        row["overdue"] += s.overdue
    return list(out.values())


def ordered_findings(sub: Submission) -> list:
    """Errors first, as the correction letter lists them."""
    return sorted(sub.findings, key=lambda f: f.severity != ERROR)
