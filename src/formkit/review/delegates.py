"""The delegates of the evaluated units at the 分类评价 ("各被评单位派员参加", 办法四（四）), registered per
category by the year's coordinating body or the category's lead department. That the delegates vote, each on
the other units of their category (回避), is the working group's practice, not the 办法's.

Each registration is an act in the store (``delegate``, subject ``unit/name``); so is each sheet a
delegate handed in (``sheet-returned``: a tick on the list at the ballot box). Neither names a sheet:
the store never links a vote to a delegate (无记名, :mod:`formkit.review.sheets`)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from formkit.errors import FormkitError
from formkit.evaluation.verification import reviewed_unit, reviewed_units
from formkit.forms.cycle import Cycle
from formkit.limits import DEFAULT
from formkit.store import Store

DELEGATE, RETURNED, RECUSAL = "delegate", "sheet-returned", "sheet-recusal"  # act kinds (review_acts)
UNIT_HEADERS, NAME_HEADERS = ("单位代码", "单位编号", "编号"), ("代表姓名", "姓名", "代表")
NAME_CHARS = 40


@dataclass(frozen=True)
class Delegate:
    unit_id: str
    unit: str
    name: str
    category: str
    returned: bool = False  # handed in their sheet (ticked at the ballot box)

    @property
    def key(self) -> str:
        """The act subject: the unit and the delegate's name."""
        return subject(self.unit_id, self.name)


def subject(unit_id: str, name: str) -> str:
    return f"{unit_id}/{name}"


def require_organiser(cycle: Cycle, category: str, by: str | None) -> str:
    """Who organises the 分类评价 of ``category``: the year's coordinating body (the default) or the category's
    lead department (``review.not-organiser`` for anyone else)."""
    lead = cycle.config.category(category)
    allowed = [cycle.config.coordinator, *([lead.lead] if lead else [])]
    who = (by or cycle.config.coordinator).strip()
    if who not in allowed:
        raise FormkitError("review.not-organiser", f"“{who}”不是{category}分类评价的组织单位（{'或'.join(allowed)}）",
                           {"category": category, "by": who})
    return who


def read_delegate_list(path: str | Path) -> list[tuple[int, str, str]]:
    """(row number, unit id, delegate name) of every filled row of a .csv or .xlsx list whose first row names
    the columns 单位代码 and 代表姓名."""
    path = Path(path)
    try:
        data = path.read_bytes()
        if len(data) > DEFAULT.max_bytes:
            raise FormkitError("review.delegates-unreadable", "文件过大")
        if path.suffix.lower() == ".xlsx":
            from formkit.ooxml.workbook import read_xlsx  # the hardened reader, loaded only for a spreadsheet

            tables = read_xlsx(data).tables
            rows = [[c.text for c in row] for row in tables[0].rows] if tables else []
            numbers = (tables[0].row_numbers if tables else []) or range(1, len(rows) + 1)
        else:
            rows = list(csv.reader(_decode(data).splitlines()))
            numbers = range(1, len(rows) + 1)
    except (OSError, FormkitError) as exc:
        detail = exc.message if isinstance(exc, FormkitError) else exc.__class__.__name__
        raise FormkitError("review.delegates-unreadable", f"参评代表名单无法读取（{detail}），请另存为 .xlsx 或"
                           " UTF-8 编码的 .csv 后重试", {"file": path.name}) from exc
    header = [t.strip() for t in rows[0]] if rows else []
    unit_col = next((header.index(h) for h in UNIT_HEADERS if h in header), None)
    name_col = next((header.index(h) for h in NAME_HEADERS if h in header), None)
    if unit_col is None or name_col is None:
        raise FormkitError("review.delegates-unreadable", "参评代表名单第一行须有“单位代码”和“代表姓名”两列",
                           {"file": path.name})
    out = []
    for number, row in zip(numbers, rows, strict=False):
        cells = dict(enumerate(t.replace("\u3000", " ").strip() for t in row))
        if number != numbers[0] and any(cells.values()):
            out.append((number, cells.get(unit_col, ""), cells.get(name_col, "")))
    return out


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FormkitError("review.delegates-unreadable", "无法识别文件编码")


def register(store: Store, cycle: Cycle, entries: list[tuple[int | None, str, str]], by: str | None = None,
             withdraw: bool = False) -> list[Delegate]:
    """Register (or, with ``withdraw``, withdraw) the delegates ``entries`` — (row number or None, unit id,
    name) — each an act by ``by``. Every entry is checked first; one bad entry refuses them all
    (``review.delegate-bad-row``, every bad row in the message)."""
    checked, problems = [], []
    units = reviewed_units(store, cycle)
    for row, unit_id, name in entries:
        where = f"第{row}行：" if row else ""
        name = " ".join(name.split())
        if not unit_id or not name or len(name) > NAME_CHARS:
            problems.append(f"{where}须有单位代码和代表姓名（姓名不超过{NAME_CHARS}字）")
            continue
        try:
            unit = reviewed_unit(units, cycle, unit_id)
            who = require_organiser(cycle, unit.category, by)
        except FormkitError as exc:
            if len(entries) == 1:
                raise  # one delegate named on the command line: the problem as it is
            problems.append(where + exc.message)
            continue
        checked.append((Delegate(unit.unit_id, unit.name, name, unit.category), who))
    if problems or not checked:
        raise FormkitError("review.delegate-bad-row", "；".join(problems) or "名单中没有代表", {})
    for delegate, who in checked:
        store.record_act(cycle.year, DELEGATE, delegate.key, {"unit": delegate.unit_id, "name": delegate.name,
                         "category": delegate.category, "active": not withdraw}, who)
    return [d for d, _who in checked]


def delegates(store: Store, cycle: Cycle) -> list[Delegate]:
    """The delegates registered (not withdrawn) for the year, in the configured order of categories, then
    by unit and name; each with whether their sheet was handed in."""
    returned = {a["subject"]: bool(a["value"].get("returned")) for a in store.acts(cycle.year, RETURNED)}
    units = reviewed_units(store, cycle)
    out = [Delegate(v["unit"], units[v["unit"]].name if v["unit"] in units else "", v["name"], v["category"],
                    returned.get(act["subject"], False))
           for act in store.acts(cycle.year, DELEGATE) if (v := act["value"]).get("active")]
    order = {name: n for n, name in enumerate(cycle.config.category_names)}
    return sorted(out, key=lambda d: (order.get(d.category, len(order)), d.category, d.unit_id, d.name))


def mark_returned(store: Store, cycle: Cycle, unit_id: str, name: str, by: str | None = None,
                  returned: bool = True) -> Delegate:
    """Tick (or untick) a registered delegate as having handed in their sheet. The act names the delegate
    only: which sheet they handed in is not known to the store."""
    name = " ".join(name.split())
    found = next((d for d in delegates(store, cycle) if d.unit_id == unit_id and d.name == name), None)
    if found is None:
        raise FormkitError("review.unknown-delegate", f"{cycle.year}年度没有登记“{unit_id}”的参评代表“{name}”",
                           {"unit": unit_id, "name": name})
    who = require_organiser(cycle, found.category, by)
    store.record_act(cycle.year, RETURNED, found.key, {"returned": returned}, who)
    return Delegate(found.unit_id, found.unit, found.name, found.category, returned)


def recusals(store: Store, year: int) -> dict[str, str]:
    """Voting sheet id → the unit it leaves out (act ``sheet-recusal``; sheets leaving none out are absent)."""
    return {a["subject"]: a["value"]["unit"] for a in store.acts(year, RECUSAL) if a["value"].get("unit")}
