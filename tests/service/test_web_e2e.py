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
def keyed_server(tmp_path_factory, monkeypatch_module):
    """The seeds without 001, served with an API key."""
    from copytrace.document import Document
    from copytrace.ingest import read_inputs
    from copytrace.store import Index

    path = tmp_path_factory.mktemp("keyed") / "ix.db"
    with Index(path, create=True) as ix:
        ix.add([d for d in read_inputs([SEEDS]) if isinstance(d, Document)
                and not d.id.startswith("001")])
    from bench.load import serve

    monkeypatch_module.setenv("COPYTRACE_API_KEY", "page-key")
    proc, url = serve(path)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    import os

    where = os.environ.get("COPYTRACE_SCREENSHOTS")
    folder = Path(where) if where else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        opts.add_argument(arg)
    opts.add_argument("--window-size=1280,900")
    drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    yield drv
    drv.quit()


def _wait(browser, cond, timeout=30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(cond)


def _shot(browser, shots, name):
    """A screenshot of the page as it is, kept (in $COPYTRACE_SCREENSHOTS, else pytest's
    temporary folder) for a person to look at."""
    browser.save_screenshot(str(shots / f"{name}.png"))


def _query(browser, server, text):
    from selenium.webdriver.common.by import By

    browser.get(server + "/#query")
    box = _wait(browser, lambda d: d.find_element(By.ID, "query-text"))
    browser.execute_script("arguments[0].value = arguments[1];", box, text)
    browser.find_element(By.ID, "query-run").click()
    _wait(browser, lambda d: "match" in d.find_element(By.ID, "query-status").text
          or "No stored" in d.find_element(By.ID, "query-status").text)
    return browser.find_elements(By.CSS_SELECTOR, "#matches tbody tr")


def _open_first(browser):
    from selenium.webdriver.common.by import By

    browser.find_element(By.LINK_TEXT, "side by side").click()
    _wait(browser, lambda d: d.find_element(By.ID, "pair-view").is_displayed()
          and d.find_elements(By.CSS_SELECTOR, "#right-text mark.shared"))


def test_seed_001_finds_000_with_highlighted_passages_and_back_returns(server, browser, shots):
    from selenium.webdriver.common.by import By

    text = next(SEEDS.glob("001_*.txt")).read_text(encoding="utf-8")
    rows = _query(browser, server, text)
    # the copy first; the other seeds are independent coverage of the same story
    assert rows[0].get_attribute("data-id") == "000_dbaf505c44bd813c"
    assert "edited" in rows[0].text and "who was first" in browser.page_source
    assert len(rows) == 4 and all("same-story" in r.text for r in rows[1:])
    _shot(browser, shots, "1-query-matches")
    _open_first(browser)
    assert browser.current_url.endswith("#match/0")  # the view has its own address
    left = browser.find_elements(By.CSS_SELECTOR, "#left-text mark.shared")
    right = browser.find_elements(By.CSS_SELECTOR, "#right-text mark.shared")
    assert left and right
    shared = " ".join(m.text for m in right)
    assert len(shared) > 1000 and shared[:60] in " ".join(m.text for m in left)
    assert "copied passage" in browser.find_element(By.ID, "pair-legend").text
    _shot(browser, shots, "2-side-by-side")
    browser.back()  # back to the results, not to an empty page
    _wait(browser, lambda d: d.find_element(By.ID, "query-view").is_displayed())
    assert browser.find_elements(By.CSS_SELECTOR, "#matches tbody tr")
    # a same-story pair copies nothing: its legend does not say "copied"
    browser.find_elements(By.LINK_TEXT, "side by side")[1].click()
    _wait(browser, lambda d: d.find_element(By.ID, "pair-view").is_displayed())
    assert "same-story" in browser.find_element(By.ID, "pair-summary").text
    legend = browser.find_element(By.ID, "pair-legend").text
    assert "copied passage" not in legend
    assert "shared passage" in legend or "No words in common" in legend


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


def test_an_uploaded_html_page_is_read_as_the_command_line_reads_it(server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    # seed 000 as a web page: the page's chrome around the article must not reach the query
    text = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8")
    paras = "".join(f"<p>{p}</p>" for p in text.split("\n") if p.strip())
    page = tmp_path / "copied-article.html"
    page.write_text("<html><head><title>A copied article</title></head><body><nav>Home · "
                    "World · Sport · Weather</nav><article>" + paras + "</article><footer>"
                    "Copyright 2024, all rights reserved</footer></body></html>",
                    encoding="utf-8")
    browser.get(server + "/#query")
    _wait(browser, lambda d: d.find_element(By.ID, "query-file"))
    browser.find_element(By.ID, "query-file").send_keys(str(page))
    _wait(browser, lambda d: "A copied article" in d.find_element(By.ID, "query-status").text)
    box = browser.find_element(By.ID, "query-text").get_attribute("value")
    assert "<p>" not in box and "<article>" not in box and text.split("\n")[0].strip() in box
    browser.find_element(By.ID, "query-run").click()
    _wait(browser, lambda d: "match" in d.find_element(By.ID, "query-status").text)
    first = browser.find_elements(By.CSS_SELECTOR, "#matches tbody tr")[0]
    assert first.get_attribute("data-id") == "000_dbaf505c44bd813c"
    assert "verbatim" in first.text  # was "edited, 65%" when the markup was queried


def test_stories_families_and_pairs_each_have_an_address_and_back_works(server, browser, shots):
    from selenium.webdriver.common.by import By

    browser.get(server + "/#stories")
    items = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#story-list li a"))
    assert len(items) == 1
    items[0].click()
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#story-picture svg circle"))
    assert "#story/" in browser.current_url
    assert "4 families" in browser.find_element(By.ID, "story-title").text
    circles = browser.find_elements(By.CSS_SELECTOR, "#story-picture svg circle")
    assert browser.execute_script(  # drawn as a picture, not read as unknown XML
        "return document.querySelector('#story-picture svg') instanceof SVGSVGElement "
        "&& document.querySelector('#story-picture circle').getBoundingClientRect().width > 5")
    assert len(circles) == 4  # the report's picture, one dot per stored seed (001 is not)
    _shot(browser, shots, "3-story")
    story_url = browser.current_url
    browser.find_elements(By.CSS_SELECTOR, "#story-families li a")[0].click()
    _wait(browser, lambda d: d.find_element(By.ID, "family-view").is_displayed())
    assert "#family/" in browser.current_url
    dates = [r.find_elements(By.TAG_NAME, "td")[0].text
             for r in browser.find_elements(By.CSS_SELECTOR, "#family-members tbody tr")]
    assert dates == sorted(dates, key=lambda x: (x == "undated", x))  # in time order
    _shot(browser, shots, "4-family")
    browser.back()
    _wait(browser, lambda d: d.find_element(By.ID, "story-view").is_displayed())
    assert browser.current_url == story_url
    links = browser.find_elements(By.CSS_SELECTOR, "#story-links li a")
    assert len(links) == 6  # the six same-story links between the four families
    links[0].click()
    _wait(browser, lambda d: d.find_element(By.ID, "pair-view").is_displayed()
          and d.find_element(By.ID, "right-text").text.strip())
    assert "#pair/" in browser.current_url
    assert "same-story" in browser.find_element(By.ID, "pair-summary").text
    pair_url = browser.current_url
    browser.refresh()  # the address alone brings the view back
    _wait(browser, lambda d: d.find_element(By.ID, "pair-view").is_displayed()
          and d.find_element(By.ID, "right-text").text.strip())
    assert browser.current_url == pair_url
    browser.back()
    _wait(browser, lambda d: d.find_element(By.ID, "story-view").is_displayed())


def test_a_document_is_added_from_the_page_with_the_api_key(keyed_server, browser, shots):
    from selenium.webdriver.common.by import By

    browser.get(keyed_server + "/#add")
    _wait(browser, lambda d: d.find_element(By.ID, "add-view").is_displayed())
    text = next(SEEDS.glob("001_*.txt")).read_text(encoding="utf-8")
    browser.find_element(By.ID, "add-id").send_keys("copy-from-the-page")
    browser.execute_script("arguments[0].value = arguments[1];",
                           browser.find_element(By.ID, "add-text"), text)
    browser.find_element(By.ID, "add-run").click()
    _wait(browser, lambda d: "Error" in d.find_element(By.ID, "add-status").text)
    assert "API key" in browser.find_element(By.ID, "add-status").text  # refused without it
    browser.find_element(By.ID, "add-key").send_keys("page-key")
    browser.find_element(By.ID, "add-run").click()
    _wait(browser, lambda d: "Added copy-from-the-page" in d.find_element(By.ID, "add-status").text)
    _shot(browser, shots, "5-added")
    browser.find_element(By.LINK_TEXT, "its family").click()
    _wait(browser, lambda d: d.find_element(By.ID, "family-view").is_displayed())
    members = [r.get_attribute("data-id")
               for r in browser.find_elements(By.CSS_SELECTOR, "#family-members tbody tr")]
    assert set(members) == {"copy-from-the-page", "000_dbaf505c44bd813c"}
