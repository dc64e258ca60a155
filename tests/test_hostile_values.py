"""Hostile and odd values in returned forms: whatever bytes a file holds, the reader gives a result or a coded
rejection, never a traceback and never a value the file does not show. Each mutant is a filled form altered by
a generator of tests/fixtures/hostile_values.py, so what the file shows is known from the alteration."""

import errno
import json
import math
import os
import re
import time
from dataclasses import fields, replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXED, YEAR
from fixtures import hostile_values as hv
from fixtures.store import stored_rows

from formkit.errors import FormkitError
from formkit.forms.loader import load_form
from formkit.intake.ingest import ingest
from formkit.limits import DEFAULT, HELP, Limits, over
from formkit.pipeline import read_document

FAST = replace(DEFAULT, seconds=30, memory_mb=1024)
AMOUNT = "投入帮扶资金实际到位（万元）"  # county-feedback: funds_invested_arrived, amount in 万元, 0..1000000
COUNTY = "U001-130731"
UNIT = "U001"
FILL_DATE = "B12"  # the ledger's 填报日期 cell (below 联系人 and 联系电话)


@pytest.fixture(scope="session")
def ledger(sample_roster, tmp_path_factory) -> tuple[bytes, dict]:
    """A genuine second-quarter ledger, filled as a clerk keeps it, and the values typed into it."""
    from formkit.issue import issue_forms
    from formkit.simulate import fill_ledgers

    folder = tmp_path_factory.mktemp("ledgers")
    results = issue_forms(sample_roster, YEAR, folder / "issued", forms=["quarterly-ledger"], period=2, created=FIXED)
    files = {r.recipient_id: folder / "issued" / r.file for r in results}
    path, values = fill_ledgers(sample_roster, YEAR, 2, {"U001-Q2": files["U001-Q2"]}, folder / "filled")["U001-Q2"]
    return path.read_bytes(), values


def read(data: bytes, name: str = "x.docx", limits: Limits = DEFAULT):
    return read_document(data, name, limits=limits)


def refused(data: bytes, name: str = "x.docx", limits: Limits = DEFAULT) -> FormkitError:
    with pytest.raises(FormkitError) as err:
        read(data, name, limits)
    assert err.value.message
    return err.value


def at(result, key: str) -> list[str]:
    return [f.code for f in result.findings if f.field == key]


def strict_json(value) -> str:
    return json.dumps(value, allow_nan=False, ensure_ascii=False)


# numbers ---------------------------------------------------------------------------------------------------

NUMBERS = {
    "NaN": "value.not-finite", "Infinity": "value.not-finite", "sNaN": "value.not-finite",
    "-inf": "value.not-finite", "12345678901234567890123": "value.too-many-digits",
    "1e308": "value.too-many-digits", "1234.567890123456789": "value.too-many-digits",
    "2000000": "value.above-max", "-5": "value.below-min", "12\n34": "value.several-numbers",
    "120 80": "value.several-numbers", "120、80": "value.several-numbers",
}


@pytest.mark.parametrize("typed, code", NUMBERS.items())
def test_numbers_a_float_cannot_hold_or_the_field_does_not_allow_are_findings_never_values(cf, typed, code):
    result = read(hv.set_value(cf, AMOUNT, hv.typed(typed)))
    assert at(result, "funds_invested_arrived") == [code]
    assert result.values["funds_invested_arrived"] is None
    assert result.exit_code == 1
    strict_json(result.as_dict())  # standard JSON: no NaN or Infinity anywhere


def test_read_json_is_standard_json_for_a_nan_amount(cf, tmp_path):
    from formkit.cli import main

    path = tmp_path / "nan.docx"
    path.write_bytes(hv.set_value(cf, AMOUNT, hv.typed("NaN")))
    out = CliRunner().invoke(main, ["read", str(path), "--json"])
    assert out.exit_code == 1, out.output

    def refuse(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    record = json.loads(out.stdout, parse_constant=refuse)
    assert record["values"]["funds_invested_arrived"] is None
    assert "value.not-finite" in [f["code"] for f in record["findings"]]


@pytest.mark.parametrize("cell, code", [
    ('<c r="B2" t="n"><v>NaN</v></c>', "value.not-finite"),
    ('<c r="B2" t="n"><v>1E+308</v></c>', "value.too-many-digits"),
    ('<c r="B2" t="n"><v>123456789012345678</v></c>', "value.too-many-digits"),
])
def test_ledger_numbers_that_are_not_figures(ledger, cell, code):
    data, _values = ledger
    result = read(hv.set_cell_xml(data, 2, "B2", cell), "x.xlsx")
    assert at(result, "ledger[0].invested_free") == [code]
    assert result.values["ledger"][0]["invested_free"] is None
    strict_json(result.as_dict())


# crashes that are now coded ---------------------------------------------------------------------------------


def test_a_corrupt_deflate_stream_is_a_corrupt_file(cf):
    assert refused(hv.corrupt_deflate(cf)).code == "docx.corrupt"


@pytest.mark.parametrize("year", ["99999", "abc", "1999", "2101", "２０２６x"])
def test_a_year_property_outside_the_forms_years_is_ignored_with_a_finding(cf, year):
    result = read(hv.set_property(cf, "formkit.year", year))
    assert "read.property-invalid" in [f.code for f in result.findings]
    assert result.year == YEAR  # from the form's own year cell
    assert result.values["funds_invested_arrived"] is not None


def test_a_version_property_that_is_not_a_number_is_ignored_with_a_finding(cf):
    result = read(hv.set_property(cf, "formkit.version", "1" * 40))
    # the version the document's own layout shows: the county form issued by this formkit
    assert "read.property-invalid" in [f.code for f in result.findings]
    assert result.version == load_form("county-feedback", YEAR).version


@pytest.mark.parametrize("edit, code", [
    (lambda d: hv.set_cell_xml(d, 1, FILL_DATE, f'<c r="{FILL_DATE}" s="x4" t="n"><v>46201</v></c>'), "xlsx.bad-style"),
    (lambda d: hv.set_style_attr(d, "date"), "xlsx.bad-style"),
    (lambda d: hv.set_cell_xml(d, 1, "B10", '<c r="B10" t="s"><v>one</v></c>'), "xlsx.bad-cell"),
    (lambda d: hv.set_cell_xml(d, 1, "B10", '<c r="B10" t="s"><v>7</v></c>'), "xlsx.bad-cell"),
])
def test_spreadsheet_indexes_that_are_not_numbers_or_point_nowhere_are_refused(ledger, edit, code):
    data, _values = ledger
    assert refused(edit(data), "x.xlsx").code == code


@pytest.mark.parametrize("serial", ["-100000", "0", "3000000", "NaN"])
def test_a_date_serial_excel_cannot_show_is_not_a_date(ledger, serial):
    data, _values = ledger
    result = read(hv.set_cell_xml(data, 1, FILL_DATE, f'<c r="{FILL_DATE}" s="4" t="n"><v>{serial}</v></c>'), "x.xlsx")
    assert result.values["fill_date"] is None
    assert at(result, "fill_date") == ["value.invalid-date"]


# limits checked before allocating -------------------------------------------------------------------------


def test_a_grid_span_of_two_billion_columns_is_refused(cf):
    start = time.monotonic()
    assert refused(hv.huge_grid_span(cf)).code == "docx.grid-too-large"
    assert time.monotonic() - start < 5


def test_a_grid_larger_than_the_limit_is_refused(cf):
    data = hv.many_rows(cf, 400)  # a vMerge down 400 rows (more compresses past the inflate-ratio limit first)
    assert read(data).form == "county-feedback"  # within the default limits
    small = replace(DEFAULT, grid_cells=400)
    assert read(cf, limits=small).form == "county-feedback"  # the form as issued fits the small limit
    assert refused(data, limits=small).code == "docx.grid-too-large"


def test_a_far_cell_at_the_last_excel_row_costs_nothing_and_changes_nothing(ledger):
    data, values = ledger
    far = hv.far_cell(hv.far_cell(data, 2, "A1048576", "备注"), 2, "XFD1048576", "x")
    start = time.monotonic()
    result = read(far, "x.xlsx")
    assert time.monotonic() - start < 5
    assert result.values["ledger"] == values["ledger"] and result.values["targets"] == values["targets"]
    assert [f.code for f in result.findings] == []


def test_a_sheet_with_a_used_range_beyond_the_limit_is_refused(ledger):
    data, _values = ledger
    cells = "".join(f'<row r="{20 + i}"><c r="{_letters(20 + i)}{20 + i}" t="inlineStr"><is><t>x</t></is></c></row>'
                    for i in range(1500))
    diagonal = hv.edit_sheet(data, 2, lambda xml: xml.replace("</sheetData>", cells + "</sheetData>", 1))
    assert refused(diagonal, "x.xlsx").code == "xlsx.range-too-large"


def _letters(n: int) -> str:
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


def test_every_limit_has_its_help_and_reads_as_a_sentence():
    assert set(HELP) == {f.name for f in fields(Limits)}
    assert over("grid_columns") == f"{HELP['grid_columns'][1]}为 1000 列"
    assert over("seconds") == f"{HELP['seconds'][1]}为 60 秒"


# what Word shows --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("vanish", ["<w:vanish/>", '<w:vanish w:val="true"/>', '<w:vanish w:val="1"/>'])
def test_hidden_text_is_not_read(cf, vanish):
    result = read(hv.set_value(cf, AMOUNT, hv.hidden("92.82", "11", vanish)))
    assert result.values["funds_invested_arrived"] == 92.82
    assert result.raw["funds_invested_arrived"]["text"] == "92.82"


def test_text_hidden_through_a_style_is_not_read(cf):
    result = read(hv.hidden_by_style(cf, AMOUNT, "92.82", "11"))
    assert result.values["funds_invested_arrived"] == 92.82


def test_text_shown_is_read_whatever_its_vanish_switch_or_paragraph_mark_says(cf):
    shown = read(hv.set_value(cf, AMOUNT, hv.hidden("92.82", "11", '<w:vanish w:val="0"/>')))
    assert shown.values["funds_invested_arrived"] == 1192.82  # vanish switched off: Word shows 1192.82
    mark = read(hv.hidden_paragraph_mark(cf, AMOUNT, "1192.82"))
    assert mark.values["funds_invested_arrived"] == 1192.82


# mc:AlternateContent: Word shows the first Choice whose Requires it understands, else the Fallback
# (ECMA-376 Part 3 §7.5); a Choice Word understands (w14, wps) is what Word 2010 and later shows.
ALTERNATES = {
    "unknown choice, empty fallback, then text": (
        hv.alternate((hv.UNKNOWN_NS, "11"), (None, "")) + hv.typed("92.82"), 92.82),
    "unknown choice, fallback": (hv.alternate((hv.UNKNOWN_NS, "11"), (None, "92.82")), 92.82),
    "understood choice, fallback": (hv.alternate((hv.W14, "11"), (None, "92.82")), 11),
    "unknown then understood choice": (hv.alternate((hv.UNKNOWN_NS, "11"), (hv.WPS, "92.82"), (None, "5")), 92.82),
    "unknown choice, no fallback": (hv.alternate((hv.UNKNOWN_NS, "11")) + hv.typed("92.82"), 92.82),
}


@pytest.mark.parametrize("runs, shown", ALTERNATES.values(), ids=ALTERNATES.keys())
def test_alternate_content_reads_the_branch_word_shows(cf, runs, shown):
    result = read(hv.set_value(cf, AMOUNT, runs))
    assert result.values["funds_invested_arrived"] == shown and at(result, "funds_invested_arrived") == []


@pytest.mark.parametrize("declared, requires", [
    (f'xmlns:w14="{hv.W14}" xmlns:b="{hv.UNKNOWN_NS}"', "w14 b"),  # one of two namespaces unknown
    (f'xmlns:w14="{hv.UNKNOWN_NS}"', "w14"),  # Word's prefix, bound to a namespace Word does not know
])
def test_a_choice_needing_a_namespace_word_lacks_is_not_shown(cf, declared, requires):
    ac = (f'<mc:AlternateContent xmlns:mc="{hv.MC}"><mc:Choice {declared} Requires="{requires}">{hv.typed("11")}'
          f'</mc:Choice><mc:Fallback>{hv.typed("92.82")}</mc:Fallback></mc:AlternateContent>')
    assert read(hv.set_value(cf, AMOUNT, ac)).values["funds_invested_arrived"] == 92.82


@pytest.mark.parametrize("namespace, shown", [(hv.UNKNOWN_NS, 92.82), (hv.W14, 11)])
def test_alternate_content_around_paragraphs_reads_the_branch_word_shows(cf, namespace, shown):
    blocks = hv.alternate((namespace, "11"), (None, "92.82"), wrap=hv.paragraph)
    result = read(hv.set_value_blocks(cf, AMOUNT, blocks))
    assert result.values["funds_invested_arrived"] == shown and at(result, "funds_invested_arrived") == []


# w:vanish is a toggle property (ISO 29500 §17.7.3): direct run formatting decides; otherwise the document
# defaults (when on, the text is hidden) and the paragraph and character styles, each toggling the other.
@pytest.mark.parametrize("off", ['w:val="0"', 'w:val="false"', 'w:val="off"'])
def test_document_defaults_hide_text_a_run_can_show_again(cf, off):
    data = hv.add_styles(cf, "", defaults_rpr="<w:vanish/>")
    result = read(hv.set_value(data, AMOUNT, hv.run("11") + hv.run("92.82", f"<w:vanish {off}/>")))
    assert result.values["funds_invested_arrived"] == 92.82  # Word shows only the run switched back on


def test_a_style_cannot_show_what_the_document_defaults_hide(cf):
    data = hv.add_styles(cf, hv.style("character", "FKShown", '<w:vanish w:val="0"/>'), defaults_rpr="<w:vanish/>")
    runs = hv.run("11", '<w:rStyle w:val="FKShown"/>') + hv.run("92.82", '<w:vanish w:val="0"/>')
    assert read(hv.set_value(data, AMOUNT, runs)).values["funds_invested_arrived"] == 92.82


STYLED = {  # paragraph style of the value's paragraph, its runs, what Word shows
    "paragraph style hides": ("FKHidP", hv.run("11") + hv.run("92.82", '<w:vanish w:val="0"/>'), 92.82),
    "hidden through basedOn": ("FKHidChild", hv.run("11") + hv.run("92.82", '<w:vanish w:val="false"/>'), 92.82),
    "character style toggles it back": ("FKHidP", hv.run("11") + hv.run("92.82", '<w:rStyle w:val="FKQuiet"/>'), 92.82),
    "character style alone hides": ("FKCell", hv.run("11", '<w:rStyle w:val="FKQuiet"/>') + hv.run("92.82"), 92.82),
}


@pytest.mark.parametrize("paragraph_style, runs, shown", STYLED.values(), ids=STYLED.keys())
def test_hidden_text_through_paragraph_and_character_styles(cf, paragraph_style, runs, shown):
    styles = (hv.style("paragraph", "FKHidP") + hv.style("paragraph", "FKHidChild", None, based_on="FKHidP")
              + hv.style("character", "FKQuiet"))
    data = hv.set_value_paragraph_style(hv.add_styles(cf, styles), AMOUNT, paragraph_style)
    result = read(hv.set_value(data, AMOUNT, runs))
    assert result.values["funds_invested_arrived"] == shown and at(result, "funds_invested_arrived") == []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_styles_in_utf16_still_hide_text(cf, encoding):
    data = hv.encoded(hv.hidden_by_style(cf, AMOUNT, "92.82", "11"), "word/styles.xml", encoding)
    assert read(data).values["funds_invested_arrived"] == 92.82


@pytest.mark.parametrize("other", ["单位名称", "定点帮扶工作专门机构"])  # a label, and one reading like a label
def test_reading_by_position_never_takes_a_label_as_the_value(sa, other):
    label = "召开定点帮扶专题工作会（次）"
    data = hv.set_label(hv.set_value(sa, label, hv.typed(other)), label, "会议")
    result = read(data)
    assert result.values["special_meetings"] is None
    assert at(result, "special_meetings") == ["read.field-missing"]


def test_reading_by_position_still_reads_a_value(sa):
    label = "召开定点帮扶专题工作会（次）"
    result = read(hv.set_label(hv.set_value(sa, label, hv.typed("7")), label, "会议"))
    assert result.values["special_meetings"] == 7 and at(result, "special_meetings") == ["read.by-position"]


@pytest.mark.parametrize("part", ["word/document.xml", "docProps/custom.xml", "word/styles.xml", "word/footer1.xml"])
def test_a_dtd_is_refused_wherever_it_is(cf, part):
    err = refused(hv.late_dtd(cf, part))
    assert err.code == "docx.dtd-forbidden" and err.where["part"] == part


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-be"])
def test_a_dtd_in_any_xml_part_even_one_never_read_is_refused(cf, ledger, encoding):
    """ECMA-376 Part 2: a DTD in any part is an error (Word does not open the file), settings and font
    table included, 10,000 characters in, in either encoding a part may have."""
    for data, name in ((cf, "x.docx"), (ledger[0], "x.xlsx")):
        parts = [p for p in hv.entries(data) if p.endswith((".xml", ".rels"))]
        assert "[Content_Types].xml" in parts and "docProps/core.xml" in parts
        for part in parts:
            err = refused(hv.late_dtd(data, part, offset=10_000, encoding=encoding), name)
            assert (err.code, err.where["part"]) == ("docx.dtd-forbidden", part)


@pytest.mark.parametrize("typed", ["\u200b\u200c\ufeff", " \u3000 ", "\u2060", "\u200d\n\u200b"])
def test_a_required_field_needs_characters_that_show(cf, typed):
    result = read(hv.set_value(cf, "填表人", hv.typed(typed)))
    assert result.values["filled_by"] is None
    assert at(result, "filled_by") == ["value.required"]


def test_zero_width_characters_are_left_out_of_values(cf):
    result = read(hv.set_value(cf, "填表人", hv.typed("张\u200b三\ufeff")))
    assert result.values["filled_by"] == "张三" and at(result, "filled_by") == []
    amount = read(hv.set_value(cf, AMOUNT, hv.typed("1\u200b2.5")))
    assert amount.values["funds_invested_arrived"] == 12.5


def test_the_schema_refuses_invisible_text_in_a_required_field():
    from formkit.forms import load_form
    from formkit.validate.schema import _validator, has_visible

    assert not has_visible("\u200b \u3000\x01\u202e") and has_visible("张")
    validator = _validator(load_form("county-feedback", YEAR))
    validator.validate({"filled_by": "\u200b\u200c"}, normalize=False)
    assert [e.rule for e in validator._errors if e.field == "filled_by"] == ["visible"]


# lengths ----------------------------------------------------------------------------------------------------


def test_a_recipient_property_too_long_is_dropped_with_a_finding(cf):
    result = read(hv.set_property(hv.set_property(cf, "formkit.recipient", "U" * 300),
                                  "formkit.recipient_name", "名" * 300))
    assert [f.code for f in result.findings].count("read.property-too-long") == 2
    assert result.recipient["id"] == COUNTY  # from the footer code, which still says who it is
    assert "U" * 300 not in strict_json(result.as_dict()) and "名" * 300 not in strict_json(result.as_dict())


@pytest.mark.parametrize("value, code", [("x" * (DEFAULT.property_chars + 1), "read.property-too-long"),
                                         ("no-such-form", "read.property-invalid")])
def test_a_form_property_that_names_no_form_is_ignored_with_a_finding(cf, value, code):
    result = read(hv.set_property(cf, "formkit.form", value))
    assert [f.code for f in result.findings if f.code.startswith("read.property")] == [code]
    assert result.form == "county-feedback" and result.identified_by == "footer-code"
    assert "x" * (DEFAULT.property_chars + 1) not in strict_json(result.as_dict())


@pytest.mark.parametrize("label, key, text", [
    ("被评价中央单位", "unit_name", "单" * (DEFAULT.name_chars + 1)),
    ("填表人", "filled_by", "填" * (DEFAULT.text_value_chars + 1)),
    ("综合评价意见", "comment_overall", "好" * (DEFAULT.longtext_chars + 1)),
])
def test_a_value_beyond_its_length_limit_is_a_finding_never_a_value(cf, label, key, text):
    result = read(hv.set_value(cf, label, hv.typed(text)))
    assert at(result, key) == ["value.too-long"] and result.values[key] is None
    assert len(result.raw[key]["text"]) <= DEFAULT.longtext_chars + 1


def test_a_long_answer_within_the_limit_is_read_whole(cf):
    text = "帮扶成效明显。" * 2000  # 14,000 characters, in the value's first paragraph
    result = read(hv.set_value(cf, "综合评价意见", hv.typed(text)))
    assert result.values["comment_overall"].startswith(text + "\n") and at(result, "comment_overall") == []


# not a form -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def notice(tmp_path_factory) -> Path:
    from formkit.cli import main

    path = tmp_path_factory.mktemp("notice") / "n.docx"
    out = CliRunner().invoke(main, ["notice", "issue-forms", "--year", str(YEAR), "--out", str(path)])
    assert out.exit_code == 0, out.output
    return path


def test_a_notice_naming_the_forms_is_not_a_form(notice):
    err = refused(notice.read_bytes())
    assert err.code == "read.not-a-form" and "不是 formkit 的表格" in err.message


# one batch --------------------------------------------------------------------------------------------------


@pytest.fixture
def batch(tmp_path, filled_forms, cf, ledger, notice):
    data, _values = ledger
    files = {
        "nan.docx": (hv.set_value(cf, AMOUNT, hv.typed("NaN")), "value.not-finite"),
        "inf.docx": (hv.set_value(cf, AMOUNT, hv.typed("Infinity")), "value.not-finite"),
        "digits.docx": (hv.set_value(cf, AMOUNT, hv.typed("12345678901234567890123")), "value.too-many-digits"),
        "two.docx": (hv.set_value(cf, AMOUNT, hv.typed("120 80")), "value.several-numbers"),
        "range.docx": (hv.set_value(cf, AMOUNT, hv.typed("2000000")), "value.above-max"),
        "deflate.docx": (hv.corrupt_deflate(cf), "docx.corrupt"),
        "year.docx": (hv.set_property(cf, "formkit.year", "99999"), "read.property-invalid"),
        "recipient.docx": (hv.set_property(cf, "formkit.recipient", "U" * 300), "read.property-too-long"),
        "span.docx": (hv.huge_grid_span(cf), "docx.grid-too-large"),
        "dtd.docx": (hv.late_dtd(cf), "docx.dtd-forbidden"),
        "blank.docx": (hv.set_value(cf, "填表人", hv.typed("\u200b")), "value.required"),
        "long.docx": (hv.set_value(cf, "综合评价意见", hv.typed("好" * 30_000)), "value.too-long"),
        "notice.docx": (notice.read_bytes(), "read.not-a-form"),
        "style.xlsx": (hv.set_style_attr(data, "date"), "xlsx.bad-style"),
        "string.xlsx": (hv.set_cell_xml(data, 1, "B10", '<c r="B10" t="s"><v>one</v></c>'), "xlsx.bad-cell"),
        "serial.xlsx": (hv.set_cell_xml(data, 1, FILL_DATE, f'<c r="{FILL_DATE}" s="4" t="n"><v>-100000</v></c>'),
                        "value.invalid-date"),
        "far.xlsx": (hv.far_cell(data, 2, "A1048576"), ""),
        "hidden.docx": (hv.set_value(filled_forms["U002-141131"].read_bytes(), AMOUNT, hv.hidden("92.82", "11")), ""),
    }
    folder = tmp_path / "incoming"
    folder.mkdir()
    for name, (body, _code) in files.items():
        (folder / name).write_bytes(body)
    good = ("U002", "U003", "U004-430731")
    for rid in good:
        (folder / f"good-{rid}.docx").write_bytes(filled_forms[rid].read_bytes())
    return folder, {name: code for name, (_body, code) in files.items()}, good


def test_every_hostile_value_gets_its_code_and_the_rest_of_the_batch_is_stored(store, batch):
    folder, expected, good = batch
    results = {Path(r.file).name: r for r in ingest([folder], store, YEAR, limits=FAST)}
    assert len(results) == len(expected) + len(good)
    for name, code in expected.items():
        result = results[name]
        assert result.outcome not in ("crashed", "timeout", "out-of-memory"), (name, result)
        assert result.code == code, (name, result.code, result.message)
    stored = {Path(r["file_name"]).name: r for r in stored_rows(store)}
    assert set(stored) == set(results)  # every file kept, rejections included
    for row in stored.values():
        strict_json(row["record"])  # nothing stored that is not standard JSON
        assert row["recipient_id"] is None or len(row["recipient_id"]) <= 120
    assert stored["hidden.docx"]["record"]["values"]["funds_invested_arrived"] == 92.82
    assert stored["far.xlsx"]["outcome"] == "accepted"
    assert stored["nan.docx"]["record"]["values"]["funds_invested_arrived"] is None
    for rid in good:
        assert results[f"good-{rid}.docx"].outcome == "accepted"
    assert {r["recipient_id"] for r in stored.values() if r["outcome"] == "accepted"} >= set(good)
    for name, row in stored.items():  # nothing not finite anywhere in a stored value
        for value in _numbers((row["record"] or {}).get("values")):
            assert math.isfinite(value), name


def _numbers(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, float):
        yield value


# what a field is: its label as Word shows it -----------------------------------------------------------------


def test_another_fields_label_typed_as_a_value_is_that_value_and_misleads_no_field(sa):
    typed = "定点帮扶工作责任人及职务"  # the label of responsible_person, typed as the plan's title
    before = read(sa)
    result = read(hv.set_value(sa, "年度计划名称及印发时间", hv.typed(typed)))
    assert result.values["annual_plan_title"] == typed
    assert result.values["responsible_person"] == before.values["responsible_person"]
    assert {k: v for k, v in result.values.items() if k != "annual_plan_title"} == \
        {k: v for k, v in before.values.items() if k != "annual_plan_title"}


def test_swapped_control_tags_do_not_move_values(sa):
    swap = {'w:val="fk:annual_plan"': 'w:val="fk:violations"', 'w:val="fk:violations"': 'w:val="fk:annual_plan"'}
    data = hv.edit_part(sa, hv.DOCUMENT, lambda xml: re.sub("|".join(map(re.escape, swap)),
                                                             lambda m: swap[m.group(0)], xml))
    assert read(data).values == read(sa).values


@pytest.mark.parametrize("name, value", [("formkit.year", "2025"), ("formkit.recipient", "U002-141131")])
def test_properties_that_disagree_with_the_footer_code_are_an_error(cf, name, value):
    result = read(hv.set_property(cf, name, value))
    [conflict] = [f for f in result.findings if f.code == "read.identity-conflict"]
    assert conflict.severity == "error" and result.exit_code == 1


def test_a_year_property_that_disagrees_with_the_forms_year_cell_is_an_error(cf):
    no_code = hv.edit_part(cf, "word/footer1.xml", lambda xml: re.sub(r"FK-[A-Z]+-\d{4}-[\w-]+-V\d+", "", xml))
    result = read(hv.set_property(no_code, "formkit.year", "2025"))
    [conflict] = [f for f in result.findings if f.code == "read.identity-conflict"]
    assert conflict.severity == "error" and conflict.field == "year" and "2025" in conflict.message


# files the system will not open ---------------------------------------------------------------------------


@pytest.mark.parametrize("error, reason", [(errno.ENOENT, "不存在"), (errno.EACCES, "没有访问权限"),
                                           (errno.ELOOP, "循环"), (errno.EREMOTEIO, "系统错误")])
def test_a_file_that_cannot_be_opened_is_said_in_chinese(tmp_path, monkeypatch, error, reason):
    from formkit.intake.batch import read_many
    from formkit.pipeline import read_file

    path = tmp_path / "表.docx"
    path.write_bytes(b"PK")

    def refuse(*_args, **_kwargs):
        raise OSError(error, os.strerror(error), str(path))

    monkeypatch.setattr(os, "stat", refuse)
    monkeypatch.setattr(Path, "read_bytes", refuse)
    [(_path, err)] = list(read_many([path]))
    with pytest.raises(FormkitError) as direct:
        read_file(path)
    for e in (err, direct.value):
        assert e.code == "read.cannot-open" and reason in e.message and str(path) == e.where["file"]
        assert not re.search(r"[A-Za-z]{3,}", e.message), e.message  # no English strerror
