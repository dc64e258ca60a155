"""The review: voting sheets read through intake, the tally, the rating rules (vetoes, tie-break, share of
the first grade), audited overrides, and grade names from configuration reaching the results notice."""

import json
from datetime import date, datetime

import pytest
from conftest import YEAR

from formkit.config import load_config
from formkit.evaluation.units import CountyFeedback, Evaluation, UnitEntry, UnitFigures
from formkit.forms.cycle import cycle
from formkit.intake.ingest import ingest
from formkit.issue.batch import issued_rows
from formkit.review.inputs import Inputs, read_inputs, write_template
from formkit.review.rate import rate
from formkit.review.run import run_rating
from formkit.review.sheets import issue_sheets
from formkit.review.tally import Tally, UnitVotes, tally
from formkit.simulate import fill_review_inputs, fill_votes
from formkit.store.records import Recipient, Record, Submission


def voted(store, roster, tmp_path, spoil=None, late=(), reviewers=3):
    sheets = issue_sheets(roster, YEAR, reviewers, tmp_path / "sheets")
    store.record_issued(issued_rows(sheets, YEAR))
    filled = fill_votes([s for s in sheets if s.recipient_id not in late], roster, YEAR, tmp_path / "sheets",
                        tmp_path / "votes", spoil)
    return list(ingest(filled, store, YEAR))


def confirmed(store) -> None:
    """Each category's 分组评议 recorded and its result confirmed by its lead department, as the 审定 needs
    whoever voted (numbered reviewers here)."""
    from formkit.review.category import category_states, confirm_category, record_deliberation

    for state in category_states(store, cycle(YEAR)):
        record_deliberation(store, cycle(YEAR), state.name, date(2027, 1, 15), 3, "逐一评议")
        confirm_category(store, cycle(YEAR), state.name, state.lead)


def test_returned_sheets_are_read_stored_and_tallied(stocked, sample_roster, tmp_path):
    # 中央和国家机关 (R02): sheet 02 ticks two grades for its first unit, sheet 03 leaves the second blank;
    # 高等院校 (R03) sheet 03 does not come back
    outcomes = voted(stocked, sample_roster, tmp_path, spoil={"R02-02": {0: (1, 2)}, "R02-03": {1: ()}},
                     late=("R03-03",))
    assert len(outcomes) == 14 and all(o.outcome in ("accepted", "accepted-with-warnings") for o in outcomes)
    two = next(o for o in outcomes if "R02-02" in str(o.file))
    assert two.errors == 1  # a sheet with two grades ticked has an error
    current = stocked.current(YEAR)[("review-vote", "R02-02")]
    assert [f.code for f in current.findings] == ["rule.vote-several-grades"]
    assert "国家乡村建设发展署" in current.findings[0].message

    result = tally(stocked, cycle(YEAR))
    first, second = result.categories["中央和国家机关"][:2]
    assert first.unit == "国家乡村建设发展署" and first.invalid == 1 and first.valid == 2  # the invalid vote not counted
    assert second.blank == 1 and second.valid == 2
    assert result.turnout("中央和国家机关") == (3, 3) and result.turnout("高等院校") == (2, 3)
    for units in result.categories.values():  # every vote lands on exactly one grade of one unit
        for u in units:
            assert u.valid + u.blank + u.invalid == result.turnout(u.category)[0]
    sheet = next(s for s in result.sheets if s.recipient_id == "R02-02")
    [problem] = sheet.problems
    assert problem.code == "review.vote-invalid" and "勾选了2个等次（好、较好）" in problem.message
    [blank] = next(s for s in result.sheets if s.recipient_id == "R02-03").problems
    assert blank.code == "review.vote-blank" and blank.severity == "warning" and "未选择等次" in blank.message
    shown = next(s for s in result.as_dict()["sheets"] if s["recipient_id"] == "R02-02")
    assert [(p["code"], p["params"]["grades"]) for p in shown["problems"]] == [("review.vote-invalid", ["好", "较好"])]
    assert next(s for s in result.sheets if s.recipient_id == "R03-03").state == "missing"
    from formkit.letters import write_letters

    letters = write_letters(stocked, cycle(YEAR), tmp_path / "letters")  # the units' forms with errors, not the sheets
    assert not [x for x in letters if "投票表" in x.recipient]


def returned(rid: str, values: dict, codes: tuple[str, ...] = ()) -> Submission:
    """A form as the store gives it back, with these values and findings of these codes."""
    record = Record.from_json({"values": values, "findings": [{"code": c, "severity": "error", "reason": "…"}
                                                              for c in codes]})
    return Submission(1, "0" * 64, f"{rid}.docx", 1, datetime(YEAR, 12, 1), "docx", None, "accepted", None, None,
                      None, None, YEAR, Recipient(rid), record, "", None, None)


def county(name: str, grade: str = "好", **values) -> CountyFeedback:
    return CountyFeedback(name, f"{name}-id", returned(f"{name}-id", {"grade_overall": grade, **values}))


def entry(rid: str, category: str = "中央企业", **kw) -> UnitEntry:
    sub = returned(rid, kw.pop("values", {}), kw.pop("findings", ()))
    counties = kw.pop("counties", [county(f"{rid}县")])
    return UnitEntry(f"单位{rid}", rid, category, "国务院国资委", sub,
                     UnitFigures(main_leader_visit=kw.pop("main_leader", False)), counties=counties)


def votes_for(units: list[UnitEntry], grades: dict[str, dict[str, int]]) -> Tally:
    config = load_config(YEAR)
    by_cat: dict[str, list[UnitVotes]] = {}
    for u in units:
        by_cat.setdefault(u.category, []).append(
            UnitVotes(u.recipient_id, u.unit, u.category, {g: grades[u.recipient_id].get(g, 0) for g in config.grades}))
    return Tally(YEAR, config.grades, by_cat, [])


def rated(units, grades, inputs=None, **rules):
    config = load_config(YEAR)
    if rules:
        from dataclasses import replace

        config = replace(config, review=replace(config.review, **rules))
    categories = dict.fromkeys(u.category for u in units)
    dossier = Evaluation(YEAR, [(c, "", [u for u in units if u.category == c]) for c in categories], [])
    return {p.recipient_id: p for p in rate(dossier, votes_for(units, grades), inputs or Inputs(), config)}


def test_a_veto_prevents_the_first_grade_whatever_the_votes():
    units = [entry("A"), entry("B", values={"violations": True}),
             entry("C", counties=[county("C县", return_to_poverty=True)])]
    all_best = {u.recipient_id: {"好": 9} for u in units}
    out = rated(units, all_best, best_share=None)
    assert out["A"].grade == "好" and not kinds(out["A"], "veto")
    [veto] = kinds(out["B"], "veto")
    assert veto.params["vetoes"] == [{"rule": "violation", "source": "self"}]
    assert veto.text == "自评申报在帮扶工作中存在违纪违规问题，按规定不得评为“好”，调整为“较好”"
    [veto] = kinds(out["C"], "veto")
    assert out["C"].grade == "较好" and veto.params["vetoes"] == [{"rule": "return_to_poverty", "counties": ["C县"]}]
    assert veto.text.startswith("定点帮扶县（C县）出现规模性返贫")
    inputs = Inputs(violation={"A": True})  # entered by the secretariat: the same veto
    assert rated(units, all_best, inputs, best_share=None)["A"].grade == "较好"
    assert rated(units, all_best, best_share=None, vetoes=())["B"].grade == "好"  # vetoes come from configuration


def kinds(proposal, kind: str) -> list:
    return [r for r in proposal.reasons if r.kind == kind]


def test_the_tie_break_ranks_a_main_leaders_visit_ahead_among_equals():
    units = [entry("A"), entry("B", main_leader=True), entry("C")]
    same = {u.recipient_id: {"好": 5, "较好": 1} for u in units}
    out = rated(units, same, best_share=0.34)  # one 好 among three
    assert out["A"].score == out["B"].score == out["C"].score
    assert [out[k].rank for k in "BAC"] == [1, 2, 3]
    assert out["B"].grade == "好" and out["A"].grade == "较好" and out["C"].grade == "较好"
    assert [r.params for r in kinds(out["B"], "tie")] == [{"other": "单位A", "ahead": True}]
    assert "同等条件下排名靠前" in kinds(out["B"], "tie")[0].text
    [cap] = kinds(out["A"], "share-cap")
    assert cap.params["position"] == 2 and cap.params["cap"] == 1
    assert cap.text == "全部3个单位中“好”不超过34%（1个），本单位按综合得分排第2，调整为“较好”"
    assert rated(units, same, best_share=0.34, tie_break=None)["A"].grade == "好"  # without it: by code


def test_thresholds_and_parts_follow_the_configuration():
    units = [entry("A", counties=[]), entry("B", counties=[])]
    out = rated(units, {"A": {"好": 3}, "B": {"一般": 3}}, best_share=None)
    assert out["A"].parts == {"vote": 100.0, "self": 100.0} and out["A"].score == 100.0  # no county part: reweighted
    assert out["B"].parts["vote"] == 60.0 and out["B"].grade == "一般"
    assert "地方评价：无定点帮扶县评价，不计此项" in [r.text for r in out["B"].reasons]
    texts = [r.text for r in out["A"].reasons]
    assert texts[0] == "分类评价投票：好3票、较好0票、一般0票（有效3票），得100.0分"
    assert "综合得分100.00（分类评价投票权重0.4、自评总结权重0.15）" in texts
    assert texts[-1] == "按分数线（好≥88、较好≥75）为“好”"


def test_each_minimum_requirement_not_met_costs_the_configured_points():
    units = [entry("A", findings=("rule.no-cadre", "rule.no-first-secretary", "rule.date-outside-year")), entry("B")]
    out = rated(units, {"A": {"好": 3}, "B": {"好": 3}}, best_share=None)
    assert out["A"].parts["self"] == 60.0 and out["B"].parts["self"] == 100.0  # 20 each, other findings free
    [own] = kinds(out["A"], "self")
    assert own.params["unmet"] == ["rule.no-cadre", "rule.no-first-secretary"]
    assert own.text == "自评总结：2项基本要求未达到，得60分"
    strict = rated(units, {"A": {"好": 3}, "B": {"一般": 3}}, best_share=None, thresholds=(101.0, 50.0))
    assert strict["A"].grade == "较好" and strict["B"].grade == "较好"


def test_secretariat_inputs_are_read_and_bad_rows_reported(stocked, tmp_path):
    config = load_config(YEAR)
    template = write_template(stocked, cycle(YEAR), tmp_path / "blank.xlsx")
    filled = fill_review_inputs(template, tmp_path / "inputs.xlsx", config.grades,
                                {("平时工作", "U004"): {4: "是"}, ("平时工作", "U006"): {3: "优良"},
                                 ("乡村振兴实绩", "青岩县"): {4: "是", 3: "较差"}})
    inputs = read_inputs(filled, config)
    assert inputs.violation["U004"] is True and inputs.violation["U001"] is False
    assert "U006" not in inputs.daily and len(inputs.daily) == 13
    [problem] = inputs.problems
    assert problem.code == "value.not-a-choice" and problem.severity == "error"
    assert problem.location == {"file": "inputs.xlsx", "sheet": "平时工作", "row": 7}
    assert problem.message.startswith("第7行：“优良”不是可选项") and problem.message.endswith("本行未计入")
    # the county's own facts, once per county: its 实绩考核 result in its own words, 规模性返贫 only where entered
    assert inputs.return_to_poverty == {"青岩县": True} and inputs.results["青岩县"] == "较差"
    assert set(inputs.results) == {"太行县", "燕山县", "吕梁山县", "丹霞县", "黄羊县", "石门县", "龙溪县", "汾阳河县", "𠮷林县",
                                   "青岩县", "大别山县", "秦岭县", "黄土坡县", "云雾县", "草原县", "白马县", "阿尔泰县",
                                   "玉龙湾县", "澜沧江县", "红土县", "格桑县", "金川河县", "南岭县"}
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a spreadsheet")
    from formkit.review.inputs import InputsError

    with pytest.raises(InputsError) as err:
        read_inputs(broken, config)
    assert err.value.code == "review.inputs-unreadable"
    from click.testing import CliRunner

    from formkit.cli import main

    args = ["review", "rate", "--year", YEAR, "--inputs", filled, "--db", stocked.url]
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    assert ("录入表 [value.not-a-choice] 工作表“平时工作”第7行：“优良”不是可选项（好、较好、一般），本行未计入"
            in result.stderr.splitlines())
    shown = json.loads(CliRunner().invoke(main, [str(a) for a in [*args, "--json"]]).stdout)
    assert [(p["code"], p["location"]["row"]) for p in shown["problems"]] == [("value.not-a-choice", 7)]
    u004 = next(u for u in shown["units"] if u["recipient_id"] == "U004")  # violation entered: vetoed
    veto = next(r for r in u004["reasons"] if r["kind"] == "veto")
    assert {"rule": "violation", "source": "inputs"} in veto["params"]["vetoes"]
    assert "平时工作中发现违纪违规问题" in veto["text"] and all(r["text"] for r in u004["reasons"])


def test_inputs_are_read_where_excel_shows_them_through_the_hardened_reader(tmp_path):
    from openpyxl import Workbook

    from formkit.review.inputs import DAILY, DAILY_HEADERS

    book = Workbook()
    sheet = book.active
    sheet.title = DAILY
    sheet.append(DAILY_HEADERS)
    sheet.append(["U001", "单位一", "", "较好", "是"])
    sheet["A40"], sheet["D40"] = "U002", "优良"  # far below, after empty rows
    sheet["A41"], sheet["D41"], sheet["J41"] = "U003", "91", "备注写在J列"  # a column beyond F is not read
    book.save(tmp_path / "inputs.xlsx")
    inputs = read_inputs(tmp_path / "inputs.xlsx", load_config(YEAR))
    assert inputs.daily == {"U001": "较好", "U003": 91.0} and inputs.violation == {"U001": True, "U003": False}
    bad, missing = inputs.problems
    assert bad.code == "value.not-a-choice" and bad.location["row"] == 40 and bad.message.startswith("第40行：")
    assert missing.code == "review.inputs-missing-sheet" and missing.message == "缺少工作表“乡村振兴实绩”"


def saved_ratings(store) -> dict:
    """Three rated units (B vetoed, C moved down by the share limit) and one row stored by an earlier formkit,
    whose reasons are plain Chinese strings."""
    units = [entry("A"), entry("B", values={"violations": True}), entry("C")]
    out = rated(units, {"A": {"好": 9}, "B": {"好": 9}, "C": {"好": 8, "较好": 1}}, best_share=0.34)
    legacy = {"recipient_id": "OLD", "unit": "旧单位", "category": "中央企业", "rank": 4, "score": {"total": 90.0},
              "proposed": "较好", "reasons": ["分类评价投票：好9票", "有违纪违规问题，按规定不得评为“好”，调整为“较好”"]}
    store.save_grades(YEAR, [p.row() for p in out.values()] + [legacy])
    return out


def test_reasons_are_stored_as_data_and_vetoes_reach_the_proposal_by_kind(store):
    from formkit.review.results import results_context

    out = saved_ratings(store)
    stored = {r["recipient_id"]: r for r in store.grades(YEAR)}
    assert [r["kind"] for r in stored["B"]["reasons"]] == [r.kind for r in out["B"].reasons]
    assert {"kind": "veto", "params": {"vetoes": [{"rule": "violation", "source": "self"}], "grade": "好",
                                       "to": "较好"}} in stored["B"]["reasons"]  # data, no text
    store.override_grade(YEAR, "A", "一般", "核实发现问题")
    context = results_context(store, cycle(YEAR))
    notes = {r["unit"]: r["note"] for r in context["table"]}
    assert notes["单位B"] == "自评申报在帮扶工作中存在违纪违规问题，按规定不得评为“好”，调整为“较好”"
    assert notes["单位C"] == "全部3个单位中“好”不超过34%（1个），本单位按综合得分排第3，调整为“较好”"
    assert notes["单位A"] == "工作组调整：好→一般（核实发现问题）"
    # an old row reads back: its veto reason, marked the way earlier versions marked it, is still noted
    assert notes["旧单位"] == "有违纪违规问题，按规定不得评为“好”，调整为“较好”"
    assert context["leading_group"] == load_config(YEAR).leading_group == "中央农村工作领导小组"


def test_the_leading_group_comes_from_the_configuration(store, tmp_path, monkeypatch):
    import shutil

    from formkit.resources import forms_dir
    from formkit.review.results import results_context

    saved_ratings(store)
    folder = tmp_path / "own-forms"
    shutil.copytree(forms_dir(), folder)
    settings = folder / "cycle.yaml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("leading_group: 中央农村工作领导小组", "leading_group: 乡村振兴领导小组"), encoding="utf-8")
    monkeypatch.setenv("FORMKIT_FORMS", str(folder))
    assert results_context(store, cycle(YEAR))["leading_group"] == "乡村振兴领导小组"
    settings.write_text(text.replace("  leading_group: 中央农村工作领导小组\n", ""), encoding="utf-8")
    other = tmp_path / "older-forms"
    shutil.copytree(folder, other)  # a copy of forms/ made before the setting: the regulation's body
    monkeypatch.setenv("FORMKIT_FORMS", str(other))
    assert results_context(store, cycle(YEAR))["leading_group"] == "中央农村工作领导小组"


def test_an_override_is_checked_by_the_library_and_the_command_says_what_it_did(store):
    from click.testing import CliRunner

    from formkit.cli import main
    from formkit.errors import FormkitError
    from formkit.review.override import override

    saved_ratings(store)
    for grade, reason, code in (("优秀", "理由", "review.unknown-grade"), ("一般", "  ", "review.no-reason")):
        with pytest.raises(FormkitError) as err:
            override(store, cycle(YEAR), "A", grade, reason)
        assert err.value.code == code
    assert not [e for e in store.audit_events() if e["event"] == "grade-overridden"]
    row = override(store, cycle(YEAR), "A", "一般", "  核实发现问题 ")
    assert (row["grade"], row["proposed"], row["override_reason"]) == ("一般", "好", "核实发现问题")
    result = CliRunner().invoke(main, ["review", "override", "--year", YEAR, "--unit", "C", "--grade", "一般",
                                       "--reason", "理由", "--db", store.url])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "单位C：建议“较好”，现为“一般”（理由：理由），已记入审计日志"
    result = CliRunner().invoke(main, ["review", "override", "--year", YEAR, "--unit", "C", "--grade", "较差",
                                       "--reason", "理由", "--db", store.url])
    assert result.exit_code == 2 and "[review.unknown-grade]" in result.output


def test_overrides_are_kept_and_audited(stocked, sample_roster, tmp_path):
    from formkit.review.override import override

    voted(stocked, sample_roster, tmp_path)
    target = next(p for p in run_rating(stocked, cycle(YEAR)).proposals if p.recipient_id == "U001")
    changed = "一般" if target.grade != "一般" else "较好"
    override(stocked, cycle(YEAR), "U001", changed, "平时工作中发现问题")
    run_rating(stocked, cycle(YEAR))  # rating again keeps the override
    row = next(r for r in stocked.grades(YEAR) if r["recipient_id"] == "U001")
    assert row["grade"] == changed and row["proposed"] == target.grade and row["override_reason"] == "平时工作中发现问题"
    [event] = [e for e in stocked.audit_events() if e["event"] == "grade-overridden"]
    assert event["detail"]["before"] == target.grade and event["detail"]["after"] == changed
    assert event["detail"]["proposed"] == target.grade and event["detail"]["reason"] == "平时工作中发现问题"
    assert sum(1 for e in stocked.audit_events() if e["event"] == "rated") == 2
    from sqlalchemy import text

    with pytest.raises(Exception, match="append-only"):  # the log itself cannot be edited
        with stocked.engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET detail = NULL WHERE event = 'grade-overridden'"))


@pytest.mark.slow
def test_grade_names_from_configuration_reach_the_results_notice(own_grades, stocked, sample_roster, tmp_path):
    from formkit.errors import FormkitError
    from formkit.notices import write_notice
    from formkit.ooxml.inspect import inspect_docx
    from formkit.review.approval import approve

    voted(stocked, sample_roster, tmp_path)
    run_rating(stocked, cycle(YEAR))
    with pytest.raises(FormkitError) as err:  # numbered reviewers voted: their categories' results wait all the same
        approve(stocked, cycle(YEAR))
    assert err.value.code == "review.not-confirmed"
    confirmed(stocked)
    rating = run_rating(stocked, cycle(YEAR))
    proposals, votes = rating.proposals, rating.votes
    assert set(votes.grades) == {"优秀", "良好", "合格", "较差"}
    assert {p.grade for p in proposals} <= {"优秀", "良好", "合格", "较差"}
    approve(stocked, cycle(YEAR), when=date(2027, 2, 20))
    for kind in ("review-results", "review-proposal", "review-copy"):
        out = write_notice(kind, cycle(YEAR), tmp_path / f"{kind}.docx", store=stocked, when=date(2027, 3, 1))
        text = "".join(p.text for p in inspect_docx(out["docx"].read_bytes()).paragraphs)
        if kind == "review-results":
            for grade in ("优秀", "良好", "合格", "较差"):
                assert f"综合评价为“{grade}”的单位" in text
            assert "“好”" not in text
            for p in proposals:
                assert p.unit in text


@pytest.mark.slow
@pytest.mark.libreoffice
def test_the_results_notices_pass_the_format_checks(stocked, sample_roster, tmp_path):
    from conftest import need_soffice

    from formkit.notices import write_notice
    from formkit.review.approval import approve

    need_soffice()
    voted(stocked, sample_roster, tmp_path)
    confirmed(stocked)
    run_rating(stocked, cycle(YEAR))
    approve(stocked, cycle(YEAR))
    for kind in ("review-proposal", "review-results", "review-copy"):
        result = write_notice(kind, cycle(YEAR), tmp_path / f"{kind}.docx", store=stocked, pdf=True,
                              when=date(2027, 3, 1))
        assert [c.id for c in result["checks"] if c.result == "fail"] == [], kind
