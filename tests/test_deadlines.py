"""The year's schedule (cycle.yaml `deadlines:` and `transition:`): every step has a deadline marked as the
办法's or the working group's; the forms, `formkit status`, the 催报名单 and the notices say the same dates
(ledgers and half-year reports included, each for its own period); overdue recipients are marked; a year
outside the 过渡期 is said once, when its forms are issued, and nowhere else. The working group's dates and
checking thresholds are never defaults: only the demo year sets them, as a sample; a year without them shows
未设定 (never overdue) and runs no plausibility rule."""

import json
import shutil
from datetime import date

import pytest
import yaml
from click.testing import CliRunner
from conftest import FIXED, YEAR
from openpyxl import load_workbook

from formkit.cli import main
from formkit.config import REGULATION, WORKING_GROUP, WORKING_GROUP_SETTINGS, load_config, working_group_in_default
from formkit.errors import DefinitionError
from formkit.forms import load_form
from formkit.forms.cycle import cycle
from formkit.forms.schedule import due, notice_dates, outside_transition, steps
from formkit.intake.ingest import ingest
from formkit.intake.status import status, write_missing_xlsx
from formkit.issue import issue_forms
from formkit.issue.batch import issued_rows
from formkit.resources import forms_dir, samples_dir
from formkit.simulate import fill_ledgers
from formkit.validate.cross import funds_differ
from formkit.validate.rules import RuleContext, plausibility

STEPS = {"quarterly-ledger", "half-year-report", "self-assessment", "county-feedback", "review-vote", "combined-review"}


@pytest.fixture
def own_cycle(tmp_path, monkeypatch):
    """``own_cycle(old, new)``: a secretariat's copy of forms/ (FORMKIT_FORMS) with one change to cycle.yaml;
    ``own_cycle.without(year, *keys)``: the copy without those keys of ``years.<year>``."""
    folder = tmp_path / "own-forms"
    shutil.copytree(forms_dir(), folder)
    monkeypatch.setenv("FORMKIT_FORMS", str(folder))
    path = folder / "cycle.yaml"

    def change(old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, old
        path.write_text(text.replace(old, new), encoding="utf-8")

    def without(year: int, *keys: str) -> None:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in keys:
            del raw["years"][year][key]
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    change.without = without
    return change


def test_every_step_has_a_deadline_marked_as_the_regulations_or_the_working_groups():
    config = load_config(YEAR)
    assert set(config.deadlines) == STEPS
    assert all(d.source.startswith(("办法", "工作组")) for d in config.deadlines.values())
    # the 办法 dates 自评总结 and 地方评价 (年底前) and the 综合评议 (次年2月底前); the rest is the working group's
    assert {k for k, d in config.deadlines.items() if d.by_regulation} == {"self-assessment", "county-feedback",
                                                                           "combined-review"}
    assert due(config, "self-assessment", YEAR) == due(config, "county-feedback", YEAR) == date(YEAR, 12, 31)
    assert due(config, "combined-review", 2026) == date(2027, 2, 28)
    assert due(config, "combined-review", 2027) == date(2028, 2, 29)  # the end of February, in a leap year too
    assert due(config, "review-vote", YEAR) < due(config, "combined-review", YEAR)  # 分类评价 before 综合评议


def test_a_periodic_form_is_due_after_its_own_period():
    config = load_config(YEAR)
    quarters = [due(config, "quarterly-ledger", YEAR, f"Q{q}") for q in (1, 2, 3, 4)]
    assert quarters == [date(YEAR, 4, 10), date(YEAR, 7, 10), date(YEAR, 10, 10), date(YEAR + 1, 1, 10)]
    assert due(config, "half-year-report", YEAR, "H1") == date(YEAR, 7, 15)
    assert due(config, "half-year-report", YEAR, "H2") == date(YEAR + 1, 1, 15)
    assert due(config, "quarterly-ledger", YEAR) is None and due(config, "quarterly-ledger", YEAR, "Q9") is None
    rules = {s.key: s.rule for s in steps(config, YEAR)}
    assert rules["quarterly-ledger"] == "每季度结束后10日内" and rules["combined-review"] == "次年2月底前"


def test_the_forms_and_the_notices_say_the_configured_deadline(own_cycle):
    from formkit.notices import issue_forms_context

    own_cycle("quarterly-ledger: {after_period: 10,", "quarterly-ledger: {after_period: 7,")
    own_cycle('self-assessment: {step: 自评总结, due: "12-31",', 'self-assessment: {step: 自评总结, due: "12-20",')
    assert "每季度结束后7日内报送" in load_form("quarterly-ledger", YEAR).instructions[0]
    assert "于12月20日前报送" in load_form("self-assessment", YEAR).instructions[0]
    assert issue_forms_context(cycle(YEAR))["deadline_self"] == "2026年12月20日"
    dates = notice_dates(load_config(YEAR), YEAR)
    assert dates["deadlines"]["self-assessment"] == "2026年12月20日" and "quarterly-ledger" not in dates["deadlines"]
    assert dates["deadline_rules"]["quarterly-ledger"] == "每季度结束后7日内"


def test_a_year_overrides_single_steps(own_cycle):
    own_cycle("years:\n", "years:\n  2027:\n    deadlines:\n      self-assessment: {due: \"12-15\", source: 工作组}\n")
    config = load_config(2027)
    assert due(config, "self-assessment", 2027) == date(2027, 12, 15) and not config.deadlines["self-assessment"].by_regulation
    assert due(config, "county-feedback", 2027) == date(2027, 12, 31)  # the other steps kept
    assert due(load_config(2026), "self-assessment", 2026) == date(2026, 12, 31)


@pytest.mark.parametrize("entry", ['{due: "12-31"}', '{due: "12-31", source: 某处室}', '{due: "13-01", source: 办法 四（三）}',
                                   '{due: "02-30", source: 办法 四（三）}', '"soon"', '{dua: "12-31", source: 办法 四（三）}'])
def test_a_deadline_without_its_source_or_a_real_day_is_refused(own_cycle, entry):
    own_cycle('county-feedback: {step: 地方评价, due: "12-31", source: 办法 四（三）“评价情况年底前反馈”}',
              f"county-feedback: {entry}")
    with pytest.raises(DefinitionError) as err:
        load_config(YEAR)
    assert err.value.code == "config.invalid"


def test_a_plain_day_written_by_an_earlier_copy_of_forms_still_counts(own_cycle):
    own_cycle('county-feedback: {step: 地方评价, due: "12-31", source: 办法 四（三）“评价情况年底前反馈”}',
              'county-feedback: "12-25"')
    assert due(load_config(YEAR), "county-feedback", YEAR) == date(YEAR, 12, 25)


# -- the working group's values: never defaults, samples only in the demo year ------------------------------
def sources(node) -> list[str]:
    """Every ``source:`` written under a node of cycle.yaml."""
    if isinstance(node, dict):
        return [str(node.get("source"))] * ("source" in node) + [s for v in node.values() for s in sources(v)]
    return [s for v in node for s in sources(v)] if isinstance(node, list) else []


def test_the_default_holds_only_the_regulations_values_and_the_demo_year_the_working_groups_as_samples():
    raw = yaml.safe_load((forms_dir() / "cycle.yaml").read_text(encoding="utf-8"))
    default, years = raw["default"], raw["years"]
    assert sources(default) and all(s.startswith(REGULATION) for s in sources(default))
    assert working_group_in_default(default) == () and not set(WORKING_GROUP_SETTINGS) & set(default)
    assert not set(WORKING_GROUP) & set(default["review"])
    dated = {step for step, entry in default["deadlines"].items() if {"due", "after_period"} & set(entry)}
    assert dated == {"self-assessment", "county-feedback", "combined-review"}  # 年底前, 次年2月底前
    assert set(default["deadlines"]) == STEPS  # every step the 办法 names, dated or not
    # the working group's dates and thresholds: only in the demo year, each marked as a sample
    assert [y for y, own in years.items() if {"deadlines", *WORKING_GROUP_SETTINGS} & set(own)] == [YEAR]
    samples = sources({key: years[YEAR][key] for key in ("deadlines", *WORKING_GROUP_SETTINGS)})
    # deadlines (ledgers, half-year reports, 分类评价), plausibility, funds_tolerance, seals
    assert len(samples) == 6 and all(s.startswith("工作组") and "示例" in s for s in samples)


def test_a_real_year_has_only_the_regulations_dates_and_no_thresholds():
    for year in (2021, 2025, 2027):
        config = load_config(year)
        assert {k for k, d in config.deadlines.items() if d.dated} == {"self-assessment", "county-feedback",
                                                                        "combined-review"}
        assert all(d.by_regulation for d in config.deadlines.values())
        assert due(config, "quarterly-ledger", year, "Q1") is None and due(config, "review-vote", year) is None
        assert config.plausibility.completion_above is None and config.plausibility.slip_factor is None
        assert (config.funds_tolerance_wan_yuan, config.funds_tolerance_share) == (0, 0)
    # the forms say when to send what the 办法 does not date
    assert "按秘书处通知的时间报送牵头部门" in load_form("quarterly-ledger", 2027).instructions[0]
    assert "按秘书处通知的时间报送牵头部门" in load_form("half-year-report", 2027).instructions[0]
    assert "于12月31日前报送" in load_form("self-assessment", 2027).instructions[0]
    assert "每季度结束后10日内报送" in load_form("quarterly-ledger", YEAR).instructions[0]  # the demo year's sample


@pytest.mark.parametrize("old, new, key", [
    ("review-vote: {step: 分类评价, source: 办法 四（四）（未定日期；在综合评议之前）}",
     'review-vote: {step: 分类评价, due: "01-31", next_year: true, source: 工作组}', "deadlines.review-vote"),
    ("  deadlines:\n    quarterly-ledger", "  plausibility: {completion_above: 2.0, source: 工作组}\n  deadlines:\n"
     "    quarterly-ledger", "plausibility"),
    ("  deadlines:\n    quarterly-ledger", "  funds_tolerance: {wan_yuan: 1, share: 0.05}\n  deadlines:\n"
     "    quarterly-ledger", "funds_tolerance"),  # as copies of forms/ made before wrote it
])
def test_a_working_groups_value_written_as_a_default_is_refused(own_cycle, store, store_url, old, new, key):
    own_cycle(old, new)
    with pytest.raises(DefinitionError) as err:
        load_config(2027)
    assert err.value.code == "config.working-group-in-default" and err.value.where["keys"] == [key]
    result = CliRunner().invoke(main, ["status", "--db", store_url, "--year", YEAR])
    assert result.exit_code == 2 and "[config.working-group-in-default]" in result.output and key in result.output


# -- status and the 催报名单 ----------------------------------------------------------------------------------
@pytest.fixture
def scheduled(store, sample_roster, issued, tmp_path):
    """A store with the year-end forms and the first quarter's ledgers issued, one ledger returned."""
    ledgers = issue_forms(sample_roster, YEAR, tmp_path / "q1", forms=["quarterly-ledger"], period=1, created=FIXED)
    store.record_issued(issued_rows(issued[1], YEAR) + issued_rows(ledgers, YEAR))
    files = {r.recipient_id: tmp_path / "q1" / r.file for r in ledgers if r.recipient_id == "U001-Q1"}
    [(path, _values)] = fill_ledgers(sample_roster, YEAR, 1, files, tmp_path / "filled").values()
    assert [r.outcome for r in ingest([path], store, YEAR)] == ["accepted"]
    return store


def test_status_gives_every_recipient_its_deadline_and_marks_the_overdue(scheduled):
    report = status(scheduled, cycle(YEAR), today=date(YEAR, 5, 1))
    rows = {r.recipient_id: r for r in report.rows}
    ledger, sa = rows["U002-Q1"], rows["U002"]
    assert (ledger.deadline, ledger.period, ledger.deadline_source, ledger.overdue) == ("2026-04-10", "Q1", "工作组", True)
    assert (sa.deadline, sa.deadline_source, sa.overdue) == ("2026-12-31", "办法 四（二）", False)
    assert rows["U001-Q1"].state == "valid" and rows["U001-Q1"].late  # returned (today) after 10 April
    assert report.summary()["quarterly-ledger"]["overdue"] == 13
    assert status(scheduled, cycle(YEAR), today=date(YEAR, 4, 10)).summary()["quarterly-ledger"]["overdue"] == 0
    schedule = {s["step"]: s for s in report.schedule}
    assert set(schedule) == STEPS and schedule["quarterly-ledger"]["overdue"]
    assert not schedule["self-assessment"]["overdue"] and not schedule["combined-review"]["overdue"]
    late = {s["step"]: s for s in status(scheduled, cycle(YEAR), today=date(YEAR + 1, 3, 1)).schedule}
    assert late["combined-review"]["overdue"] and late["combined-review"]["deadline"] == "2027-02-28"  # no grades yet
    assert json.loads(json.dumps(report.as_dict()))["schedule"][0]["rule"] == "每季度结束后10日内"


def test_the_status_command_and_the_missing_list_show_deadlines_for_ledgers_and_year_end_forms(scheduled, store_url,
                                                                                               tmp_path):
    xlsx = tmp_path / "催报名单.xlsx"
    result = CliRunner().invoke(main, ["status", "--db", store_url, "--year", YEAR, "--missing-xlsx", xlsx])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "台账：下发 14，已报送 1" in out and "；截止：每季度结束后10日内（工作组）" in out
    assert "自评表：下发 14" in out and "；截止：2026年12月31日（办法 四（二））" in out
    assert "综合评议：截止 2027年2月28日（办法 四（五））" in out and "分类评价：截止 2027年1月31日（工作组）" in out
    assert "（第1季度，截止2026年4月10日，已逾期）" in out  # today is after 10 April 2026
    sheet = load_workbook(xlsx)["未报送"]
    header = [c.value for c in sheet[2]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=3, values_only=True)]
    ledger = next(r for r in rows if r["接收方"] and "第1季度" in r["表单"])
    assert (ledger["截止日期"], ledger["截止日期依据"], ledger["是否逾期"]) == ("2026年4月10日", "工作组", "是")
    year_end = next(r for r in rows if r["表单"] == load_form("self-assessment").title)
    assert (year_end["截止日期"], year_end["截止日期依据"]) == ("2026年12月31日", "办法 四（二）")
    assert len(rows) == 13 + 14 + 24  # ledgers, self-assessments and county forms not returned


def test_the_missing_list_of_an_unconfigured_step_says_so(scheduled, tmp_path):
    report = status(scheduled, cycle(YEAR))
    for row in report.rows:
        row.deadline = row.deadline_source = None
    sheet = load_workbook(write_missing_xlsx(report, tmp_path / "m.xlsx"))["未报送"]
    assert {r[7] for r in sheet.iter_rows(min_row=3, values_only=True)} == {"未设定"}


@pytest.fixture
def unsampled(own_cycle):
    """The demo year without its sample dates: as a real year is shipped (before anything loads the year)."""
    own_cycle.without(YEAR, "deadlines")


def test_a_year_without_the_working_groups_dates_says_unset_and_marks_nothing_overdue(unsampled, scheduled, store_url,
                                                                                      tmp_path):
    report = status(scheduled, cycle(YEAR), today=date(YEAR + 1, 2, 1))
    rows = {r.recipient_id: r for r in report.rows}
    assert (rows["U002-Q1"].deadline, rows["U002-Q1"].overdue) == (None, False)
    assert rows["U002-Q1"].deadline_source == "办法 四（一）未定日期" and not rows["U001-Q1"].late
    assert report.summary()["quarterly-ledger"]["overdue"] == 0
    schedule = {s["step"]: s for s in report.schedule}
    for step in ("quarterly-ledger", "half-year-report", "review-vote"):
        assert (schedule[step]["shown"], schedule[step]["deadline"], schedule[step]["overdue"]) == ("未设定", None, False)
    assert schedule["self-assessment"]["shown"] == "2026年12月31日" and schedule["self-assessment"]["overdue"]
    xlsx = tmp_path / "催报名单.xlsx"
    result = CliRunner().invoke(main, ["status", "--db", store_url, "--year", YEAR, "--missing-xlsx", xlsx])
    assert result.exit_code == 0, result.output
    assert "台账：下发 14，已报送 1" in result.output and "；截止：未设定（办法 四（一）未定日期）" in result.output
    assert "分类评价：截止 未设定（办法 四（四）未定日期）" in result.output
    assert "（第1季度）" in result.output and "第1季度，截止" not in result.output
    sheet = load_workbook(xlsx)["未报送"]
    header = [c.value for c in sheet[2]]
    ledgers = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=3, values_only=True)
               if "第1季度" in str(r[1])]
    assert len(ledgers) == 13
    assert {(r["截止日期"], r["截止日期依据"], r["是否逾期"]) for r in ledgers} == {("未设定", "办法 四（一）未定日期", "否")}


# -- the 过渡期 ---------------------------------------------------------------------------------------------
def test_the_configuration_records_the_transition_period_with_its_source():
    config = load_config(YEAR)
    assert (config.transition.first, config.transition.last) == (2021, 2025)
    assert config.transition.source.startswith("办法 三、组织实施")
    assert outside_transition(config, 2025) is None and outside_transition(load_config(2021), 2021) is None
    found = outside_transition(config, 2026)
    assert found.code == "config.outside-transition" and found.severity == "warning"
    assert found.params["year"] == 2026 and "2021—2025" in found.message


@pytest.mark.slow
def test_a_year_outside_the_transition_is_reported_once_when_issued_and_not_on_every_output(tmp_path):
    url = f"sqlite:///{tmp_path}/formkit.db"
    run = lambda *a: CliRunner().invoke(main, [str(x) for x in a])  # noqa: E731
    roster = samples_dir() / "roster"
    issued = run("issue", "--roster", roster, "--year", 2026, "--out", tmp_path / "a", "--form", "self-assessment",
                 "--form", "county-feedback", "--db", url)
    assert issued.exit_code == 0, issued.output
    assert issued.stderr.count("config.outside-transition") == 1 and "2026年不在《办法》所定的过渡期" in issued.stderr
    again = run("issue", "--roster", roster, "--year", 2026, "--out", tmp_path / "b", "--form", "self-assessment",
                "--db", url, "--json")
    assert [w["code"] for w in json.loads(again.stdout)["warnings"]] == ["config.outside-transition"]
    for later in (run("status", "--db", url, "--year", 2026), run("status", "--db", url, "--year", 2026, "--json"),
                  run("letters", "--db", url, "--year", 2026, "--out", tmp_path / "letters")):
        assert "过渡期" not in later.output and "outside-transition" not in later.output
    inside = run("issue", "--roster", roster, "--year", 2025, "--out", tmp_path / "c", "--form", "self-assessment",
                 "--db", url, "--json")
    assert inside.exit_code == 0 and json.loads(inside.stdout)["warnings"] == []


# -- the working group's checking thresholds, per year ------------------------------------------------------
@pytest.mark.parametrize("committed, achieved, code", [
    (100, 280, "rule.completion-implausible"), (100, 2311, "rule.completion-implausible"), (100, 150, None),
    (15000, 1.5, "rule.amount-unit-slip"),  # achieved typed in 亿元
])
def test_plausibility_rules_run_only_in_a_year_whose_working_group_set_thresholds(committed, achieved, code):
    letter = [{"indicator": "帮扶项目资金", "measure": "万元", "committed": committed, "achieved": achieved}]

    def found(year: int) -> list[str]:
        ctx = RuleContext("self-assessment", year, {"responsibility": letter}, {}, load_config(year))
        return [f.code for f in plausibility(ctx)]
    assert found(YEAR) == ([code] if code else [])  # the demo year's sample thresholds
    assert found(2025) == [] and found(2027) == []  # no thresholds: no plausibility rule


def test_funds_differ_beyond_the_years_tolerance_or_at_all_without_one():
    unit = {"funds": [{"county": "甲县", "invested_free": 300.1, "invested_repayable": 0.2, "brought_free": 100,
                       "brought_repayable": 50}]}

    def found(year: int, arrived: float) -> list[str]:
        county = {"county": "甲县", "funds_invested_arrived": arrived, "funds_brought_arrived": 150}
        return [f.params["diff"] for f in funds_differ(unit, county, load_config(year))]
    assert found(YEAR, 300.8) == [] and found(YEAR, 250) == [50.3]  # the demo year's sample: 1 万元 and 5 %
    assert found(2027, 300.8) == [0.5] and found(2027, 300.3) == []  # none: any difference, a sum's noise none
