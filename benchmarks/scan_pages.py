"""Benchmark: reading scans (the sealed copies) — seconds per scanned page and peak memory, and what that
means for a national year: 600 county scans of two pages each, read on this machine's cores.

The scans are made first from the sample county form (issued, filled as a person would, printed by LibreOffice
at 200 dpi, signed and sealed, then photographed as a phone does: turned, at an angle, lit from one side,
noisy, JPEG) — that is not timed. Each scan is then read by ``pipeline.read_document`` in one process (the
OCR model loaded once, as in a reading worker): elapsed and CPU time per page, and the peak resident memory.
The machine is shared, so CPU time is the steadier figure; the extrapolation uses both, for as many reading
workers as ``intake.worker.readers()`` runs (two on two cores: each worker one OCR thread).

    python benchmarks/scan_pages.py [--scans 3] [--flat]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import peak_mb  # noqa: E402


def make_scans(folder: Path, count: int, flat: bool) -> list[tuple[bytes, int]]:
    """``count`` scans of filled county forms (bytes, pages): photographed unless ``flat``."""
    import cv2
    import numpy as np

    from formkit.issue import issue_forms
    from formkit.resources import samples_dir
    from formkit.roster import load_roster
    from formkit.scan import photo
    from formkit.scan.grid import tables
    from formkit.scan.straighten import straighten
    from formkit.simulate import fill_recipients

    roster = load_roster(samples_dir() / "roster", 2026)
    issued = folder / "issued"
    results = issue_forms(roster, 2026, issued, forms=["self-assessment", "county-feedback"])
    files = {(r.form, r.recipient_id): issued / r.file for r in results if r.file}
    filled = fill_recipients(roster, 2026, files, folder / "filled")
    county = [path for rid, path in sorted(filled.items()) if "-" in rid][:count]
    scans = []
    for n, docx in enumerate(county):
        pages, _pdf = photo.printed(docx, folder / f"print-{n}")
        grid = tables(straighten(pages[-1]).image)[-1].grid()
        sign, stamp = grid[0][-1], grid[1][-1]
        pages[-1] = photo.signed(pages[-1], (sign.x0, sign.y0, sign.x1, sign.y1))
        pages[-1] = photo.sealed(pages[-1], ((stamp.x0 + stamp.x1) / 2, (stamp.y0 + stamp.y1) / 2))
        if not flat:
            pages = [cv2.imdecode(np.frombuffer(photo.photographed(p, seed=n * 10 + i, turn=(0, 90, 180, 270)[i % 4]),
                                                np.uint8), cv2.IMREAD_COLOR) for i, p in enumerate(pages)]
        scans.append((photo.scanned_pdf(pages), len(pages)))
    return scans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=3, help="how many scans to read (each a whole county form)")
    parser.add_argument("--flat", action="store_true", help="flatbed scans instead of phone photos")
    args = parser.parse_args()
    from formkit.intake.worker import readers
    from formkit.pipeline import read_document
    from formkit.scan import ocr

    with tempfile.TemporaryDirectory(prefix="formkit-scan-bench-") as tmp:
        scans = make_scans(Path(tmp), args.scans, args.flat)
    started = time.process_time()
    ocr.engine()  # once per worker
    load_cpu = time.process_time() - started
    pages = wall = cpu = 0.0
    for data, count in scans:
        t0, c0 = time.perf_counter(), time.process_time()
        read_document(data, "scan.pdf")
        wall += time.perf_counter() - t0
        cpu += time.process_time() - c0
        pages += count
    workers = readers()
    national = 600 * 2  # 600 county scans of two pages
    figures = {
        "scans": len(scans), "pages": int(pages), "kind": "flatbed" if args.flat else "phone photo",
        "s_per_page_wall": round(wall / pages, 2), "s_per_page_cpu": round(cpu / pages, 2),
        "model_load_cpu_s": round(load_cpu, 2), "peak_mb": round(peak_mb()),
        "workers": workers,
        "national_minutes_cpu": round(national * cpu / pages / workers / 60, 1),
        "national_minutes_wall": round(national * wall / pages / workers / 60, 1),
    }
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
