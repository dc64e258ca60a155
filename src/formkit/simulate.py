"""Valid values for a form, generated from its public contract, and the text a person types for them.

Used by the round-trip tests and by the demo to simulate returned documents. Generation starts from what
the issued form already holds (prefilled fields and rows) and fills everything else within the contract:
types, bounds, choices, units.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from formkit.config import load_config
from formkit.fill import fill_form, fill_workbook
from formkit.forms import load_form, measures
from formkit.forms.contract import form_contract
from formkit.issue.context import prefilled_values, recipients
from formkit.validate.cross import confirming

SENTENCES = [
    "围绕巩固拓展脱贫攻坚成果，制定年度帮扶计划并逐项落实。",
    "组织专题调研，帮助县里梳理政策执行中的新情况新问题，提出针对性建议。",
    "引进龙头企业发展特色产业，完善利益联结机制，带动脱贫人口稳岗就业。",
    "开展基层干部和乡村振兴带头人培训，支持教育、卫生、农业科技人才队伍建设。",
    "推进移风易俗，改善农村人居环境，建设美丽乡村。",
]


EXTRA_ROW_TABLES = ("visits", "cadres")  # where one county often has a second row (a second visit, a second cadre)


def valid_values(contract: dict, prefilled: dict[str, Any], year: int, seed: int = 0,
                 multiline: bool = True, extra_rows: int = 1) -> dict[str, Any]:
    """Typed values for every field of ``contract`` (what ``formkit fields FORM --json`` prints).

    ``prefilled`` holds what the issued form already carries (values and table rows, as read back);
    those are kept as they are."""
    rng = random.Random(seed)
    out: dict[str, Any] = {}
    for f in contract["fields"]:
        key = f["key"]
        if f["type"] == "table":
            rows = [dict(r) for r in prefilled.get(key) or []]
            prefilled_cols = [c for c in f["columns"] if c.get("prefilled")]
            if not rows or not prefilled_cols:
                rows += [{} for _ in range(2 + extra_rows)]
            elif key in EXTRA_ROW_TABLES and len(prefilled_cols) < len(f["columns"]):
                rows += [{"county": rows[i % len(rows)]["county"]} for i in range(extra_rows)]  # a second visit...
            for i, row in enumerate(rows):
                for j, col in enumerate(f["columns"]):
                    if col["key"] not in row or row[col["key"]] is None:
                        row[col["key"]] = _value(col, rng, year, i, j, multiline, row)
            out[key] = rows
        elif f.get("prefilled"):
            out[key] = prefilled.get(key)
        else:
            out[key] = _value(f, rng, year, 0, 0, multiline, {})
    _consistent_totals(out)
    return out


# committed ÷ achieved of a unit's responsibility-letter indicators, in their order: most met, some not
PACE = (0.9, 1.1, 0.85, 1.2, 1.0, 0.95)


def _consistent_totals(values: dict[str, Any]) -> None:
    """A careful unit reports the responsibility letter's achieved figures as the sums the form gives, and
    had committed to figures near them (the plausibility rules flag a letter exceeded several times over)."""
    for i, row in enumerate(values.get("responsibility") or []):
        key = measures.indicator_measure(row.get("indicator"))
        total = measures.measure(key, measures.UNIT_FORM, values) if key else None
        if total is not None:
            money = row.get("measure") == "万元"
            row["achieved"] = round(float(total), 2) if money else int(total)
            committed = row["achieved"] * PACE[i % len(PACE)]
            row["committed"] = round(committed, 2) if money else max(1, round(committed))


def _value(f: dict, rng: random.Random, year: int, row: int, col: int, multiline: bool, context: dict) -> Any:
    kind = f["type"]
    if kind == "text":
        return f"{f['label'][:6]}填写内容{row + 1}号"
    if kind == "longtext":
        picked = rng.sample(SENTENCES, 2)
        return "\n".join(picked) if multiline else "".join(picked)
    if kind == "integer":
        low, high = int(f.get("min", 0)), int(f.get("max", 1000))
        return min(high, low + rng.randint(1, 40))
    if kind == "amount":
        high = float(f.get("max", 100000))
        if context.get("measure") in ("人次", "人", "个"):
            return rng.randint(10, 500)
        return min(high, round(rng.uniform(10, 900), 2))
    if kind == "date" and f["key"] == "fill_date":
        return date(year, 12, 1) + timedelta(days=rng.randint(0, 25))
    if kind == "date" and f["key"] in ("start", "end"):
        return _term(f["key"], year, row, context)
    if kind == "date":
        return date(year, 2, 1) + timedelta(days=40 * col + 7 * row + rng.randint(0, 6))
    if kind == "choice":
        return rng.choice(f["choices"])
    if kind == "boolean":
        return f["key"] not in ("violations", "return_to_poverty") and rng.random() < 0.7
    raise ValueError(kind)


def _term(key: str, year: int, row: int, context: dict) -> date | None:
    """A cadre's or first secretary's term as units report them (指标2.1: 一般应干满两年): begun last year and
    still running (no end), or begun two years before and ended this year after exactly two years."""
    if key == "start":
        return date(year - 1 - row % 2, 3 + row % 6, 1)
    start = context.get("start")
    return start.replace(year=start.year + 2) - timedelta(days=1) if row % 2 and isinstance(start, date) else None


def as_typed(contract: dict, values: dict[str, Any], prefilled: dict[str, Any]) -> dict[str, Any]:
    """The text a person types for each value (dates the Chinese way, booleans as 是/否); what the issued
    form already holds is not typed again, but a row the person adds is typed whole."""
    fields = {f["key"]: f for f in contract["fields"]}
    out: dict[str, Any] = {}
    for key, value in values.items():
        f = fields[key]
        if f["type"] == "table":
            cols = {c["key"]: c for c in f["columns"]}
            given = len(prefilled.get(key) or [])
            out[key] = [{k: _text(cols[k], v) for k, v in row.items() if i >= given or not cols[k].get("prefilled")}
                        for i, row in enumerate(value)]
        elif not f.get("prefilled"):
            out[key] = _text(f, value)
    return out


def _text(f: dict, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def fill_recipients(roster, year: int, issued: dict[tuple[str, str], Path], out: Path,
                    edits: dict[str, dict] | None = None, proposed: dict[str, dict] | None = None) -> dict[str, Path]:
    """Every recipient's issued form ((form, recipient id) → file) filled with valid values, as a person
    types them; ``edits`` replaces what some recipients type (recipient id → field → text, or for a table
    row index → column → text); ``proposed`` (unit id → what the form proposed from the ledger) is confirmed
    as it stands. Returns recipient id → filled file."""
    out.mkdir(parents=True, exist_ok=True)
    filled: dict[str, Path] = {}
    claims: dict[tuple[str, str], dict] = {}  # (unit, county) → what the county confirms of the unit's report
    config = load_config(year)
    for form_id in ("self-assessment", "county-feedback"):
        form = load_form(form_id, year)
        contract = form_contract(form)
        for i, recipient in enumerate(recipients(form, roster)):
            given = prefilled_values(form, year, recipient)
            values = valid_values(contract, given, year, seed=i)
            if form_id == "self-assessment" and (proposed or {}).get(recipient.unit.id):
                _confirm(values, proposed[recipient.unit.id])
            if form_id == "self-assessment":
                for row in values.get("funds") or []:
                    claims[(recipient.unit.name, row["county"])] = confirming(values, row["county"], config)
            elif (recipient.unit.name, recipient.county.name) in claims:  # funds, cadres and visits as reported
                values.update(claims[(recipient.unit.name, recipient.county.name)])
            typed = as_typed(contract, values, given)
            for key, value in (edits or {}).get(recipient.id, {}).items():
                if isinstance(value, dict):
                    for row, cells in value.items():
                        typed[key][row].update(cells)
                else:
                    typed[key] = value
            source = issued[(form_id, recipient.id)]
            target = out / source.name
            (fill_workbook if form.format == "xlsx" else fill_form)(source, target, form, typed)
            filled[recipient.id] = target
    return filled


def _confirm(values: dict, proposal: dict) -> None:
    """A unit keeps the figures its form proposed (then its responsibility totals follow from them)."""
    values.update({k: v for k, v in (proposal.get("values") or {}).items() if k in values})
    for key, by_county in (proposal.get("rows") or {}).items():
        for row in values.get(key) or []:
            row.update(by_county.get(row.get("county"), {}))
    _consistent_totals(values)


def fill_votes(sheets: list, roster, year: int, issued_dir: Path, out: Path,
               spoil: dict[str, dict[int, tuple[int, ...]]] | None = None,
               recused: dict[str, str] | None = None) -> list[Path]:
    """Every voting sheet (``Issued`` rows) ticked as a reviewer would: each unit's grade follows from its
    place in the roster, one grade lower on some sheets; ``spoil`` gives, per sheet, unit row → the grade
    columns ticked instead (two, or none); ``recused``, per sheet, the unit it leaves out (a delegate's own).
    Returns the filled files."""
    form = load_form("review-vote", year)
    grades = len(form.field("votes").columns) - 3  # 序号, unit name, remark
    index = {u.id: i for i, u in enumerate(roster.units)}
    out.mkdir(parents=True, exist_ok=True)
    filled = []
    for sheet in sheets:
        number = int(sheet.recipient_id.rsplit("-", 1)[-1])
        rows = []
        listed = [u for u in roster.units if u.category == sheet.category
                  and u.id != (recused or {}).get(sheet.recipient_id)]
        for row, unit in enumerate(listed):
            grade = min(grades, 1 + index[unit.id] % grades + (1 if (index[unit.id] + number) % 4 == 0 else 0))
            ticked = (spoil or {}).get(sheet.recipient_id, {}).get(row, (grade,))
            rows.append({f"grade_{g}": "是" for g in ticked})
        target = out / Path(sheet.file).name
        fill_form(issued_dir / sheet.file, target, form, {"votes": rows, "vote_date": f"{year + 1}年1月20日"})
        filled.append(target)
    return filled


def fill_review_inputs(template: Path, target: Path, grades: tuple[str, ...],
                       edits: dict[tuple[str, str], dict[int, str]] | None = None) -> Path:
    """The secretariat's spreadsheet filled in: everyday work and county results graded by place in the list;
    ``edits`` ((sheet, unit code) → column number → text) puts in what a clerk typed differently."""
    book = load_workbook(template)
    for sheet in book.worksheets:
        for n, row in enumerate(sheet.iter_rows(min_row=2), start=0):
            row[3].value = grades[(n // 2) % len(grades)] if sheet.title != "平时工作" else (95, 85, 75)[n % 3]
            for col, text in (edits or {}).get((sheet.title, row[0].value), {}).items():
                row[col].value = text
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def fill_ledgers(roster, year: int, quarter: int, issued: dict[str, Path], out: Path) -> dict[str, tuple[Path, dict]]:
    """Every unit's ledger of ``quarter`` (recipient id → issued file) filled as a clerk keeps it: cumulative
    figures that grow each quarter (a unit's quarter-q figure is q times its quarterly pace), targets with
    what has been achieved so far. Returns recipient id → (filled file, the values typed, as numbers)."""
    form = load_form("quarterly-ledger", year)
    contract = form_contract(form)
    out.mkdir(parents=True, exist_ok=True)
    done = {}
    for i, recipient in enumerate(recipients(form, roster, period=quarter)):
        if recipient.id not in issued:
            continue
        given = prefilled_values(form, year, recipient)
        values = valid_values(contract, given, year, seed=1000 + i, extra_rows=0)
        pace = random.Random(i)
        for row in values["ledger"]:
            for key in ("invested_free", "invested_repayable", "brought_free", "brought_repayable",
                        "consumer_bought", "consumer_sold"):
                row[key] = round(pace.uniform(20, 400) * quarter, 2)
            for key in ("projects", "cadres_in_post", "trained_officials", "trained_leaders", "trained_technicians"):
                row[key] = pace.randint(1, 40) * (quarter if key != "cadres_in_post" else 1)
        for row in values["targets"]:
            committed = pace.uniform(500, 5000)
            achieved = committed * quarter / 4 * pace.uniform(0.8, 1.2)
            whole = row["measure"] != "万元"  # 人次: counts
            row["committed"], row["achieved"] = (round(committed), round(achieved)) if whole else (
                round(committed, 2), round(achieved, 2))
        values["fill_date"] = date(year, 3 * quarter, 28)
        source = issued[recipient.id]
        target = out / source.name
        fill_workbook(source, target, form, as_typed(contract, values, given))
        done[recipient.id] = (target, values)
    return done
