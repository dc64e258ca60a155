"""rule.funds-differ is found once, when the second document of a pair is stored (whichever it is), kept in
the store for both sides, and reaches both correction letters, the unit's naming the county it is about."""

import shutil

import pytest
from conftest import YEAR
from docx import Document

from formkit.forms.cycle import cycle
from formkit.intake.ingest import ingest
from formkit.issue.batch import issued_rows
from formkit.letters import write_letters
from formkit.simulate import fill_recipients

EDITS = {"U001-130731": {"funds_invested_arrived": "1"},  # 太行县 confirms far less than the unit claims
         "U001-130732": {"funds_invested_arrived": "2"}}  # so does 燕山县


@pytest.mark.slow
def test_two_counties_that_disagree_reach_the_units_letter(store, issued, sample_roster, tmp_path):
    out, results = issued
    store.record_issued(issued_rows(results, YEAR))
    files = {(r.form, r.recipient_id): out / r.file for r in results}
    filled = fill_recipients(sample_roster, YEAR, files, tmp_path / "returned", EDITS)
    # one county before its unit's form, one after: each pair is checked when its second document arrives
    for rid in ("U001-130731", "U001", "U001-130732"):
        list(ingest([filled[rid]], store, YEAR))
    current = store.current(YEAR)
    unit = current[("self-assessment", "U001")]
    assert sorted((f.code, f.subject) for f in unit.later) == [("rule.funds-differ", "太行县"),
                                                               ("rule.funds-differ", "燕山县")]
    for rid, county in (("U001-130731", "太行县"), ("U001-130732", "燕山县")):
        assert [(f.code, f.subject, f.field) for f in current[("county-feedback", rid)].later] == \
            [("rule.funds-differ", county, "funds_invested_arrived")]
    # no form has an error, but each form of a pair that disagrees is sent back to be checked
    letters = {letter.recipient: letter for letter in write_letters(store, cycle(YEAR), tmp_path / "letters")}
    assert sorted(letters) == sorted(["民主建国协进会中央委员会", "河北省太行县（民主建国协进会中央委员会）",
                                      "河北省燕山县（民主建国协进会中央委员会）"])
    doc = Document(str(letters["民主建国协进会中央委员会"].path))
    rows = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    differ = [r for r in rows if "实际到位" in r[2]]
    assert [r[2].split("「")[0] for r in differ] == ["太行县", "燕山县"]
    assert all("县确认到位" in r[2] and r[3] == "请核实" and r[1] != "—" for r in differ)
    assert unit.errors == 0 and f"有 {unit.warnings} 处请核实，具体如下" in "\n".join(p.text for p in doc.paragraphs)
    county = Document(str(letters["河北省太行县（民主建国协进会中央委员会）"].path))
    assert "河北省太行县乡村振兴部门：" in [p.text for p in county.paragraphs]
    assert any("县确认到位 1 万元" in c.text for r in county.tables[0].rows for c in r.cells)


def test_a_pair_formkit_did_not_issue_is_not_checked(store, filled_forms):
    """Who a document is for comes from what formkit issued: a form nobody recorded as issued names no unit
    of formkit's (its own claim is shown, never trusted), so it is filed under no unit and paired with none."""
    list(ingest([filled_forms["U001"], filled_forms["U001-130731"]], store, YEAR))
    current = store.current(YEAR)
    unit, county = current[("self-assessment", "U001")], current[("county-feedback", "U001-130731")]
    assert (unit.recipient.unit_id, county.recipient.unit_id, county.recipient.period) == (None, None, None)
    assert unit.recipient.unit == "民主建国协进会中央委员会" and county.recipient.county == "太行县"  # shown
    assert unit.later == [] and county.later == []


def test_verify_sees_edits_to_who_a_form_is_for_and_to_the_cross_findings(tmp_path):
    """The legacy store, upgraded: the columns migration 5 filled and the findings it made are covered by
    the audit log like the rest, so an edit behind formkit's back is reported."""
    from fixtures.store import sqlite_exec
    from test_migration import LEGACY

    from formkit.store import Store

    shutil.copytree(LEGACY, tmp_path / "s", ignore=shutil.ignore_patterns("*.py"))
    url = f"sqlite:///{tmp_path / 's' / 'formkit.db'}"
    with Store(url, tmp_path / "s" / "formkit-originals") as store:
        assert store.verify()["audit"] == []
        ledger = store.current(YEAR)[("quarterly-ledger", "U003-Q1")].id
    sqlite_exec(url, f"UPDATE submissions SET unit_id = 'U001' WHERE id = {ledger}",  # U003's Q1 filed under U001
                "DELETE FROM later_findings WHERE id = 1",
                "INSERT INTO later_findings (submission_id, against_id, code, severity, finding, found_at) "
                "VALUES (11, 12, 'rule.funds-differ', 'warning', '{}', '2026-12-01')")
    with Store(url, tmp_path / "s" / "formkit-originals") as store:
        found = {(p["code"], p.get("submission")) for p in store.verify()["audit"]}
    assert ("audit.record-differs", ledger) in found
    assert {"audit.later-differs", "audit.later-unrecorded"} <= {code for code, _s in found}
