"""Vetoes as facts about their subject (办法 五、结果及运用), the review's rules kept apart from the working
group's choices, and the leading group's 审定 before the results 通报.

The stocked store is the samples' year: 青岩县 is assisted by two universities (U007 北方理工大学, U008 东南农林
大学); its feedback form about U007 says 规模性返贫 是, its form about U008 says 否. U002 declares a violation."""

import json
import shutil
from datetime import date

import pytest
from click.testing import CliRunner
from conftest import YEAR
from test_review import county, entry, kinds, votes_for

from formkit.cli import main
from formkit.config import load_config
from formkit.errors import FormkitError
from formkit.evaluation.units import Evaluation
from formkit.evaluation.verification import verify
from formkit.forms.cycle import cycle
from formkit.review.inputs import Inputs
from formkit.review.rate import rate
from formkit.review.run import run_rating

NO_RULES_YEAR = YEAR - 1  # the shipped configuration sets working-group rules only for the demo year


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def by_unit(rating) -> dict:
    return {p.recipient_id: p for p in rating.proposals}


def test_a_shared_county_reporting_return_to_poverty_on_one_pair_bars_both_units_and_raises_the_conflict(stocked):
    rating = run_rating(stocked, cycle(YEAR))
    out = by_unit(rating)
    for rid in ("U007", "U008"):  # 否 on U008's pair does not lift what U007's pair says about the same county
        [veto] = kinds(out[rid], "veto")
        assert {"rule": "return_to_poverty", "counties": ["青岩县"], "unresolved": ["青岩县"]} in veto.params["vetoes"]
        assert out[rid].grade != "好" and "青岩县各方报告不一致，待秘书处核实" in veto.text
    [conflict] = rating.findings
    assert conflict.code == "review.poverty-conflict" and conflict.severity == "warning" and conflict.subject == "青岩县"
    assert conflict.params["yes"] == ["青岩县对北方理工大学的评价表"]
    assert conflict.params["no"] == ["青岩县对东南农林大学的评价表"]
    assert conflict.params["units"] == ["北方理工大学", "东南农林大学"]
    assert "北方理工大学、东南农林大学不得评为“好”" in conflict.message
    [rated] = stocked.acts(YEAR, kind="rated")  # the rating keeps what it found
    assert [f["code"] for f in rated["value"]["findings"]] == ["review.poverty-conflict"]
    result = cli("review", "rate", "--year", YEAR, "--db", stocked.url)
    assert result.exit_code == 0, result.output
    assert any(line.startswith("[review.poverty-conflict] 青岩县是否出现规模性返贫") for line in result.stderr.splitlines())
    # no voting sheet issued: nothing to confirm, so no bar on the 审定, but the rating says the input is missing
    assert ("[review.category-unconfirmed] 中央企业尚未发放分类评价投票表，综合评议中没有该类的分类评价结果"
            in result.stderr.splitlines())


def test_both_units_of_a_shared_county_are_flagged_in_the_dossier_until_the_secretariat_concludes(stocked):
    from formkit.evaluation.units import evaluate
    from formkit.review.vetoes import enter, resolve

    def flags(category=None) -> dict:
        units = [u for _c, _l, us in evaluate(stocked, cycle(YEAR), category).categories for u in us]
        return {u.recipient_id: [(f.code, f.text) for f in u.flags if "poverty" in f.code] for u in units}

    conflict = ("flag.poverty-conflict", "青岩县是否出现规模性返贫各方报告不一致，待秘书处核实，核实前按出现处理（不得评为“好”）")
    for shown in (flags(), flags("高等院校")):  # 否 on U008's own pair: flagged all the same, as a conflict
        assert shown["U007"] == shown["U008"] == [conflict]
    assert [rid for rid, found in flags().items() if found] == ["U007", "U008"]
    enter(stocked, cycle(YEAR), "return_to_poverty", "太行县", "防止返贫动态监测数据显示出现规模性返贫")
    resolve(stocked, cycle(YEAR), "return_to_poverty", "青岩县", True, "核对监测数据属实")
    shown = flags()
    assert shown["U007"] == shown["U008"] == [("flag.return-to-poverty", "青岩县出现规模性返贫（不得评为“好”）")]
    # the secretariat's monitoring data says 是 where 太行县's own form says 否: flagged, as a conflict
    assert shown["U001"] == [("flag.poverty-conflict", conflict[1].replace("青岩县", "太行县"))]
    resolve(stocked, cycle(YEAR), "return_to_poverty", "青岩县", False, "经核对监测数据，未出现规模性返贫")
    assert flags()["U007"] == flags()["U008"] == []


def test_resolving_the_conflict_with_a_reason_lifts_or_keeps_the_bar_and_is_audited(stocked):
    from formkit.review.approval import approve
    from formkit.review.vetoes import resolve

    run_rating(stocked, cycle(YEAR))
    for subject, reason, code in (("青岩县", "  ", "review.act-no-reason"), ("青山县", "理由", "review.unknown-county")):
        with pytest.raises(FormkitError) as err:
            resolve(stocked, cycle(YEAR), "return_to_poverty", subject, False, reason)
        assert err.value.code == code
    lifted = resolve(stocked, cycle(YEAR), "return_to_poverty", "青岩县", False,
                     "  经核对防止返贫动态监测数据，青岩县未出现规模性返贫 ")
    assert lifted["reason"] == "经核对防止返贫动态监测数据，青岩县未出现规模性返贫" and lifted["actor"] == "农业农村部"
    with pytest.raises(FormkitError) as err:  # the grades were rated before the conclusion
        approve(stocked, cycle(YEAR))
    assert err.value.code == "review.stale" and "青岩县" in err.value.message
    rating = run_rating(stocked, cycle(YEAR))
    out = by_unit(rating)
    assert rating.findings == [] and not out["U007"].vetoes and not out["U008"].vetoes
    [note] = kinds(out["U007"], "resolved")
    assert note.text == "青岩县规模性返贫：秘书处核实后解除（经核对防止返贫动态监测数据，青岩县未出现规模性返贫）"
    resolve(stocked, cycle(YEAR), "return_to_poverty", "青岩县", True, "监测数据显示青岩县出现规模性返贫", "国家乡村振兴局")
    out = by_unit(run_rating(stocked, cycle(YEAR)))
    for rid in ("U007", "U008"):  # held: the bar, no longer an open question
        assert [v for v in out[rid].vetoes if v["rule"] == "return_to_poverty"] == [
            {"rule": "return_to_poverty", "counties": ["青岩县"]}]
        assert kinds(out[rid], "resolved")[0].text == (
            "青岩县规模性返贫：秘书处核实后维持不得评为“好”（监测数据显示青岩县出现规模性返贫）")
    events = [e for e in stocked.audit_events() if e["event"] == "act:veto-resolved:return_to_poverty"]
    assert [(e["detail"]["value"], e["detail"]["actor"]) for e in events] == [
        ({"barred": False}, "农业农村部"), ({"barred": True}, "国家乡村振兴局")]
    assert len(stocked.acts(YEAR, kind="veto-resolved:return_to_poverty", history=True)) == 2


def test_the_secretariats_data_and_the_counties_results_bar_every_unit_assisting_the_county():
    units = [entry("A", counties=[county("X县", return_to_poverty=False)]),
             entry("B", counties=[county("X县", return_to_poverty=False), county("Y县")])]
    all_best = {u.recipient_id: {"好": 9} for u in units}
    config = load_config(YEAR)
    dossier = Evaluation(YEAR, [("中央企业", "", units)], [])
    inputs = Inputs(return_to_poverty={"X县": True}, results={"X县": "较差", "Y县": "好"}, source="inputs.xlsx")
    out = {p.recipient_id: p for p in rate(dossier, votes_for(units, all_best), inputs, config)}
    assert out["A"].grade == out["B"].grade == "较好"
    assert out["B"].vetoes == [{"rule": "return_to_poverty", "counties": ["X县"], "unresolved": ["X县"]}]
    # the county's own 实绩考核 result in its own words, scored only by the year's working-group table
    assert kinds(out["B"], "revitalisation")[0].text == "县乡村振兴实绩考核：X县“较差”、Y县“好”，得75.0分"


def test_an_other_major_problem_is_entered_with_its_reason_audited_and_bars_the_first_grade(stocked):
    from formkit.review.results import results_context

    args = ["review", "veto", "--year", YEAR, "--db", stocked.url]
    assert cli(*args, "--unit", "U001", "--reason", "x").exit_code == 2  # which problem: --kind
    both = cli(*args, "--unit", "U001", "--county", "太行县", "--reason", "x", "--json")
    assert both.exit_code == 2 and "[cli.bad-usage]" in both.output
    unknown = cli(*args, "--unit", "U099", "--kind", "major_problem", "--reason", "x")
    assert unknown.exit_code == 2 and "[review.unknown-unit]" in unknown.output
    result = cli(*args, "--unit", "U001", "--kind", "major_problem", "--reason", "审计发现帮扶资金被挪用")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "已记录：U001 其他重大问题（审计发现帮扶资金被挪用，农业农村部），请重新运行 review rate"
    again = json.loads(cli(*args, "--unit", "U001", "--kind", "major_problem", "--reason", "审计发现帮扶资金被挪用",
                           "--json").stdout)
    assert (again["kind"], again["subject"], again["value"]) == ("veto:major_problem", "U001", {"vetoed": True})
    [event, _again] = [e for e in stocked.audit_events() if e["event"] == "act:veto:major_problem"]
    assert event["detail"]["subject"] == "U001" and event["detail"]["reason"] == "审计发现帮扶资金被挪用"
    out = by_unit(run_rating(stocked, cycle(YEAR)))
    assert {"rule": "major_problem", "reason": "审计发现帮扶资金被挪用"} in out["U001"].vetoes
    assert out["U001"].grade != "好"
    context = results_context(stocked, cycle(YEAR))
    assert context["major"] == [{"unit": "民主建国协进会中央委员会", "grade": out["U001"].grade,
                                 "how": "存在其他重大问题（审计发现帮扶资金被挪用）"}]


@pytest.mark.slow
def test_every_unit_with_a_violation_is_listed_in_the_request_whatever_its_grade(stocked, tmp_path):
    from formkit.review.override import override
    from formkit.review.results import results_context
    from formkit.review.vetoes import enter, resolve

    enter(stocked, cycle(YEAR), "violation", "U004", "巡视发现违规发放补贴")
    resolve(stocked, cycle(YEAR), "violation", "U002", False, "经核实所报问题不属于定点帮扶工作")
    run_rating(stocked, cycle(YEAR))
    with pytest.raises(FormkitError) as err:  # a barred unit cannot be made 好 by hand
        override(stocked, cycle(YEAR), "U004", "好", "理由")
    assert err.value.code == "review.vetoed-best"
    override(stocked, cycle(YEAR), "U004", "一般", "综合评议")
    listed = {v["unit"]: v for v in results_context(stocked, cycle(YEAR))["violations"]}
    assert listed["中央政策研究协调室"]["how"] == "秘书处认定在帮扶工作中存在违纪违规问题（巡视发现违规发放补贴）"
    assert listed["中央政策研究协调室"]["grade"] == "一般"
    # declared, then lifted by the secretariat with its reason: still listed, with the conclusion
    assert listed["全国工商业联合总会"]["how"] == "违纪违规：秘书处核实后解除（经核实所报问题不属于定点帮扶工作）"
    from formkit.notices import write_notice
    from formkit.ooxml.inspect import inspect_docx

    made = write_notice("review-proposal", cycle(YEAR), tmp_path / "请示.docx", store=stocked, when=date(2027, 3, 1))
    text = "".join(p.text for p in inspect_docx(made["docx"].read_bytes()).paragraphs)
    assert "在帮扶工作中申报或发现违纪违规问题的单位（不论等次均予列出）：全国工商业联合总会（" in text
    assert "中央政策研究协调室（秘书处认定在帮扶工作中存在违纪违规问题（巡视发现违规发放补贴）；建议等次“一般”）" in text
    assert "出现规模性返贫的定点帮扶县：青岩县（帮扶单位北方理工大学、东南农林大学；各方报告不一致" in text


def own_forms(tmp_path, monkeypatch, edit) -> None:
    from formkit.resources import forms_dir

    folder = tmp_path / "own-forms"
    shutil.copytree(forms_dir(), folder)
    settings = folder / "cycle.yaml"
    settings.write_text(edit(settings.read_text(encoding="utf-8")), encoding="utf-8")
    monkeypatch.setenv("FORMKIT_FORMS", str(folder))


def without_sample_rules(text: str) -> str:
    start = text.index("    review:\n      source: 工作组")
    end = text.index("      veto_demotes: true\n") + len("      veto_demotes: true\n")
    return text[:start] + text[end:]


def test_without_working_group_rules_no_score_no_quota_and_the_five_inputs_side_by_side():
    units = [entry(rid) for rid in "ABCDEF"] + [entry("G", values={"violations": True})]
    config = load_config(NO_RULES_YEAR)
    assert not config.review.scored and config.review.best_share is None
    dossier = Evaluation(NO_RULES_YEAR, [("中央企业", "", units)], [])
    inputs = Inputs(daily={"A": "较好", "B": 91.0}, results={"A县": "较差"})
    out = {p.recipient_id: p for p in rate(dossier, votes_for(units, {u.recipient_id: {"好": 9} for u in units}), inputs,
                                           config)}
    assert all(p.score is None and p.grade == "" and p.parts == {} for p in out.values())  # no quota either
    assert [r.text for r in out["A"].reasons] == [
        "分类评价投票：好9票、较好0票、一般0票（有效9票）", "自评总结：基本要求均已达到", "地方评价：A县“好”",
        "平时工作：“较好”", "县乡村振兴实绩考核：A县“较差”"]
    assert kinds(out["B"], "daily")[0].text == "平时工作：91分"
    [veto] = kinds(out["G"], "veto")  # barred, no demotion: the review decides
    assert veto.text == "自评申报在帮扶工作中存在违纪违规问题，按规定不得评为“好”" and out["G"].row()["score"] is None
    assert set(out["A"].shown()["inputs"]) == {"self", "vote", "daily", "county", "revitalisation"}


def test_with_the_default_configuration_review_rate_scores_nothing_and_grades_are_decided_by_hand(stocked, tmp_path,
                                                                                                monkeypatch):
    from formkit.review.approval import approve
    from formkit.review.override import override

    own_forms(tmp_path, monkeypatch, without_sample_rules)
    result = cli("review", "rate", "--year", YEAR, "--db", stocked.url)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert ("  评分和建议等次：本年度工作组未定评分规则：不计算综合得分，不提出建议等次，由工作组综合评议确定等次"
            "（《办法》未规定分值、权重和分数线）") in lines
    assert "  “好”的比例：不限（《办法》未规定比例）" in lines and not any("工作组自定" in line for line in lines)
    u002 = next(line for line in lines if line.startswith("民主党派中央和全国工商联 全国工商业联合总会："))
    assert "｜" in u002 and "分" not in u002.split("；")[0].replace("分类评价", "")  # side by side, no points
    assert "不得评为“好”：自评申报在帮扶工作中存在违纪违规问题" in u002 and u002.endswith("等次未定（由工作组综合评议确定）")
    assert lines[-1] == "等次：未定 14 个"
    shown = json.loads(cli("review", "rate", "--year", YEAR, "--db", stocked.url, "--json").stdout)
    assert shown["scored"] is False and all(u["score"] is None and u["proposed"] == "" for u in shown["units"])
    with pytest.raises(FormkitError) as err:
        approve(stocked, cycle(YEAR))
    assert err.value.code == "review.ungraded"
    override(stocked, cycle(YEAR), "U002", "较好", "工作组综合评议")
    row = next(r for r in stocked.grades(YEAR) if r["recipient_id"] == "U002")
    assert (row["proposed"], row["grade"]) == ("", "较好")


def test_working_group_rules_written_as_defaults_are_refused(stocked, tmp_path, monkeypatch):
    own_forms(tmp_path, monkeypatch, lambda text: text.replace(
        "    vetoes: [violation, return_to_poverty, major_problem]\n",
        "    vetoes: [violation, return_to_poverty, major_problem]\n    best_share: 0.3\n"))
    result = cli("review", "rate", "--year", YEAR, "--db", stocked.url)
    assert result.exit_code == 2 and "[review.rules-in-default]" in result.output and "best_share" in result.output


def test_the_demo_years_rules_are_applied_and_each_rules_source_printed(stocked, tmp_path):
    from formkit.notices import write_notice

    result = cli("review", "rate", "--year", YEAR, "--db", stocked.url)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "评议规则及其依据："
    assert "  评价等次：好、较好、一般（《办法》五、结果及运用）" in lines
    assert "  不得评为“好”：违纪违规、规模性返贫、其他重大问题（《办法》五、结果及运用）" in lines
    assert ("  工作组规则：示例：formkit demo 演示年度的评分规则，不是《办法》的规定"
            "（工作组自定，cycle.yaml years.2026.review）") in lines
    assert "  各等次分值：好100、较好80、一般60（工作组自定，cycle.yaml years.2026.review）" in lines
    assert "  “好”的比例：不超过全部单位的34%（工作组自定，cycle.yaml years.2026.review）" in lines
    assert any("分（工作组评分），建议“" in line for line in lines)
    shown = json.loads(cli("review", "rate", "--year", YEAR, "--db", stocked.url, "--json").stdout)
    sources = {r["key"]: r["source"] for r in shown["rules"]}
    assert sources["vetoes"] == sources["grades"] == "办法" and sources["points"] == sources["best_share"] == "工作组"
    assert shown["scored"] is True and all(isinstance(u["score"]["total"], float) for u in shown["units"])
    # the lead departments' 核实, read by the 请示 as it stands when written
    verify(stocked, cycle(YEAR), "U007", "教育部", "confirmed", on=date(2026, 12, 2))
    verify(stocked, cycle(YEAR), "U013", "国务院国资委", "questioned", "产业项目进度与县反馈不一致", on=date(2026, 12, 3))
    made = write_notice("review-proposal", cycle(YEAR), tmp_path / "请示.docx", store=stocked, when=date(2027, 3, 1))
    from docx import Document

    document = Document(str(made["docx"]))
    text = "".join(p.text for p in document.paragraphs)
    assert ("附件所列综合得分是工作组按本年度自定的评分规则计算、供综合评议参考的分数，"
            "不是《中央单位定点帮扶工作成效考核评价办法》规定的评分") in text
    assert ("各单位材料由牵头部门核实：已核实1个，有疑问1个（华夏交通运输集团有限公司，国务院国资委："
            "产业项目进度与县反馈不一致），未核实12个，各单位核实情况见附件。") in text
    assert "回避" not in text  # no delegate registered: nothing said about their practice
    rows = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    assert ["序号", "单位", "类别", "综合得分（工作组评分，仅供参考）", "建议等次", "牵头部门核实", "说明"] in rows
    verified = {r[1]: r[5] for r in rows if len(r) == 7 and r[0].isdigit()}
    assert verified["北方理工大学"] == "已核实（教育部，2026-12-02）"
    assert verified["华夏交通运输集团有限公司"] == "有疑问（国务院国资委，2026-12-03）：产业项目进度与县反馈不一致"
    assert verified["东南农林大学"] == "未核实" and len(verified) == 14
    assert ["各等次分值", "好100、较好80、一般60", "工作组", "工作组自定，cycle.yaml years.2026.review"] in rows
    assert ["不得评为“好”", "违纪违规、规模性返贫、其他重大问题", "办法", "《办法》五、结果及运用"] in rows


def test_the_results_notice_is_refused_before_the_approval_and_issued_after(stocked, tmp_path):
    from formkit.notices import write_notice
    from formkit.ooxml.inspect import inspect_docx
    from formkit.review.override import override

    run_rating(stocked, cycle(YEAR))
    for kind in ("review-results", "review-copy"):
        with pytest.raises(FormkitError) as err:
            write_notice(kind, cycle(YEAR), tmp_path / f"{kind}.docx", store=stocked)
        assert err.value.code == "review.not-approved"
    refused = cli("notice", "review-results", "--year", YEAR, "--out", tmp_path / "通报.docx", "--db", stocked.url)
    assert refused.exit_code == 2 and "[review.not-approved]" in refused.output
    assert not (tmp_path / "通报.docx").exists()
    result = cli("review", "approve", "--year", YEAR, "--by", "中央农村工作领导小组", "--date", "2027-03-20",
                 "--db", stocked.url)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("已记录审定：中央农村工作领导小组，2027-03-20，好 4 个，较好 9 个，一般 1 个")
    [act] = stocked.acts(YEAR, kind="approved")
    assert act["actor"] == "中央农村工作领导小组"
    assert act["value"]["grades"] == {r["recipient_id"]: r["grade"] for r in stocked.grades(YEAR)}
    assert [e["detail"]["value"]["date"] for e in stocked.audit_events() if e["event"] == "act:approved"] == ["2027-03-20"]
    made = write_notice("review-results", cycle(YEAR), tmp_path / "通报.docx", store=stocked, when=date(2027, 4, 1))
    text = "".join(p.text for p in inspect_docx(made["docx"].read_bytes()).paragraphs)
    assert "工作组综合评议，中央农村工作领导小组于2027年3月20日审定" in text
    held = next(r for r in stocked.grades(YEAR) if r["recipient_id"] == "U013")
    override(stocked, cycle(YEAR), "U013", "一般" if held["grade"] != "一般" else "较好", "审定后发现问题")
    with pytest.raises(FormkitError) as err:  # a grade changed after the 审定 needs a new one
        write_notice("review-results", cycle(YEAR), tmp_path / "通报.docx", store=stocked)
    assert err.value.code == "review.approval-outdated" and "华夏交通运输集团有限公司" in err.value.message
    assert cli("review", "approve", "--year", YEAR, "--db", stocked.url).exit_code == 0  # the year's leading group
    write_notice("review-results", cycle(YEAR), tmp_path / "通报.docx", store=stocked)


def test_a_spreadsheet_in_the_earlier_pair_layout_is_read_per_county(tmp_path):
    from openpyxl import Workbook

    from formkit.review.inputs import DAILY, DAILY_HEADERS, RESULTS, read_inputs

    book = Workbook()
    book.active.title = DAILY
    book.active.append(DAILY_HEADERS)
    results = book.create_sheet(RESULTS)
    results.append(["单位代码", "中央单位", "定点帮扶县", "县乡村振兴实绩考核等次", "规模性返贫（是/否）", "说明"])
    results.append(["U007", "北方理工大学", "青岩县", "较差", "是"])
    results.append(["U008", "东南农林大学", "青岩县", "较差", "否"])  # 否 after 是: the county's bar stays
    results.append(["U010", "中国振兴发展银行", "云雾县", "好", ""])
    results.append(["U011", "某单位", "云雾县", "一般", ""])  # the same county, another result: refused
    results.append(["U012", "某单位", "红土县", "120", ""])
    book.save(tmp_path / "inputs.xlsx")
    inputs = read_inputs(tmp_path / "inputs.xlsx", load_config(YEAR))
    assert inputs.results == {"青岩县": "较差", "云雾县": "好"} and inputs.return_to_poverty == {"青岩县": True}
    differs, out_of_range = inputs.problems
    assert differs.code == "review.inputs-county-differs" and differs.location["row"] == 5
    assert differs.message == "第5行：云雾县的乡村振兴实绩考核结果与上文不一致（“好”和“一般”），本行未计入"
    assert out_of_range.code == "value.out-of-range" and out_of_range.location["row"] == 6
