"""The desk in a real headless Chromium (Debian's chromium and chromedriver, through selenium), served by
uvicorn on 127.0.0.1: a unit opens its link, downloads its form, uploads it with a typical mistake, sees the
finding at its place, uploads the correction and sees it accepted; a lead department logs in, sees its
category's units only and records a unit's 核实. On SQLite and PostgreSQL (the ``store_url`` fixture)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from conftest import need_marker
from test_web import make_desk, with_mistake

from formkit.web.app import create_app

pytestmark = pytest.mark.browser
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-dev-shm-usage")
WAIT = 30  # seconds for a page, a download or an upload's findings


def need_chromium() -> tuple[str, str]:
    need_marker("browser", "headless Chromium")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (browser and driver):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are missing in CI: scripts/setup-system must install them")
        pytest.skip("chromium or chromedriver not installed")
    return browser, driver


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(store_url, tmp_path, issued):
    """The desk on a store with the sample forms issued, served by uvicorn in a thread: (address, tokens)."""
    tokens = make_desk(store_url, tmp_path / "originals", issued, tmp_path)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store_url, tmp_path / "originals"), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False, proxy_headers=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", tokens
    server.should_exit = True
    thread.join(WAIT)


@pytest.fixture
def mistaken(issued, sample_roster, once) -> bytes:
    return once("desk-mistake", lambda folder: with_mistake(issued, sample_roster, folder))


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver

    binary, driver_path = need_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in FLAGS:
        options.add_argument(flag)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(WAIT)
    driver.downloads = downloads
    yield driver
    driver.quit()


def wait_for(what, seconds: float = WAIT):
    deadline = time.monotonic() + seconds
    while True:
        found = what()
        if found:
            return found
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def text_of(driver, css: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css).text


def upload(driver, path: Path) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, "file").send_keys(str(path))
    driver.find_element(By.ID, "send").click()
    wait_for(lambda: driver.find_elements(By.ID, "verdict") or driver.find_elements(By.ID, "refusal"))


def test_a_unit_returns_corrects_and_is_accepted_in_a_real_browser(served, browser, issued, mistaken, sa, tmp_path):
    from selenium.webdriver.common.by import By

    address, tokens = served
    out, results = issued
    browser.get(f"{address}/r/{tokens['U001']}")
    assert "民主建国协进会中央委员会" in browser.title and "未报送" in text_of(browser, "#forms")
    browser.find_element(By.CSS_SELECTOR, "a.download").click()
    got = wait_for(lambda: [p for p in browser.downloads.iterdir() if p.suffix == ".docx"])
    issued_file = next(out / r.file for r in results if (r.form, r.recipient_id) == ("self-assessment", "U001"))
    assert got[0].read_bytes() == issued_file.read_bytes()

    (tmp_path / "自评表.docx").write_bytes(mistaken)
    upload(browser, tmp_path / "自评表.docx")
    findings = text_of(browser, "#findings")
    assert "约三百万" in findings and "请修改" in findings and "表" in findings.split("约三百万")[0]
    assert "需要修改" in text_of(browser, "#verdict")

    browser.find_element(By.LINK_TEXT, "返回本单位的表格").click()
    (tmp_path / "自评表（改）.docx").write_bytes(sa)
    upload(browser, tmp_path / "自评表（改）.docx")
    assert "检查通过" in text_of(browser, "#verdict") and "现行版本" in browser.page_source
    browser.find_element(By.LINK_TEXT, "返回本单位的表格").click()
    assert "已报送（无错误）" in text_of(browser, "#forms")


def test_a_lead_department_sees_its_category_only_in_a_real_browser(served, browser):
    from selenium.webdriver.common.by import By
    from test_web import PASSWORD

    address, _tokens = served
    browser.get(f"{address}/")
    browser.find_element(By.NAME, "name").send_keys("tongzhan")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    returns = wait_for(lambda: browser.find_elements(By.ID, "returns"))[0].text
    assert "民主建国协进会中央委员会" in returns and "全国工商业联合总会" in returns
    assert "国家乡村建设发展署" not in returns
    browser.find_element(By.LINK_TEXT, "核实与分类评价").click()
    row = wait_for(lambda: [r for r in browser.find_elements(By.CSS_SELECTOR, "#verifications tbody tr")
                            if "民主建国协进会中央委员会" in r.text])[0]
    row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    verified = wait_for(lambda: browser.find_elements(By.ID, "verifications"))[0].text
    assert "已核实（中央统战部" in verified and "国家乡村建设发展署" not in verified
