"""Read several documents; one that cannot be read does not stop the others. Pairs of a unit's
self-assessment and its county's feedback in the same batch are compared (rule.funds-differ)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from formkit.config import load_config
from formkit.errors import FormkitError
from formkit.read import ReadResult, read_file
from formkit.roster.model import Roster
from formkit.validate.rules import compare_funds


def read_many(paths: Iterable[Path], roster: Roster | None = None,
              year: int | None = None) -> Iterator[tuple[Path, ReadResult | FormkitError]]:
    results: list[tuple[Path, ReadResult | FormkitError]] = []
    for path in paths:
        try:
            results.append((path, read_file(path, roster, year)))
        except FormkitError as exc:
            results.append((path, exc))
    cross_check(r for _p, r in results if isinstance(r, ReadResult))
    yield from results


def cross_check(results: Iterable[ReadResult]) -> None:
    """Add rule.funds-differ findings to county forms whose unit's self-assessment is in the same batch."""
    results = list(results)
    units = {r.values.get("unit_name"): r for r in results if r.form == "self-assessment"}
    for county in (r for r in results if r.form == "county-feedback"):
        unit = units.get(county.values.get("unit_name"))
        if unit is not None:
            county.findings.extend(compare_funds(unit.values, county.values, load_config(county.year), county.raw))
