"""The notices the secretariat sends, from editable content files, through the GB/T 9704 engine: numbers and
dates, organs, 签发人 and 联系人 from the year's configuration (never a placeholder), the half-year progress
notice, and the correction letters' signer and wording."""

import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import YEAR, need_soffice

from formkit.errors import FormkitError
from formkit.forms.cycle import cycle
from formkit.gongwen.check import FAIL
from formkit.notices import NoticeError, issue_forms_context, notice_path, render_notice, write_notice
from formkit.ooxml.texts import printed_texts
from formkit.store import Store

LEGACY = Path(__file__).parent / "fixtures" / "legacy"  # Q1 and Q2 ledgers of 3 units (U003 missed Q2)


@pytest.fixture
def legacy(tmp_path):
    shutil.copytree(LEGACY, tmp_path / "store", ignore=shutil.ignore_patterns("*.py"))
    with Store(f"sqlite:///{tmp_path / 'store' / 'formkit.db'}", tmp_path / "store" / "formkit-originals") as store:
        yield store


def texts(path) -> str:
    return "\n".join(u.text for u in printed_texts(Path(path).read_bytes()))


def content(tmp_path, head: str, body: str = "正文。") -> Path:
    path = tmp_path / "notice.md"
    path.write_text(f"---\n{head}\n---\n{body}\n", encoding="utf-8")
    return path


def test_issue_forms_notice_takes_the_years_configuration():
    doc = render_notice(notice_path("issue-forms"), issue_forms_context(cycle(YEAR), 7), date(YEAR, 11, 28))
    # the 主办机关's 代字 (forms/cycle.yaml issuers) and the year of the 成文日期; the organs' full names
    assert doc.number == f"中农办发〔{YEAR}〕7号"
    assert doc.organs == ["中央农村工作领导小组办公室", "农业农村部"] and doc.printer == "中央农村工作领导小组办公室秘书局"
    text = "".join(b.text for b in doc.body)
    assert f"{YEAR}年12月31日前" in text and "好、较好、一般" in text
    assert [b.text[:9] for b in doc.body if b.kind == "h2"][0].startswith("（一）民主党派中央")
    # the provinces are asked to have their counties evaluate; the counties are not told to act directly
    assert "请各有关省（自治区、直辖市）党委农村工作领导小组办公室组织本地区定点帮扶县" in text
    assert not any(b.text.startswith("各定点帮扶县") for b in doc.body)
    # 报送方式 and 联系人及电话, with names and phones; no IT wording
    assert "电子邮箱kaohe-sample@example.org" in text
    assert "联系人及电话：中央农办赵示例，010-00000001；农业农村部孙示例，010-00000002。" in text
    assert "个性化" not in text and "识别码" not in text
    # the personalised forms go separately: named in the 附件说明, no pages holding only their titles
    assert [(a.title, a.separate, a.blocks) for a in doc.attachments] == [
        ("中央单位定点帮扶工作自评表", True, []), ("定点帮扶县对中央单位帮扶工作评价表", True, [])]
    assert doc.recipients[0] == "中央各定点帮扶单位" and "中央组织部" in doc.copies_to


def test_the_number_takes_the_year_of_the_date():
    context = issue_forms_context(cycle(YEAR))
    assert render_notice(notice_path("issue-forms"), context, date(YEAR + 1, 1, 5)).number == f"中农办发〔{YEAR + 1}〕1号"


def test_a_year_without_its_issuers_stops_the_notice_with_a_coded_message(tmp_path):
    out = tmp_path / "n.docx"
    with pytest.raises(FormkitError) as err:
        write_notice("issue-forms", cycle(2022), out)
    assert err.value.code == "notice.missing-setting" and "years.2022" in err.value.message
    assert not out.exists()
    from formkit.cli import main

    result = CliRunner().invoke(main, ["notice", "issue-forms", "--year", "2022", "--out", str(out)])
    assert result.exit_code == 2 and "[notice.missing-setting]" in result.output and not out.exists()


def test_an_upward_document_names_every_organs_signer_and_a_contact_in_its_note(tmp_path):
    head = ("title: 关于某事的请示\norgans: [{{ organisers | join(', ') }}]\nupward: true\nrecipients: [{{ leading_group }}]\n"
            "note: '{% set a = person(organisers[0]) %}联系人：{{ a.name }}，电话：{{ a.phone }}'")
    doc = render_notice(content(tmp_path, head), issue_forms_context(cycle(YEAR)), date(YEAR, 12, 1))
    assert doc.signers == ["王示例", "李示例"]  # 中央农办, 农业农村部: GB/T 9704 7.2.6, every organ's
    assert doc.number == f"中农办发〔{YEAR}〕1号"  # the 主办机关's (7.2.5)
    assert doc.note_text == "联系人：赵示例，电话：010-00000001"


@pytest.mark.parametrize(("head", "code"), [
    ("title: 请示\norgans: [农业农村部]\nsigners: [（签发人）]", "notice.placeholder"),
    ("title: 请示\norgans: [农业农村部]\nnote: （（联系人：定点帮扶工作组秘书处））", "notice.placeholder"),
    ("title: 通知\norgans: [农业农村部]\nattachments: [中央单位定点帮扶工作自评表]", "notice.empty-attachment"),
    ("title: 通知\norgans: [中央统战部]", "notice.missing-setting"),  # no 代字 configured for it
])
def test_placeholders_empty_attachments_and_missing_settings_are_refused(tmp_path, head, code):
    with pytest.raises(FormkitError) as err:
        render_notice(content(tmp_path, head), issue_forms_context(cycle(YEAR)), date(YEAR, 12, 1))
    assert err.value.code == code


def test_a_broken_content_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: x\n---\n{{ nonexistent }}", encoding="utf-8")
    with pytest.raises(NoticeError) as err:
        render_notice(bad, {}, date(YEAR, 1, 1))
    assert err.value.code == "notice.template"


@pytest.mark.slow
def test_the_progress_notice_is_a_joint_half_year_notice_from_the_ledgers(legacy, tmp_path):
    out = write_notice("progress", cycle(YEAR), tmp_path / "progress.docx", store=legacy, when=date(YEAR, 7, 20))["docx"]
    text = texts(out)
    assert f"关于{YEAR}年上半年中央单位定点帮扶工作进展情况的通报" in text
    assert f"农振发〔{YEAR}〕1号" in text  # the coordinating body's number
    # issued by the coordinating body with the five lead departments (办法 四（一）): all sign
    assert "农业农村部\n中央统战部\n中央和国家机关工委\n教育部\n中国人民银行\n国务院国资委\n" in text
    assert "第2季度工作台账应报送3份，已报送2份，国家乡村建设发展署尚未报送" in text
    assert "自评表" not in text and "评价表" not in text  # no year-end receipts mixed in
    with pytest.raises(FormkitError) as err:  # the second half: its last quarter's ledgers were never issued
        write_notice("progress", cycle(YEAR), tmp_path / "h2.docx", store=legacy, half=2)
    assert err.value.code == "notice.no-period" and not (tmp_path / "h2.docx").exists()


def test_a_notice_names_its_issuing_organ_in_its_properties(tmp_path):
    out = write_notice("issue-forms", cycle(YEAR), tmp_path / "n.docx", when=date(YEAR, 11, 20))["docx"]
    with zipfile.ZipFile(out) as zf:
        core = zf.read("docProps/core.xml").decode()
    assert "<dc:creator>中央农村工作领导小组办公室、农业农村部</dc:creator>" in core and "python-docx" not in core


def test_the_notice_command_takes_the_date_and_refuses_a_bad_one(tmp_path):
    from formkit.cli import main

    out = tmp_path / "n.docx"
    made = CliRunner().invoke(main, ["notice", "issue-forms", "--year", str(YEAR), "--out", str(out),
                                     "--date", f"{YEAR + 1}年1月5日"])
    assert made.exit_code == 0, made.output
    assert f"中农办发〔{YEAR + 1}〕1号" in texts(out) and f"{YEAR + 1}年1月5日" in texts(out)
    bad = CliRunner().invoke(main, ["notice", "issue-forms", "--year", str(YEAR), "--out", str(tmp_path / "x.docx"),
                                    "--date", "2026-13-01"])
    assert bad.exit_code == 2 and "[cli.bad-date]" in bad.output
    half = CliRunner().invoke(main, ["notice", "issue-forms", "--year", str(YEAR), "--out", str(tmp_path / "y.docx"),
                                     "--half", "1"])
    assert half.exit_code == 2 and "[cli.bad-usage]" in half.output


def test_correction_letters_are_signed_by_a_body_of_the_banfa_and_say_where_by_section(legacy, tmp_path):
    from docx import Document

    from formkit.letters import write_letters

    letters = write_letters(legacy, cycle(YEAR), tmp_path / "letters", today=date(YEAR, 12, 10))
    doc = Document(str(next(x.path for x in letters if x.recipient == "民主建国协进会中央委员会")))
    paragraphs = [p.text for p in doc.paragraphs if p.text]
    assert paragraphs[-2:] == ["农业农村部", f"{YEAR}年12月10日"]  # letters_signer in forms/cycle.yaml
    assert "联系人：孙示例，电话：010-00000002。" in paragraphs
    assert not any("工作组" in p or "识别码" in p for p in paragraphs)
    places = [r.cells[1].text for r in doc.tables[0].rows[1:]]
    assert places and all(not p.startswith("表") for p in places)  # the forms number no tables yet
    assert places[0].startswith("四、促进乡村振兴")


def test_a_letters_signer_the_banfa_does_not_know_is_refused(legacy, tmp_path, monkeypatch):
    from formkit.letters import write_letters
    from formkit.resources import forms_dir

    own = tmp_path / "forms"
    shutil.copytree(forms_dir(), own)
    text = (own / "cycle.yaml").read_text(encoding="utf-8")
    (own / "cycle.yaml").write_text(text.replace("letters_signer: 农业农村部", "letters_signer: 定点帮扶考核评价工作组"),
                                    encoding="utf-8")
    monkeypatch.setenv("FORMKIT_FORMS", str(own))
    with pytest.raises(FormkitError) as err:
        write_letters(legacy, cycle(YEAR), tmp_path / "letters")
    assert err.value.code == "config.invalid" and "定点帮扶考核评价工作组" in err.value.message


@pytest.mark.parametrize("kind", ["issue-forms", "progress"])
@pytest.mark.libreoffice
def test_each_notice_passes_the_format_checks(kind, legacy, tmp_path):
    need_soffice()
    result = write_notice(kind, cycle(YEAR), tmp_path / f"{kind}.docx", store=legacy, pdf=True, when=date(YEAR, 7, 20))
    failed = [(c.id, c.measured, c.message) for c in result["checks"] if c.result == FAIL]
    assert failed == []
    ids = {c.id for c in result["checks"]}
    assert {"D-PLACEHOLDER", "D-DOCNO-YEAR", "D-ATTACH-EMPTY", "P-LOST-TEXT", "P-NAME-SPLIT", "P-COPYTO-ALIGN",
            "P-ATTACH-ALIGN"} <= ids
    assert "FandolFang" in result["fonts"] or "Noto" in result["fonts"]


@pytest.mark.libreoffice
def test_a_correction_letter_passes_the_format_checks(legacy, tmp_path):
    need_soffice()
    from formkit.gongwen.check import check_file
    from formkit.letters import write_letters

    letter = write_letters(legacy, cycle(YEAR), tmp_path / "letters")[0].path
    checks, note = check_file(letter)
    assert note == "" and [(c.id, c.measured) for c in checks if c.result == FAIL] == []
    assert any(c.id == "P-LOST-TEXT" for c in checks)
