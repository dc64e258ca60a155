"""The notices the secretariat sends, from editable content files, through the GB/T 9704 engine."""

from datetime import date

import pytest
from conftest import YEAR, need_soffice

from formkit.forms.cycle import cycle
from formkit.gongwen.check import FAIL
from formkit.intake.ingest import ingest
from formkit.issue import issue_forms
from formkit.issue.batch import issued_rows
from formkit.notices import NoticeError, issue_forms_context, notice_path, render_notice, write_notice


def test_issue_forms_notice_takes_the_years_configuration():
    doc = render_notice(notice_path("issue-forms"), issue_forms_context(cycle(YEAR), 7), date(YEAR, 11, 28))
    assert doc.number == f"中农办发〔{YEAR}〕7号"
    text = "".join(b.text for b in doc.body)
    assert f"{YEAR}年12月31日前" in text and "农业农村部" in text and "好、较好、一般" in text
    assert [b.text[:9] for b in doc.body if b.kind == "h2"][0].startswith("（一）民主党派中央")
    assert [a.title for a in doc.attachments] == ["中央单位定点帮扶工作自评表", "定点帮扶县对中央单位帮扶工作评价表"]
    assert "中央组织部" in doc.copies_to
    old = render_notice(notice_path("issue-forms"), issue_forms_context(cycle(2022)), date(2022, 11, 1))
    assert "国家乡村振兴局" in "".join(b.text for b in old.body)


def test_a_broken_content_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: x\n---\n{{ nonexistent }}", encoding="utf-8")
    with pytest.raises(NoticeError) as err:
        render_notice(bad, {}, date(YEAR, 1, 1))
    assert err.value.code == "notice.template"


@pytest.mark.parametrize("kind", ["issue-forms", "progress"])
@pytest.mark.libreoffice
def test_each_notice_passes_the_format_checks(kind, store_url, tmp_path, sample_roster, filled_forms):
    need_soffice()
    from formkit.store import Store

    with Store(store_url, tmp_path / "originals") as store:
        if kind == "progress":
            issued = issue_forms(sample_roster, YEAR, tmp_path / "issued")
            store.record_issued(issued_rows(issued, YEAR))
            list(ingest([filled_forms[r] for r in ("U001", "U002", "U012")], store, YEAR))
        result = write_notice(kind, cycle(YEAR), tmp_path / f"{kind}.docx", store=store, pdf=True,
                              when=date(YEAR, 12, 1))
    failed = [(c.id, c.measured, c.message) for c in result["checks"] if c.result == FAIL]
    assert failed == []
    assert "FandolFang" in result["fonts"] or "Noto" in result["fonts"]
    if kind == "progress":
        from formkit.ooxml.inspect import inspect_docx

        text = "".join(p.text for p in inspect_docx(result["docx"].read_bytes()).paragraphs)
        assert "已下发自评表14份，收到3份" in text
