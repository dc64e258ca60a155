"""A finding keeps its place, label, reason and figures apart and renders the clerk's message only when shown;
findings stored before they kept their parts read back the same."""

import json
from datetime import date

import pytest

from formkit.findings import ERROR, WARNING, Finding, finding

REASON = "“约三百万”是约数，请填写确切数字"


@pytest.mark.parametrize("label, location, message", [
    ("投入无偿资金", {"page": 2, "table": 8, "row": 3, "column": 2}, f"第2页 表8 第3行「投入无偿资金」：{REASON}"),
    ("投入无偿资金", {}, f"「投入无偿资金」：{REASON}"),
    (None, {"table": 8, "row": 3}, f"表8 第3行：{REASON}"),
    (None, {}, REASON),
    (None, {"column": 2}, REASON),  # a column alone is no place a clerk can find
])
def test_the_message_is_place_label_and_reason(label, location, message):
    f = finding("value.approximate", ERROR, REASON, label, "funds[1].invested_free", location, "约三百万")
    assert f.message == message and f.reason == REASON and f.label == label


def test_as_dict_keeps_the_keys_findings_always_had_and_adds_the_parts():
    f = finding("rule.funds-differ", WARNING, "县确认到位 250 万元，单位自评表填报 300 万元，相差 50 万元",
                "投入帮扶资金实际到位（万元）", "funds_invested_arrived", {"table": 3, "row": 2},
                params={"confirmed": 250.0, "claimed": 300.0, "diff": 50.0}, subject="甲县")
    data = f.as_dict()
    assert list(data) == ["code", "severity", "message", "field", "location", "label", "reason", "params", "subject"]
    assert data["message"] == f"表3 第2行「投入帮扶资金实际到位（万元）」：{f.reason}"
    assert Finding.from_dict(json.loads(json.dumps(data))) == f
    bare = finding("read.macros-ignored", WARNING, "文档含有宏（VBA），formkit 不会运行宏，只读取表格内容").as_dict()
    assert bare == {"code": "read.macros-ignored", "severity": "warning", "message": bare["reason"],
                    "reason": bare["reason"]}


def test_parameters_are_json_safe():
    f = finding("rule.date-outside-year", WARNING, "…", "调研日期", "visits[0].date",
                params={"date": date(2025, 12, 31), "grades": ("好", "较好"), "year": 2026})
    assert f.params == {"date": "2025-12-31", "grades": ["好", "较好"], "year": 2026}
    assert json.loads(json.dumps(f.as_dict()))["params"] == f.params


@pytest.mark.parametrize("label, location", [
    ("投入无偿资金", {"page": 2, "table": 8, "row": 3}),
    ("投入无偿资金", {}),
    (None, {"table": 8, "row": 3}),
    (None, {}),
    ("表「甲」", {"table": 1}),  # brackets inside a label
])
def test_a_finding_stored_before_findings_kept_their_parts_reads_back_the_same(label, location):
    today = finding("value.approximate", ERROR, REASON, label, "funds[1].invested_free", location, "约三百万")
    stored = {k: v for k, v in today.as_dict().items() if k not in ("label", "reason", "params", "subject")}
    back = Finding.from_dict(stored)
    assert back.message == today.message and back.label == label and back.reason == REASON
    assert back.as_dict() == today.as_dict()


def test_a_stored_message_in_no_known_shape_is_kept_as_it_was():
    stored = {"code": "rule.no-cadre", "severity": "warning", "message": "旧版本写下的提示", "location": {"table": 5}}
    back = Finding.from_dict(stored)
    assert back.message == "旧版本写下的提示" and Finding.from_dict(back.as_dict()).message == "旧版本写下的提示"


def test_a_finding_says_what_to_do_from_the_codes_table():
    assert "确切数字" in finding("value.approximate", ERROR, REASON).help
    assert finding("no.such-code", ERROR, REASON).help == ""
