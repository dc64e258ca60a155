"""The progress chart a lead department pastes into its report (PNG): per category, the funds put in and
brought in (cumulative, 万元) at the end of each quarter, and the share of units that returned their ledger
for the latest quarter.

Chinese text needs a CJK font. matplotlib keeps its list of installed fonts in a cache made the first time
it runs, so fonts installed after that (the README's quick start runs the demo before ``scripts/test``
installs them) would stay unknown: the font files themselves are found (fontconfig, else known places) and
registered each time a chart is made (:func:`formkit.compat.matplotlib_fonts`, the one change to matplotlib's
process-wide state). Settings apply to this chart only (``rc_context``, no pyplot)."""

from __future__ import annotations

import glob
import io
import re
import shutil
import subprocess
import warnings
from pathlib import Path

from formkit import compat, isolate
from formkit.outputs import write_bytes
from formkit.progress.report import Progress

CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "FandolFang", "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei")
# Where CJK font files are when fontconfig cannot be asked: Debian's fonts-noto-cjk and fonts-wqy-zenhei, the
# Fandol fonts scripts/setup-system extracts, Windows' and macOS's own.
FONT_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
              "/usr/local/share/fonts/formkit/*.otf", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
              "C:/Windows/Fonts/simhei.ttf", "C:/Windows/Fonts/msyh.ttc", "/System/Library/Fonts/PingFang.ttc")
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
NO_CJK_FONT = "本机没有可用的中文字体，图中的中文可能显示为方框；安装中文字体（如 Debian 的 fonts-noto-cjk）后重新生成"
_MISSING_GLYPH = r"Glyph \d+ .*missing from"


def cjk_font_files() -> list[str]:
    """Font files with Chinese glyphs installed now: what fontconfig lists for ``:lang=zh``, then the known
    places."""
    found: list[str] = []
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            listed = isolate.run([fc_list, ":lang=zh", "file"], timeout=30, capture_output=True, text=True).stdout
        except (OSError, subprocess.SubprocessError):
            listed = ""
        found += sorted(line.split(":")[0].strip() for line in listed.splitlines() if line.strip())
    for pattern in FONT_FILES:
        found += sorted(glob.glob(pattern))
    return [f for f in dict.fromkeys(found) if f.lower().endswith(FONT_SUFFIXES) and Path(f).is_file()]


def chinese_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, the preferred ones first, after registering
    every CJK font file with matplotlib (None: there is none, the chart's Chinese would show boxes)."""
    from matplotlib import font_manager  # matplotlib is heavy: loaded only when a chart is drawn

    manager = font_manager.fontManager
    files = cjk_font_files()
    compat.matplotlib_fonts(files)
    usable = {f.name for f in manager.ttflist if f.name in CJK_FONTS and Path(f.fname).is_file()}
    preferred = next((name for name in CJK_FONTS if name in usable), None)
    if preferred:
        return preferred
    by_file = {f.fname: f.name for f in manager.ttflist}
    return next((by_file[path] for path in files if path in by_file), None)


def write_chart(report: Progress, path: str | Path) -> tuple[Path, str | None]:
    """Draw the chart into ``path`` (PNG, written atomically); the CJK font used, or None when some Chinese
    text had no glyph (then it shows as boxes: :data:`NO_CJK_FONT` says so)."""
    # matplotlib (numpy with it) is heavy: loaded only when a chart is drawn, not when the report is computed
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    font = chinese_font()
    settings = {"axes.unicode_minus": False, **({"font.family": [font]} if font else {})}
    buf = io.BytesIO()
    with matplotlib.rc_context(settings), warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("always", message=_MISSING_GLYPH, category=UserWarning)
        fig = Figure(figsize=(12, 5), dpi=150)
        FigureCanvasAgg(fig)
        _draw(fig, report)
        fig.tight_layout()
        fig.savefig(buf, format="png", metadata={"Software": "formkit"})
    missing = False
    for w in caught:
        if issubclass(w.category, UserWarning) and re.match(_MISSING_GLYPH, str(w.message)):
            missing = True
        else:  # not ours to judge: passed on as it came
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return write_bytes(path, buf.getvalue()), None if missing else font


def _draw(fig, report: Progress) -> None:
    quarters = list(range(1, report.quarter + 1))
    cats = report.categories
    funds, rate = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    width = 0.8 / max(len(quarters), 1)
    colours = ["#9ecae1", "#6baed6", "#3182bd", "#08519c"]
    for i, q in enumerate(quarters):
        xs = [c + (i - (len(quarters) - 1) / 2) * width for c in range(len(cats))]
        totals = [report.category_total(c, q, "funds") for c in cats]
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


def _wrap(text: str) -> str:
    """A category name on two balanced lines when it is long."""
    if len(text) <= 6:
        return text
    half = (len(text) + 1) // 2
    return text[:half] + "\n" + text[half:]
