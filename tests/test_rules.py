"""Each cross-field rule of the regulation, with the awkward cases."""

import dataclasses
from datetime import date

import pytest
from conftest import YEAR

from formkit.config import Plausibility, load_config
from formkit.errors import DefinitionError
from formkit.evaluation.flags import finding_flags
from formkit.forms import load_form
from formkit.forms.loader import load_form_file
from formkit.intake.ingest import ingest
from formkit.issue.batch import issued_rows
from formkit.resources import forms_dir
from formkit.simulate import fill_recipients
from formkit.validate.cross import confirming, cross_findings, funds_differ
from formkit.validate.paths import location_at, parse_path, path_text, raw_at
from formkit.validate.rules import RULES, RuleContext, apply_rules

CONFIG = load_config(2026)
COUNTIES = [{"county": "甲县", "province": "某省", "key_county": True},
            {"county": "乙县", "province": "某省", "key_county": False}]


def base(**changes):
    values = {
        "unit_name": "测试单位", "year": 2026, "counties": COUNTIES,
        "visits": [{"county": "甲县", "date": date(2026, 5, 1), "leader": "张", "post": "书记", "main_leader": True},
                   {"county": "乙县", "date": date(2026, 6, 1), "leader": "李", "post": "副", "main_leader": False}],
        "cadres": [{"county": "甲县", "name": "王", "posts": "副县长", "start": date(2025, 7, 1),
                    "end": date(2027, 7, 1), "in_charge": True},
                   {"county": "乙县", "name": "赵", "posts": "副县长", "start": date(2026, 1, 1), "end": None,
                    "in_charge": True}],
        "first_secretaries": [{"county": "甲县", "village": "一村", "name": "钱", "start": date(2025, 3, 1)}],
        "funds": [{"county": "甲县", "invested_free": 300, "invested_repayable": 0, "brought_free": 100,
                   "brought_repayable": 50},
                  {"county": "乙县", "invested_free": 200, "invested_repayable": 10.5, "brought_free": 0,
                   "brought_repayable": 0}],
        "trained_officials": 1200, "trained_technicians": 300, "consumer_bought": 88.8, "consumer_sold": 120,
        "responsibility": [{"indicator": "投入帮扶资金", "measure": "万元", "committed": 500, "achieved": 510.5},
                           {"indicator": "引进帮扶资金", "measure": "万元", "committed": 100, "achieved": 150},
                           {"indicator": "培训基层干部", "measure": "人次", "committed": 1000, "achieved": 1200}],
        "violations": False, "violations_detail": None, "fill_date": date(2026, 12, 20),
    }
    values.update(changes)
    return values


def run(values, form="self-assessment", roster=None, recipient=None, raw=None, definition=None):
    return apply_rules(RuleContext(form, 2026, values, raw or {}, CONFIG, roster, recipient, definition))


def codes(findings):
    return sorted(f.code for f in findings)


def test_a_consistent_form_raises_nothing():
    assert run(base()) == []


def test_rules_are_named_and_registered():
    names = [name for name, _ in RULES["self-assessment"]]
    assert {"rule.county-not-visited", "rule.no-cadre", "rule.no-first-secretary", "rule.total-mismatch",
            "rule.date-outside-year", "rule.counties-mismatch"} <= set(names)


def test_county_not_visited():
    visits = [dict(base()["visits"][0]), {"county": "乙县", "date": None, "leader": "李"}]  # a row without a date
    [f] = run(base(visits=visits))
    assert f.code == "rule.county-not-visited" and "乙县" in f.message and f.severity == "warning"


def test_no_cadre_per_county_and_no_first_secretary():
    found = run(base(cadres=[base()["cadres"][0]], first_secretaries=[]))
    assert codes(found) == ["rule.no-cadre", "rule.no-first-secretary"]
    assert "乙县" in found[0].message or "乙县" in found[1].message


def test_totals_equal_the_sum_of_their_parts():
    resp = [{"indicator": "投入帮扶资金", "measure": "万元", "committed": 500, "achieved": 600}]
    [f] = run(base(responsibility=resp))
    assert f.code == "rule.total-mismatch" and "600" in f.message and "510.5" in f.message


def test_a_bundle_is_compared_with_both_parts_not_counted_twice():
    resp = [{"indicator": "投入和引进帮扶资金", "measure": "万元", "committed": 600, "achieved": 660.5}]
    assert run(base(responsibility=resp)) == []
    resp = [{"indicator": "购买和帮助销售脱贫地区农产品", "measure": "万元", "committed": 100, "achieved": 88.8}]
    assert codes(run(base(responsibility=resp))) == ["rule.total-mismatch"]


def test_person_times_row_is_compared_with_training():
    resp = [{"indicator": "培训基层干部", "measure": "人次", "committed": 1000, "achieved": 1100}]
    assert codes(run(base(responsibility=resp))) == ["rule.total-mismatch"]


def test_dates_inside_the_evaluation_year():
    visits = [dict(base()["visits"][0], date=date(2025, 12, 31)), base()["visits"][1],
              dict(base()["visits"][0], date=date(2026, 5, 2))]
    found = run(base(visits=visits, fill_date=date(2027, 4, 1)))
    assert codes(found) == ["rule.date-outside-year", "rule.date-outside-year"]
    assert run(base(fill_date=date(2027, 2, 28))) == []  # early next year is normal


def test_cadre_end_before_start_is_an_error():
    cadres = [dict(base()["cadres"][0], end=date(2025, 1, 1)), base()["cadres"][1]]
    [f] = run(base(cadres=cadres))
    assert f.code == "rule.end-before-start" and f.severity == "error"


def test_rows_about_counties_not_designated():
    funds = base()["funds"] + [{"county": "丙县", "invested_free": 1}]
    found = run(base(funds=funds))
    assert codes(found) == ["rule.total-mismatch", "rule.unknown-county"]  # the extra 1 万元 shows in the total too
    assert "丙县" in next(f for f in found if f.code == "rule.unknown-county").message


def test_counties_on_the_form_match_the_roster(sample_roster):
    unit = next(u for u in sample_roster.units if u.id == "U012")
    counties = [{"county": c.name} for c in sample_roster.counties_of(unit)]
    ok = base(unit_name=unit.name, counties=counties, visits=[], cadres=[], funds=[], responsibility=[])
    assert "rule.counties-mismatch" not in codes(run(ok, roster=sample_roster, recipient="U012"))
    wrong = dict(ok, counties=counties[1:] + [{"county": "丙县"}])
    found = [f for f in run(wrong, roster=sample_roster, recipient="U012") if f.code == "rule.counties-mismatch"]
    assert len(found) == 2 and any(counties[0]["county"] in f.message for f in found)
    assert run(wrong) == [f for f in run(wrong) if f.code != "rule.counties-mismatch"]  # no roster, no check


def test_county_form_matches_a_roster_pair(sample_roster):
    good = {"unit_name": "北方理工大学", "county": "青岩县", "year": 2026}
    assert run(good, "county-feedback", sample_roster) == []
    [f] = run({**good, "county": "云雾县"}, "county-feedback", sample_roster)
    assert f.code == "rule.counties-mismatch"


def test_violation_needs_a_description():
    [f] = run(base(violations=True))
    assert f.code == "rule.violation-without-detail"
    assert run(base(violations=True, violations_detail="某干部违反中央八项规定精神，已严肃处理。")) == []


def test_main_leader_visit_needs_a_visit():
    [f] = run({"year": 2026, "main_leader_visited": True, "visits_received": 0}, "county-feedback")
    assert f.code == "rule.main-leader-without-visit"


@pytest.mark.parametrize("confirmed, flagged", [(300, False), (300.5, False), (250, True), (None, False)])
def test_county_confirmed_funds_against_the_unit_claim(confirmed, flagged):
    county = {"county": "甲县", "funds_invested_arrived": confirmed, "funds_brought_arrived": 150}
    found = funds_differ(base(), county, CONFIG)
    assert [f.code for f in found] == (["rule.funds-differ"] if flagged else [])
    if flagged:
        assert "250" in found[0].message and "300" in found[0].message


def test_funds_differ_is_the_county_forms_finding_about_the_county_with_its_figures():
    county = {"county": "甲县", "funds_invested_arrived": 250, "funds_brought_arrived": 150}
    raw = {"funds_invested_arrived": {"text": "250", "location": {"table": 3, "row": 2}}}
    [f] = funds_differ(base(), county, CONFIG, raw)
    assert f.label == load_form("county-feedback").field("funds_invested_arrived").label
    assert f.subject == "甲县" and f.params == {"confirmed": 250.0, "claimed": 300.0, "diff": 50.0}
    assert f.message == f"表3 第2行「{f.label}」：县确认到位 250 万元，单位自评表填报 300 万元，相差 50 万元"
    assert f.field == "funds_invested_arrived" and f.location == {"table": 3, "row": 2}


def test_a_finding_keeps_its_label_reason_and_figures_apart():
    visits = [base()["visits"][0]]
    [f] = run(base(visits=visits))
    assert f.label == load_form("self-assessment").field("visits").label
    assert f.reason == "“乙县”本年度没有单位负责同志调研考察的记录（指标1.1要求每县至少一次）"
    assert f.params == {"county": "乙县"} and f.subject == "乙县"
    assert f.message == f"「{f.label}」：{f.reason}"


def test_labels_come_from_the_form_definition(tmp_path):
    """A secretariat that renames a column sees its own label in the findings, not one typed in the rules."""
    text = (forms_dir() / "self-assessment.yaml").read_text(encoding="utf-8")
    assert text.count("label: 调研日期") == 1
    path = tmp_path / "self-assessment.yaml"
    path.write_text(text.replace("label: 调研日期", "label: 到县调研日期"), encoding="utf-8")
    visits = [dict(base()["visits"][0], date=date(2025, 12, 31)), base()["visits"][1]]
    [f] = run(base(visits=visits), definition=load_form_file(path, 2026))
    assert f.code == "rule.date-outside-year" and f.label == "到县调研日期"
    assert f.params == {"date": "2025-12-31", "year": 2026}


def test_a_finding_is_placed_where_its_value_was_read():
    visits = [dict(base()["visits"][0], date=date(2025, 12, 31)), base()["visits"][1]]
    cell = {"text": "2025年12月31日", "location": {"table": 3, "row": 2, "column": 2}}
    raw = {"visits": [{"county": {"text": "甲县", "location": {"table": 3, "row": 2, "column": 1}}, "date": cell}]}
    [f] = run(base(visits=visits), raw=raw)
    assert f.field == "visits[0].date" and f.location == cell["location"]
    assert f.message.startswith("表3 第2行「调研日期」：调研日期 2025年12月31日 不在评价年度 2026 年内")


def test_raw_at_finds_what_was_read_at_a_path():
    cell = {"text": "300", "location": {"table": 8, "row": 2}}
    raw = {"unit_name": {"text": "某部", "location": {"table": 1, "row": 1}},
           "funds": [{"county": {"text": "甲县"}, "invested_free": cell}, None]}
    assert raw_at(raw, "funds[0].invested_free") is cell and raw_at(raw, ("funds", 0, "invested_free")) is cell
    assert raw_at(raw, "funds[0]") == {"text": "甲县"}  # a row: its first cell
    assert raw_at(raw, "unit_name")["text"] == "某部" and location_at(raw, "unit_name") == {"table": 1, "row": 1}
    for missing in ("funds", "funds[1].county", "funds[9].county", "funds[0].nothing", "nothing", "unit_name[0].x"):
        assert raw_at(raw, missing) == {} and location_at(raw, missing) == {}
    assert parse_path("visits[2].date") == ("visits", 2, "date") and path_text(("visits", 2, "date")) == "visits[2].date"


@pytest.mark.parametrize("suggested", ['"[1]"', "[1]", '{"values": [1]}', '{"values": {"trained_officials": "很多"}}',
                                       '{"values": {"no_such_field": 3}}', '{"rows": {"funds": {"太行县": "x"}}}',
                                       '{"rows": {"funds": {"太行县": {"invested_free": "约三百万"}}}}',
                                       '{"rows": {"no_table": {}}, "source": 7}', "{" * 5000])
def test_what_the_issued_form_proposed_is_checked_before_it_is_used(suggested):
    """The proposal travels in the returned document's properties, where anyone can change it: nonsense in
    it is ignored, never a crash (a crash stores the file as crashed, to be read again at every ingest)."""
    from formkit.validate.rules import differs_from_suggested

    form = load_form("self-assessment", 2026)
    values = {"trained_officials": 12, "funds": [{"county": "太行县", "invested_free": 100.0}]}
    assert differs_from_suggested(form, values, {}, suggested) == []


def test_a_year_beyond_the_calendar_is_no_crash_for_the_date_rules():
    ctx = RuleContext("self-assessment", None, {"year": 99999, "visits": [{"county": "太行县", "date": date(2026, 5, 1)}],
                                                 "fill_date": date(2026, 12, 1)}, {}, CONFIG)
    assert all(f.code != "rule.date-outside-year" for f in apply_rules(ctx))


# -- indicator 2.1: the two-year term, the deputy post ------------------------------------------------------
def cadre(**changes):
    return {"county": "甲县", "name": "王", "posts": "原任某部处长，挂任甲县县委常委、副县长", "start": date(2024, 7, 1),
            "end": None, "in_charge": True, **changes}


@pytest.mark.parametrize("end, flagged", [
    (date(2026, 3, 1), True),  # ended after 20 months
    (date(2026, 6, 29), True),  # one day short
    (date(2026, 6, 30), False),  # 2024-07-01 to 2026-06-30: two full years
    (None, False),  # still running: no breach
    (date(2027, 3, 1), False),  # planned to end after the year: still running at its end
])
def test_a_term_that_ended_short_of_two_years_is_a_warning(end, flagged):
    found = [f for f in run(base(cadres=[cadre(end=end), base()["cadres"][1]])) if f.code == "rule.term-under-two-years"]
    assert len(found) == flagged
    if flagged:
        assert found[0].severity == "warning" and found[0].field == "cadres[0].end" and found[0].subject == "甲县"
        assert "不满两年" in found[0].reason and found[0].label == "挂职结束时间"


def test_the_two_year_term_of_first_secretaries_and_its_awkward_dates():
    secretaries = [{"county": "甲县", "village": "一村", "name": "钱", "start": date(2024, 2, 29), "end": date(2026, 2, 28)},
                   {"county": "甲县", "village": "二村", "name": "孙", "start": date(2025, 3, 1), "end": date(2026, 9, 1)}]
    [f] = [f for f in run(base(first_secretaries=secretaries)) if f.code == "rule.term-under-two-years"]
    assert f.field == "first_secretaries[1].end" and f.params["name"] == "孙" and f.label == "任职结束时间"
    # an end before its start is the end-before-start error alone
    backwards = run(base(cadres=[cadre(end=date(2024, 1, 1)), base()["cadres"][1]]))
    assert codes(backwards) == ["rule.end-before-start"]


@pytest.mark.parametrize("posts, in_charge, flagged", [
    ("原任某部处长，挂任甲县县委常委、副县长", False, True),
    ("挂任甲县人民政府副县长", False, True),
    ("挂任县委副书记", False, True),
    ("原任某部处长，挂任甲县县委常委、副县长", True, False),  # in charge of rural revitalisation
    ("原任某部处长，挂任甲县县委常委、副县长", None, False),  # blank: the required field's own error
    ("原任某司副司长，挂任县长助理", False, False),  # not a deputy post of the county
    ("原任某县副县长，挂任乙村第一书记", False, False),  # the post held at home does not count
])
def test_a_cadre_in_a_deputy_county_post_is_in_charge_of_rural_revitalisation(posts, in_charge, flagged):
    found = [f for f in run(base(cadres=[cadre(posts=posts, in_charge=in_charge), base()["cadres"][1]]))
             if f.code == "rule.deputy-not-in-charge"]
    assert len(found) == flagged
    if flagged:
        assert found[0].field == "cadres[0].in_charge" and found[0].severity == "warning" and "乡村振兴" in found[0].reason


# -- indicator 2.1 and 1.1 across documents: what the county confirms -------------------------------------
def county(**changes):
    """甲县's feedback agreeing with base(): one cadre on post, no first secretary of the unit, one visit by
    the main leader."""
    return {"county": "甲县", "year": 2026, "cadres_present": 1, "first_secretaries_present": 1,
            "visits_received": 1, "main_leader_visited": True, "funds_invested_arrived": 300,
            "funds_brought_arrived": 150, "fill_date": date(2026, 12, 10), **changes}


def cross(unit=None, **changes):
    return cross_findings(unit or base(), county(**changes), CONFIG)


def test_a_county_that_agrees_raises_nothing_and_confirming_says_what_it_would_confirm():
    assert cross() == []
    assert confirming(base(), "甲县", CONFIG) == {k: v for k, v in county().items()
                                                  if k not in ("county", "year", "fill_date")}


@pytest.mark.parametrize("present, flagged", [(1, False), (0, True), (2, True)])
def test_cadres_on_post_against_the_units_list(present, flagged):
    found = cross(cadres_present=present)
    assert codes(found) == (["rule.cadres-differ"] if flagged else [])
    if flagged:
        f = found[0]
        assert f.field == "cadres_present" and f.subject == "甲县" and f.params["listed"] == 1
        assert f.label == load_form("county-feedback").field("cadres_present").label


def test_a_cadre_whose_term_ended_before_the_county_counted_may_be_absent_but_not_invented():
    cadres = [cadre(name="王", end=date(2026, 6, 30)), cadre(name="周", start=date(2026, 1, 1)), base()["cadres"][1]]
    unit = base(cadres=cadres)
    assert cross(unit, cadres_present=1) == [] and cross(unit, cadres_present=2) == []  # the county may count 王
    assert codes(cross(unit, cadres_present=0)) == ["rule.cadres-differ"]  # 周 is on post
    assert codes(cross(unit, cadres_present=3)) == ["rule.cadres-differ"]  # nobody listed is the third


def test_first_secretaries_by_the_county_the_unit_typed_and_without_end_dates_on_an_earlier_form():
    secretaries = [{"county": "某省甲县", "village": "一村", "name": "钱", "start": date(2025, 3, 1)},  # a v1 row: no end
                   {"county": "乙县", "village": "二村", "name": "孙", "start": date(2025, 3, 1)}]
    unit = base(first_secretaries=secretaries)
    assert cross(unit) == []
    [f] = cross(unit, first_secretaries_present=0)
    assert f.code == "rule.secretaries-differ" and f.params == {"confirmed": 0, "listed": 1, "on_post": 1}


@pytest.mark.parametrize("changes, flagged", [
    ({}, []),
    ({"visits_received": 2}, ["visits_received"]),
    ({"visits_received": 0, "main_leader_visited": False}, ["main_leader_visited", "visits_received"]),
    ({"main_leader_visited": False}, ["main_leader_visited"]),
    ({"visits_received": None, "main_leader_visited": None}, []),  # blank: its own finding
])
def test_visits_against_the_countys_confirmation(changes, flagged):
    found = cross(**changes)
    assert all(f.code == "rule.visits-differ" for f in found) and sorted(f.field for f in found) == flagged


def test_a_visit_in_another_year_is_not_counted_for_the_county():
    visits = [dict(base()["visits"][0], date=date(2025, 11, 1)), base()["visits"][1]]
    assert [f.field for f in cross(base(visits=visits))] == ["visits_received", "main_leader_visited"]


def test_the_store_keeps_a_cross_finding_on_both_sides_placed_on_the_units_row():
    from formkit.store.later import pair_findings
    from formkit.store.records import Record

    cell = {"text": "王", "location": {"table": 5, "row": 2, "column": 1}}
    unit = Record("self-assessment", 2, 2026, base(), {"cadres": [{"county": cell}]}, (), {})
    county_record = Record("county-feedback", 1, 2026, {k: v for k, v in county(cadres_present=0).items()
                                                        if k != "county"}, {}, (), {})
    found = pair_findings(unit, county_record, 2026, "甲县")
    assert [(side, f.code, f.field) for side, f in found] == [("county-feedback", "rule.cadres-differ", "cadres_present"),
                                                              ("self-assessment", "rule.cadres-differ", "cadres[0]")]
    assert found[1][1].location == cell["location"]
    assert pair_findings(unit, county_record, 2026, "甲县", codes=("rule.funds-differ",)) == []  # a v5 upgrade's rules


# -- plausibility of the responsibility letter (thresholds: the working group's, cycle.yaml) ----------------
def letter(committed, achieved, measure="万元", indicator="帮扶项目资金"):
    """One responsibility-letter row of an indicator the form has no total for (no total-mismatch)."""
    return [{"indicator": indicator, "measure": measure, "committed": committed, "achieved": achieved}]


@pytest.mark.parametrize("committed, achieved, code", [
    (100, 280, "rule.completion-implausible"),  # 280 %
    (100, 2311, "rule.completion-implausible"),  # 2311 %
    (100, 150, None),  # a genuine 150 %
    (100, 200, None),  # the threshold itself
    (100, 40, None),  # not met: not implausible
    (15000, 1.5, "rule.amount-unit-slip"),  # achieved typed in 亿元
    (1.2, 12500, "rule.amount-unit-slip"),  # committed typed in 亿元
    (0, 500, None),  # nothing committed: no rate
])
def test_completion_rates_that_look_like_a_slip_are_flagged(committed, achieved, code):
    found = [f for f in run(base(responsibility=letter(committed, achieved)))
             if f.code in ("rule.completion-implausible", "rule.amount-unit-slip")]
    assert [f.code for f in found] == ([code] if code else [])
    if code == "rule.amount-unit-slip":
        assert found[0].field == f"responsibility[0].{'achieved' if achieved < committed else 'committed'}"
        assert "亿元" in found[0].reason and found[0].severity == "warning"
    if code == "rule.completion-implausible":
        assert f"{achieved / committed:.0%}" in found[0].reason


def test_person_times_are_never_a_money_slip_and_the_ledger_is_checked_too():
    [f] = run(base(responsibility=letter(10, 50000, "人次", "培训乡村振兴带头人")))
    assert f.code == "rule.completion-implausible"
    ledger = {"year": 2026, "quarter": 2, "targets": letter(5000, 0.3) + letter(100, 120)}
    [f] = run(ledger, form="quarterly-ledger")
    assert (f.code, f.field) == ("rule.amount-unit-slip", "targets[0].achieved")


def test_without_thresholds_in_the_configuration_nothing_is_judged_implausible():
    values = base(responsibility=letter(100, 2311))
    none = RuleContext("self-assessment", 2026, values, {}, dataclasses.replace(CONFIG, plausibility=Plausibility()))
    assert apply_rules(none) == [] and CONFIG.plausibility.source.startswith("工作组")


# -- a form issued at an earlier version still reads --------------------------------------------------------
def test_a_self_assessment_issued_at_version_1_reads_without_the_columns_added_since():
    from pathlib import Path

    from formkit.pipeline import read_document

    form = load_form("self-assessment")
    assert form.version == 2 and form.field("first_secretaries").column("end").since == 2
    old = form.as_of(1)
    assert old.version == 1 and "end" not in [c.key for c in old.field("first_secretaries").columns]
    assert [c.key for c in old.field("cadres").columns] == [c.key for c in form.field("cadres").columns]
    legacy = Path(__file__).parent / "fixtures" / "legacy" / "formkit-originals"
    [path] = legacy.glob("b4/b4b18122*")  # U001's self-assessment, issued and returned at version 1
    result = read_document(path.read_bytes())
    assert result.version == 1 and result.values["unit_name"] and len(result.values["first_secretaries"]) == 3
    assert all("end" not in row for row in result.values["first_secretaries"])
    found = {f.code for f in result.findings}
    assert "read.other-version" in found and "read.column-missing" not in found and not result.has_errors


def test_a_column_cannot_be_added_after_the_forms_own_version(tmp_path):
    text = (forms_dir() / "self-assessment.yaml").read_text(encoding="utf-8")
    path = tmp_path / "self-assessment.yaml"
    path.write_text(text.replace("            since: 2\n", "            since: 3\n"), encoding="utf-8")
    with pytest.raises(DefinitionError) as err:
        load_form_file(path, 2026)
    assert err.value.code == "form.invalid"


@pytest.mark.slow
def test_a_county_that_counts_other_cadres_and_visits_reaches_both_forms_in_the_store(store, issued, sample_roster,
                                                                                      tmp_path):
    out, results = issued
    store.record_issued(issued_rows(results, YEAR))
    files = {(r.form, r.recipient_id): out / r.file for r in results}
    filled = fill_recipients(sample_roster, YEAR, files, tmp_path / "returned",
                             {"U001-130731": {"cadres_present": "0", "visits_received": "9"}})
    for rid in ("U001-130731", "U001"):  # the county first: the check runs when the unit's form arrives
        list(ingest([filled[rid]], store, YEAR))
    current = store.current(YEAR)
    county_form, unit = current[("county-feedback", "U001-130731")], current[("self-assessment", "U001")]
    assert sorted((f.code, f.field) for f in county_form.later) == [("rule.cadres-differ", "cadres_present"),
                                                                    ("rule.visits-differ", "visits_received")]
    assert sorted((f.code, f.subject, f.field) for f in unit.later) == [("rule.cadres-differ", "太行县", "cadres[0]"),
                                                                        ("rule.visits-differ", "太行县", "visits[0]")]
    flags = [f for f in finding_flags(unit, [], CONFIG) if f.code.endswith("-differ")]
    assert [f.text.split("「")[0] for f in flags] == ["太行县", "太行县"]  # the dossier's 【提请关注】
