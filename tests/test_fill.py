"""A person fills an issued form by typing into the cells beside the labels; the cells hold what was typed."""

from conftest import doc_for
from docview import DocView

from formkit.fill import fill_form
from formkit.forms import load_form

TYPED = {
    "annual_plan": "是",
    "annual_plan_title": "《2026年定点帮扶工作计划》，2026年3月印发",
    "working_body": "乡村振兴工作领导小组办公室",
    "special_meetings": "４",  # full-width digit, as typed with a Chinese IME
    "policy_guidance": "一是督促落实中央部署；\n二是帮助发现问题3个，提出建议5条。",
    "consumer_bought": "1,234.5",
    "fill_date": "2026年12月20日",
    "violations": "否",
}


def test_typing_beside_labels(issued, tmp_path):
    form = load_form("self-assessment", 2026)
    source = doc_for(issued, "self-assessment", "U012")
    target = tmp_path / "filled.docx"
    visits = [
        {"date": "2026年5月12日", "leader": "王某", "post": "董事长", "main_leader": "是"},
        {"date": "2026.6.30", "leader": "李某", "post": "副总经理", "main_leader": "否"},
        {},
        {"date": "2026-09-01", "leader": "赵某", "post": "总会计师"},
        {"county": "阿尔泰县", "date": "2026年10月8日", "leader": "钱某", "post": "副总经理"},
        {"county": "澜沧江县", "date": "2026年11月2日", "leader": "孙某", "post": "纪委书记"},
        {"county": "红土县", "date": "2026年11月3日", "leader": "周某", "post": "工会主席"},  # a row the user adds
    ]
    fill_form(source, target, form, {**TYPED, "visits": visits})
    view = DocView(target)
    for key, text in TYPED.items():
        assert view.value(form.field(key).label) == text
    rows = view.table([c.label for c in form.field("visits").columns])
    assert len(rows) == 7
    assert rows[0] == ["阿尔泰县", "2026年5月12日", "王某", "董事长", "☒"]
    assert rows[1] == ["玉龙湾县", "2026.6.30", "李某", "副总经理", "☐"]
    assert [x.strip() for x in rows[2]] == ["澜沧江县", "", "", "", "☐"]  # untouched: the blank placeholder left
    assert rows[6] == ["红土县", "2026年11月3日", "周某", "工会主席", "☐"]
    # the prefilled values are still there
    assert view.value("单位名称") == "中国能源建设投资集团有限公司"


def test_county_form_grades_by_dropdown(issued, tmp_path):
    form = load_form("county-feedback", 2026)
    target = tmp_path / "cf.docx"
    values = {f.key: "较好" for f in form.fields if f.key.startswith("grade_")}
    values.update({"return_to_poverty": "否", "funds_invested_arrived": "300万元", "comment_overall": "工作扎实。"})
    fill_form(doc_for(issued, "county-feedback", "U008-522731"), target, form, values)
    view = DocView(target)
    assert view.value("综合评价等次") == "较好"
    assert view.value("本县是否出现规模性返贫") == "否"
    assert view.value("投入帮扶资金实际到位（万元）") == "300万元"
    assert view.value("综合评价意见") == "工作扎实。"
