"""The web desk (``formkit serve``) through Starlette's TestClient: a recipient's link sees its own forms only,
downloads the bytes issued, uploads a return and sees its findings at once, a correction supersedes it;
guessed, revoked and expired tokens, another recipient's form, a missing CSRF token, an oversized or hostile
file are refused with nothing stored; staff see what their role allows and no more; every action is in the
audit log; every response carries the security headers."""

from __future__ import annotations

import re
import secrets
import shutil
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from conftest import YEAR
from starlette.testclient import TestClient

from formkit.intake.ingest import ingest_one
from formkit.intake.issued import record_issued
from formkit.store import Store
from formkit.web import links as links_module
from formkit.web.app import create_app
from formkit.web.links import issue_links, keep_issued, revoke_link

PASSWORD = "correct horse battery"
LEAD_CATEGORY = "民主党派中央和全国工商联"  # U001 and U002 in the sample roster; U003 is 中央和国家机关
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# an argon2 hash of PASSWORD with small parameters (a login verifies with those of the hash): the tests' accounts
# log in fast; accounts made through formkit.web.accounts get argon2-cffi's defaults
CHEAP_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


@dataclass
class Desk:
    client: TestClient
    tokens: dict[str, str]
    url: str
    originals: Path

    def store(self) -> Store:
        return Store(self.url, self.originals, create=False)

    def page(self, holder: str) -> str:
        return f"/r/{self.tokens[holder]}"

    def csrf(self, holder: str) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', self.client.get(self.page(holder)).text).group(1)

    def upload(self, holder: str, data: bytes, name: str = "自评表.docx", csrf: str | None = "page"):
        fields = {} if csrf is None else {"csrf": self.csrf(holder) if csrf == "page" else csrf}
        return self.client.post(f"{self.page(holder)}/upload", data=fields, files={"file": (name, data, DOCX)},
                                follow_redirects=False)

    def login(self, name: str, password: str = PASSWORD):
        page = self.client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        return self.client.post("/login", data={"name": name, "password": password, "csrf": csrf},
                                follow_redirects=False)

    def staff_csrf(self) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', self.client.get("/").text).group(1)

    def submissions(self) -> list:
        with self.store() as store:
            return store.submissions()

    def events(self, name: str = "desk:") -> list[dict]:
        """The audit events of this name (of every desk action: ``desk:``)."""
        with self.store() as store:
            return [e for e in store.audit_events() if e["event"] == name or name.endswith(":")
                    and e["event"].startswith(name)]


def make_desk(store_url: str, originals: Path, issued, tmp_path: Path) -> tuple[dict[str, str], Store]:
    """A store with the sample forms issued (their bytes kept), links for U001, U002 and 太行县 (U001's county),
    and one account of each role."""
    out, results = issued
    with Store(store_url, originals) as store:
        record_issued(store, results, YEAR, tmp_path / "manifest.csv")
        keep_issued(store, results, out)
        urls = issue_links(store, YEAR, ["U001", "U002", "U001-130731"], "test")
        for name, role, category in (("mishu", "secretariat", None), ("tongzhan", "lead", LEAD_CATEGORY),
                                     ("guancha", "observer", None)):
            store.add_account(name, role, category, CHEAP_HASH, "test")
    return {h: u.rsplit("/", 1)[1] for h, u in urls.items()}


@pytest.fixture
def desk(store_url, tmp_path, issued):
    tokens = make_desk(store_url, tmp_path / "originals", issued, tmp_path)
    with TestClient(create_app(store_url, tmp_path / "originals")) as client:
        yield Desk(client, tokens, store_url, tmp_path / "originals")


def with_mistake(issued, roster, folder: Path, unit: str = "U001") -> bytes:
    """A unit's self-assessment filled with an approximate amount (约三百万) in its first funds row."""
    from formkit.simulate import fill_recipients

    out, results = issued
    files = {(r.form, r.recipient_id): out / r.file for r in results}
    return fill_recipients(roster, YEAR, files, folder, {unit: {"funds": {0: {"invested_free": "约三百万"}}}})[
        unit].read_bytes()


@pytest.fixture
def mistaken(issued, sample_roster, once) -> bytes:
    return once("desk-mistake", lambda folder: with_mistake(issued, sample_roster, folder))


def test_a_link_shows_its_holders_forms_and_downloads_the_bytes_issued(desk, issued):
    out, results = issued
    page = desk.client.get(desk.page("U001"))
    assert page.status_code == 200
    assert "民主建国协进会中央委员会" in page.text and "中央单位定点帮扶工作自评表" in page.text
    assert "太行县" not in page.text and "全国工商业联合总会" not in page.text  # the county's and U002's forms
    issued_file = next(out / r.file for r in results if (r.form, r.recipient_id) == ("self-assessment", "U001"))
    got = desk.client.get(f"{desk.page('U001')}/d/self-assessment/U001")
    assert got.status_code == 200 and got.content == issued_file.read_bytes()
    assert got.headers["content-type"] == DOCX and got.headers["content-disposition"].startswith("attachment;")
    # another recipient's form through this link, by changing the id in the address: not found
    assert desk.client.get(f"{desk.page('U001')}/d/self-assessment/U002").status_code == 404
    assert desk.client.get(f"{desk.page('U001')}/d/county-feedback/U001-130731").status_code == 404
    [event] = desk.events("desk:download")
    assert event["detail"]["actor"] == "link:2026:U001" and event["detail"]["recipient"] == "U001"
    assert event["detail"]["address"] == "testclient"


def test_an_upload_shows_its_findings_at_once_and_a_correction_supersedes_it(desk, mistaken, sa):
    first = desk.upload("U001", mistaken)
    assert first.status_code == 303
    shown = desk.client.get(first.headers["location"])
    assert shown.status_code == 200
    findings = shown.text[shown.text.index('id="findings"'):]
    assert "约三百万" in findings and "请修改" in findings and re.search(r"<td>表\d+ 第\d+行</td>", findings)
    assert "有 1 处需要修改" in shown.text
    second = desk.upload("U001", sa, "自评表（修改后）.docx")
    again = desk.client.get(second.headers["location"])
    assert "检查通过，没有发现问题" in again.text and "现行版本" in again.text
    old, new = desk.submissions()
    assert new.supersedes == old.id and old.errors == 1 and new.errors == 0 and new.recipient.unit_id == "U001"
    page = desk.client.get(desk.page("U001")).text
    assert "已报送（无错误）" in page and page.count("现行版本") == 1
    uploads = desk.events("desk:upload")
    assert [(e["submission_id"], e["detail"]["actor"]) for e in uploads] == [(old.id, "link:2026:U001"),
                                                                            (new.id, "link:2026:U001")]
    with desk.store() as store:
        assert store.verify()["audit"] == []


def test_guessed_revoked_and_expired_links_are_refused_with_nothing_stored(desk, sa, monkeypatch):
    guessed = f"/r/{secrets.token_urlsafe(32)}"
    assert desk.client.get(guessed).status_code == 404
    assert desk.client.get("/r/..%2F..%2Fetc").status_code == 404
    assert desk.client.post(f"{guessed}/upload", files={"file": ("a.docx", sa, DOCX)}).status_code == 404
    old = desk.page("U001")
    with desk.store() as store:
        revoke_link(store, YEAR, "U001", "test")
    page = desk.client.get(old)
    assert page.status_code == 404 and "链接无效或已被撤销" in page.text
    assert desk.client.post(f"{old}/upload", files={"file": ("a.docx", sa, DOCX)}).status_code == 404
    monkeypatch.setattr(links_module, "today", lambda: date(YEAR + 1, 3, 1))  # the day after 2027-02-28
    expired = desk.client.get(desk.page("U002"))
    assert expired.status_code == 410 and "2027年2月28日" in expired.text
    assert desk.client.post(f"{desk.page('U002')}/upload", files={"file": ("a.docx", sa, DOCX)}).status_code == 410
    assert desk.submissions() == []


@pytest.mark.slow  # a hostile file costs its reading worker, started again for the next
def test_another_recipients_form_a_hostile_file_and_a_missing_csrf_token_are_refused(desk, sa, cf):
    from test_hostile import billion_laughs

    other = desk.upload("U002", sa)  # U001's self-assessment through U002's link
    assert other.status_code == 422 and "desk.not-yours" in other.text
    county = desk.upload("U001", cf)  # 太行县's feedback through its unit's link: the county has its own
    assert county.status_code == 422 and "desk.not-yours" in county.text
    bomb = desk.upload("U001", billion_laughs(sa))
    assert bomb.status_code == 422 and "docx.dtd-forbidden" in bomb.text
    html = desk.upload("U001", b"<html><script>alert(1)</script></html>", "自评表.docx")
    assert html.status_code == 422 and "未保存" in html.text
    assert desk.upload("U001", sa, csrf=None).status_code == 403
    assert desk.upload("U001", sa, csrf="x" * 64).status_code == 403
    assert desk.upload("U001", sa, csrf=desk.csrf("U002")).status_code == 403  # another link's token
    assert desk.submissions() == []
    refused = desk.events("desk:upload-refused")
    assert [e["detail"]["code"] for e in refused] == ["desk.not-yours", "desk.not-yours", "docx.dtd-forbidden",
                                                      refused[3]["detail"]["code"]]



def attach_report(desk: Desk, holder: str, data: bytes, name: str = "自评总结.docx", csrf: str | None = "page"):
    fields = {} if csrf is None else {"csrf": desk.csrf(holder) if csrf == "page" else csrf}
    return desk.client.post(f"{desk.page(holder)}/attach", data=fields, files={"file": (name, data, DOCX)})


def test_a_unit_attaches_its_written_report_and_sees_it_listed(desk):
    from test_attach import word_report

    got = attach_report(desk, "U001", word_report())
    assert got.status_code == 200 and "已收到书面自评总结“自评总结.docx”" in got.text
    assert 'id="attachments"' in got.text and "现行版本" in desk.client.get(desk.page("U001")).text
    with desk.store() as store:
        [kept] = store.attachments(YEAR)
    assert (kept.unit_id, kept.file_name, kept.format) == ("U001", "自评总结.docx", "docx")
    [event] = desk.events("desk:attach")
    assert event["detail"]["holder"] == "U001" and event["detail"]["attachment"] == kept.id
    sheet = attach_report(desk, "U002", b"%PDF-1.4 not really", "总结.xlsx")  # refused with its code, on the page
    assert sheet.status_code == 422 and "没有被接收" in sheet.text and 'id="refusal"' in sheet.text


def test_a_county_cannot_attach_and_an_attachment_needs_its_csrf_token(desk):
    from test_attach import word_report

    county = desk.client.get(desk.page("U001-130731"))
    assert county.status_code == 200 and "/attach" not in county.text and "书面自评总结" not in county.text
    assert attach_report(desk, "U001-130731", word_report()).status_code == 403
    assert attach_report(desk, "U001", word_report(), csrf=None).status_code == 403
    assert attach_report(desk, "U001", word_report(), csrf="x" * 64).status_code == 403
    with desk.store() as store:
        assert store.attachments(YEAR, history=True) == []
    assert [e["detail"]["code"] for e in desk.events("desk:attach-refused")] == ["desk.forbidden"]
    assert desk.events("desk:attach") == []


@pytest.fixture
def small_uploads(tmp_path, monkeypatch):
    """A secretariat's own forms/ whose desk takes uploads of at most 0.1 MB."""
    from formkit.resources import forms_dir

    folder = tmp_path / "own-forms"
    shutil.copytree(forms_dir(), folder)
    cycle = folder / "cycle.yaml"
    cycle.write_text(cycle.read_text(encoding="utf-8").replace("max_upload_mb: 20", "max_upload_mb: 0.1"),
                     encoding="utf-8")
    monkeypatch.setenv("FORMKIT_FORMS", str(folder))


def test_an_oversized_upload_is_refused_before_it_is_read(small_uploads, desk, sa):
    big = sa + b"\0" * (200 * 1024)
    refused = desk.upload("U001", big)
    assert refused.status_code == 413 and "超过 0.1 MB 的上限" in refused.text
    assert desk.submissions() == []
    assert [e["detail"]["code"] for e in desk.events("desk:upload-refused")] == ["desk.too-large"]


def test_staff_see_what_their_role_allows(desk, sa, filled_forms):
    assert desk.client.get("/", follow_redirects=False).headers["location"] == "/login"
    assert desk.upload("U001", sa).status_code == 303
    [sub] = desk.submissions()
    assert desk.login("tongzhan").status_code == 303
    board = desk.client.get("/").text
    assert "民主建国协进会中央委员会" in board and "全国工商业联合总会" in board  # its category: U001, U002
    assert "国家乡村建设发展署" not in board  # U003, another category
    assert desk.client.get(f"/s/{sub.id}").status_code == 200
    assert desk.client.get(f"/s/{sub.id}/original").content == sa
    assert desk.client.get("/links").status_code == 403 and desk.client.get("/accounts").status_code == 403
    desk.client.cookies.clear()
    with desk.store() as store:  # U003's return: a lead department of another category cannot reach it
        u003 = ingest_one(filled_forms["U003"], store, YEAR).submission
    desk.login("tongzhan")
    for path in (f"/s/{u003}", f"/s/{u003}/original", f"/s/{u003 + 1000}"):
        assert desk.client.get(path).status_code == 404, path
    desk.client.cookies.clear()
    desk.login("guancha")
    assert desk.client.get(f"/s/{u003}").status_code == 200  # an observer reads everything
    refused = desk.client.post("/links", data={"csrf": desk.staff_csrf(), "year": YEAR, "holder": "U001",
                                               "action": "revoke"})
    assert refused.status_code == 403  # and changes nothing
    with desk.store() as store:
        assert "U001" in store.links(YEAR)


def test_the_secretariat_manages_links_and_accounts_with_csrf(desk):
    assert desk.login("mishu").status_code == 303
    csrf = desk.staff_csrf()
    assert desk.client.post("/links", data={"year": YEAR, "holder": "U001", "action": "issue"}).status_code == 403
    made = desk.client.post("/links", data={"csrf": csrf, "year": YEAR, "holder": "U001", "action": "issue"})
    new = re.search(r"/r/([A-Za-z0-9_-]{43})", made.text).group(1)
    assert new != desk.tokens["U001"]
    assert desk.client.get(f"/r/{desk.tokens['U001']}").status_code == 404  # the earlier link stops working
    assert desk.client.get(f"/r/{new}").status_code == 200
    added = desk.client.post("/accounts", data={"csrf": csrf, "action": "add", "name": "jiaoyubu", "role": "lead",
                                                "category": "高等院校", "password": PASSWORD})
    assert added.status_code == 200 and "jiaoyubu" in added.text
    desk.client.post("/accounts", data={"csrf": csrf, "action": "disable", "name": "guancha"})
    desk.client.post("/logout", data={"csrf": csrf})
    assert desk.client.get("/", follow_redirects=False).status_code == 303
    assert desk.login("guancha").status_code == 401
    events = [e["event"] for e in desk.events()]
    for name in ("desk:login", "desk:link-issued", "desk:account-added", "desk:account-disabled", "desk:logout",
                 "desk:login-refused"):
        assert name in events, name


def test_logins_are_throttled(desk):
    for _ in range(5):
        assert desk.login("mishu", "wrong password!").status_code == 401
    throttled = desk.login("mishu")
    assert throttled.status_code == 429 and "分钟后再试" in throttled.text
    assert len(desk.events("desk:login-refused")) == 6 and desk.events("desk:login") == []


def test_a_login_needs_its_csrf_token(desk):
    desk.client.get("/login")
    assert desk.client.post("/login", data={"name": "mishu", "password": PASSWORD}).status_code == 403


def test_security_headers_on_every_response_and_no_active_content_served(desk, sa):
    pages = ["/login", "/", desk.page("U001"), f"{desk.page('U001')}/d/self-assessment/U001", "/r/nope",
             "/static/desk.css", "/nowhere"]
    for path in pages:
        got = desk.client.get(path, follow_redirects=False)
        assert "default-src 'self'" in got.headers["content-security-policy"], path
        assert "frame-ancestors 'none'" in got.headers["content-security-policy"], path
        assert got.headers["x-frame-options"] == "DENY" and got.headers["x-content-type-options"] == "nosniff", path
        assert got.headers["referrer-policy"] == "no-referrer", path
    desk.upload("U001", sa)
    desk.login("mishu")
    [sub] = desk.submissions()
    original = desk.client.get(f"/s/{sub.id}/original")
    assert original.headers["content-type"] == "application/octet-stream"
    assert original.headers["content-disposition"].startswith("attachment;")


def test_the_client_address_comes_from_a_trusted_proxy_only(desk):
    spoofed = {"x-forwarded-for": "203.0.113.9"}
    desk.client.get(f"{desk.page('U001')}/d/self-assessment/U001", headers=spoofed)
    settings = desk.client.app.state.desk.settings
    desk.client.app.state.desk.settings = replace(settings, trusted_proxies=frozenset({"testclient"}))
    desk.client.get(f"{desk.page('U001')}/d/self-assessment/U001", headers=spoofed)
    assert [e["detail"]["address"] for e in desk.events("desk:download")] == ["testclient", "203.0.113.9"]


def test_a_lead_department_verifies_its_units_only(desk):
    desk.login("tongzhan")
    page = desk.client.get("/review")
    assert page.status_code == 200
    table = page.text[page.text.index('id="verifications"'):page.text.index('id="categories"')]
    assert "民主建国协进会中央委员会" in table and "国家乡村建设发展署" not in table
    csrf = desk.staff_csrf()
    done = desk.client.post("/review", data={"csrf": csrf, "year": YEAR, "action": "verify", "unit": "U001",
                                             "result": "confirmed"})
    assert done.status_code == 200 and "已核实（中央统战部" in done.text
    other = desk.client.post("/review", data={"csrf": csrf, "year": YEAR, "action": "verify", "unit": "U003",
                                              "result": "confirmed"})
    assert other.status_code == 404  # another category's unit, by its id
    early = desk.client.post("/review", data={"csrf": csrf, "year": YEAR, "action": "confirm"})
    assert early.status_code == 400 and "review.deliberation-missing" in early.text  # as the CLI refuses it
    desk.client.cookies.clear()
    desk.login("guancha")
    assert desk.client.post("/review", data={"csrf": desk.staff_csrf(), "year": YEAR, "action": "verify",
                                             "unit": "U002", "result": "confirmed"}).status_code == 403
    with desk.store() as store:
        acts = store.acts(YEAR, "verification")
    assert [(a["subject"], a["actor"]) for a in acts] == [("U001", "中央统战部")]
    [event] = desk.events("desk:verify")
    assert event["detail"]["actor"] == "account:tongzhan" and event["detail"]["unit"] == "U001"


def test_pages_show_a_stored_file_by_its_name_only():
    """A file ingested from the secretariat's command line is stored with its path; a recipient's page shows
    only the name (the secretariat's folders are nobody else's business)."""
    from formkit.web.pages import ENV

    page = ENV.from_string("“{{ name|filename }}”")
    assert page.render(name="/srv/秘书处/收件/第1季度/U001-Q1 台账.xlsx") == "“U001-Q1 台账.xlsx”"
    assert page.render(name="C:\\收件\\自评表.docx") == "“自评表.docx”"
    assert page.render(name="自评表.docx") == "“自评表.docx”"
