"""The web page in a real headless browser (Debian's chromium + chromedriver, driven by
selenium): index the seeds, query with seed 001's text, see 000 with highlighted passages; a
document carrying HTML and script renders as text."""

import shutil
from pathlib import Path

import pytest
from conftest import SEEDS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(DRIVER).exists()),
                       reason="needs Debian's chromium and chromium-driver (.ci/run installs "
                              "them: apt-get install chromium chromium-driver)"),
]
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (test extra)")

PROBE = ('<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> '
         "A probe document whose text holds markup. " * 3 +
         " ".join(f"word{k}" for k in range(120)))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from copytrace.document import Document
    from copytrace.ingest import read_inputs
    from copytrace.store import Index

    path = tmp_path_factory.mktemp("web") / "ix.db"
    with Index(path, create=True) as ix:
        docs = [d for d in read_inputs([SEEDS]) if isinstance(d, Document)
                and not d.id.startswith("001")]
        ix.add(docs + [Document(id="<b>probe</b>", text=PROBE)])
    from bench.load import serve

    proc, url = serve(path)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        opts.add_argument(arg)
    drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    yield drv
    drv.quit()


def _query(browser, server, text):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/")
    box = WebDriverWait(browser, 20).until(ec.presence_of_element_located((By.ID, "query-text")))
    browser.execute_script("arguments[0].value = arguments[1];", box, text)
    browser.find_element(By.ID, "query-run").click()
    WebDriverWait(browser, 30).until(
        lambda d: "match" in d.find_element(By.ID, "query-status").text
        or "No stored" in d.find_element(By.ID, "query-status").text)
    return browser.find_elements(By.CSS_SELECTOR, "#matches tbody tr")


def _open_first(browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.find_element(By.CSS_SELECTOR, "#matches tbody tr button").click()
    WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.ID, "pair-view").is_displayed()
        and d.find_elements(By.CSS_SELECTOR, "#right-text mark.shared"))


def test_seed_001_finds_000_with_highlighted_passages(server, browser):
    from selenium.webdriver.common.by import By

    text = next(SEEDS.glob("001_*.txt")).read_text(encoding="utf-8")
    rows = _query(browser, server, text)
    # the copy first; the other seeds are independent coverage of the same story
    assert rows[0].get_attribute("data-id") == "000_dbaf505c44bd813c"
    assert "edited" in rows[0].text
    assert len(rows) == 4 and all("same-story" in r.text for r in rows[1:])
    _open_first(browser)
    left = browser.find_elements(By.CSS_SELECTOR, "#left-text mark.shared")
    right = browser.find_elements(By.CSS_SELECTOR, "#right-text mark.shared")
    assert left and right
    shared = " ".join(m.text for m in right)
    assert len(shared) > 1000 and shared[:60] in " ".join(m.text for m in left)


def test_markup_in_a_document_renders_as_text(server, browser):
    from selenium.webdriver.common.by import By

    rows = _query(browser, server, PROBE)
    assert [r.get_attribute("data-id") for r in rows] == ["<b>probe</b>"]
    assert "<b>probe</b>" in rows[0].text  # the id shown literally, not as bold markup
    _open_first(browser)
    right = browser.find_element(By.ID, "right-text")
    assert "<script>window.__xss = 1</script>" in right.text
    assert not right.find_elements(By.TAG_NAME, "img")
    assert not right.find_elements(By.TAG_NAME, "script")
    assert browser.execute_script("return window.__xss === undefined")


def test_stories_can_be_browsed(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/#stories")
    items = WebDriverWait(browser, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#story-list li button"))
    assert len(items) == 1
    items[0].click()
    links = WebDriverWait(browser, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#story-detail li button"))
    assert "4 families" in browser.find_element(By.CSS_SELECTOR, "#story-detail h3").text
    assert len(links) == 4 + 6  # four families, then six same-story links
    links[4].click()  # the closest link opens side by side
    WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, "pair-view").is_displayed())
    assert "same-story" in browser.find_element(By.ID, "pair-summary").text
    assert browser.find_element(By.ID, "right-text").text.strip()
