"""One unit's figures are the same wherever they are printed. The store is the small legacy fixture (3 units,
their year-end forms and the ledgers of Q1 and Q2; U003 has not returned Q2); every expected figure below is
worked out by hand from the values typed into those forms (listed in the comments), not by formkit. The
test reads them back out of what a user receives: the dossier .docx, the progress workbook, the progress
notice, and the unit model the review rates."""

import shutil
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from formkit.dossier import build_dossier
from formkit.evaluation.units import evaluate
from formkit.forms.cycle import cycle
from formkit.notices import write_notice
from formkit.progress.report import progress, write_progress_xlsx
from formkit.store import Store

LEGACY = Path(__file__).parent / "fixtures" / "legacy"
YEAR = 2026

# U001's year-end self-assessment: funds table 太行县 (430.21, 99.62 | 396.41, 553.69), 燕山县 (822.58, 870.28 |
# 434.54, 780.13); training 26 + 1 + 40; consumer 107.06 + 500.63
U001_INVESTED = round(430.21 + 99.62 + 822.58 + 870.28, 2)  # 2222.69
U001_BROUGHT = round(396.41 + 553.69 + 434.54 + 780.13, 2)  # 2164.77
U001_TRAINED = 26 + 1 + 40
U001_CONSUMER = round(107.06 + 500.63, 2)
# its responsibility letter (committed → achieved): 734.88 → 2222.69, 867.82 → 2164.77 (both exceeded: 100 %),
# 310 → 26, 237 → 40, 540.7 → 107.06, 522.33 → 500.63; the working group's rule: mean of rates capped at 100 %
U001_COMPLETION = (1 + 1 + 26 / 310 + 40 / 237 + 107.06 / 540.7 + 500.63 / 522.33) / 6  # 56.8 %
# the Q2 ledgers (cumulative): U001 太行县 681.76 + 616.05, 燕山县 423.56 + 254.2; U002 142.12 + 684.05;
# U003 did not return Q2: its Q1 counts (丹霞县 383.29 + 380.17, 黄羊县 33.58 + 278.87)
U001_LEDGER_INVESTED = round(681.76 + 616.05 + 423.56 + 254.2, 2)  # 1975.57
U002_LEDGER_INVESTED = round(142.12 + 684.05, 2)
U003_CARRIED_INVESTED = round(383.29 + 380.17 + 33.58 + 278.87, 2)  # 1075.91
LEDGER_TOTAL_INVESTED = round(U001_LEDGER_INVESTED + U002_LEDGER_INVESTED + U003_CARRIED_INVESTED, 2)  # 3877.65


@pytest.fixture
def legacy(tmp_path):
    shutil.copytree(LEGACY, tmp_path / "store", ignore=shutil.ignore_patterns("*.py"))
    with Store(f"sqlite:///{tmp_path / 'store' / 'formkit.db'}", tmp_path / "store" / "formkit-originals") as store:
        yield store


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def money(x: float) -> str:
    return f"{x:,.2f}"


def test_the_dossier_prints_the_hand_computed_figures_and_both_sources(legacy, tmp_path):
    out, _ = build_dossier(legacy, cycle(YEAR), tmp_path / "dossier.docx")
    doc = Document(str(out))
    def summary_row(first_column: str) -> list[str]:  # the unit's row in a summary table (by its 2nd column)
        return next([c.text for c in r.cells] for t in doc.tables if t.rows[0].cells[1].text.startswith(first_column)
                    for r in t.rows if r.cells[0].text == "民主建国协进会中央委员会")

    row = summary_row("投入资金")
    assert row[1:3] == [money(U001_INVESTED), money(U001_BROUGHT)]
    assert row[6] == str(U001_TRAINED) and row[7] == money(U001_CONSUMER)
    assert summary_row("调研考察")[7] == f"{U001_COMPLETION * 100:.0f}%"
    text = docx_text(out)
    assert f"责任书完成率：{U001_COMPLETION * 100:.1f}%（2/6项完成）" in text
    # the year-end form and the Q2 ledger differ: both are shown side by side, and flagged
    both = next(t for t in doc.tables if t.rows[0].cells[0].text == "指标")
    assert [c.text for c in both.rows[0].cells] == ["指标", "年底自评表", "第2季度台账"]
    assert ["投入帮扶资金（万元）", money(U001_INVESTED), money(U001_LEDGER_INVESTED)] in \
        [[c.text for c in r.cells] for r in both.rows]
    assert (f"年底自评表与第2季度台账的“投入帮扶资金（万元）”不一致（自评表 {U001_INVESTED:g}，台账 {U001_LEDGER_INVESTED:g}）"
            in text)
    # the county that confirmed 1 万元 against the unit's 529.83 (430.21 + 99.62): the stored cross finding
    assert f"太行县「投入帮扶资金实际到位（万元）」：县确认到位 1 万元，单位自评表填报 {430.21 + 99.62:g} 万元" in text


def test_the_progress_workbook_and_notice_agree_with_the_ledgers(legacy, tmp_path):
    report = progress(legacy, cycle(YEAR))
    book = load_workbook(write_progress_xlsx(report, tmp_path / "progress.xlsx"), read_only=True)
    rows = list(book["单位进度"].iter_rows(min_row=2, values_only=True))
    head = rows[0]
    col = head.index("投入帮扶资金（万元）")
    by_unit = {r[0]: r for r in rows[1:]}
    assert by_unit["U001"][col] == pytest.approx(U001_LEDGER_INVESTED)
    # the unit that missed Q2 shows the Q1 figures its category's total counts, and says so
    assert by_unit["U003"][col] == pytest.approx(U003_CARRIED_INVESTED)
    assert by_unit["U003"][-1] == "未报送（沿用第1季度台账）"
    totals = {(r[0], r[1]): r for r in book["类别汇总"].iter_rows(min_row=2, values_only=True)}
    cat_col = next(book["类别汇总"].iter_rows(max_row=1, values_only=True)).index("投入帮扶资金（万元）")
    assert totals[("中央和国家机关", 2)][cat_col] == pytest.approx(U003_CARRIED_INVESTED)
    assert totals[("民主党派中央和全国工商联", 2)][cat_col] == pytest.approx(U001_LEDGER_INVESTED + U002_LEDGER_INVESTED)
    book.close()
    notice = write_notice("progress", cycle(YEAR), tmp_path / "notice.docx", store=legacy)["docx"]
    assert f"投入帮扶资金{LEDGER_TOTAL_INVESTED:g}万元" in docx_text(notice)


def test_the_review_rates_the_same_figures(legacy):
    entries = {u.recipient_id: u for _c, _l, us in evaluate(legacy, cycle(YEAR)).categories for u in us}
    figures = entries["U001"].figures
    assert (figures.invested, figures.brought, figures.trained, figures.consumer) == \
        (pytest.approx(U001_INVESTED), pytest.approx(U001_BROUGHT), U001_TRAINED, pytest.approx(U001_CONSUMER))
    assert figures.completion.rate == pytest.approx(U001_COMPLETION)
    assert [d.measure for d in entries["U001"].differences][:2] == ["invested", "brought"]
