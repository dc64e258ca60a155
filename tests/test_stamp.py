"""The identity stamp (forms/stamp.py): written when a form is issued, parsed when it comes back, in one
place; forms issued by earlier versions (the period inside the recipient id, no unit id) still identify."""

from pathlib import Path

import pytest
from conftest import FIXED, YEAR, doc_for
from fixtures import hostile_values as hv

from formkit.forms import load_form, stamp
from formkit.issue import context, issue_forms
from formkit.pipeline import read_document

LEGACY = Path(__file__).parent / "fixtures" / "legacy" / "formkit-originals"
# what the store made by formkit 89cabc4 (tests/fixtures/legacy) recorded for each original it was sent, with
# the unit id, period and county a reader must now find in each: sha256 prefix → (form, recipient id, unit id,
# period, county)
ISSUED_BEFORE = {
    "fbc34704": ("quarterly-ledger", "U001-Q1", "U001", "Q1", None),
    "97a8a14c": ("quarterly-ledger", "U002-Q1", "U002", "Q1", None),
    "58ecb4d7": ("quarterly-ledger", "U003-Q1", "U003", "Q1", None),
    "4d91e4ec": ("quarterly-ledger", "U001-Q2", "U001", "Q2", None),
    "7888a8ef": ("quarterly-ledger", "U002-Q2", "U002", "Q2", None),
    "2cf74825": ("self-assessment", "U002", "U002", None, None),
    "d6b3e7a7": ("self-assessment", "U002", "U002", None, None),
    "b4b18122": ("self-assessment", "U001", "U001", None, None),
    "ca2a3d21": ("self-assessment", "U003", "U003", None, None),
    "4e555ec8": ("county-feedback", "U001-130731", "U001", None, "太行县"),
    "67b11cab": ("county-feedback", "U001-130732", "U001", None, "燕山县"),
    "fd67529f": ("county-feedback", "U002-141131", "U002", None, "吕梁山县"),
    "a0945ab9": ("county-feedback", "U003-621131", "U003", None, "丹霞县"),
    "58467a2b": ("county-feedback", "U003-621132", "U003", None, "黄羊县"),
}


def legacy(prefix: str) -> bytes:
    [path] = LEGACY.glob(f"{prefix[:2]}/{prefix}*")
    return path.read_bytes()


def who(result) -> tuple:
    r = result.recipient
    return result.form, r["id"], r["unit_id"], r["period"], r["county"]


def without_properties(data: bytes) -> bytes:
    """The document as an editor that drops custom properties saves it: only the footer code is left."""
    parts = hv.entries(data)
    del parts["docProps/custom.xml"]
    return hv.rezip(parts)


@pytest.fixture(scope="module")
def periodic(sample_roster, tmp_path_factory):
    """A second-quarter ledger and a first-half report for every unit, issued by today's code."""
    out = tmp_path_factory.mktemp("periodic")
    ledgers = issue_forms(sample_roster, YEAR, out / "q2", forms=["quarterly-ledger"], period=2, created=FIXED)
    reports = issue_forms(sample_roster, YEAR, out / "h1", forms=["half-year-report"], period=1, created=FIXED)
    return {r.recipient_id: out / "q2" / r.file for r in ledgers} | {r.recipient_id: out / "h1" / r.file for r in reports}


@pytest.mark.parametrize("form_id, recipient_id", [("self-assessment", "U001"), ("county-feedback", "U005-433131"),
                                                   ("quarterly-ledger", "U001-Q2"), ("review-vote", "R01-01")])
def test_a_stamp_written_is_parsed_back_whole(sample_roster, form_id, recipient_id):
    form = load_form(form_id, YEAR)
    recipient = next(r for r in context.recipients(form, sample_roster, reviewers=1, period=2) if r.id == recipient_id)
    written = context.stamp(form, YEAR, recipient, {"suggested": {"values": {"x": 1}}})
    properties = stamp.write(written)
    said = stamp.parse(properties)
    assert (said.form, said.version, said.year, said.recipient) == (form_id, str(form.version), str(YEAR), recipient_id)
    assert (said.unit_id or None, said.period or None) == (written.unit_id or None, written.period or None)
    assert (said.county, said.recipient_name, said.suggested) == (written.county or None, recipient.name,
                                                                   '{"values": {"x": 1}}')
    code = stamp.parse_code(f"{stamp.footer_text(properties['formkit.code'])}\t第 1 页")
    assert (code.form_code, code.year, code.recipient, code.version) == (form.code, str(YEAR), recipient_id, str(form.version))
    assert properties["formkit.code"] == f"FK-{form.code}-{YEAR}-{recipient_id}-V{form.version}"


def test_the_period_and_unit_are_their_own_items_and_still_inside_the_id(sample_roster):
    ledger = load_form("quarterly-ledger", YEAR)
    recipient = next(r for r in context.recipients(ledger, sample_roster, period=2) if r.unit.id == "U003")
    properties = stamp.write(context.stamp(ledger, YEAR, recipient))
    assert (properties["formkit.recipient"], properties["formkit.unit_id"], properties["formkit.period"]) == \
        ("U003-Q2", "U003", "Q2")
    assert "formkit.county" not in properties
    assert stamp.recipient_parts(ledger, "U003-Q2") == ("U003", "Q2", None)
    assert stamp.recipient_parts(ledger, "U003-Q9") == (None, None, None)  # not a quarter
    assert stamp.recipient_parts(load_form("county-feedback", YEAR), "U003-621131") == ("U003", None, "621131")
    # earlier versions wrote the period as a bare number
    assert stamp.period_of(ledger, "2", "U003-Q2") == stamp.period_of(ledger, None, "U003-Q2") == "Q2"
    assert stamp.period_of(load_form("self-assessment", YEAR), "2", "U003") is None


@pytest.mark.parametrize("form_id, recipient_id, expected", [
    ("self-assessment", "U001", ("U001", None, None)),
    ("county-feedback", "U005-433131", ("U005", None, "龙溪县")),
])
def test_forms_issued_today_say_who_they_are_for(issued, form_id, recipient_id, expected):
    result = read_document(doc_for(issued, form_id, recipient_id).read_bytes())
    assert who(result) == (form_id, recipient_id, *expected) and result.identified_by == "properties"


def test_periodic_forms_issued_today_carry_their_period(periodic):
    ledger = read_document(periodic["U004-Q2"].read_bytes(), "ledger.xlsx")
    report = read_document(periodic["U004-H1"].read_bytes(), "report.docx")
    assert who(ledger) == ("quarterly-ledger", "U004-Q2", "U004", "Q2", None)
    assert who(report) == ("half-year-report", "U004-H1", "U004", "H1", None)
    footer_only = read_document(without_properties(periodic["U004-Q2"].read_bytes()), "ledger.xlsx")
    assert footer_only.identified_by == "footer-code" and who(footer_only) == who(ledger)


@pytest.mark.parametrize("value, period, ignored", [("1", "H1", False), ("H1", "H1", False), ("H7", "H1", True),
                                                   ("Q1", "H1", True)])
def test_a_period_property_is_read_old_style_or_new_and_nonsense_is_ignored(periodic, value, period, ignored):
    result = read_document(hv.set_property(periodic["U004-H1"].read_bytes(), "formkit.period", value))
    assert result.recipient["period"] == period  # nonsense ignored: the period inside the recipient id
    assert ("read.property-invalid" in [f.code for f in result.findings]) is ignored


@pytest.mark.parametrize("prefix", sorted(ISSUED_BEFORE))
def test_forms_issued_and_returned_under_the_earlier_version_still_identify(prefix):
    result = read_document(legacy(prefix))
    assert who(result) == ISSUED_BEFORE[prefix] and result.identified_by == "properties" and result.year == YEAR
    if result.form == "self-assessment":
        assert result.recipient["unit"] == result.values["unit_name"]


@pytest.mark.parametrize("prefix", ["4d91e4ec", "fd67529f", "b4b18122"])
def test_earlier_forms_that_lost_their_properties_identify_by_the_single_id_in_the_footer(prefix):
    result = read_document(without_properties(legacy(prefix)))
    assert result.identified_by == "footer-code" and who(result) == ISSUED_BEFORE[prefix]
