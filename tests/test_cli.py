import csv
import json

from click.testing import CliRunner

from formkit.cli import main
from formkit.resources import samples_dir


def run(*args):
    return CliRunner().invoke(main, list(map(str, args)), catch_exceptions=False)


def test_forms_lists_both_forms():
    result = run("forms", "--json")
    assert result.exit_code == 0
    assert {f["form"] for f in json.loads(result.output)} == {"self-assessment", "county-feedback", "review-vote"}
    text = run("forms").output
    assert "中央单位定点帮扶工作自评表" in text and "定点帮扶县对中央单位帮扶工作评价表" in text


def test_fields_prints_the_public_contract():
    result = run("fields", "county-feedback", "--json")
    assert result.exit_code == 0
    contract = json.loads(result.output)
    assert contract["form"] == "county-feedback" and contract["version"] == 1
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


def test_demo_runs_the_cycle_so_far_and_says_where(tmp_path):
    result = run("demo", "--out", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    assert "下发表格：38 份" in result.output and "模拟回收：38 份" in result.output
    assert "35 份无错误，3 份有错误，0 份无法读取" in result.output
    assert "36 份接收，1 份拒收，重复报送 3 份" in result.output
    assert "未报送 2 份，有错误待修改 3 份" in result.output and "退回修改意见：3 份" in result.output
    assert (tmp_path / "demo" / "催报名单.xlsx").is_file() and (tmp_path / "demo" / "formkit.db").is_file()
    assert "7. 公文（GB/T 9704-2012）" in result.output and "8. 材料汇编：14 个单位" in result.output
    assert (tmp_path / "demo" / "公文" / "下发考核评价表格的通知.docx").is_file()
    assert str((tmp_path / "demo").resolve()) in result.output
    assert (tmp_path / "demo" / "issued" / "manifest.csv").is_file()
    records = sorted((tmp_path / "demo" / "read").glob("*.json"))
    assert len(records) == 38
    u003 = json.loads(next(p for p in records if p.name.startswith("U003_")).read_text(encoding="utf-8"))
    assert [f["code"] for f in u003["findings"] if f["severity"] == "error"] == ["value.approximate"]


def test_templates_command_rebuilds(tmp_path):
    result = run("templates", "--out", tmp_path)
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["county-feedback.docx", "self-assessment.docx"]


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
