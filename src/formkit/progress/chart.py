"""The progress chart a lead department pastes into its report (PNG): per category, the funds put in and
brought in (cumulative, 万元) at the end of each quarter, and the share of units that returned their ledger
for the latest quarter."""

from __future__ import annotations

from pathlib import Path

from formkit.progress.report import Progress

CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "FandolFang", "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei")


def chinese_font() -> str | None:
    """The first installed font that has Chinese glyphs (None: the chart's text will show boxes)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def write_chart(report: Progress, path: str | Path) -> tuple[Path, str | None]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    font = chinese_font()
    if font:
        plt.rcParams["font.family"] = [font]
    plt.rcParams["axes.unicode_minus"] = False
    quarters = list(range(1, report.quarter + 1))
    cats = report.categories
    fig, (funds, rate) = plt.subplots(1, 2, figsize=(12, 5), dpi=150, gridspec_kw={"width_ratios": [3, 2]})
    width = 0.8 / max(len(quarters), 1)
    colours = ["#9ecae1", "#6baed6", "#3182bd", "#08519c"]
    for i, q in enumerate(quarters):
        xs = [c + (i - (len(quarters) - 1) / 2) * width for c in range(len(cats))]
        totals = [report.category_total(c, q, "invested") + report.category_total(c, q, "brought") for c in cats]
        bars = funds.bar(xs, totals, width * 0.95, label=f"第{q}季度末", color=colours[i % 4])
        funds.bar_label(bars, labels=[f"{t:,.0f}" for t in totals], fontsize=7, padding=1)
    funds.set_xticks(range(len(cats)), [_wrap(c) for c in cats], fontsize=8)
    funds.set_ylabel("万元")
    funds.set_title(f"{report.year}年各类单位投入和引进帮扶资金（累计；未报送的单位按其上一期台账计）", fontsize=10)
    funds.legend(fontsize=8, frameon=False)
    funds.spines[["top", "right"]].set_visible(False)
    shares = []
    for c in cats:
        returned, issued = report.reporting(c, report.quarter)
        shares.append(100 * returned / issued if issued else 0)
    bars = rate.barh(range(len(cats)), shares, color="#31a354")
    rate.bar_label(bars, labels=[f"{s:.0f}%" for s in shares], fontsize=8, padding=2)
    rate.set_yticks(range(len(cats)), [_wrap(c) for c in cats], fontsize=8)
    rate.invert_yaxis()
    rate.set_xlim(0, 115)
    rate.set_xlabel("%")
    rate.set_title(f"第{report.quarter}季度台账报送率", fontsize=11)
    rate.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Software": "formkit"})
    plt.close(fig)
    return path, font


def _wrap(text: str) -> str:
    """A category name on two balanced lines when it is long."""
    if len(text) <= 6:
        return text
    half = (len(text) + 1) // 2
    return text[:half] + "\n" + text[half:]
