"""One pipeline from bytes to a checked result (src/formkit/pipeline.py): `formkit read` and intake give the
same result for the same file; reading extracts only, the pipeline validates; a unit's self-assessment and its
county's feedback read in one `formkit read` batch are checked against each other (rule.funds-differ)."""

import dataclasses
import json
import re
from pathlib import Path

from click.testing import CliRunner
from conftest import YEAR
from fixtures import hostile_values as hv

from formkit.cli import main
from formkit.intake.batch import read_many
from formkit.intake.ingest import ingest
from formkit.issue.batch import issued_rows
from formkit.pipeline import cross_checked, read_document, read_file
from formkit.read import extract

SRC = Path(__file__).resolve().parent.parent / "src" / "formkit"
UNIT, COUNTY = "U010", "U010-522732"


def test_reading_extracts_and_only_the_pipeline_validates(filled_forms):
    imported = {m.group(1) for path in (SRC / "read").glob("*.py")
                for m in re.finditer(r"^\s*(?:from|import) (formkit\.\w+)", path.read_text(encoding="utf-8"), re.M)}
    assert not imported & {"formkit.validate", "formkit.pipeline", "formkit.intake", "formkit.store"}

    def filled_in_2020(xml: str) -> str:  # a fill date outside the evaluation year: a rule, not a bad value
        at = xml.index('"fk:fill_date"')
        return xml[:at] + re.sub(r">2026年", ">2020年", xml[at:], count=1)

    data = hv.edit_part(filled_forms[UNIT].read_bytes(), "word/document.xml", filled_in_2020)
    extracted = extract(data)
    assert extracted.values["fill_date"].year == 2020 and not [f for f in extracted.findings if f.code.startswith("rule.")]
    assert "rule.date-outside-year" in [f.code for f in read_document(data).findings]


def test_read_and_ingest_give_the_same_result_for_the_same_file(store, filled_forms, issued):
    paths = [filled_forms[UNIT], filled_forms[COUNTY]]
    read = [result for _path, result in read_many(paths)]
    store.record_issued(issued_rows(issued[1], YEAR))  # who a form is for, the store takes from what was issued
    list(ingest(paths, store))
    stored = {s.recipient.id: s for s in store.submissions()}
    for result in read:
        sub = stored[result.recipient["id"]]
        assert (sub.form, sub.year, sub.record.values["unit_name"]) == (result.form, result.year,
                                                                        result.values["unit_name"])
        assert [(f.code, f.message) for f in sub.record.findings] == [(f.code, f.message) for f in result.findings]
        who = sub.recipient
        assert (who.unit_id, who.unit, who.county, who.period) == tuple(
            result.recipient[k] for k in ("unit_id", "unit", "county", "period"))
    assert stored[COUNTY].recipient.unit_id == UNIT and stored[COUNTY].recipient.county == "云雾县"


def test_a_unit_and_its_county_read_in_one_batch_are_checked_against_each_other(filled_forms, tmp_path):
    county = tmp_path / "county.docx"
    county.write_bytes(hv.set_value(filled_forms[COUNTY].read_bytes(), "投入帮扶资金实际到位（万元）", hv.typed("1")))
    runner = CliRunner()

    def codes(*paths):
        done = runner.invoke(main, ["read", "--json", *map(str, paths)])
        return {json.loads(line)["recipient"]["id"]: [f["code"] for f in json.loads(line)["findings"]]
                for line in done.stdout.splitlines()}

    together = codes(filled_forms[UNIT], county)
    assert together[COUNTY].count("rule.funds-differ") == 1 and "rule.funds-differ" not in together[UNIT]
    # the county's JSON, made as soon as it was read, is made again with the finding its unit read after it gives
    assert codes(county, filled_forms[UNIT]) == together
    assert "rule.funds-differ" not in codes(county)[COUNTY]  # its unit's form is not in the batch


def test_a_batch_pairs_a_unit_and_its_county_by_the_unit_id_when_both_have_one(filled_forms, tmp_path):
    county_path = tmp_path / "county.docx"
    county_path.write_bytes(hv.set_value(filled_forms[COUNTY].read_bytes(), "投入帮扶资金实际到位（万元）", hv.typed("1")))
    unit, county = read_file(filled_forms[UNIT]), read_file(county_path)
    assert unit.recipient["unit_id"] == county.recipient["unit_id"] == UNIT

    def flagged(*batch):
        return [r.recipient["id"] for r in cross_checked(batch) if "rule.funds-differ" in [f.code for f in r.findings]]

    def typed_name(result, name):
        return dataclasses.replace(result, values={**result.values, "unit_name": name})

    def unit_id(result, value):
        return dataclasses.replace(result, recipient={**result.recipient, "unit_id": value})

    assert flagged(unit, county) == [COUNTY]
    assert flagged(typed_name(unit, "中央某部"), county) == [COUNTY]  # the unit's name typed differently: same unit
    assert flagged(unit_id(unit, "U099"), county) == []  # another unit's form, though it names this unit
    assert flagged(unit_id(unit, None), county) == [COUNTY]  # a form without a unit id: by the typed name
    assert flagged(unit_id(typed_name(unit, "中央某部"), None), county) == []
