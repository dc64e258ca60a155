"""Each cross-field rule of the regulation, with the awkward cases."""

from datetime import date

import pytest

from formkit.config import load_config
from formkit.forms import load_form
from formkit.forms.loader import load_form_file
from formkit.resources import forms_dir
from formkit.validate.cross import funds_differ
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
