"""One year of the evaluation as one value: the year, its configuration (``cycle.yaml``: grades, categories,
deadlines, review rules) and its forms (``Cycle.form``: each that year's definition). It is settled once,
where the year is known (the command line from ``--year`` or the store's latest year, the demo), and passed
down, so every part of one run uses the same grades and forms. Below it, only what learns a document's year
from the document itself (reading, the store's cross-document check) loads that year's configuration."""

from __future__ import annotations

from dataclasses import dataclass

from formkit.config import CycleConfig, load_config
from formkit.forms.loader import load_form
from formkit.forms.model import Form


@dataclass(frozen=True)
class Cycle:
    year: int
    config: CycleConfig

    def form(self, form_id: str) -> Form:
        return load_form(form_id, self.year)

    @property
    def grades(self) -> tuple[str, ...]:
        return self.config.grades

    @property
    def best(self) -> str:
        """The first grade (好 by default): the one vetoes and the share cap are about."""
        return self.config.grades[0]


def cycle(year: int) -> Cycle:
    """The cycle of ``year`` (its configuration from ``forms/cycle.yaml``, or ``FORMKIT_FORMS``)."""
    return Cycle(year, load_config(year))
