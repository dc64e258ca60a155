"""Reading what comes back: tolerant labels, fallbacks, placeholders, bad values, tracked changes, scans."""

import io
import json
import zipfile

import pytest
from click.testing import CliRunner
from conftest import YEAR
from test_round_trip import filled

from formkit.cli import main
from formkit.errors import FormkitError
from formkit.pipeline import read_document, read_file


def edit(source, target, part="word/document.xml", replace=(), drop=()):
    """Rewrite one part of a .docx (a user's editor at work); ``drop`` removes parts entirely."""
    with zipfile.ZipFile(source) as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    xml = entries[part].decode("utf-8")
    for old, new in replace:
        assert old in xml, old
        xml = xml.replace(old, new, 1)
    entries[part] = xml.encode("utf-8")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            if name not in drop:
                zf.writestr(name, data)
    return target


@pytest.fixture
def sa(issued, sample_roster, tmp_path):
    return filled(issued, sample_roster, tmp_path, "self-assessment", "U012")


@pytest.fixture
def cf(issued, sample_roster, tmp_path):
    return filled(issued, sample_roster, tmp_path, "county-feedback", "U005-433131")


def codes(result):
    return [f.code for f in result.findings]


def test_labels_with_spaces_colons_line_breaks_and_small_rewording(sa, tmp_path):
    path, values = sa
    out = edit(path, tmp_path / "labels.docx", replace=[
        ("<w:t>单位名称</w:t>", "<w:t>单 位</w:t></w:r><w:r><w:t>名称：</w:t>"),
        ("<w:t>联系电话</w:t>", "<w:t>联系</w:t><w:br/><w:t>电话:</w:t>"),
        ("<w:t>定点帮扶专门工作机构</w:t>", "<w:t>定点帮扶工作专门机构</w:t>"),
    ])
    result = read_file(out)
    assert result.values == values
    changed = [f for f in result.findings if f.code == "read.label-changed"]
    assert len(changed) == 1 and changed[0].field == "working_body"


def test_a_label_replaced_entirely_is_read_by_position(sa, tmp_path):
    path, values = sa
    out = edit(path, tmp_path / "pos.docx", replace=[("<w:t>召开定点帮扶专题工作会（次）</w:t>", "<w:t>会议</w:t>")])
    result = read_file(out)
    assert result.values["special_meetings"] == values["special_meetings"]
    [hint] = [f for f in result.findings if f.code == "read.by-position"]
    assert hint.field == "special_meetings" and hint.location["cited"] == "表4"  # as printed above the table


def test_identity_from_footer_code_then_from_content(cf, tmp_path):
    path, values = cf
    no_props = edit(path, tmp_path / "noprops.docx", part="[Content_Types].xml", drop=("docProps/custom.xml",))
    result = read_file(no_props)
    assert result.identified_by == "footer-code" and result.recipient["id"] == "U005-433131"
    assert result.values == values
    with zipfile.ZipFile(no_props) as zf:
        footer = next(n for n in zf.namelist() if n.startswith("word/footer"))
        text = zf.read(footer).decode()
    start = text.index("识别码")
    bare = edit(no_props, tmp_path / "bare.docx", part=footer, replace=[(text[start:text.index("（请勿删除）")], "")])
    result = read_file(bare)
    assert result.identified_by == "content" and result.form == "county-feedback" and result.year == YEAR
    assert "read.identity-from-content" in codes(result)
    assert result.values == values


def test_placeholders_and_blank_rows_are_empty(issued, tmp_path):
    from conftest import doc_for

    result = read_file(doc_for(issued, "self-assessment", "U012"))  # issued, nothing typed
    assert result.values["violations"] is None and result.values["fill_date"] is None
    assert result.values["visits"] == [] and result.values["first_secretaries"] == []
    assert len(result.values["counties"]) == 4
    required = [f for f in result.findings if f.code == "value.required"]
    assert any(f.field == "violations" and "必填" in f.message for f in required)
    assert result.exit_code == 1


def test_bad_values_say_what_and_where(sa, tmp_path):
    path, values = sa
    first = values["funds"][0]["invested_free"]
    typed = f"{first:.2f}".rstrip("0").rstrip(".")
    out = edit(path, tmp_path / "bad.docx", replace=[(f"<w:t>{typed}</w:t>", "<w:t>约三百万</w:t>")])
    result = read_file(out)
    [bad] = [f for f in result.findings if f.code == "value.approximate"]
    assert bad.severity == "error" and bad.field == "funds[0].invested_free" and bad.raw == "约三百万"
    assert bad.message == "表8 第2行「投入无偿资金」：“约三百万”是约数，请填写确切数字"  # 表8 as the copy prints it
    assert result.values["funds"][0]["invested_free"] is None
    assert result.exit_code == 1


def test_tracked_changes_read_as_final_text(sa, tmp_path):
    path, values = sa
    n = values["special_meetings"]
    out = edit(path, tmp_path / "tracked.docx", replace=[(
        f"<w:t>{n}</w:t>",
        f'<w:t></w:t></w:r><w:del w:id="901" w:author="王" w:date="2026-12-01T00:00:00Z"><w:r><w:delText>{n}</w:delText>'
        f'</w:r></w:del><w:ins w:id="902" w:author="王" w:date="2026-12-01T00:00:00Z"><w:r><w:t>{n + 1}</w:t></w:r>'
        f"</w:ins><w:r><w:t></w:t>")])
    result = read_file(out)
    assert result.values["special_meetings"] == n + 1
    assert "read.tracked-changes" in codes(result)


def test_value_found_by_its_control_tag_when_the_label_is_gone(cf, tmp_path):
    path, values = cf
    out = edit(path, tmp_path / "tag.docx", replace=[("<w:t>综合评价等次</w:t>", "<w:t>总评</w:t>")])
    result = read_file(out)
    assert result.values["grade_overall"] == values["grade_overall"]
    assert "read.by-position" not in codes(result) and "read.field-missing" not in codes(result)


def test_scanned_pdf_asks_for_the_word_file(tmp_path):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(buf, "PDF")
    with pytest.raises(FormkitError) as err:
        read_document(buf.getvalue(), "scan.pdf")
    assert err.value.code == "pdf.no-text" and "Word" in err.value.message


def test_exit_status_and_json(sa, tmp_path):
    path, values = sa
    runner = CliRunner()
    ok = runner.invoke(main, ["read", str(path), "--json"])
    assert ok.exit_code == 0, ok.output
    record = json.loads(ok.stdout)
    assert set(record) >= {"form", "version", "recipient", "values", "findings", "source"}
    assert record["source"]["format"] == "docx" and len(record["source"]["sha256"]) == 64
    # the second table of the document (the filer line is the first), which the copy prints as 表1
    assert record["raw"]["unit_name"]["location"] == {"table": 2, "cited": "表1", "row": 1, "column": 2}
    when = values["fill_date"]
    bad = edit(path, tmp_path / "bad.docx", replace=[(f">{when.year}年{when.month}月{when.day}日<", ">2026年13月1日<")])
    assert runner.invoke(main, ["read", str(bad)]).exit_code == 1
    (tmp_path / "x.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    broken = runner.invoke(main, ["read", str(tmp_path / "x.doc"), str(path)])
    assert broken.exit_code == 2 and "read.legacy-format" in broken.output
    assert "self-assessment v2" in broken.output  # the good file of the batch was still read
