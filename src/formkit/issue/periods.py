"""Which forms one issuing run sends, for which period: a periodic form (the quarterly ledger, the half-year
report) goes out one quarter or half-year at a time and needs that period, a yearly form takes none; and
the last quarter whose ledgers the proposed figures come from (``formkit issue --from-ledger``). The rules
live here; the command line only passes its options through."""

from __future__ import annotations

from dataclasses import dataclass

from formkit.errors import FormkitError
from formkit.forms import load_form
from formkit.forms.loader import form_ids
from formkit.forms.model import PERIODS

# How a user names each kind of period (the options of ``formkit issue``).
OPTIONS = {"quarter": f"--quarter（1-{PERIODS['quarter'][1]}）", "half": "--half（1 上半年，2 下半年）"}


@dataclass(frozen=True)
class Batch:
    """What one run issues: ``forms`` (None: every form of the year) for the ``period`` of ``kind``."""

    forms: list[str] | None
    kind: str | None = None  # "quarter", "half", or None: yearly forms
    period: int | None = None  # the quarter (1-4) or half-year (1-2)

    @property
    def ledger_quarter(self) -> int:
        """The last quarter whose ledgers the proposals come from: a half-year's last quarter for the
        half-year report (the first half: the second quarter), else the fourth (the year-end forms)."""
        return 2 * self.period if self.kind == "half" and self.period else 4


def settle_batch(year: int, forms: tuple[str, ...] | list[str] = (), quarter: int | None = None,
                 half: int | None = None) -> Batch:
    """The batch ``--form``/``--quarter``/``--half`` describe: a period alone means every form issued by
    that kind of period. Refused (before anything is written) when both periods are given
    (``issue.two-periods``), a periodic form lacks its period or has one out of range
    (``issue.period-needed``), or a yearly form is given one (``issue.no-period``)."""
    if quarter and half:
        raise FormkitError("issue.two-periods", "--quarter 和 --half 只能选一个")
    kind, period = ("quarter", quarter) if quarter else ("half", half) if half else (None, None)
    if kind and not forms:
        forms = [f for f in form_ids() if load_form(f, year).period == kind]
    for form_id in forms:
        form = load_form(form_id, year)
        if form.period and (form.period != kind or not 1 <= period <= PERIODS[kind][1]):
            raise FormkitError("issue.period-needed", f"“{form.title}”按期下发，请用 {OPTIONS[form.period]} 指定期次")
        if kind and not form.period:
            raise FormkitError("issue.no-period", f"“{form.title}”每年下发一次，不分期次，不能用 --{kind}")
    return Batch(list(forms) or None, kind, period)
