"""The review's parties in their roles: the lead department's 核实 of each unit (recorded, refused for another
department, shown in the dossier); the delegates of the evaluated units at the 分类评价 (registered, one sheet
each without their own unit, handed-in ticks) and the 无记名 vote (no stored row, act or audit event links a
vote to a delegate); the 分组评议 recorded; a category's result confirmed by its lead department, and
unconfirmed again when the tally changes."""

import json
import zipfile
from datetime import date

import pytest
from click.testing import CliRunner
from conftest import YEAR
from docx import Document
from openpyxl import Workbook
from sqlalchemy import select

from formkit.cli import main
from formkit.errors import FormkitError
from formkit.evaluation.verification import verifications, verify
from formkit.forms.cycle import cycle
from formkit.intake.ingest import ingest
from formkit.issue.batch import issued_rows
from formkit.review.category import (
    confirm_category,
    record_deliberation,
    unconfirmed_categories,
    unconfirmed_findings,
)
from formkit.review.delegates import delegates, mark_returned, read_delegate_list, recusals, register
from formkit.review.sheets import HANDOUT, make_sheets
from formkit.review.tally import tally
from formkit.simulate import fill_votes
from formkit.store import schema

CY = cycle(YEAR)


@pytest.fixture
def year_store(store, issued):
    """A store that knows the sample year's issued forms (the units under review), nothing returned."""
    store.record_issued(issued_rows(issued[1], YEAR))
    return store


def refused(code: str, call, *args, **kwargs) -> FormkitError:
    with pytest.raises(FormkitError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value
    return caught.value


def cli(store, *args):
    return CliRunner().invoke(main, [str(a) for a in (*args, "--year", YEAR, "--db", store.url)])


def test_the_lead_department_verifies_a_unit_another_department_is_refused(year_store):
    store = year_store
    done = verify(store, CY, "U007", "教育部", "confirmed", on=date(2026, 12, 2))
    assert done.shown == "已核实（教育部，2026-12-02）"
    verify(store, CY, "U003", "中央和国家机关工委", "questioned", "培训人次与台账不一致", on=date(2026, 12, 3))
    before = len(store.acts(YEAR, history=True))
    refused("review.wrong-department", verify, store, CY, "U007", "国务院国资委", "confirmed")
    refused("review.note-needed", verify, store, CY, "U007", "教育部", "questioned", "  ")
    refused("review.unknown-unit", verify, store, CY, "U099", "教育部", "confirmed")
    refused("review.bad-result", verify, store, CY, "U007", "教育部", "ok")
    assert len(store.acts(YEAR, history=True)) == before  # nothing recorded for a refusal
    result = cli(store, "review", "verify", "--unit", "U012", "--by", "教育部", "--result", "confirmed", "--json")
    assert result.exit_code == 2 and json.loads(result.stdout)["error"]["code"] == "review.wrong-department"
    assert "国务院国资委" in json.loads(result.stdout)["error"]["message"]  # who should verify instead
    held = verifications(store, YEAR)
    assert set(held) == {"U007", "U003"} and held["U003"].by == "中央和国家机关工委"
    assert [e["event"] for e in store.audit_events()].count("act:verification") == 2


@pytest.mark.slow
def test_the_dossier_shows_each_units_verification(year_store, tmp_path):
    from formkit.dossier import build_dossier

    store = year_store
    verify(store, CY, "U007", "教育部", "confirmed", on=date(2026, 12, 2))
    verify(store, CY, "U003", "中央和国家机关工委", "questioned", "培训人次与台账不一致", on=date(2026, 12, 3))
    path, _ = build_dossier(store, CY, tmp_path / "dossier.docx")
    lines = [p.text for p in Document(path).paragraphs]
    heading = lines.index(next(t for t in lines if t.endswith("北方理工大学")), lines.index("（一）主要指标汇总", 30))
    assert next(t for t in lines[heading:] if t.startswith("核实：")) == "核实：已核实（教育部，2026-12-02）"
    assert "核实：有疑问（中央和国家机关工委，2026-12-03）：培训人次与台账不一致" in lines
    assert lines.count("核实：未核实") == 12  # the other units of the sample


def test_delegates_are_registered_all_or_nothing_and_decide_how_sheets_are_made(year_store, sample_roster, tmp_path):
    store = year_store
    bad = tmp_path / "bad.csv"
    bad.write_text("单位代码,代表姓名\nU003,代表甲\nU099,代表乙\nU004,\n", encoding="utf-8")
    error = refused("review.delegate-bad-row", register, store, CY, read_delegate_list(bad))
    assert "第3行" in error.message and "第4行" in error.message and delegates(store, CY) == []
    refused("review.no-reviewers", make_sheets, store, sample_roster, CY, None, tmp_path / "none")
    refused("review.not-organiser", register, store, CY, [(None, "U003", "代表甲")], by="教育部")
    book = Workbook()  # as a clerk keeps it in Excel: another column, an empty row, a full-width space
    book.active.append(["单位代码", "代表姓名", "联系电话"])
    book.active.append(["U003", "代表甲", "010-1"])
    book.active.append([None, None, None])
    book.active.append(["U004", "\u3000代表乙 ", None])
    book.save(tmp_path / "代表名单.xlsx")
    listed = read_delegate_list(tmp_path / "代表名单.xlsx")
    assert listed == [(2, "U003", "代表甲"), (4, "U004", "代表乙")]
    register(store, CY, listed, by="中央和国家机关工委")
    refused("review.sheets-mode", make_sheets, store, sample_roster, CY, 3, tmp_path / "none")
    register(store, CY, [(None, "U004", "代表乙")], withdraw=True)
    assert [(d.unit_id, d.name, d.category) for d in delegates(store, CY)] == [("U003", "代表甲", "中央和国家机关")]
    refused("review.unknown-delegate", mark_returned, store, CY, "U004", "代表乙")
    assert not (tmp_path / "none").exists()


def test_a_delegates_sheet_leaves_out_their_own_unit_and_no_stored_row_links_a_vote_to_a_delegate(
        year_store, sample_roster, tmp_path):
    store = year_store
    # registered in an order that is not the units' order; two delegates from U005
    present = [("U008", "代表己某"), ("U005", "代表丙某"), ("U003", "代表甲某"), ("U004", "代表乙某"), ("U005", "代表丁某"),
               ("U007", "代表戊某")]
    roster_csv = tmp_path / "代表名单.csv"
    roster_csv.write_text("单位代码,代表姓名\n" + "".join(f"{u},{n}\n" for u, n in present), encoding="gb18030")
    result = cli(store, "review", "delegates", "--roster", roster_csv)
    assert result.exit_code == 0 and "登记参评代表 6 名" in result.output, result.output
    made = make_sheets(store, sample_roster, CY, None, tmp_path / "sheets")
    left_out = recusals(store, YEAR)
    # numbered in the order of the unit left out; the two sheets leaving out U005 are interchangeable
    assert left_out == {"R02-01": "U003", "R02-02": "U004", "R02-03": "U005", "R02-04": "U005",
                        "R03-01": "U007", "R03-02": "U008"}
    units = {u.id: u.name for u in sample_roster.units}
    for sheet in made.results:
        [table] = [t for t in Document(tmp_path / "sheets" / sheet.file).tables if t.rows[0].cells[0].text == "序号"]
        listed = [(row.cells[0].text, row.cells[1].text) for row in table.rows[1:]]
        mine = [u.id for u in sample_roster.units if u.category == sheet.category and u.id != left_out[sheet.recipient_id]]
        assert listed == [(str(n), units[u]) for n, u in enumerate(mine, start=1)]  # 序号 and full names, no codes
    handout = (tmp_path / "sheets" / HANDOUT).read_text(encoding="utf-8-sig")
    assert "R02-03" in handout and units["U005"] in handout and "代表" not in handout.split("\n", 1)[1]

    late = "R02-04"
    filled = fill_votes([s for s in made.results if s.recipient_id != late], sample_roster, YEAR, tmp_path / "sheets",
                        tmp_path / "votes", recused=left_out)
    assert all(o.outcome == "accepted" for o in ingest(filled, store, YEAR))
    for unit, name in present:
        if name != "代表丁某":  # U005's other delegate, whose sheet is the late one
            mark_returned(store, CY, unit, name)
    votes = tally(store, CY)
    assert votes.turnout("中央和国家机关") == (3, 4) and votes.turnout("高等院校") == (2, 2)
    for category, (returned, _issued) in (("中央和国家机关", (3, 4)), ("高等院校", (2, 2))):
        for u in votes.categories[category]:  # the sheet leaving a unit out is no blank vote for it
            assert u.valid + u.blank + u.invalid + u.recused == returned and u.blank == u.invalid == 0
    assert {u.recipient_id: u.recused for u in votes.categories["中央和国家机关"]} == {
        "U003": 1, "U004": 1, "U005": 1, "U006": 0}
    assert [(d.name, d.returned) for d in delegates(store, CY) if d.unit_id == "U005"] == [("代表丁某", False),
                                                                                           ("代表丙某", True)]

    people = [n for _u, n in present]
    about_people = [*people, *(f"{u}/{n}" for u, n in present)]
    about_votes = [*left_out, "review-vote", "grade_"]
    rows = every_stored_row(store)
    assert any("grade_" in r for r in rows) and sum(1 for r in rows if "代表丙某" in r) >= 4  # the scan sees both
    linked = [r for r in rows if any(p in r for p in about_people) and any(v in r for v in about_votes)]
    assert linked == []
    for sheet in made.results:  # nor does any sheet name a person
        with zipfile.ZipFile(tmp_path / "sheets" / sheet.file) as z:
            text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
        assert not any(p in text for p in people)


def every_stored_row(store) -> list[str]:
    """Every row of every table of the store (audit events with their detail) as JSON text."""
    out = []
    with store.engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            out += [json.dumps(dict(r._mapping), ensure_ascii=False, default=str)
                    for r in conn.execute(select(table))]
    return out


@pytest.mark.slow
def test_a_category_is_confirmed_by_its_lead_department_after_its_group_deliberation(year_store, sample_roster, tmp_path):
    store = year_store
    made = make_sheets(store, sample_roster, CY, 2, tmp_path / "sheets")
    assert not made.by_delegates and len(made.results) == 10 and recusals(store, YEAR) == {}
    filled = dict(zip((s.recipient_id for s in made.results),
                      fill_votes(made.results, sample_roster, YEAR, tmp_path / "sheets", tmp_path / "votes"), strict=True))
    list(ingest([p for rid, p in filled.items() if rid not in ("R05-02", "R03-01", "R03-02")], store, YEAR))
    assert unconfirmed_categories(store, YEAR) == list(CY.config.category_names)

    refused("review.deliberation-missing", confirm_category, store, CY, "中央企业", "国务院国资委")
    refused("review.not-organiser", record_deliberation, store, CY, "中央企业", date(2027, 1, 15), 9, "逐一评议", by="教育部")
    refused("review.note-needed", record_deliberation, store, CY, "中央企业", date(2027, 1, 15), 9, " ")
    refused("review.unknown-category", record_deliberation, store, CY, "军队单位", date(2027, 1, 15), 9, "逐一评议")
    result = cli(store, "review", "deliberation", "--category", "中央企业", "--date", "2027-01-15", "--participants", 9,
                 "--note", "集中审阅材料后逐一评议，对U013的产业项目进度有不同意见")
    assert result.exit_code == 0, result.output
    refused("review.wrong-department", confirm_category, store, CY, "中央企业", "教育部")
    state = confirm_category(store, CY, "中央企业", "国务院国资委", "同意计票结果")
    assert state.confirmed and (state.returned, state.issued) == (1, 2)
    assert "中央企业" not in unconfirmed_categories(store, YEAR)
    record_deliberation(store, CY, "高等院校", date(2027, 1, 16), 6, "逐一评议", by="教育部")
    refused("review.no-votes", confirm_category, store, CY, "高等院校", "教育部")

    list(ingest([filled["R05-02"]], store, YEAR))  # a sheet read after the confirmation changes the result
    assert "中央企业" in unconfirmed_categories(store, YEAR)
    stale = next(f for f in unconfirmed_findings(store, YEAR) if f.subject == "中央企业")
    assert stale.code == "review.category-unconfirmed" and stale.params["stale"] and "重新确认" in stale.message
    result = cli(store, "review", "confirm", "--category", "中央企业", "--by", "国务院国资委", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["confirmed"], result.output
    status = json.loads(cli(store, "review", "status", "--json").stdout)
    firms = next(c for c in status["categories"] if c["name"] == "中央企业")
    assert firms["confirmed"] and (firms["returned"], firms["issued"]) == (2, 2)
    assert firms["deliberation"] == {"on": "2027-01-15", "participants": 9,
                                     "summary": "集中审阅材料后逐一评议，对U013的产业项目进度有不同意见"}
    events = [e for e in store.audit_events() if e["event"].startswith("act:")]
    assert [e["event"] for e in events].count("act:category-confirmed") == 2


@pytest.mark.slow
def test_the_request_and_the_approval_wait_for_every_categorys_confirmation_and_say_who_voted(
        year_store, sample_roster, tmp_path):
    from formkit.notices import write_notice
    from formkit.ooxml.inspect import inspect_docx
    from formkit.review.approval import approve
    from formkit.review.category import category_states
    from formkit.review.results import results_context
    from formkit.review.run import run_rating

    store = year_store
    register(store, CY, [(None, u.id, f"代表{n:02d}") for n, u in enumerate(sample_roster.units, start=1)])
    made = make_sheets(store, sample_roster, CY, None, tmp_path / "sheets")
    filled = fill_votes(made.results, sample_roster, YEAR, tmp_path / "sheets", tmp_path / "votes",
                        recused=recusals(store, YEAR))
    assert all(o.outcome == "accepted" for o in ingest(filled, store, YEAR))
    verify(store, CY, "U007", "教育部", "confirmed", on=date(2026, 12, 2))
    rated = cli(store, "review", "rate")
    assert rated.exit_code == 0, rated.output
    assert "[review.category-unconfirmed] 中央企业的分类评价结果尚未确认（应由国务院国资委确认）" in rated.stderr.splitlines()
    shown = json.loads(cli(store, "review", "rate", "--json").stdout)
    states = category_states(store, CY)
    assert sorted(f["subject"] for f in shown["findings"] if f["code"] == "review.category-unconfirmed") == sorted(
        s.name for s in states)
    for call in (approve, results_context):  # neither the 审定 nor the 请示 before the confirmations
        error = refused("review.not-confirmed", call, store, CY)
        assert "中央企业（国务院国资委）" in error.message and error.where["categories"] == [s.name for s in states]
    out = tmp_path / "请示.docx"
    result = cli(store, "notice", "review-proposal", "--out", out)
    assert result.exit_code == 2 and "[review.not-confirmed]" in result.output and not out.exists()

    for state in states:
        record_deliberation(store, CY, state.name, date(2027, 1, 15), state.delegates, "逐一评议")
        if state.name != "中央企业":
            confirm_category(store, CY, state.name, state.lead, on=date(2027, 1, 21))
    error = refused("review.not-confirmed", approve, store, CY)
    assert error.where["categories"] == ["中央企业"]
    confirm_category(store, CY, "中央企业", "国务院国资委", on=date(2027, 1, 21))
    error = refused("review.stale", approve, store, CY)  # rated before the votes were confirmed
    assert "中央企业" in error.message
    run_rating(store, CY)
    made = write_notice("review-proposal", CY, out, store=store, when=date(2027, 3, 1))
    text = "".join(p.text for p in inspect_docx(made["docx"].read_bytes()).paragraphs)
    assert "各单位材料由牵头部门核实：已核实1个，未核实13个，各单位核实情况见附件。" in text
    assert ("分类评价由各被评单位派员参加，由参评代表无记名投票，每位代表不对本单位投票（回避）；"
            "由代表投票、回避本单位是工作组的做法，《办法》未作规定。") in text
    leads = "、".join(dict.fromkeys(s.lead for s in states))
    assert f"分类评价结果已由{leads}分别确认。" in text
    assert approve(store, CY)["value"]["grades"] == {r["recipient_id"]: r["grade"] for r in store.grades(YEAR)}
