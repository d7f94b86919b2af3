"""The search page in a real browser: Debian's Chromium, driven by Playwright (no downloaded browser).

`make test` installs Chromium (`apt-get install chromium`) where it can; the browser tests skip,
saying why, only where it could not. SCIENTIA_SCREENSHOT=PATH also writes the search page's
screenshot there (`make screenshot` refreshes the README's).
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from helpers import SAMPLE_CORPUS, build_demo_index, serving

pytestmark = pytest.mark.slow

CHROMIUM_FLAGS = [
    "--no-sandbox",  # Chromium refuses to run as root with its sandbox
    "--disable-gpu",
    # without these, Chromium reaches for Google's hosts at start, which a closed network refuses
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
]


def chromium_path() -> str | None:
    return os.environ.get("SCIENTIA_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with serving(build_demo_index(tmp_path_factory.mktemp("page") / "index")) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium on this machine: `apt-get install chromium` (make test does it where it runs as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, served):
    """A fresh page that records every URL it requests."""
    context = browser.new_context(viewport={"width": 1100, "height": 1300})
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"the page raised: {errors}"


def test_a_query_shows_fused_results_signals_and_the_inference_chain(page, served, tmp_path: Path):
    page.goto(served + "/")
    page.wait_for_function("document.querySelectorAll('#mode option').length > 0")
    assert page.input_value("#mode") == "hybrid+knowledge"  # the index's default, from /info
    page.fill("#query", "spicy pizza")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("li.hit")

    hits = page.locator("li.hit")
    assert hits.count() == 10
    assert page.text_content("#status").startswith("10 results")
    # the same ranking as the API gives
    request = urllib.request.Request(served + "/search", data=json.dumps({"query": "spicy pizza"}).encode(),
                                     headers={"Content-Type": "application/json"})
    expected = json.loads(urllib.request.urlopen(request, timeout=30).read())["hits"]
    assert [hits.nth(i).locator(".hit-id").text_content() for i in range(10)] == [hit["id"] for hit in expected]
    first = hits.nth(0)
    for name, evidence in expected[0]["signals"].items():  # each signal's rank and score
        row = first.locator(f"tr.signal-{name}").locator("td")
        assert row.nth(1).text_content() == str(evidence["rank"])
        assert row.nth(2).text_content() == f"{evidence['score']:.4f}"

    # Pollo Ad Astra is there through SpicyPizza ⊒ PolloAdAstra: its chain is drawn as a graph
    chained = page.locator("li.hit", has_text="Pollo Ad Astra")
    graph = chained.locator("svg.chain-graph")
    labels = graph.locator("g.node text").all_text_contents()
    assert labels[:2] == ["“spicy pizza”", "SpicyPizza"] and "PolloAdAstra" in labels and labels[-1] == "document"
    assert graph.locator("g.edge.inferred").count() >= 1  # the reasoner's step is drawn dashed
    assert graph.locator("g.edge").count() == len(labels) - 1

    screenshot = tmp_path / "search-page.png"
    page.screenshot(path=str(screenshot))
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 20_000
    if os.environ.get("SCIENTIA_SCREENSHOT"):
        shutil.copyfile(screenshot, os.environ["SCIENTIA_SCREENSHOT"])

    # the document view, and back to the same results
    chained.locator("a.hit-title").click()
    page.wait_for_selector("#document-panel:not([hidden])")
    page.wait_for_function("document.getElementById('doc-text').textContent.length > 0")
    written = next(json.loads(line) for line in SAMPLE_CORPUS.read_text().splitlines() if "Pollo Ad Astra" in line)
    assert page.text_content("#doc-title") == written["title"]
    assert page.text_content("#doc-text") == written["text"]
    page.click("#back")
    page.wait_for_selector("li.hit")
    assert page.locator("li.hit").count() == 10


def test_filters_and_errors_reach_the_page(page, served):
    page.goto(served + "/#?q=glaciers&mode=lexical&filter=topic%3Dgeography")
    page.wait_for_selector("li.hit")
    ids = page.locator(".hit-id").all_text_contents()
    assert ids
    topics = {json.loads(urllib.request.urlopen(f"{served}/documents/{hit_id}", timeout=30).read())["metadata"]["topic"]
              for hit_id in ids}
    assert topics == {"geography"}
    page.goto(served + "/#?q=glaciers&filter=year%3E%3Dabc")
    page.wait_for_selector("#error:not([hidden])")
    assert "year" in page.text_content("#error")


def test_the_sparql_tab_shows_a_table(page, served):
    page.goto(served + "/#sparql")
    page.fill("#sparql-query", "SELECT ?pizza WHERE { ?pizza rdfs:subClassOf+ pizza:SpicyPizza } ORDER BY ?pizza")
    page.click("#sparql-form button[type=submit]")
    page.wait_for_selector("table.sparql")
    assert page.locator("table.sparql th").all_text_contents() == ["?pizza"]
    cells = page.locator("table.sparql td").all_text_contents()
    assert "http://scientia.example/pizza#PolloAdAstra" in cells and len(cells) == 4
    page.fill("#sparql-query", "SELECT ?x WHERE { ?x ?p }")  # a syntax error: shown, not thrown
    page.click("#sparql-form button[type=submit]")
    page.wait_for_selector("#error:not([hidden])")


@pytest.mark.parametrize("path,ready", [("/", "#index-info:not(:empty)"), ("/docs", ".opblock"), ("/redoc", "h1")])
def test_nothing_is_loaded_from_another_host(page, served, path: str, ready: str):
    page.goto(served + path)
    page.wait_for_selector(ready, timeout=30_000)
    page.wait_for_load_state("networkidle")
    origin = urlsplit(served).netloc
    foreign = [url for url in page.requested if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != origin]
    assert not foreign, f"{path} requested {foreign}"
    # and nothing on the page points elsewhere: every src and stylesheet or icon; on our own page
    # the links too (ReDoc's footer links to its maker, a link the user may follow, not a load)
    selector = "[src], [href]" if path == "/" else "[src], link[href]"
    references = page.eval_on_selector_all(selector, "els => els.map(e => e.src || e.href)")
    assert references
    elsewhere = [url for url in references if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != origin]
    assert not elsewhere, f"{path} points at {elsewhere}"


def test_the_page_and_the_api_docs_are_served_from_the_package(served):
    """Without a browser: what the page and /docs, /redoc reference is all on this server."""
    import re

    def fetch(path: str) -> tuple[str, str]:
        with urllib.request.urlopen(served + path, timeout=30) as response:
            return response.headers["content-type"], response.read().decode()

    for path in ("/", "/docs", "/redoc"):
        kind, html = fetch(path)
        assert kind.startswith("text/html")
        referenced = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', html) + re.findall(r"_url:\s*'([^']+)'", html)
        assert referenced and all(url.startswith("/") for url in referenced), (path, referenced)
        for url in referenced:  # and each is there
            assert urllib.request.urlopen(served + url, timeout=30).status == 200
    assert "cdn.redoc.ly" not in fetch("/static-docs/redoc.standalone.js")[1]
    info = json.loads(fetch("/info")[1])
    assert info["default_mode"] == "hybrid+knowledge" and "dense" in info["modes"] and info["knowledge_graph"] is True
    assert info["metadata_fields"] == ["topic"] and info["documents"] >= 200


def test_a_failed_search_clears_the_results_and_the_hints_come_from_the_index(page, served):
    """Point 16: after a failed search the page still showed the earlier results under the error;
    the filter hint was a fixed "year>=2020; topic=pizza" and the fusion list offered `learned`,
    which this index has not fitted."""
    page.goto(served + "/#?q=glaciers&mode=lexical")
    page.wait_for_selector("li.hit")
    assert page.get_attribute("#filters", "placeholder") == "topic=…"  # the index's one metadata field
    fusions = page.locator("#fusion option").all_text_contents()
    info = json.loads(urllib.request.urlopen(served + "/info", timeout=30).read())
    assert fusions == info["fusion_methods"] and "learned" not in fusions and "adaptive" in fusions
    page.goto(served + "/#?q=glaciers&mode=lexical&filter=year%3E%3Dabc")  # refused: no such field
    page.wait_for_selector("#error:not([hidden])")
    page.wait_for_function("document.querySelectorAll('li.hit').length === 0")
    assert page.locator("li.hit").count() == 0
