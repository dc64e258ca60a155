"""Benchmark: the whole yearly cycle at national scale (300 units, 600 county forms, 7 reviewers per
category): the fourth-quarter ledgers and the progress report, then the year-end forms (prefilled from the
ledgers) through to the results notices. Each stage runs in its own process on one shared working folder
and store; prints the seconds and peak memory of every stage. Filling in the forms and ticking the votes (what the users do) is
simulated and timed too, but is not formkit's work.

    python benchmarks/whole_cycle.py [--units 300] [--pairs 600] [--reviewers 7] [--pdf]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import national_parser, peak_mb, run_child  # noqa: E402

YEAR = 2026
STAGES = ["ledgers Q4", "ledger fill (users)", "ingest ledgers", "progress", "issue", "fill (users)", "ingest",
          "status", "dossier", "sheets", "votes (users)", "ingest votes", "tally", "rate", "notices"]


def stage(name: str, work: Path, units: int, pairs: int, reviewers: int, pdf: bool) -> dict:
    from formkit.forms.cycle import cycle
    from formkit.roster import load_roster
    from formkit.store import Store

    store = Store(f"sqlite:///{work / 'store.db'}", work / "originals")
    this = cycle(YEAR)
    roster_dir = work / "roster"
    extra: dict = {}
    start = time.perf_counter()
    if name == "ledgers Q4":
        from issue_forms import make_roster

        from formkit.issue import issue_forms
        from formkit.issue.batch import issued_rows

        make_roster(roster_dir, units, pairs)
        start = time.perf_counter()
        issued = issue_forms(load_roster(roster_dir, YEAR), YEAR, work / "ledgers", forms=["quarterly-ledger"], period=4)
        store.record_issued(issued_rows(issued, YEAR))
        extra["documents"] = len(issued)
    elif name == "ledger fill (users)":
        from formkit.simulate import fill_ledgers

        files = {p.name.split("_")[0]: p for p in (work / "ledgers" / "quarterly-ledger").glob("*.xlsx")}
        extra["documents"] = len(fill_ledgers(load_roster(roster_dir, YEAR), YEAR, 4, files, work / "ledgers-filled"))
    elif name == "ingest ledgers":
        from formkit.intake.ingest import ingest

        extra["documents"] = len(list(ingest(sorted((work / "ledgers-filled").iterdir()), store, YEAR)))
    elif name == "progress":
        from formkit.progress.chart import write_chart
        from formkit.progress.report import progress, write_progress_xlsx

        report = progress(store, this)
        write_progress_xlsx(report, work / "progress.xlsx")
        write_chart(report, work / "progress.png")
        extra["units"] = len(report.units)
    elif name == "issue":
        from formkit.evaluation.ledgers import suggestions
        from formkit.issue import issue_forms
        from formkit.issue.batch import issued_rows

        start = time.perf_counter()
        issued = issue_forms(load_roster(roster_dir, YEAR), YEAR, work / "issued",
                             forms=["self-assessment", "county-feedback"],
                             suggest=lambda form: suggestions(store, YEAR, form))  # year-end: the Q4 ledger proposed
        store.record_issued(issued_rows(issued, YEAR))
        extra["documents"] = len(issued)
    elif name == "fill (users)":
        import csv

        from formkit.simulate import fill_recipients

        with open(work / "issued" / "manifest.csv", encoding="utf-8-sig") as fh:
            files = {(row["表单"], row["接收方编号"]): work / "issued" / row["文件"] for row in csv.DictReader(fh)}
        extra["documents"] = len(fill_recipients(load_roster(roster_dir, YEAR), YEAR, files, work / "returned"))
    elif name == "ingest":
        from formkit.intake.ingest import ingest

        extra["documents"] = len(list(ingest(sorted((work / "returned").iterdir()), store, YEAR)))
    elif name == "status":
        from formkit.intake.status import status, write_missing_xlsx
        from formkit.letters import write_letters

        write_missing_xlsx(status(store, this), work / "missing.xlsx")
        extra["letters"] = len(write_letters(store, this, work / "letters"))
    elif name == "dossier":
        from formkit.dossier import build_dossier

        build_dossier(store, this, work / "dossier" / "dossier.docx", pdf=pdf)
    elif name == "sheets":
        from formkit.issue.batch import issued_rows
        from formkit.review.sheets import issue_sheets

        sheets = issue_sheets(load_roster(roster_dir, YEAR), YEAR, reviewers, work / "sheets")
        store.record_issued(issued_rows(sheets, YEAR))
        extra["documents"] = len(sheets)
    elif name == "votes (users)":
        import csv

        from formkit.issue.batch import Issued
        from formkit.simulate import fill_votes

        with open(work / "sheets" / "manifest.csv", encoding="utf-8-sig") as fh:
            sheets = [Issued("review-vote", row["识别码"], row["接收方编号"], row["接收方"], "", "", "", row["单位类别"],
                             row["牵头部门"], row["文件"], row["SHA-256"]) for row in csv.DictReader(fh)]
        extra["documents"] = len(fill_votes(sheets, load_roster(roster_dir, YEAR), YEAR, work / "sheets", work / "votes"))
    elif name == "ingest votes":
        from formkit.intake.ingest import ingest

        extra["documents"] = len(list(ingest(sorted((work / "votes").iterdir()), store, YEAR)))
    elif name == "tally":
        from formkit.review.tally import tally, write_tally_xlsx

        write_tally_xlsx(tally(store, this), work / "tally.xlsx")
    elif name == "rate":
        from formkit.review.inputs import write_template
        from formkit.review.run import run_rating
        from formkit.simulate import fill_review_inputs

        inputs = fill_review_inputs(write_template(store, this, work / "blank.xlsx"), work / "inputs.xlsx",
                                    this.grades)
        extra["units"] = len(run_rating(store, this, inputs)[0])
    elif name == "notices":
        from formkit.notices import write_notice

        for kind in ("review-proposal", "review-results", "review-copy"):
            write_notice(kind, this, work / "notices" / f"{kind}.docx", store=store, pdf=pdf)
    store.close()
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), **extra}


def main() -> None:
    parser = national_parser(__doc__)
    parser.add_argument("--reviewers", type=int, default=7)
    parser.add_argument("--pdf", action="store_true", help="also the dossier's and the notices' PDFs (LibreOffice)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, folder = args.child
        print(json.dumps(stage(name, Path(folder), args.units, args.pairs, args.reviewers, args.pdf)))
        return
    with tempfile.TemporaryDirectory(prefix="formkit-cycle-") as tmp:
        total = 0.0
        for name in STAGES:
            flags = ["--units", str(args.units), "--pairs", str(args.pairs), "--reviewers", str(args.reviewers)]
            r = run_child(__file__, name, tmp, *flags, *(["--pdf"] if args.pdf else []))
            total += r["seconds"]
            what = ", ".join(f"{k} {v}" for k, v in r.items() if k not in ("seconds", "peak_mb"))
            print(f"{name:<14} {r['seconds']:6.1f} s  peak {r['peak_mb']:4.0f} MB  {what}", flush=True)
        print(f"{'total':<14} {total:6.1f} s (of which the users' part: fill and votes)")


if __name__ == "__main__":
    main()
