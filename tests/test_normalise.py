from datetime import date

import pytest

from formkit.read.normalise import (
    BadValue,
    halfwidth,
    normalise_amount,
    normalise_bool,
    normalise_choice,
    normalise_count,
    normalise_date,
    normalise_text,
    strip_separators,
)

GRADES = ("好", "较好", "一般")


@pytest.mark.parametrize("text, expected", [
    ("300", 300), ("123.45", 123.45), ("１２３.５", 123.5), ("1,234.5", 1234.5), ("1，234.5", 1234.5),
    ("叁佰万元", 300), ("三百万", 300), ("300万", 300), ("300万元", 300), ("1.2亿元", 12000), ("一点二亿", 12000),
    ("12,000,000元", 1200), ("5千元", 0.5), ("1亿2千万元", 12000), ("壹仟贰佰叁拾肆点伍", 1234.5),
    ("人民币300万元", 300), ("0", 0), ("", None), ("  ", None), ("请选择", None),
])
def test_amounts_in_wan_yuan(text, expected):
    assert normalise_amount(text, "万元") == expected


def test_amount_in_yuan_field():
    assert normalise_amount("3万元", "元") == 30000
    assert normalise_amount("300", "元") == 300


@pytest.mark.parametrize("text, code", [
    ("约三百万", "value.approximate"), ("300万元左右", "value.approximate"), ("近500万", "value.approximate"),
    ("abc", "value.not-a-number"), ("三百多", "value.approximate"), ("见附件", "value.not-a-number"),
])
def test_bad_amounts(text, code):
    with pytest.raises(BadValue) as err:
        normalise_amount(text)
    assert err.value.code == code
    assert text.strip() in err.value.reason or err.value.reason


@pytest.mark.parametrize("text, unit, expected", [
    ("120", "人次", 120), ("120人次", "人次", 120), ("1.2万人次", "人次", 12000), ("一百二十", "人", 120),
    ("3名", "人", 3), ("3人", "人", 3), ("５个", "个", 5), ("4项", "个", 4), ("1,200", "人次", 1200),
])
def test_counts(text, unit, expected):
    assert normalise_count(text, unit) == expected


@pytest.mark.parametrize("text, unit, code", [
    ("300人", "人次", "value.unit-mismatch"), ("300人次", "人", "value.unit-mismatch"),
    ("12.5", "人", "value.not-an-integer"), ("若干", "人", "value.not-a-number"),
])
def test_persons_and_person_times_are_kept_apart(text, unit, code):
    with pytest.raises(BadValue) as err:
        normalise_count(text, unit)
    assert err.value.code == code


@pytest.mark.parametrize("text", [
    "2024年6月30日", "2024年06月30日", "2024.6.30", "2024.06.30", "2024/6/30", "2024-06-30", "2024-6-30",
    "20240630", "二〇二四年六月三十日", "二○二四年六月三十日", "2024年6月30号", "２０２４年６月３０日",
    "2024-06-30 00:00:00", "2024-06-30T00:00:00Z", " 2024 年 6 月 30 日 ",
])
def test_dates(text):
    assert normalise_date(text) == date(2024, 6, 30)


@pytest.mark.parametrize("text", ["2024年6月", "2024/6/31", "六月底", "2024.13.1"])
def test_bad_dates(text):
    with pytest.raises(BadValue) as err:
        normalise_date(text)
    assert err.value.code == "value.invalid-date"


@pytest.mark.parametrize("text, expected", [
    ("是", True), ("否", False), ("有", True), ("无", False), ("☑", True), ("☒", True), ("√", True),
    ("✓", True), ("×", False), ("☐", False), ("Y", True), ("n", False), ("☑是 ☐否", True), ("☐是 ☑否", False),
    ("是（√）否（ ）", True), ("", None), ("请选择", None),
])
def test_check_marks_and_yes_no(text, expected):
    assert normalise_bool(text) is expected


def test_bad_booleans():
    with pytest.raises(BadValue) as err:
        normalise_bool("☑是 ☑否")
    assert err.value.code == "value.ambiguous"
    with pytest.raises(BadValue) as err:
        normalise_bool("基本是")
    assert err.value.code == "value.not-a-boolean"


@pytest.mark.parametrize("text, expected", [
    ("好", "好"), ("较 好", "较好"), ("较好等次", "较好"), ("一般等", "一般"), ("☑较好 ☐好 ☐一般", "较好"),
    ("好（ ）较好（√）一般（ ）", "较好"), ("良好", "较好"), ("优秀", "好"),
])
def test_grade_variants(text, expected):
    variants = {"好": ("优秀", "优"), "较好": ("良好", "比较好"), "一般": ("合格", "中")}
    assert normalise_choice(text, GRADES, variants) == expected


def test_bad_choices():
    with pytest.raises(BadValue) as err:
        normalise_choice("很好", GRADES)
    assert err.value.code == "value.not-a-choice" and "好、较好、一般" in err.value.reason
    with pytest.raises(BadValue) as err:
        normalise_choice("☑好 ☑较好", GRADES)
    assert err.value.code == "value.ambiguous"


def test_small_steps():
    assert halfwidth("１２３．５ＡＢ") == "123.5AB"
    assert strip_separators("1,234,567.8") == "1234567.8"
    assert normalise_text("  工作扎实。\n成效明显。 ") == "工作扎实。\n成效明显。"
    assert normalise_text("单击或点击此处输入文字。") is None
