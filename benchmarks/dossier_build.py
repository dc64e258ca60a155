"""Benchmark: build the review dossier for a national-size store (300 units, 600 county forms, filled as a
person would and ingested), as .docx, as PDF, and as one PDF per category rendered in parallel; and in the
same run: docxcompose merging 300 generated unit
documents (the way it is done today, by merging files), and a bare `soffice` conversion of the same .docx.
Prints seconds and peak memory of each, each in its own process, and the pages of the PDFs (counted after
the timing).

    pip install docxcompose   # only for the comparison
    python benchmarks/dossier_build.py [--units 300] [--pairs 600]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import national_parser, peak_mb, run_child  # noqa: E402
from read_forms import make_filled  # noqa: E402


def child(variant: str, url: str, folder: str) -> None:
    import json

    from formkit.forms.cycle import cycle
    from formkit.store import Store

    work = Path(folder)
    start = time.perf_counter()
    if variant in ("docx", "pdf"):
        from formkit.dossier import build_dossier

        store = Store(url, work / "originals")
        out, dossier = build_dossier(store, cycle(2026), work / variant / "dossier.docx", pdf=variant == "pdf")
        extra = {"units": sum(len(u) for _c, _l, u in dossier.categories)}
    elif variant == "per-category":
        from formkit.dossier import build_per_category

        store = Store(url, work / "originals")
        built = build_per_category(store, cycle(2026), work / "per-category", pdf=True)
        extra = {"units": sum(len(u) for _p, d in built for _c, _l, u in d.categories)}
    elif variant == "soffice":
        from formkit.convert import convert

        convert(work / "pdf" / "dossier.docx", work / "bare", timeout=1800)
        extra = {}
    else:  # docxcompose over one generated document per unit
        from docxcompose.composer import Composer

        from formkit.dossier.compose import compose
        from formkit.evaluation.units import Evaluation, evaluate

        store = Store(url, work / "originals")
        this = cycle(2026)
        full = evaluate(store, this)
        parts = []
        for name, lead, units in full.categories:
            for unit in units:
                parts.append(compose(Evaluation(2026, [(name, lead, [unit])], []), this))
        built = time.perf_counter() - start
        start = time.perf_counter()
        master = Composer(parts[0])
        for part in parts[1:]:
            master.append(part)
        master.save(str(work / "merged.docx"))
        extra = {"units": len(parts), "generate_seconds": built}
    figures = {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), **extra}
    if variant in ("pdf", "per-category"):
        figures["pages"] = sum(pages(p) for p in (work / variant).glob("*.pdf"))
    print(json.dumps(figures))


def pages(pdf: Path) -> int:
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    with pdf.open("rb") as fh:
        return sum(1 for _page in PDFPage.create_pages(PDFDocument(PDFParser(fh))))


def main() -> None:
    parser = national_parser(__doc__)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from formkit.intake.ingest import ingest
    from formkit.issue.batch import issued_rows
    from formkit.store import Store

    with tempfile.TemporaryDirectory(prefix="formkit-bench-") as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        filled = make_filled(work, args.units, args.pairs)
        url = f"sqlite:///{work}/store.db"
        store = Store(url, work / "originals")
        from formkit.issue import issue_forms
        from formkit.roster import load_roster

        roster = load_roster(work / "roster", 2026)
        store.record_issued(issued_rows(issue_forms(roster, 2026, work / "issued-again"), 2026))
        list(ingest(filled, store, 2026))
        store.close()
        print(f"store with {len(filled)} forms made in {time.perf_counter() - start:.0f} s (not timed below)")
        for variant in ("docx", "pdf", "per-category", "soffice", "docxcompose"):
            try:
                r = run_child(__file__, variant, url, tmp)
            except Exception as exc:  # docxcompose not installed, or no LibreOffice
                print(f"{variant:<12} skipped: {exc}")
                continue
            note = f", generating the {r['units']} unit documents took {r['generate_seconds']:.1f} s more" \
                if "generate_seconds" in r else ""
            note += f", {r['pages']} pages" if "pages" in r else ""
            print(f"{variant:<12} {r['seconds']:.1f} s, peak {r['peak_mb']:.0f} MB{note}")


if __name__ == "__main__":
    main()
