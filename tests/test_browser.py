"""The page in a real browser: Playwright drives Debian's Chromium (browser downloads do not work here).

Covers what a reader does: an answer opens at a glance at its top, with markers that reach their extracts (by
mouse and by keyboard); "Show in context" opens an extract's passage with the extract highlighted; an answer is
copied as Markdown; the chat is exported as Markdown and as JSON and read back; axe-core finds no serious or
critical accessibility violation; a 390 px wide screen stacks the compare table; votes, follow-ups, and HTML
typed as a question. Screenshots go to $DI_SCREENSHOTS (set it to docs/ to refresh the README's pictures) or else
to a temporary folder. Skipped, with the reason, when Chromium or Playwright is missing; the axe-core check also
when `npm install` has not been run (`make test` runs it).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import pytest
from test_ui_support import real_assistant, serving

from assistant.compose import glance_words

ROOT = Path(__file__).resolve().parent.parent
DOCS = Path(os.environ.get("DI_SCREENSHOTS") or tempfile.mkdtemp(prefix="di-screenshots-"))
CHROMIUM = os.environ.get("DI_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
XSS = "<img src=x onerror=window.__xss=1> **not bold**"
ANSWER_TIMEOUT_MS = 60_000
CITATION = re.compile(r"(.+ NHS (Foundation )?Trust|Report-level) · .+ · pp?\. \d+")

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
def open_page(browser, url):
    """A function opening the page in a fresh browser context (width, clipboard permission); errors fail the test."""
    contexts, errors = [], []

    def opener(width: int = 1360, height: int = 1000, clipboard: bool = False):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            permissions=["clipboard-read", "clipboard-write"] if clipboard else [],
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        page.wait_for_selector("#di-question textarea")
        return page

    yield opener
    for context in contexts:
        context.close()
    assert not errors, errors


@pytest.fixture
def page(open_page):
    return open_page()


def ask(page, question: str) -> None:
    answers = page.locator("#di-chat .di-answer").count()
    page.fill("#di-question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"document.querySelectorAll('#di-chat .di-answer').length > {answers}", timeout=ANSWER_TIMEOUT_MS
    )
    page.wait_for_timeout(300)  # the after-answer steps (scroll to top, focus, take-away buttons) run next


def in_view(page, selector_or_locator) -> bool:
    """Whether the element's top is visible both in the window and in the chat's scrolling box."""
    loc = page.locator(selector_or_locator) if isinstance(selector_or_locator, str) else selector_or_locator
    return loc.evaluate(
        """e => {
          const r = e.getBoundingClientRect();
          const box = e.closest('.bubble-wrap');
          const b = box ? box.getBoundingClientRect() : {top: 0, bottom: innerHeight};
          return r.top >= Math.max(0, b.top) - 2 && r.top < Math.min(innerHeight, b.bottom) - 10;
        }"""
    )


def test_an_answer_opens_at_a_glance_at_its_top_and_markers_reach_their_extracts(page):
    DOCS.mkdir(exist_ok=True)
    ask(page, "How did trusts involve patients?")
    answer = page.locator("#di-chat .di-answer").last
    items = answer.locator(".di-glance li")
    assert items.count() >= 3
    assert all(re.search(r"\[\d+\]", t) for t in items.all_inner_texts())
    cites = answer.locator(".di-cite").all_inner_texts()
    assert sum(bool(CITATION.match(c)) for c in cites) >= 3
    # the view shows the answer's top, not its end, and keyboard focus is on the new answer
    assert in_view(page, answer.locator(".di-glance"))
    assert page.evaluate("document.activeElement.closest('.di-answer') !== null")
    page.screenshot(path=str(DOCS / "screenshot-glance.png"))

    # a marker (mouse) scrolls to its extract, highlights it and moves focus there
    marker = items.last.locator("a.di-marker")
    target_id = marker.get_attribute("href").lstrip("#")
    marker.click()
    target = page.locator(f"#{target_id}")
    page.wait_for_function(f"document.getElementById('{target_id}').classList.contains('di-target')")
    assert in_view(page, target)
    assert page.evaluate("document.activeElement.id") == target_id
    n = int(re.search(r"\d+$", target_id).group())
    assert target.locator(".di-n").inner_text() == f"[{n}]"
    line = glance_words(items.last.inner_text().split(" — ")[0].split(": ", 1)[-1].rstrip(f" [{n}]"))
    assert line[:40] in target.inner_text()

    # a marker from the keyboard: Tab-reachable link, Enter follows it
    first = items.first.locator("a.di-marker")
    first_id = first.get_attribute("href").lstrip("#")
    first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.activeElement && document.activeElement.id === '{first_id}'")

    # show in context: the passage opens with the extract highlighted in it
    details = target.locator("details.di-context")
    assert details.get_attribute("open") is None
    summary = details.locator("summary")
    assert re.match(r"Show in context \(pages? \d+", summary.inner_text())
    summary.click()
    passage = details.locator(".di-passage")
    passage.wait_for(state="visible")
    assert passage.locator("mark.di-mark").count() >= 1
    assert passage.locator("mark.di-mark").first.inner_text()[:30] in target.locator("blockquote").inner_text()
    summary.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(DOCS / "screenshot-context.png"))
    # ... and from the keyboard, on another extract
    other = answer.locator(f".di-extract:not(#{target_id}) details.di-context").first
    other.locator("summary").focus()
    page.keyboard.press("Enter")
    other.locator(".di-passage").wait_for(state="visible")


def test_compare_has_a_row_per_trust(page):
    ask(page, "How did trusts involve patients?")
    page.get_by_role("button", name="Compare trusts").click()
    table = page.locator("#di-compare-panel table.di-compare-table")
    table.wait_for(state="visible", timeout=ANSWER_TIMEOUT_MS)
    rows = table.locator("tbody tr")
    assert rows.count() == len(real_assistant().trusts)
    assert "How did trusts involve patients?" in page.locator(".di-compare-q").inner_text()
    assert rows.locator(".di-cite").count() + rows.locator(".di-none").count() == len(real_assistant().trusts)
    page.locator("#di-compare-panel").screenshot(path=str(DOCS / "screenshot-compare.png"))
    # a question typed but not sent is the one compared, not the last one answered
    page.fill("#di-question textarea", "How did trusts reduce restraint?")
    page.get_by_role("button", name="Compare trusts").click()
    page.wait_for_function("document.querySelector('.di-compare-q').innerText.includes('reduce restraint')",
                           timeout=ANSWER_TIMEOUT_MS)


def test_copy_an_answer_as_markdown_and_export_the_chat(open_page):
    page = open_page(clipboard=True)
    ask(page, "How did Oxleas respond to the inspection report?")
    ask(page, "And what about Lincolnshire?")
    page.get_by_role("button", name="Copy answer (Markdown)").click()
    page.get_by_role("button", name="Copied").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Q: And what about Lincolnshire?\n\n- ")
    assert re.search(r"^- .+ \[1\]$", copied, flags=re.M) and re.search(r"^\[1\] Lincolnshire .+ · p", copied, re.M)
    assert "\n> " in copied and "<div" not in copied and "class=" not in copied

    title = real_assistant().title
    page.wait_for_function("!document.querySelector('#di-export-json').disabled")
    with page.expect_download() as md_download:
        page.locator("#di-export-md").click()
    md = Path(md_download.value.path()).read_text(encoding="utf-8")
    assert md_download.value.suggested_filename.endswith(".md")
    assert title in md and "## 1. How did Oxleas respond to the inspection report?" in md
    assert "## 2. And what about Lincolnshire?" in md
    assert re.search(r"^\[1\] Oxleas NHS Foundation Trust · .+ · pp?\. \d+", md, flags=re.M)

    with page.expect_download() as js_download:
        page.locator("#di-export-json").click()
    data = json.loads(Path(js_download.value.path()).read_text(encoding="utf-8"))
    assert data["report"] == title and data["exported_at"]
    first, second = data["exchanges"]
    assert first["question"] == "How did Oxleas respond to the inspection report?" and first["asked_at"]
    assert second["reading"]["kind"] == "switch" and "Lincolnshire" in second["read_as"]
    for exchange in (first, second):
        assert exchange["extracts"] and all(isinstance(e["page"], int) and e["citation"] for e in exchange["extracts"])
        for g in exchange["glance"]:
            assert glance_words(g["text"]) in exchange["extracts"][g["n"] - 1]["text"]


def test_no_serious_or_critical_accessibility_violations(page):
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (npm install)")
    ask(page, "How did trusts involve patients?")
    page.locator("#di-chat details.di-context summary").first.click()
    page.get_by_role("button", name="Compare trusts").click()
    page.locator("#di-compare-panel table").wait_for(state="visible", timeout=ANSWER_TIMEOUT_MS)
    # messages are labelled in plain text, and markers are named links
    labels = page.evaluate(
        "[...document.querySelectorAll('#di-chat [aria-label]')].map(e => e.getAttribute('aria-label'))"
    )
    assert any(label.startswith("Answer: At a glance") for label in labels), labels
    assert not [label for label in labels if "<" in label or "&#" in label]
    snapshot = page.locator("#di-chat").aria_snapshot()
    assert re.search(r'link "\[1\] go to extract 1"', snapshot), snapshot[:2000]
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => (await axe.run(document)).violations.map(v => ({
             id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))"""
    )
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, json.dumps(bad, indent=1)


def test_a_390px_screen_stacks_the_compare_table_and_scrolls_nowhere_sideways(open_page):
    page = open_page(width=390, height=844)
    ask(page, "How did trusts involve patients?")
    assert page.locator("#di-chat .di-answer .di-glance li").count() >= 3
    page.get_by_role("button", name="Compare trusts").click()
    table = page.locator("#di-compare-panel table.di-compare-table")
    table.wait_for(state="visible", timeout=ANSWER_TIMEOUT_MS)
    row = table.locator("tbody tr").first
    trust_cell, extract_cell = row.locator("th, td").nth(0), row.locator("th, td").nth(1)
    a, b = trust_cell.bounding_box(), extract_cell.bounding_box()
    assert b["y"] >= a["y"] + a["height"] - 1  # stacked: the extract sits below its trust, not beside it
    assert b["width"] >= 0.6 * 390  # and takes the width of the screen (less the page margins)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    page.locator("#di-compare-panel").screenshot(path=str(DOCS / "screenshot-narrow.png"))


def test_example_questions_a_follow_up_and_a_changed_vote(page, feedback_path):
    page.get_by_role("button", name="How did Oxleas respond to the inspection report?").click()
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
    assert vote["history"] == ["How did Oxleas respond to the inspection report?"] and vote["chunk_ids"]
    lines_before = len(feedback_path.read_text(encoding="utf-8").splitlines())
    page.locator("#di-chat button[aria-label='Dislike']").last.click()
    page.wait_for_timeout(1000)  # the vote is written by the server; nothing on the page says so for a change
    votes = [json.loads(line) for line in feedback_path.read_text(encoding="utf-8").splitlines()]
    assert len(votes) == lines_before  # the changed vote replaced its line
    mine = [v for v in votes if v["answer_id"] == vote["answer_id"]]
    assert [v["vote"] for v in mine] == ["down"]
    page.get_by_role("button", name="New chat").click()
    page.wait_for_function("document.querySelectorAll('#di-chat .di-answer').length === 0")
    page.wait_for_function("document.querySelector('#di-export-md').disabled")  # nothing left to export


def test_an_empty_question_adds_nothing(page):
    page.fill("#di-question textarea", "   ")
    page.keyboard.press("Enter")
    page.wait_for_timeout(800)
    assert page.locator("#di-chat .di-answer, #di-chat .di-notice, #di-chat .di-user").count() == 0


def test_html_typed_as_a_question_is_shown_as_text_and_runs_nothing(page):
    ask(page, XSS)
    page.wait_for_timeout(500)  # give an injected onerror handler time to fire, if there were one
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#di-chat img[src='x']").count() == 0
    assert page.locator("#di-chat").get_by_text(XSS, exact=True).first.is_visible()
    assert page.locator("#di-chat strong", has_text="not bold").count() == 0


@pytest.fixture(scope="module")
def corpus_url(tmp_path_factory, source_path):
    """The page over a corpus (this report and a generated GP-practices PDF; the fake embedder: no model)."""
    import shutil

    from pdfgen import practices_pdf

    import ui
    from assistant import Assistant
    from index import FakeEmbedder, IndexConfig, load_or_build

    root = tmp_path_factory.mktemp("corpus")
    folder = root / "reports"
    folder.mkdir()
    shutil.copy(source_path, folder / "driving-improvement.txt")
    practices_pdf(folder / "practices.pdf")
    index = load_or_build(IndexConfig(source=folder, out_dir=root / "index", model="fake"), embedder=FakeEmbedder())
    with serving(ui.build_app(Assistant(index), feedback_path=root / "feedback.jsonl")) as served:
        yield served


def test_a_corpus_page_names_the_report_of_every_citation(browser, corpus_url):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    try:
        page = context.new_page()
        page.goto(corpus_url)
        page.wait_for_selector("#di-question textarea")
        # the filter shows for a corpus; Gradio renders labels after the textarea, so wait for it rather than look once
        expect(page.get_by_text("Reports", exact=True).first).to_be_visible()
        assert "2 reports: " in page.locator("#di-intro").inner_text()
        ask(page, "What did patients tell Riverside Medical Practice?")
        answer = page.locator("#di-chat .di-answer").last
        cites = answer.locator(".di-cite").all_inner_texts()
        assert cites and all(c.startswith(("Improving care in general practice", "Driving improvement")) for c in cites)
        assert any(c.startswith("Improving care in general practice – what changed · Riverside") for c in cites)
        answer.locator(".di-context summary").first.click()
        assert "Improving care in general practice" in answer.locator(".di-context summary").first.inner_text()
        page.screenshot(path=str(DOCS / "screenshot-corpus.png"))
    finally:
        context.close()
