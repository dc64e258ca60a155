import csv
import json

import pytest
from click.testing import CliRunner

from formkit.cli import main
from formkit.resources import samples_dir


def run(*args):
    return CliRunner().invoke(main, list(map(str, args)), catch_exceptions=False)


def test_forms_lists_both_forms():
    result = run("forms", "--json")
    assert result.exit_code == 0
    assert {f["form"] for f in json.loads(result.output)} == {"self-assessment", "county-feedback", "review-vote",
                                                              "quarterly-ledger", "half-year-report"}
    text = run("forms").output
    assert "中央单位定点帮扶工作自评表" in text and "定点帮扶县对中央单位帮扶工作评价表" in text


def test_fields_prints_the_public_contract():
    result = run("fields", "county-feedback", "--json")
    assert result.exit_code == 0
    contract = json.loads(result.output)
    assert contract["form"] == "county-feedback" and contract["version"] == 2
    by_key = {f["key"]: f for f in contract["fields"]}
    assert by_key["grade_overall"] == {"key": "grade_overall", "label": "综合评价等次", "type": "choice",
                                       "required": True, "choices": ["好", "较好", "一般"]}
    assert by_key["county"]["prefilled"] is True
    assert by_key["funds_invested_arrived"]["unit"] == "万元"
    sa = json.loads(run("fields", "self-assessment", "--json").output)
    visits = next(f for f in sa["fields"] if f["key"] == "visits")
    assert visits["type"] == "table" and visits["columns"][0]["prefilled"] is True


def test_unknown_form_is_a_clear_error():
    result = run("fields", "nonexistent")
    assert result.exit_code == 2
    assert "form.unknown" in result.output and "没有名为" in result.output


def test_issue_writes_forms_and_manifest(tmp_path):
    result = run("issue", "--roster", samples_dir() / "roster", "--year", 2026, "--out", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["issued"] == 38 and summary["failed"] == 0
    with open(tmp_path / "manifest.csv", encoding="utf-8-sig") as fh:
        assert len(list(csv.reader(fh))) == 39
    assert len(list((tmp_path / "self-assessment").glob("*.docx"))) == 14
    assert len(list((tmp_path / "county-feedback").glob("*.docx"))) == 24


def test_issue_with_a_bad_roster_names_the_row(tmp_path):
    (tmp_path / "units.csv").write_text("编号,单位名称,单位类别\nU1,甲,中央企业\nU2,乙,地方企业\n", encoding="utf-8")
    (tmp_path / "pairs.csv").write_text("单位名称,定点帮扶县,县代码,所属省份,是否重点帮扶县\n丙,一县,1,某省,是\n",
                                        encoding="utf-8")
    result = run("issue", "--roster", tmp_path, "--year", 2026, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "roster.unknown-category" in result.output and "第3行" in result.output
    assert "roster.unknown-unit" in result.output  # every problem, not only the first
    assert not (tmp_path / "out").exists()
    as_json = run("roster", tmp_path, "--json")
    assert json.loads(as_json.stdout)["error"]["code"] == "roster.unknown-category"


def test_roster_check_summarises():
    result = run("roster", samples_dir() / "roster")
    assert result.exit_code == 0 and "14 个中央单位" in result.output


@pytest.mark.slow
@pytest.mark.libreoffice
def test_demo_runs_the_whole_cycle_and_says_where(tmp_path):
    from conftest import need_soffice

    need_soffice()  # the demo's editor paths, PDFs and format checks need LibreOffice
    demo = tmp_path / "demo"
    result = run("demo", "--out", demo)
    assert result.exit_code == 0, result.output
    assert "下发年底表格：38 份" in result.output and "模拟回收：38 份" in result.output
    assert "1 份经 LibreOffice 另存、1 份导出为 PDF、1 份另存为旧版 .doc" in result.output
    assert "34 份无错误，3 份有错误，0 份无法读取，1 份旧版 .doc 入库时转换后读取" in result.output
    assert "36 份接收，1 份拒收，重复报送 3 份" in result.output  # the .doc converted and accepted
    assert "0. 定期调度：季度台账（Excel）4 期共收回 55 份，第4季度未报送：国家标准与计量总局" in result.output
    assert (demo / "定期调度" / "2026年第4季度定点帮扶工作进度.png").is_file()
    # letters: the 3 forms with errors, and 丹霞县's feedback, whose confirmed funds differ from its unit's claim
    assert "未报送 3 份，有错误待修改 3 份" in result.output and "退回修改意见：4 份" in result.output  # + 1 ledger
    assert (demo / "催报名单.xlsx").is_file() and (demo / "formkit.db").is_file()
    # 7 units flagged: U005 typed 1.2亿元 of consumer assistance on its year-end form where its Q4 ledger says
    # 871.52 万元 (the dossier shows both), besides the six flagged for missing forms, errors and vetoes (both
    # units assisting 青岩县, whose forms disagree about 规模性返贫: a fact about the county)
    assert "7. 公文（GB/T 9704-2012）" in result.output and "8. 材料汇编：14 个单位，7 个有提请关注事项" in result.output
    assert "9. 分类评价：参评代表 14 名" in result.output  # one per unit, each sheet without their own unit
    assert "投票表 14 份，收回 13 份，2 份有无效或未选的票" in result.output and "已由牵头部门确认" in result.output
    assert "牵头部门核实 2 个（1 个有疑问）" in result.output
    assert "10. 综合评议：14 个单位" in result.output and "录入表问题 1 处，调整等次 1 个" in result.output
    # 青岩县's two forms disagree about 规模性返贫: the conflict is reported and resolved; the 审定 is recorded
    assert "规模性返贫报告不一致 1 处（青岩县），秘书处核实后记录结论：维持不得评为“好”" in result.output
    assert "评价结果的请示（" in result.output and "中央农村工作领导小组审定（已记录）；评价结果通报（" in result.output
    assert "11. 评价结果公文" in result.output and "不合格" not in result.output and "未生成 PDF" not in result.output
    assert str(demo.resolve()) in result.output
    assert (demo / "issued" / "manifest.csv").is_file()
    dossier = demo / "材料汇编" / "2026年度考核评价材料汇编"
    review = demo / "分类评价"
    for path in (dossier.with_suffix(".docx"), dossier.with_suffix(".pdf"), demo / "公文" / "下发考核评价表格的通知.pdf",
                 review / "计票结果.xlsx", review / "评价结果的请示.pdf", review / "评价结果通报.pdf",
                 review / "送中央组织部的函.pdf"):
        assert path.is_file() and path.stat().st_size > 0, path
    records = sorted((demo / "read").glob("*.json"))
    assert len(records) == 37  # the .doc is read at intake, after conversion
    u003 = json.loads(next(p for p in records if p.name.startswith("U003_")).read_text(encoding="utf-8"))
    assert [f["code"] for f in u003["findings"] if f["severity"] == "error"] == ["value.approximate"]
    u005 = json.loads(next(p for p in records if p.name.startswith("U005_")).read_text(encoding="utf-8"))
    differs = [f["message"] for f in u005["findings"] if f["code"] == "rule.differs-from-ledger"]
    assert len(differs) == 1 and "12000万元" in differs[0] and "第4季度台账" in differs[0]  # 1.2亿元 typed instead
    from formkit.store import Store

    store = Store(f"sqlite:///{demo / 'formkit.db'}", demo / "formkit-originals")
    grades = {r["recipient_id"]: r for r in store.grades(2026)}
    [resolved] = store.acts(2026, kind="veto-resolved:return_to_poverty")
    [approved] = store.acts(2026, kind="approved")
    store.close()
    assert grades["U002"]["grade"] != "好" and grades["U007"]["grade"] != "好"  # violation, return to poverty
    assert grades["U008"]["grade"] != "好" and resolved["subject"] == "青岩县"  # the same county, the other unit
    assert approved["value"]["grades"] == {k: r["grade"] for k, r in grades.items()}
    assert grades["U013"]["override_reason"] and grades["U013"]["grade"] == "较好"
    from formkit.ooxml.inspect import inspect_docx

    notice = "".join(p.text for p in inspect_docx((review / "评价结果通报.docx").read_bytes()).paragraphs)
    for r in grades.values():  # every unit listed under its grade in force
        heading = f"综合评价为“{r['grade']}”的单位"
        assert r["unit"] in notice.split(heading)[1].split("综合评价为")[0]


def test_templates_command_rebuilds(tmp_path):
    result = run("templates", "--out", tmp_path)
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["county-feedback.docx", "half-year-report.docx", "review-vote.docx",
                                                          "self-assessment.docx"]


@pytest.mark.libreoffice
def test_notice_and_check_format_commands(tmp_path):
    from conftest import need_soffice

    need_soffice()
    out = tmp_path / "notice.docx"
    made = run("notice", "issue-forms", "--year", 2026, "--out", out, "--pdf", "--serial", 3)
    assert made.exit_code == 0, made.output
    assert "版式检查：" in made.output and "不合格 0 项" in made.output
    assert "仿宋_GB2312→" in made.output  # the font substitution report
    checked = run("check-format", out, "--json")
    assert checked.exit_code == 0
    report = json.loads(checked.stdout)
    assert {c["id"] for c in report["checks"]} >= {"D-MARGIN", "D-DOCNO", "P-LINES", "P-PAGENO", "P-IMPRINT"}
    assert all(c["result"] != "fail" for c in report["checks"])
    from test_read import edit

    wrong = edit(out, tmp_path / "wrong.docx", replace=[("〔2026〕", "【2026】")])
    bad = run("check-format", wrong)
    assert bad.exit_code == 1 and "D-DOCNO" in bad.output and "六角括号" in bad.output
