"""The desk's commands: ``formkit issue`` keeps what it issued and gives each recipient a link (in a links file
of its own, never in the published manifest); ``formkit link issue|revoke`` and ``formkit account
add|reset|disable`` do what the desk does, audited; ``formkit serve`` serves the desk on 127.0.0.1."""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner
from conftest import YEAR

from formkit.cli import main
from formkit.resources import samples_dir
from formkit.store import Store
from formkit.web.accounts import login
from formkit.web.settings import desk_settings

PASSWORD = "correct horse battery"


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def issued_store(tmp_path):
    url = f"sqlite:///{tmp_path}/formkit.db"
    done = cli("issue", "--roster", str(samples_dir() / "roster"), "--year", str(YEAR), "--out", str(tmp_path / "out"),
               "--db", url)
    assert done.exit_code == 0, done.output
    return url, tmp_path / "out"


def test_issue_gives_each_recipient_a_link_outside_the_manifest(issued_store):
    url, out = issued_store
    with open(out / "links" / "链接清单.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 14 + 24  # each unit for its self-assessment, each county for its feedback
    tokens = {r["接收方编号"]: r["填报链接"].rsplit("/r/", 1)[1] for r in rows}
    assert all(r["链接截止日期"] == "2027年2月28日" for r in rows)
    assert not any(t in (out / "manifest.csv").read_text(encoding="utf-8-sig") for t in tokens.values())
    covers = (out / "links" / "填报链接通知单.html").read_text(encoding="utf-8")
    assert covers.count("<section") == 38 and covers.count(tokens["U001"]) == 1  # one printable page each
    with Store(url) as store:
        assert store.link(tokens["U001"]).holder == "U001"
        assert store.link(tokens["U001-130731"]).holder == "U001-130731"
        sha = next(i.sha256 for i in store.issued(YEAR) if i.recipient.id == "U001" and i.form == "self-assessment")
        assert store.issued_bytes(sha) == (out / "self-assessment").glob("U001_*").__next__().read_bytes()
    again = cli("issue", "--roster", str(samples_dir() / "roster"), "--year", str(YEAR), "--out", str(out), "--db", url)
    assert again.exit_code == 0
    with open(out / "links" / "链接清单.csv", encoding="utf-8-sig") as fh:
        assert all("已有有效链接" in r["填报链接"] for r in csv.DictReader(fh))  # a link is never replaced unasked
    with Store(url) as store:
        assert store.link(tokens["U001"]) is not None


def test_links_are_issued_and_revoked_from_the_command_line(issued_store):
    url, _out = issued_store
    made = cli("link", "issue", "--year", str(YEAR), "--recipient", "U003", "--db", url)
    assert made.exit_code == 0 and made.output.startswith("U003\thttp://127.0.0.1:8000/r/")
    token = made.output.strip().rsplit("/", 1)[1]
    with Store(url) as store:
        assert store.link(token).holder == "U003"
    assert cli("link", "revoke", "--year", str(YEAR), "--recipient", "U003", "--db", url).exit_code == 0
    with Store(url) as store:
        assert store.link(token) is None
    again = cli("link", "revoke", "--year", str(YEAR), "--recipient", "U003", "--db", url)
    assert again.exit_code == 2 and "desk.no-link" in again.output
    unknown = cli("link", "issue", "--year", str(YEAR), "--recipient", "U999", "--db", url)
    assert unknown.exit_code == 2 and "desk.unknown-recipient" in unknown.output
    everyone = cli("link", "issue", "--year", str(YEAR), "--all", "--db", url, "--json")
    assert everyone.exit_code == 0 and '"U003"' in everyone.output and '"U001"' not in everyone.output
    with Store(url) as store:
        events = [e for e in store.audit_events() if e["event"].startswith("desk:link")]
    assert events[-1]["detail"]["actor"].startswith("cli:")


@pytest.mark.slow  # argon2 with its real parameters, three times
def test_accounts_are_made_reset_and_disabled_from_the_command_line(issued_store):
    url, _out = issued_store
    settings = desk_settings()
    made = cli("account", "add", "mishu", "--role", "secretariat", "--password", PASSWORD, "--db", url)
    assert made.exit_code == 0, made.output
    assert cli("account", "add", "mishu", "--role", "observer", "--password", PASSWORD, "--db", url).exit_code == 2
    lead = cli("account", "add", "jiaoyubu", "--role", "lead", "--password", PASSWORD, "--db", url)
    assert lead.exit_code == 2 and "desk.bad-account" in lead.output  # a lead department needs its category
    short = cli("account", "add", "x", "--role", "observer", "--password", "short", "--db", url)
    assert short.exit_code == 2 and "desk.weak-password" in short.output
    with Store(url) as store:
        assert store.account("mishu").password_hash.startswith("$argon2id$")
        session = login(store, "mishu", PASSWORD, "127.0.0.1", settings)
        assert cli("account", "reset", "mishu", "--password", "another long one", "--db", url).exit_code == 0
        assert store.session(session.token) is None  # a new password ends every session
        assert login(store, "mishu", "another long one", None, settings).account.name == "mishu"
        assert cli("account", "disable", "mishu", "--db", url).exit_code == 0
        with pytest.raises(Exception, match="desk.bad-login"):
            login(store, "mishu", "another long one", None, settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # a server process started and stopped
def test_serve_answers_on_127_0_0_1_with_the_security_headers(issued_store):
    url, _out = issued_store
    port = free_port()
    env = {**os.environ, "FORMKIT_DB": url}
    proc = subprocess.Popen([sys.executable, "-m", "formkit", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as got:
                    body = got.read().decode()
                break
            except urllib.error.URLError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()
                time.sleep(0.2)
        assert got.status == 200 and "工作人员登录" in body
        assert got.headers["x-frame-options"] == "DENY" and "server" not in got.headers
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()


def test_serve_refuses_a_store_that_does_not_exist(tmp_path):
    missing = cli("serve", "--db", f"sqlite:///{tmp_path}/none.db")
    assert missing.exit_code == 2 and "store.not-found" in missing.output
