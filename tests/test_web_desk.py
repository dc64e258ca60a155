"""The secretariat's desk through Starlette's TestClient: the findings across the returns (filtered by form,
category and code, each linking to its submission, a lead department's category only); the dossier and the
notices built from the page by the library functions of ``formkit dossier`` / ``formkit notice`` (POST with
CSRF, the .docx as an attachment, the same refusals); the review's steps with the secretariat's vetoes and
the 审定 as ``formkit review veto|approve`` record them; a late upload taken under ``late: accept``."""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import stat
import zipfile
from dataclasses import replace
from datetime import timedelta
from urllib.parse import quote

import pytest
import test_web
from conftest import YEAR
from test_web import DOCX, LEAD_CATEGORY, PASSWORD, with_mistake

from formkit.dossier import build_dossier
from formkit.forms.cycle import cycle
from formkit.intake.ingest import ingest_one
from formkit.web.settings import today

desk, mistaken = test_web.desk, test_web.mistaken  # the same fixtures as there


@pytest.fixture
def other_mistaken(issued, sample_roster, once) -> bytes:
    """U003's self-assessment (中央和国家机关, not the lead department's category) with the same mistake."""
    return once("desk-mistake-U003", lambda folder: with_mistake(issued, sample_roster, folder, "U003"))


def rows_of(html: str, table: str) -> list[str]:
    body = html[html.index(f'id="{table}"'):]
    body = body[:body.index("</table>")]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)[1:]


def document_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("word/document.xml").decode("utf-8")


def test_findings_across_returns_are_filtered_and_limited_to_the_callers_category(desk, mistaken, other_mistaken,
                                                                                  tmp_path):
    assert desk.upload("U001", mistaken).status_code == 303
    (tmp_path / "U003.docx").write_bytes(other_mistaken)
    with desk.store() as store:
        ingest_one(tmp_path / "U003.docx", store, YEAR)
    desk.login("mishu")
    page = desk.client.get("/findings").text
    rows = rows_of(page, "findings")
    assert any("民主建国协进会中央委员会" in r for r in rows) and any("国家乡村建设发展署" in r for r in rows)
    code = re.search(r"<code>([a-z]+\.[a-z-]+)</code>", next(r for r in rows if "约三百万" in r)).group(1)
    filtered = rows_of(desk.client.get("/findings", params={"code": code, "category": LEAD_CATEGORY}).text, "findings")
    assert len(filtered) == 1 and "约三百万" in filtered[0] and "民主建国协进会中央委员会" in filtered[0]
    link = re.search(r'href="(/s/\d+)"', filtered[0]).group(1)
    shown = desk.client.get(link)
    assert shown.status_code == 200 and "约三百万" in shown.text and "民主建国协进会中央委员会" in shown.text
    assert rows_of(desk.client.get("/findings", params={"form": "county-feedback"}).text, "findings") == []

    desk.client.cookies.clear()
    desk.login("tongzhan")  # a lead department: its category's findings only, whatever it asks for
    own = rows_of(desk.client.get("/findings").text, "findings")
    assert own and all("国家乡村建设发展署" not in r for r in own)
    assert rows_of(desk.client.get("/findings", params={"category": "中央和国家机关"}).text, "findings") == []


@pytest.mark.slow  # two dossiers and a notice laid out
def test_the_dossier_and_the_notices_are_built_from_the_page(desk, sa, tmp_path):
    assert desk.upload("U001", sa).status_code == 303
    desk.login("mishu")
    csrf = desk.staff_csrf()
    assert "生成并下载公文" in desk.client.get("/documents").text
    assert desk.client.post("/documents/dossier", data={"year": YEAR}).status_code == 403  # no CSRF token
    got = desk.client.post("/documents/dossier", data={"csrf": csrf, "year": YEAR, "category": LEAD_CATEGORY})
    assert got.status_code == 200 and got.headers["content-type"] == DOCX
    assert got.headers["content-disposition"].startswith("attachment;")
    with desk.store() as store:  # what `formkit dossier --category` writes for the same store, byte for byte
        expected = build_dossier(store, cycle(YEAR), tmp_path / "dossier.docx", LEAD_CATEGORY)[0].read_bytes()
    assert got.content == expected and "民主建国协进会中央委员会" in document_text(got.content)
    [event] = desk.events("desk:dossier")
    assert event["detail"]["actor"] == "account:mishu" and event["detail"]["category"] == LEAD_CATEGORY

    notice = desk.client.post("/documents/notice", data={"csrf": csrf, "year": YEAR, "kind": "issue-forms",
                                                          "serial": "3", "date": f"{YEAR}-11-20"})
    assert notice.status_code == 200 and notice.headers["content-type"] == DOCX
    assert "〔2026〕3号" in document_text(notice.content)
    refused = desk.client.post("/documents/notice", data={"csrf": csrf, "year": YEAR, "kind": "review-results"})
    assert refused.status_code == 400 and "review.not-rated" in refused.text  # as `formkit notice` refuses it
    bad = desk.client.post("/documents/notice", data={"csrf": csrf, "year": YEAR, "kind": "issue-forms",
                                                       "date": "20.11.2026"})
    assert bad.status_code == 400 and "desk.bad-input" in bad.text
    assert [e["detail"]["kind"] for e in desk.events("desk:notice")] == ["issue-forms"]

    desk.client.cookies.clear()
    desk.login("tongzhan")  # a lead department: its own category's dossier, whichever it names; no notices
    csrf = desk.staff_csrf()
    own = desk.client.post("/documents/dossier", data={"csrf": csrf, "year": YEAR, "category": "中央和国家机关"})
    assert own.status_code == 200 and "国家乡村建设发展署" not in document_text(own.content)
    assert quote(f"（{LEAD_CATEGORY}）.docx") in own.headers["content-disposition"]
    assert desk.client.post("/documents/notice", data={"csrf": csrf, "year": YEAR,
                                                       "kind": "issue-forms"}).status_code == 403


def test_the_secretariat_enters_a_veto_and_records_the_approval_as_the_command_line_does(desk):
    desk.login("mishu")
    page = desk.client.get("/review").text
    assert "尚未评定" in page and 'id="veto"' in page
    csrf = desk.staff_csrf()
    done = desk.client.post("/review", data={"csrf": csrf, "year": YEAR, "action": "veto", "rule": "violation",
                                             "subject": "U001", "reason": "巡视发现挂职干部违反工作纪律"})
    assert done.status_code == 200 and "已记录：U001 违纪违规" in done.text
    [row] = rows_of(done.text, "vetoes")
    assert "民主建国协进会中央委员会" in row and "巡视发现挂职干部违反工作纪律" in row
    no_reason = desk.client.post("/review", data={"csrf": csrf, "year": YEAR, "action": "veto", "rule": "violation",
                                                  "subject": "U002", "reason": " "})
    assert no_reason.status_code == 400 and "review.act-no-reason" in no_reason.text
    early = desk.client.post("/review", data={"csrf": csrf, "year": YEAR, "action": "approve"})
    assert early.status_code == 400 and "review.not-rated" in early.text
    assert desk.client.post("/review", data={"csrf": csrf, "year": YEAR, "action": "verify", "unit": "U001",
                                             "result": "confirmed"}).status_code == 403  # the lead department's
    with desk.store() as store:
        [act] = store.acts(YEAR, "veto:violation")
    assert (act["subject"], act["actor"]) == ("U001", cycle(YEAR).config.coordinator)
    [event] = desk.events("desk:veto")
    assert event["detail"]["actor"] == "account:mishu" and event["detail"]["act"] == act["id"]

    desk.client.cookies.clear()
    desk.login("tongzhan")
    assert desk.client.post("/review", data={"csrf": desk.staff_csrf(), "year": YEAR, "action": "veto",
                                             "rule": "violation", "subject": "U002", "reason": "x"}).status_code == 403
    desk.client.cookies.clear()
    desk.login("guancha")  # an observer sees the vetoes, and no form to enter one
    seen = desk.client.get("/review").text
    assert "巡视发现挂职干部违反工作纪律" in seen and 'id="veto"' not in seen


@pytest.fixture
def closed_yesterday(tmp_path, monkeypatch):
    """A secretariat's own forms/ whose desk closed yesterday and still takes late returns (late: accept)."""
    from formkit.resources import forms_dir

    folder = tmp_path / "own-forms"
    shutil.copytree(forms_dir(), folder)
    path = folder / "cycle.yaml"
    text = path.read_text(encoding="utf-8")
    assert 'closes: "02-28"\n    late: refuse' in text
    closes = (today() - timedelta(days=1)).isoformat()
    path.write_text(text.replace('closes: "02-28"\n    late: refuse', f"closes: {closes}\n    late: accept"),
                    encoding="utf-8")
    monkeypatch.setenv("FORMKIT_FORMS", str(folder))


def test_after_the_closing_date_late_accept_still_takes_a_return_and_marks_it(closed_yesterday, desk, sa):
    page = desk.client.get(desk.page("U001"))
    assert page.status_code == 200 and "现在上传的材料将标注为“截止后报送”" in page.text
    sent = desk.upload("U001", sa)
    assert sent.status_code == 303
    shown = desk.client.get(sent.headers["location"]).text
    assert "检查通过" in shown and "（截止后报送）" in shown
    assert "已报送（无错误），截止后报送" in desk.client.get(desk.page("U001")).text
    [sub] = desk.submissions()
    assert sub.recipient.unit_id == "U001"
    desk.login("mishu")
    returns = rows_of(desk.client.get("/").text, "returns")
    assert any("民主建国协进会中央委员会" in r and "（逾期）" in r for r in returns)


def test_behind_a_proxy_that_terminates_https_the_public_origin_is_the_desks_own(desk):
    page = desk.client.get("/login")  # its cookie as plain HTTP sets it (TestClient speaks http://testserver)
    fields = {"name": "mishu", "password": PASSWORD, "csrf": re.search(r'name="csrf" value="([^"]+)"', page.text)[1]}
    state = desk.client.app.state.desk
    state.settings = replace(state.settings, base_url="https://desk.example.org")
    other = desk.client.post("/login", data=fields, headers={"origin": "https://desk.example.org.evil.test"})
    assert other.status_code == 403 and "desk.csrf" in other.text
    ours = desk.client.post("/login", data=fields, headers={"origin": "https://desk.example.org"},
                            follow_redirects=False)
    assert ours.status_code == 303 and ours.headers["location"] == "/"


def test_the_issued_forms_are_read_again_only_after_new_ones_were_issued(store, issued):
    from formkit.issue.batch import issued_rows

    rows = issued_rows(issued[1], YEAR)
    store.record_issued(rows[:-1])
    store.forget_issued(YEAR)
    cache = store.issued_to
    store.forget_issued(YEAR)  # nothing issued since: every upload keeps the cache
    assert store.issued_to is cache
    store.record_issued(rows[-1:])
    store.forget_issued(YEAR)
    assert store.issued_to is not cache
    # a unit holds its own form; its county's feedback on it is the county's
    assert [(i.form, i.recipient.id) for i in store.issued_to_holder(YEAR, "U001")] == [("self-assessment", "U001")]
    assert [i.form for i in store.issued_to_holder(YEAR, "U001-130731")] == ["county-feedback"]


def _holds_a_socket(conn, fd: int) -> None:
    """A child that says whether ``fd`` is still a socket in it, then stays alive until told to end."""
    conn.send(stat.S_ISSOCK(os.fstat(fd).st_mode))
    conn.recv()


def test_a_reading_worker_started_while_clients_are_connected_keeps_none_of_their_connections():
    """A reading worker is forked from the server process: a client's connection open at that moment must still
    close when the server closes it (otherwise the client waits on it for ever, as a load test found)."""
    from formkit.isolate import Child

    served, client = socket.socketpair()
    child = Child(_holds_a_socket, served.fileno())
    try:
        assert child.receive(10) is False
        served.close()  # the server is done with the connection: the client sees its end at once
        client.settimeout(5)
        assert client.recv(1) == b""
    finally:
        child.send("end")
        child.stop()
        client.close()
