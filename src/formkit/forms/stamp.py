"""The identity stamp of an issued form, written when it is issued and parsed when it comes back.

A form says who it is in two places: custom document properties (``formkit.form``, ``formkit.recipient``…)
and a code in the footer of every page, ``FK-<form code>-<year>-<recipient id>-V<version>``
(``FK-QL-2026-U001-Q2-V1``), which survives an editor that drops the properties. Who the document is for is
also written as separate items: the unit's roster id, the county and the period (``Q2``, ``H1``) of a periodic
form.

Forms issued by earlier versions carry only the recipient id (the county code and the period inside it, the
period property as a bare number): :func:`parse` and :func:`recipient_parts` read those too.

Nothing here checks what a returned document claims (its length, whether a year is plausible): the reader
does that, since the text comes from whoever sent the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields

from formkit.forms.model import PERIODS, Form

PREFIX = "formkit."
CODE = re.compile(r"FK-([A-Z]{2,4})-(\d{4})-([A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)-V(\d+)")
FOOTER = "识别码：{code}（请勿删除）"
_PERIOD = re.compile(r"([A-Z])(\d{1,2})")


@dataclass(frozen=True)
class Stamp:
    """What an issued form says about itself. ``recipient`` is the id the issue used (``U001``,
    ``U001-130731`` for a unit–county pair, ``U001-Q2`` for a periodic form, ``R01-02`` for a voting sheet);
    ``period`` is ``Q1``…``Q4``, ``H1``, ``H2`` or empty."""

    form: str
    form_code: str
    version: int
    year: int
    recipient: str
    recipient_name: str = ""
    unit_id: str = ""
    unit: str = ""
    county: str = ""
    county_code: str = ""
    period: str = ""
    category: str = ""
    suggested: str = ""  # the values proposed on the form (JSON), so the reader can say what was changed

    @property
    def code(self) -> str:
        """The short code printed in the footer: ``FK-SA-2026-U001-V1``."""
        return f"FK-{self.form_code}-{self.year}-{self.recipient}-V{self.version}"


# the properties, in the order they are written: each is ``formkit.<name>``, the Stamp attribute of that name
_PROPERTIES = ("form", "version", "year", "recipient", "recipient_name", "unit", "code", "category", "period",
               "suggested", "county", "county_code", "unit_id")
_ALWAYS = ("form", "version", "year", "recipient", "recipient_name", "unit", "code")


def write(stamp: Stamp) -> dict[str, str]:
    """The custom document properties of an issued form (items that do not apply are left out)."""
    values = ((name, getattr(stamp, name)) for name in _PROPERTIES)
    return {PREFIX + name: str(value) for name, value in values if value or name in _ALWAYS}


def footer_text(code: str) -> str:
    """The footer line around the code, as the issued Word form shows it."""
    return FOOTER.format(code=code)


@dataclass
class Said:
    """What a returned document says about itself, as text, unchecked. From the properties ``form`` is the
    form's id; from the footer code ``form_code`` is the form's short code and only ``year``, ``recipient``
    and ``version`` are known."""

    found_by: str  # properties, footer-code
    form: str | None = None
    form_code: str | None = None
    version: str | None = None
    year: str | None = None
    recipient: str | None = None
    recipient_name: str | None = None
    unit_id: str | None = None
    unit: str | None = None
    county: str | None = None
    county_code: str | None = None
    period: str | None = None
    category: str | None = None
    suggested: str | None = None


_SAID = {f.name for f in fields(Said)}


def parse(properties: Mapping[str, str]) -> Said:
    """What the ``formkit.*`` custom properties say (``code`` is not kept: the footer code is read from
    the footer by :func:`parse_code`)."""
    said = Said("properties")
    for name in _SAID.intersection(_PROPERTIES):
        if PREFIX + name in properties:
            setattr(said, name, properties[PREFIX + name])
    return said


def parse_code(text: str | None) -> Said | None:
    """The first footer code in ``text``, or None."""
    match = CODE.search(text or "")
    if not match:
        return None
    return Said("footer-code", form_code=match.group(1), year=match.group(2), recipient=match.group(3),
                version=match.group(4))


def period_id(form: Form, number: int | None) -> str:
    """``Q2`` for the second quarter of a quarterly form; empty for a form without periods."""
    return f"{PERIODS[form.period][0]}{number}" if form.period and number else ""


def recipient_id(form: Form, unit_id: str, period: str = "", county_code: str = "") -> str:
    """The recipient id as formkit issues it: the unit, with its county's code for a county's form and with
    the period for a periodic form (``U001``, ``U001-130731``, ``U001-Q2``)."""
    if form.period:
        return f"{unit_id}-{period}"
    return f"{unit_id}-{county_code}" if form.recipient == "pair" else unit_id


def recipient_parts(form: Form, recipient: str | None) -> tuple[str | None, str | None, str | None]:
    """(unit id, period, county code) of a recipient id made by :func:`recipient_id` (or by an earlier
    version, which made them the same way); Nones for what the id does not hold, or an id of another shape."""
    if not recipient or form.recipient == "reviewer":
        return None, None, None
    if form.recipient == "unit" and not form.period:
        return recipient, None, None
    head, sep, tail = recipient.rpartition("-")
    if not sep or not head:
        return None, None, None
    if form.period:
        return (head, tail, None) if valid_period(form, tail) else (None, None, None)
    return head, None, tail


def valid_period(form: Form, period: str | None) -> bool:
    """``period`` names one of the form's periods (``Q1``…``Q4`` for a quarterly form)."""
    if not form.period or not period:
        return False
    letter, count = PERIODS[form.period]
    match = _PERIOD.fullmatch(period)
    return bool(match) and match.group(1) == letter and 1 <= int(match.group(2)) <= count


def period_of(form: Form, said: str | None, recipient: str | None = None) -> str | None:
    """The period a document is for: its period property (``Q2``, or the bare number ``2`` that earlier
    versions wrote), else the one inside its recipient id; None for a form without periods."""
    if not form.period:
        return None
    text = (said or "").strip()
    if text.isascii() and text.isdigit():
        text = period_id(form, int(text))
    if valid_period(form, text):
        return text
    return recipient_parts(form, recipient)[1]
