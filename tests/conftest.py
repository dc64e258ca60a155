from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from formkit.issue import issue_forms
from formkit.resources import samples_dir
from formkit.roster import load_roster

YEAR = 2026
FIXED = datetime(2026, 11, 1, tzinfo=timezone.utc)


def need_soffice() -> str:
    """LibreOffice is required in CI (which installs it); elsewhere its tests are skipped."""
    exe = shutil.which("soffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is missing in CI: .ci/run must install it")
        pytest.skip("LibreOffice not installed")
    return exe


@pytest.fixture(scope="session")
def sample_roster():
    return load_roster(samples_dir() / "roster", YEAR)


@pytest.fixture(scope="session")
def issued(sample_roster, tmp_path_factory) -> tuple[Path, list]:
    out = tmp_path_factory.mktemp("issued")
    results = issue_forms(sample_roster, YEAR, out, created=FIXED)
    return out, results


def doc_for(issued, form: str, recipient_id: str) -> Path:
    out, results = issued
    row = next(r for r in results if r.form == form and r.recipient_id == recipient_id)
    return out / row.file
