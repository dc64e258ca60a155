"""Per category, the figures reviewers compare unit by unit, on A4 portrait pages like the rest (GB/T 9704
keeps a document portrait and numbered in one place): two tables of eight or nine columns each
(organisation and people; funds and revitalisation) instead of one of fifteen, short headers broken
between words, and a legend under them that says what each column counts. Every figure is a measure
(``forms.measures``) of the unit's year-end form; a total is the measures' total over the units that
returned one."""

from __future__ import annotations

from formkit.dossier.values import NONE, count, money, share, yes_no
from formkit.dossier.writer import Writer
from formkit.evaluation.units import UNIT_FORM, UnitEntry
from formkit.forms import measures as m

NOT_RETURNED = "未报送"
# 规模性返贫 is a fact about the county (``evaluation.facts``), read here as the unit's county flags give it:
# barred for every unit assisting the county, 待核实 while reports disagree and the secretariat has not concluded
POVERTY_FLAGS = {"flag.return-to-poverty": "是", "flag.poverty-conflict": "待核实"}
TOTAL = "合计"
# Each header is broken by hand between words ("\n"), and each column is as wide as its longest header line
# or value needs (in 五号 characters; the unit's name, 0, takes what is left): no header ever wraps inside a word.
LEADERSHIP = (("单位", 0), ("调研考察\n（次）", 4), ("主要负责\n同志到县", 4), ("挂职干部\n（人）", 4),
              ("第一书记\n（人）", 4), ("违纪\n违规", 2), ("规模性\n返贫", 3), ("责任书\n完成率", 3),
              ("县综合\n评价", 4))
FUNDS = (("单位", 0), ("投入资金\n（万元）", 5), ("引进资金\n（万元）", 5), ("重点县\n资金占比", 4),
         ("引进项目\n（个）", 4), ("稳岗就业\n（人）", 4), ("培训\n（人次）", 4), ("消费帮扶\n（万元）", 5))
CENTRED, LEFT, RIGHT = "center", "left", "right"
SIZE, CHAR = 21, 210  # 五号, one character of it in twips
PAD = 2 * 57 + 30  # twips: the cell's margins and some slack


def fitted(columns: tuple[tuple[str, int], ...], type_width: int) -> tuple[int, ...]:
    """Column widths in twips: each column its characters of 五号, the one of 0 what the type area leaves."""
    widths = [chars * CHAR + PAD if chars else 0 for _head, chars in columns]
    widths[widths.index(0)] = type_width - sum(widths)
    return tuple(widths)


def _measures(u: UnitEntry) -> dict[str, float]:
    return m.figures(UNIT_FORM, u.values)


def _returned(units: list[UnitEntry]) -> list[UnitEntry]:
    return [u for u in units if u.submission is not None]


def poverty(u: UnitEntry) -> str:
    """What the 规模性返贫 column shows for a unit: 待核实 over 是 over 否, as its county flags say."""
    shown = {POVERTY_FLAGS[f.code] for f in u.flags if f.code in POVERTY_FLAGS}
    return "待核实" if "待核实" in shown else yes_no(bool(shown))


def leadership_rows(units: list[UnitEntry], grades: tuple[str, ...]) -> list[list[str]]:
    """One row per unit, then the 合计 row (a yes/no column totals its 是)."""
    rows = []
    for u in units:
        grade_counts = "/".join(str(sum(1 for c in u.counties if c.grade == g)) for g in grades)
        if u.submission is None:
            rows.append([u.unit, NOT_RETURNED, *[NONE] * 4, poverty(u), NONE, grade_counts])
            continue
        f, figures = _measures(u), u.figures
        rows.append([u.unit, count(f["visits"]), yes_no(figures.main_leader_visit), count(f["cadres"]),
                     count(f["secretaries"]), yes_no(bool(u.values.get("violations"))), poverty(u),
                     share(figures.completion.rate), grade_counts])
    done = _returned(units)
    total = m.totals(_measures(u) for u in done)
    rows.append([TOTAL, count(total.get("visits", 0)), str(sum(u.figures.main_leader_visit for u in done)),
                 count(total.get("cadres", 0)), count(total.get("secretaries", 0)),
                 str(sum(bool(u.values.get("violations")) for u in done)),
                 str(sum(poverty(u) != "否" for u in units)), NONE,
                 "/".join(str(sum(1 for u in units for c in u.counties if c.grade == g)) for g in grades)])
    return rows


def funds_rows(units: list[UnitEntry]) -> list[list[str]]:
    """One row per unit, then the 合计 row."""
    rows = []
    for u in units:
        if u.submission is None:
            rows.append([u.unit, NOT_RETURNED, *[NONE] * (len(FUNDS) - 2)])
            continue
        f = _measures(u)
        rows.append([u.unit, money(f["invested"]), money(f["brought"]), share(u.figures.key_share),
                     count(f["industry_projects"]), count(f["jobs"]), count(f["trained"]), money(f["consumer"])])
    total = m.totals(_measures(u) for u in _returned(units))
    rows.append([TOTAL, money(total.get("invested", 0)), money(total.get("brought", 0)), NONE,
                 count(total.get("industry_projects", 0)), count(total.get("jobs", 0)),
                 count(total.get("trained", 0)), money(total.get("consumer", 0))])
    return rows


def legend(grades: tuple[str, ...]) -> list[str]:
    return [
        "注：1.数据取自各单位年底自评表，未报送自评表的单位不计入合计。",
        "2.“主要负责同志到县”指单位主要负责同志本年度到定点帮扶县调研考察；“规模性返贫”按县认定，指有定点帮扶县"
        "出现规模性返贫（任一评价表填报或秘书处录入，共同帮扶该县的各单位均填“是”），各方报告不一致、秘书处尚未"
        "核实的填“待核实”（核实前按出现处理）；这两栏和“违纪违规”栏的合计为填“是”（含“待核实”）的单位数。",
        f"3.责任书完成率按{m.WORKING_GROUP}：各项完成值÷承诺值，单项超过100%按100%计，再取平均，不作合计。",
        f"4.县综合评价为各定点帮扶县评价表中综合评价等次的个数，依次为{'/'.join(grades)}。",
        "5.帮扶资金含无偿和有偿资金；重点县资金占比指投向国家乡村振兴重点帮扶县的投入和引进资金占全部投入和"
        "引进资金的比例；培训为基层干部、乡村振兴带头人和专业技术人才培训人次之和；消费帮扶为购买和帮助销售"
        "脱贫地区农产品金额之和。",
    ]


def summary(w: Writer, units: list[UnitEntry], grades: tuple[str, ...]) -> None:
    """The two tables and their legend."""
    for caption, columns, rows, align in (
            ("1.组织领导、选派挂职干部和评价情况", LEADERSHIP, leadership_rows(units, grades),
             (LEFT, *[CENTRED] * (len(LEADERSHIP) - 1))),
            ("2.帮扶资金、乡村振兴和消费帮扶情况", FUNDS, funds_rows(units),
             (LEFT, RIGHT, RIGHT, CENTRED, CENTRED, CENTRED, CENTRED, RIGHT))):
        w.line(caption, "heading3", keep=True)
        w.table([[head for head, _chars in columns], *rows], widths=fitted(columns, w.c.type_width), size=SIZE,
                align=align)
    for i, line in enumerate(legend(grades)):  # 4号, under the tables
        w.note(line, first=i == 0)
