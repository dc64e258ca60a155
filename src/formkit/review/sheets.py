"""Issue the voting sheets (分类评价投票表): per category, one numbered sheet per reviewer, built from the
form definition with the year's grade names."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from formkit.forms import load_catalogue, load_form
from formkit.issue.batch import Issued, issue_forms
from formkit.issue.layout import build_template
from formkit.roster.model import Roster

FORM = "review-vote"


def issue_sheets(roster: Roster, year: int, reviewers: int, out: str | Path, on_progress=None) -> list[Issued]:
    """``reviewers`` sheets for each category of the roster, in ``out/review-vote/`` with ``manifest.csv``.
    The template is laid out for ``year`` so that its grade columns are that year's grades."""
    with tempfile.TemporaryDirectory(prefix="formkit-sheet-") as tmp:
        buf = io.BytesIO()
        build_template(load_form(FORM, year), load_catalogue()).save(buf)
        (Path(tmp) / f"{FORM}.docx").write_bytes(buf.getvalue())
        return issue_forms(roster, year, out, forms=[FORM], templates=Path(tmp), on_progress=on_progress,
                           reviewers=reviewers)
