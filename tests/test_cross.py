"""rule.funds-differ is found once, when the second document of a pair is stored (whichever it is), kept in
the store for both sides, and reaches the unit's correction letter with the county it is about."""

import pytest
from conftest import YEAR
from docx import Document

from formkit.forms.cycle import cycle
from formkit.intake.ingest import ingest
from formkit.issue.batch import issued_rows
from formkit.letters import write_letters
from formkit.simulate import fill_recipients

EDITS = {"U001": {"fill_date": "去年年底"},  # an error: the unit gets a correction letter
         "U001-130731": {"funds_invested_arrived": "1"},  # 太行县 confirms far less than the unit claims
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
    letters = write_letters(store, cycle(YEAR), tmp_path / "letters")
    assert [letter.recipient for letter in letters] == ["民主建国协进会中央委员会"]  # the counties' forms have no error
    doc = Document(str(letters[0].path))
    rows = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    differ = [r for r in rows if "实际到位" in r[2]]
    assert [r[2].split("「")[0] for r in differ] == ["太行县", "燕山县"]
    assert all("县确认到位" in r[2] and r[3] == "请核实" and r[1] != "—" for r in differ)
    assert f"{unit.errors} 处需要修改、{unit.warnings} 处请核实" in "\n".join(p.text for p in doc.paragraphs)
