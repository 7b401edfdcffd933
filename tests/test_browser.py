"""The page in a real browser: Playwright drives Debian's Chromium (browser downloads do not work here).

Asks a question, checks a citation is on screen, opens the sources, compares trusts, follows up, and checks that
an HTML payload typed as a question is shown as text and runs nothing. Screenshots go to $DI_SCREENSHOTS (set it
to docs/ to refresh the README's pictures) or else to a temporary folder. Skipped, with the reason, when Chromium
or Playwright is missing.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import pytest
from test_ui_support import real_assistant, serving

ROOT = Path(__file__).resolve().parent.parent
DOCS = Path(os.environ.get("DI_SCREENSHOTS") or tempfile.mkdtemp(prefix="di-screenshots-"))
CHROMIUM = os.environ.get("DI_CHROMIUM", "/usr/bin/chromium")
XSS = "<img src=x onerror=window.__xss=1> **not bold**"
ANSWER_TIMEOUT_MS = 60_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.model,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),  # gradio 6.31 vs pandas 3
]


@pytest.fixture(scope="module")
def feedback_path(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("feedback") / "feedback.jsonl"


@pytest.fixture(scope="module")
def url(feedback_path):
    import ui

    with serving(ui.build_app(real_assistant(), feedback_path=feedback_path)) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, url):
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector("#di-question textarea")
    yield page
    context.close()
    assert not errors, errors


def ask(page, question: str) -> None:
    answers = page.locator("#di-chat .di-answer").count()
    page.fill("#di-question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"document.querySelectorAll('#di-chat .di-answer').length > {answers}", timeout=ANSWER_TIMEOUT_MS
    )


def test_ask_cite_sources_and_compare(page):
    DOCS.mkdir(exist_ok=True)
    ask(page, "How did trusts involve patients?")
    cite = page.locator("#di-chat .di-cite").first
    cite.wait_for(state="visible")
    assert re.match(r"(.+ NHS (Foundation )?Trust|Report-level) · .+ · pp?\. \d+", cite.inner_text())
    cites = page.locator("#di-chat .di-cite").all_inner_texts()
    assert sum(bool(re.match(r".+ NHS (Foundation )?Trust · .+ · pp?\. \d+", c)) for c in cites) >= 3
    assert page.locator("#di-chat blockquote.di-quote").count() >= 3
    assert page.locator("#di-chat h4.di-trust").count() >= 3  # grouped by trust
    page.locator("#di-chat .di-user").last.evaluate(
        "e => { e.scrollIntoView({block: 'start'}); e.closest('.bubble-wrap')?.scrollBy(0, -60); }"
    )
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(DOCS / "screenshot-chat.png"))

    page.locator("#di-chat .di-sources summary").last.click()
    source = page.locator("#di-chat .di-source").first
    page.locator("#di-chat .di-sources summary").last.evaluate("e => e.scrollIntoView({block: 'start'})")
    assert source.locator("mark.di-mark").count() >= 1  # the extract is highlighted in its passage
    page.locator("#di-chat").screenshot(path=str(DOCS / "screenshot-sources.png"))

    page.get_by_role("button", name="Compare trusts").click()
    table = page.locator("#di-compare-panel table.di-compare-table")
    table.wait_for(state="visible", timeout=ANSWER_TIMEOUT_MS)
    rows = table.locator("tbody tr")
    assert rows.count() == len(real_assistant().trusts)
    assert "How did trusts involve patients?" in page.locator(".di-compare-q").inner_text()
    assert rows.locator(".di-cite").count() + rows.locator(".di-none").count() == len(real_assistant().trusts)
    page.locator("#di-compare-panel").screenshot(path=str(DOCS / "screenshot-compare.png"))


def test_example_questions_a_follow_up_and_a_thumbs_up(page, feedback_path):
    page.get_by_role("button", name="How did Oxleas fix bed occupancy?").click()
    page.wait_for_selector("#di-chat .di-cite", timeout=ANSWER_TIMEOUT_MS)
    assert "Oxleas NHS Foundation Trust ·" in page.locator("#di-chat .di-answer").last.inner_text()
    page.get_by_role("button", name="And what about Lincolnshire?").click()
    page.wait_for_function("document.querySelectorAll('#di-chat .di-answer').length >= 2", timeout=ANSWER_TIMEOUT_MS)
    last = page.locator("#di-chat .di-answer").last.inner_text()
    assert "Lincolnshire Partnership NHS Foundation Trust ·" in last and "Oxleas NHS Foundation Trust ·" not in last
    page.locator("#di-chat button[aria-label='Like']").last.click()
    page.get_by_text("your feedback was saved").first.wait_for(state="visible")
    vote = json.loads(feedback_path.read_text(encoding="utf-8").splitlines()[-1])
    assert vote["vote"] == "up" and vote["question"] == "And what about Lincolnshire?"
    assert vote["history"] == ["How did Oxleas fix bed occupancy?"] and vote["chunk_ids"]
    page.get_by_role("button", name="New chat").click()
    page.wait_for_function("document.querySelectorAll('#di-chat .di-answer').length === 0")


def test_html_typed_as_a_question_is_shown_as_text_and_runs_nothing(page):
    ask(page, XSS)
    page.wait_for_timeout(500)  # give an injected onerror handler time to fire, if there were one
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#di-chat img[src='x']").count() == 0
    assert page.locator("#di-chat").get_by_text(XSS, exact=True).first.is_visible()
    assert page.locator("#di-chat strong", has_text="not bold").count() == 0
