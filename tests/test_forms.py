import json
import textwrap

import pytest

from formkit.config import load_config
from formkit.errors import DefinitionError
from formkit.forms import form_ids, load_form
from formkit.forms.contract import form_contract
from formkit.forms.loader import load_form_file
from formkit.forms.model import FIELD_TYPES


def test_the_forms_are_defined():
    assert set(form_ids()) == {"self-assessment", "county-feedback", "review-vote", "quarterly-ledger", "half-year-report"}


def test_a_per_choice_column_becomes_one_tick_box_per_configured_grade(tmp_path):
    from formkit.forms.model import choice_groups

    votes = load_form("review-vote", 2026).field("votes")
    ticks = choice_groups(votes)["grade"]
    assert [c.label for c in ticks] == ["好", "较好", "一般"] and {c.type for c in ticks} == {"boolean"}


def test_grade_names_from_a_secretariats_own_configuration_reach_the_voting_sheet(own_grades):
    from formkit.forms.model import choice_groups

    ticks = choice_groups(load_form("review-vote", 2026).field("votes"))["grade"]
    assert [c.label for c in ticks] == ["优秀", "良好", "合格", "较差"]


@pytest.mark.parametrize("form_id", ["self-assessment", "county-feedback", "review-vote", "quarterly-ledger", "half-year-report"])
def test_contract_shape(form_id):
    contract = form_contract(load_form(form_id))
    assert contract["form"] == form_id
    assert isinstance(contract["version"], int)
    assert contract["title"]
    json.dumps(contract, ensure_ascii=False)
    for field in contract["fields"]:
        assert {"key", "label", "type", "required"} <= set(field)
        assert field["type"] in FIELD_TYPES
        if field["type"] == "choice":
            assert field["choices"]
        if field["type"] == "amount":
            assert field.get("unit") == "万元"
        if field["type"] == "table":
            assert field["columns"]
            for col in field["columns"]:
                assert {"key", "label", "type", "required"} <= set(col)
                assert col["type"] != "table"
                if col["type"] == "amount":
                    assert col.get("unit") == "万元" or col.get("unit_from")


@pytest.mark.parametrize("form_id", ["self-assessment", "county-feedback"])
def test_labels_are_unique_and_carry_units(form_id):
    form = load_form(form_id)
    labels = [f.label for f in form.fields]
    assert len(labels) == len(set(labels))
    for f in form.fields:
        if f.type in ("amount", "integer") and f.unit:
            assert f"（{f.unit}）" in f.label, f.label


def test_self_assessment_captures_what_domain_requires():
    form = load_form("self-assessment")
    keys = {f.key for f in form.fields}
    assert {"unit_name", "category", "year", "counties", "visits", "annual_plan", "working_body",
            "responsible_person", "special_meetings", "cadres", "first_secretaries", "funds",
            "industry_projects", "industry_investment", "trained_officials", "trained_leaders",
            "trained_technicians", "industry_narrative", "talent_narrative", "culture_narrative",
            "ecology_narrative", "organisation_narrative", "consumer_bought", "consumer_sold",
            "responsibility", "violations", "problems", "next_year_plan", "contact_person",
            "contact_phone", "fill_date"} <= keys
    visits = form.field("visits")
    assert [c.key for c in visits.columns] == ["county", "date", "leader", "post", "main_leader"]
    assert visits.rows_from == "counties"
    cadres = form.field("cadres")
    assert {"name", "posts", "start", "end", "in_charge"} <= {c.key for c in cadres.columns}
    secretaries = {c.key: c.label for c in form.field("first_secretaries").columns}
    assert secretaries["sent_by"] == "派出单位" and {"start", "end"} <= set(secretaries)
    funds = form.field("funds")
    assert [c.unit for c in funds.columns[1:]] == ["万元"] * 4
    assert form.field("counties").prefilled
    assert {c.key for c in form.field("responsibility").columns} == {"indicator", "measure", "committed", "achieved"}
    # 人 and 人次 are different units
    assert form.field("trained_officials").unit == "人次" and form.field("jobs_supported").unit == "人"


def test_county_feedback_captures_grades_and_confirmations():
    form = load_form("county-feedback")
    grades = [f for f in form.fields if f.key.startswith("grade_")]
    assert len(grades) == 5  # 4 areas and overall
    assert all(f.choices == ("好", "较好", "一般") for f in grades)
    assert {"funds_invested_arrived", "funds_brought_arrived", "cadres_present", "return_to_poverty",
            "problems", "suggestions", "filled_by", "contact_phone", "fill_date"} <= {f.key for f in form.fields}
    assert [f.key for f in form.fields if f.prefilled] == ["county", "province", "key_county", "unit_name", "year"]


def test_choices_come_from_the_years_configuration():
    assert load_config(2021).coordinator == "国家乡村振兴局"
    assert load_config(2024).coordinator == "农业农村部"
    assert "国家乡村振兴局" in load_form("self-assessment", 2021).instructions[0]
    assert "农业农村部" in load_form("self-assessment", 2024).instructions[0]
    categories = load_form("self-assessment", 2024).field("category").choices
    assert categories == load_config(2024).category_names and len(categories) == 5


def _definition(tmp_path, fields: str):
    path = tmp_path / "draft.yaml"
    path.write_text(textwrap.dedent("""\
        form: draft
        code: DR
        version: 1
        recipient: unit
        title: 草稿
        sections:
          - title: 一
            fields:
        """) + textwrap.indent(textwrap.dedent(fields), "      "), encoding="utf-8")
    return path


@pytest.mark.parametrize("fields, code", [
    ("- {key: a, label: 甲, type: text}\n- {key: b, label: 甲, type: text}\n", "form.duplicate-label"),
    ("- {key: a, label: 甲, type: text}\n- {key: a, label: 乙, type: text}\n", "form.duplicate-key"),
    ("- {key: a, label: 甲, type: money}\n", "form.unknown-type"),
    ("- {key: a, label: 甲, type: text, indicator: '9.9'}\n", "form.unknown-indicator"),
    ("- {key: a, label: 甲, type: text, lable: x}\n", "form.unknown-attribute"),
    ("- {key: a, label: 甲, type: text, prefill: county.name}\n", "form.invalid-prefill"),
    ("- {key: a, label: 甲, type: choice}\n", "form.invalid"),
    ("- {key: 12, label: 甲, type: text}\n", "form.invalid"),  # a key is text: a record's keys are (intake)
    ("- {key: t, label: 甲, type: table, computed: [{label: 率, measure: x}], columns: [{key: a, label: 乙, type: text}]}\n",
     "form.invalid"),
])
def test_bad_definitions_are_refused_with_a_code(tmp_path, fields, code):
    with pytest.raises(DefinitionError) as err:
        load_form_file(_definition(tmp_path, fields))
    assert err.value.code == code


def test_the_forms_declare_the_blocks_a_clerk_expects():
    """填报单位（盖章） with the date under the title, a signature block (signed by the unit's leader, or by the
    县委 or 县政府 and sealed), 联系电话 wherever a contact is asked for, a 合计 row and a 完成率 column that
    formkit computes, and every Word form laid out with numbered tables."""
    unit, county = load_form("self-assessment"), load_form("county-feedback")
    for form in (unit, county, load_form("half-year-report")):
        assert form.filer.label == "填报单位（盖章）" and form.field(form.filer.date).type == "date"
        [signed] = [s for s in form.sections if s.signature]
        assert "contact_phone" in {f.key for f in signed.fields}
    assert [s.signature for s in unit.sections if s.signature][0].signer == "单位负责同志（签字）"
    [county_signed] = [s.signature for s in county.sections if s.signature]
    assert (county_signed.signer, county_signed.seal) == ("县委或县政府负责同志（签字）", "县委或县政府（盖章）")
    assert "contact_phone" in {f.key for f in load_form("quarterly-ledger").fields}
    assert unit.field("funds").total == "合计" and load_form("half-year-report").field("figures").total == "合计"
    assert [(c.label, c.measure) for c in unit.field("responsibility").computed] == [("完成率", "completion")]
    assert all(load_form(f).layout_since for f in form_ids() if load_form(f).format == "docx")


def test_fields_added_by_a_version_are_not_in_a_copy_of_an_earlier_one():
    sa, ledger = load_form("self-assessment"), load_form("quarterly-ledger")
    old = sa.as_of(1)
    assert {c.key for c in old.field("first_secretaries").columns} == {"county", "village", "name", "start"}
    assert "contact_phone" not in {f.key for f in ledger.as_of(1).fields}
    assert old.version == 1 and sa.version >= 2
