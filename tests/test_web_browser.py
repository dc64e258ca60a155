"""The desk in a real headless Chromium (Debian's chromium and chromedriver, through selenium), served by
uvicorn on 127.0.0.1: a unit opens its link, downloads its form, uploads it with a typical mistake, sees the
finding at its place, uploads the correction and sees it accepted; a lead department logs in, sees its
category's units only, records a unit's 核实 and confirms its category's 分类评价; the secretariat downloads
the 催报名单, filters the findings and opens one's submission, builds a dossier and enters a veto. On SQLite
and PostgreSQL (the ``store_url`` fixture)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
import uvicorn
from conftest import YEAR, need_marker
from test_web import LEAD_CATEGORY, PASSWORD, make_desk, with_mistake

from formkit.evaluation.verification import today
from formkit.forms.cycle import cycle
from formkit.intake.ingest import ingest, ingest_one
from formkit.review.category import record_deliberation
from formkit.review.sheets import make_sheets
from formkit.review.tally import tally
from formkit.simulate import fill_votes
from formkit.store import Store
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
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + seconds
    while True:
        try:
            found = what()
        except StaleElementReferenceException:  # read while the page was being replaced: look again
            found = None
        if found:
            return found
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def submit(driver, button) -> None:
    """Click a form's button and wait until its page has been replaced by the answer."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def replaced(_driver) -> bool:
        try:
            button.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:  # Chromium 156 says so of a node whose page was just replaced
            if "does not belong to the document" not in str(exc):
                raise
            return True
        return False

    button.click()
    WebDriverWait(driver, WAIT).until(replaced)


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


@pytest.fixture
def voted(served, store_url, sample_roster, tmp_path):
    """The lead department's category ready for its confirmation, through the library: its voting sheets
    issued, filled and counted, its 分组评议 recorded."""
    cy = cycle(YEAR)
    with Store(store_url, tmp_path / "originals") as store:
        made = make_sheets(store, sample_roster, cy, 2, tmp_path / "sheets")
        mine = [s for s in made.results if s.category == LEAD_CATEGORY]
        list(ingest(fill_votes(mine, sample_roster, YEAR, tmp_path / "sheets", tmp_path / "votes"), store, YEAR))
        assert tally(store, cy).turnout(LEAD_CATEGORY) == (2, 2)
        record_deliberation(store, cy, LEAD_CATEGORY, date(YEAR + 1, 1, 15), 6, "集中审阅材料后逐一评议")
    return served


def log_in(driver, address: str, name: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{address}/")
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(lambda: driver.find_elements(By.ID, "returns"))


def downloaded(driver, suffix: str) -> Path:
    done = wait_for(lambda: [p for p in driver.downloads.iterdir() if p.suffix == suffix])
    return done[0]


def test_a_lead_department_sees_its_category_only_in_a_real_browser(voted, browser):
    from selenium.webdriver.common.by import By

    address, _tokens = voted
    log_in(browser, address, "tongzhan")
    returns = browser.find_element(By.ID, "returns").text
    assert "民主建国协进会中央委员会" in returns and "全国工商业联合总会" in returns
    assert "国家乡村建设发展署" not in returns
    browser.find_element(By.LINK_TEXT, "核实与分类评价").click()
    row = wait_for(lambda: [r for r in browser.find_elements(By.CSS_SELECTOR, "#verifications tbody tr")
                            if "民主建国协进会中央委员会" in r.text])[0]
    submit(browser, row.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    verified = wait_for(lambda: browser.find_elements(By.ID, "verifications"))[0].text
    assert "已核实（中央统战部" in verified and "国家乡村建设发展署" not in verified
    categories = browser.find_element(By.ID, "categories").text
    assert LEAD_CATEGORY in categories and "2/2" in categories and "未确认" in categories
    assert "中央企业" not in categories  # another category's state
    browser.find_element(By.CSS_SELECTOR, "#confirm input[name=note]").send_keys("同意计票结果")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "#confirm button[type=submit]"))
    done = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".accepted, #refusal"))[0].text
    assert done == f"已确认{LEAD_CATEGORY}的分类评价结果", done
    assert f"已确认（中央统战部，{today().isoformat()}）" in browser.find_element(By.ID, "categories").text


def test_the_secretariat_works_from_its_desk_in_a_real_browser(served, browser, store_url, tmp_path, mistaken):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    address, _tokens = served
    (tmp_path / "U001.docx").write_bytes(mistaken)
    with Store(store_url, tmp_path / "originals") as store:
        ingest_one(tmp_path / "U001.docx", store, YEAR)
    log_in(browser, address, "mishu")
    assert "中央单位定点帮扶工作自评表" in browser.find_element(By.ID, "summary").text
    browser.find_element(By.PARTIAL_LINK_TEXT, "下载催报名单").click()
    with zipfile.ZipFile(downloaded(browser, ".xlsx")) as book:
        assert "xl/workbook.xml" in book.namelist()

    browser.find_element(By.LINK_TEXT, "检查结果").click()
    rows = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#findings tbody tr"))
    code = next(r for r in rows if "约三百万" in r.text).find_element(By.TAG_NAME, "code").text
    Select(browser.find_element(By.NAME, "code")).select_by_value(code)
    Select(browser.find_element(By.NAME, "category")).select_by_value(LEAD_CATEGORY)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "#filters button[type=submit]"))
    wait_for(lambda: f"code={code}" in browser.current_url)
    [row] = browser.find_elements(By.CSS_SELECTOR, "#findings tbody tr")
    assert "约三百万" in row.text
    submit(browser, row.find_element(By.LINK_TEXT, "查看报送"))
    wait_for(lambda: browser.find_elements(By.ID, "verdict"))
    assert "约三百万" in browser.find_element(By.ID, "findings").text and "需要修改" in text_of(browser, "#verdict")

    browser.find_element(By.LINK_TEXT, "材料与公文").click()
    Select(wait_for(lambda: browser.find_elements(By.NAME, "category"))[0]).select_by_value(LEAD_CATEGORY)
    browser.find_element(By.CSS_SELECTOR, "#dossier button[type=submit]").click()
    with zipfile.ZipFile(downloaded(browser, ".docx")) as dossier:
        assert "民主建国协进会中央委员会" in dossier.read("word/document.xml").decode("utf-8")

    browser.find_element(By.LINK_TEXT, "核实与分类评价").click()
    Select(wait_for(lambda: browser.find_elements(By.NAME, "rule"))[0]).select_by_value("violation")
    browser.find_element(By.NAME, "subject").send_keys("U002")
    browser.find_element(By.CSS_SELECTOR, "#veto input[name=reason]").send_keys("巡视发现违反工作纪律")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "#veto button[value=veto]"))
    vetoes = wait_for(lambda: browser.find_elements(By.ID, "vetoes"))[0].text
    assert "全国工商业联合总会" in vetoes and "巡视发现违反工作纪律" in vetoes
