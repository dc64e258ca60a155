"""Golden fixtures: returned documents kept in tests/fixtures/golden/ (<name>.docx|.xlsx|.pdf, made once by
make.py there and never remade by the tests) read with `formkit read --json` and compared with the records
expected (<name>.json).

Only the stable parts of a record are compared: form, version, year, the recipient's id, the source format, the
values, and each finding's code, severity, field and message. When a change to what is read is intended,
write the records again and review their diff before committing:

    FORMKIT_REGOLD=1 .venv/bin/python -m pytest -q tests/test_golden.py
"""

import difflib
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from formkit.cli import main

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
INPUTS = sorted(p for p in GOLDEN.iterdir() if p.suffix in (".docx", ".xlsx", ".pdf"))
MAX_BYTES = 60_000

# What each input is there for, which a regenerated record must still show: error codes expected (or none).
PURPOSE = {
    "self-assessment": set(),
    "county-feedback": set(),
    "quarterly-ledger": set(),
    "messy-typed": set(),
    "libreoffice-resaved": set(),
    "libreoffice-export": set(),
    "findings-self-assessment": {"value.approximate", "value.several-numbers"},
    "findings-county-feedback": {"value.required", "value.unit-mismatch"},
}


def read_json(path: Path) -> dict:
    """The one line `formkit read --json PATH` prints; its exit status says whether it holds errors."""
    result = CliRunner().invoke(main, ["read", "--json", str(path)])
    [line] = result.stdout.splitlines()
    record = json.loads(line)
    assert "error" not in record, record
    errors = any(f["severity"] == "error" for f in record["findings"])
    assert result.exit_code == (1 if errors else 0), result.output
    return record


def stable(record: dict) -> dict:
    """What a golden record keeps of a `formkit read --json` line: no paths, hashes, producers or raw text."""
    findings = [{k: f.get(k) for k in ("code", "severity", "field", "message")} for f in record["findings"]]
    return {
        "form": record["form"],
        "version": record["version"],
        "year": record["year"],
        "recipient": record["recipient"].get("id"),
        "format": record["source"]["format"],
        "values": record["values"],
        "findings": sorted(findings, key=lambda f: (f["code"], f["field"] or "", f["message"])),
    }


def dumps(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_a_golden_input_reads_as_recorded(path):
    got = stable(read_json(path))
    golden = path.with_suffix(".json")
    if os.environ.get("FORMKIT_REGOLD"):
        if os.environ.get("CI"):
            pytest.fail("FORMKIT_REGOLD rewrites the expected records: for a person who reviews the diff, not CI")
        golden.write_text(dumps(got), encoding="utf-8")
    assert golden.is_file(), f"{golden.name} is missing: FORMKIT_REGOLD=1 pytest tests/test_golden.py writes it"
    expected = json.loads(golden.read_text(encoding="utf-8"))
    if got != expected:
        diff = "".join(difflib.unified_diff(dumps(expected).splitlines(True), dumps(got).splitlines(True),
                                            f"{golden.name} (expected)", f"formkit read --json {path.name}"))
        pytest.fail(f"{path.name} no longer reads as recorded:\n{diff}\nIf the change is intended, write the "
                    "records again with FORMKIT_REGOLD=1 pytest tests/test_golden.py and commit the diff.",
                    pytrace=False)
    assert {f["code"] for f in got["findings"] if f["severity"] == "error"} == PURPOSE[path.stem]


def test_the_golden_folder_holds_small_inputs_of_every_kind_each_with_its_record():
    assert {p.stem for p in GOLDEN.glob("*.json")} == {p.stem for p in INPUTS} == set(PURPOSE)
    assert {p.suffix for p in INPUTS} == {".docx", ".xlsx", ".pdf"}
    assert {p.name: p.stat().st_size for p in INPUTS if p.stat().st_size >= MAX_BYTES} == {}
