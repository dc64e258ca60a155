"""Benchmark: issue the forms for a national-size roster (300 units, 600 unit–county pairs).

Prints forms per second and peak memory for formkit's prepared-template renderer and, in the same run,
for plain docxtpl rendering the same documents from the same templates and contexts (one DocxTemplate
per document, as docxtpl is normally used). Each variant runs in its own process so that peak memory
(ru_maxrss) is its own.

    python benchmarks/issue_forms.py [--units 300] [--pairs 600]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import national_parser, peak_mb, run_child  # noqa: E402

CATEGORIES = ["民主党派中央和全国工商联", "中央和国家机关", "高等院校", "金融机构", "中央企业"]
PROVINCES = ["河北省", "山西省", "内蒙古自治区", "安徽省", "江西省", "河南省", "湖北省", "湖南省", "广西壮族自治区",
             "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区"]


def make_roster(folder: Path, units: int, pairs: int) -> Path:
    """A fictional national roster: every unit has at least one county; central enterprises have more."""
    rng = random.Random(2026)
    folder.mkdir(parents=True, exist_ok=True)
    unit_rows = [(f"U{i:03d}", f"测试中央单位{i:03d}号", CATEGORIES[i % 5]) for i in range(1, units + 1)]
    counties = [(f"{600000 + i}", f"测试{i:03d}县", rng.choice(PROVINCES), "是" if i % 4 == 0 else "否")
                for i in range(1, pairs + 1)]
    pair_rows = []
    for n in range(pairs):
        unit = unit_rows[n] if n < units else rng.choice(unit_rows)
        pair_rows.append((unit[1], *counties[n]))
    (folder / "units.csv").write_text("编号,单位名称,单位类别\n" + "".join(",".join(r) + "\n" for r in unit_rows),
                                      encoding="utf-8")
    (folder / "pairs.csv").write_text(
        "单位名称,县代码,定点帮扶县,所属省份,是否重点帮扶县\n" + "".join(",".join(r) + "\n" for r in pair_rows),
        encoding="utf-8")
    return folder


def run_formkit(roster: Path, out: Path) -> dict:
    from formkit.issue import issue_forms
    from formkit.roster import load_roster

    start = time.perf_counter()
    results = issue_forms(load_roster(roster, 2026), 2026, out)
    return {"documents": len(results), "failed": sum(bool(r.error_code) for r in results),
            "seconds": time.perf_counter() - start}


def run_docxtpl(roster: Path, out: Path) -> dict:
    from docxtpl import DocxTemplate

    from formkit.issue import context as ctx
    from formkit.issue.batch import plan
    from formkit.issue.render import jinja_environment
    from formkit.resources import template_path
    from formkit.roster import load_roster

    start = time.perf_counter()
    env = jinja_environment()
    count = 0
    for form, recipient in plan(load_roster(roster, 2026), 2026):
        tpl = DocxTemplate(str(template_path(form.id)))
        tpl.render(ctx.render_context(form, 2026, recipient), jinja_env=env)
        folder = out / form.id
        folder.mkdir(parents=True, exist_ok=True)
        tpl.save(str(folder / ctx.file_name(form, 2026, recipient)))
        count += 1
    return {"documents": count, "failed": 0, "seconds": time.perf_counter() - start}


def child(variant: str, roster: Path, out: Path) -> None:
    result = {"formkit": run_formkit, "docxtpl": run_docxtpl}[variant](roster, out)
    result["peak_mb"] = peak_mb()
    print(json.dumps(result))


def main() -> None:
    parser = national_parser(__doc__)
    parser.add_argument("--child", choices=["formkit", "docxtpl"], help=argparse.SUPPRESS)
    parser.add_argument("--roster", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.roster, args.out)
        return
    with tempfile.TemporaryDirectory(prefix="formkit-bench-") as tmp:
        roster = make_roster(Path(tmp) / "roster", args.units, args.pairs)
        print(f"roster: {args.units} units, {args.pairs} pairs → {args.units + args.pairs} documents")
        figures = {}
        for variant in ("formkit", "docxtpl"):
            figures[variant] = r = run_child(__file__, variant, "--roster", str(roster), "--out", str(Path(tmp) / variant))
            print(f"{variant:<8} {r['documents']} documents in {r['seconds']:.1f} s = "
                  f"{r['documents'] / r['seconds']:.0f} forms/s, {1000 * r['seconds'] / r['documents']:.1f} ms/form, "
                  f"peak {r['peak_mb']:.0f} MB, failed {r['failed']}")
        ratio = figures["formkit"]["seconds"] / figures["docxtpl"]["seconds"]
        print(f"formkit takes {ratio:.0%} of docxtpl's time")


if __name__ == "__main__":
    main()
