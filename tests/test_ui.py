"""The chat UI: rendering is inert text, sessions are values, votes are appended, and the served endpoints answer.

Rendering, session and feedback tests run in milliseconds. The endpoint tests start the app in-process on a free
port and call it with gradio_client: once around a fake assistant (plumbing, escaping, per-session state) and
once around the real one (`@pytest.mark.model`; one Assistant per test session).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_ui_support import (
    LINCOLNSHIRE,
    OXLEAS,
    PAYLOAD,
    FakeAssistant,
    fake_answer,
    fake_extract,
    real_assistant,
    serving,
)

from assistant.records import Comparison, Filters, GlanceLine, Reading
from errors import IndexFault, ValidationError
from ingest.records import Speaker
from ui_parts.chat import Session, api_answer, make_filters, respond, theme_choices, vote
from ui_parts.feedback import FeedbackLog, default_path, save_vote
from ui_parts.render import answer_html, compare_html, esc, highlight, notice_html, user_html

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing")  # gradio 6.31 vs pandas 3
# the only tags the renderer writes; anything else in its output came from the text
OUR_TAGS = {"div", "section", "h2", "blockquote", "p", "q", "span", "strong", "em", "br"}
OUR_TAGS |= {"details", "summary", "mark", "table", "thead", "tbody", "tr", "th", "td", "a", "ul", "li"}


class Tags(HTMLParser):
    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.text: list[str] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)

    def handle_data(self, data):
        self.text.append(data)


def assert_inert(markup: str) -> Tags:
    parsed = Tags(markup)
    assert parsed.tags <= OUR_TAGS, parsed.tags - OUR_TAGS
    assert parsed.attrs <= {"class", "scope", "id", "href", "tabindex"}, parsed.attrs
    assert all(re.fullmatch(r"#di-a?[0-9c]+-x\d+|#di-a?c-x\d+", h) for h in re.findall(r'href="([^"]*)"', markup))
    # no Markdown or LaTeX syntax survives as characters a Markdown parser would act on
    raw_text = re.sub(r"<[^>]+>", "", markup)
    assert not set(raw_text) & set("*_`[]$<>"), raw_text
    return parsed


# -- rendering ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["<img src=x onerror=alert(1)>", "**bold**", PAYLOAD, "a\nb & c 'q' \"dq\""])
def test_esc_leaves_no_markup_and_keeps_the_text(text):
    out = esc(text)
    assert "<img" not in out and "**" not in out
    assert_inert(out)
    assert html.unescape(out.replace("<br>", "\n")) == text


@given(st.text())
def test_esc_round_trips_any_text(text):
    text = text.replace("\r", "")
    out = esc(text)
    assert "<" not in out.replace("<br>", "") and ">" not in out.replace("<br>", "")
    assert html.unescape(out.replace("<br>", "\n")) == text


def test_answer_escapes_extract_context_citation_and_speaker():
    speaker = Speaker(name="<script>x()</script>Ann", role="**Chair**", trust=OXLEAS)
    e = fake_extract("<img src=x onerror=alert(1)> **bold**", speaker=speaker, title="[t](javascript:x)")
    out = answer_html(fake_answer("Who said it?", (e,)))
    parsed = assert_inert(out)
    text = "".join(parsed.text)
    assert "<img src=x onerror=alert(1)> **bold**" in text  # shown literally, as text
    assert "<script>x()</script>Ann, **Chair**" in text
    assert "<img" not in out and "<script" not in out and "**bold**" not in out
    assert "&#60;img src&#61;x onerror&#61;alert&#40;1&#41;&#62; &#42;&#42;bold&#42;&#42;" in out


def test_answer_groups_by_trust_with_citations_and_coverage():
    a = fake_extract("Beds were bought.", OXLEAS, page=14, page_end=14)
    b = fake_extract("Wards were rebuilt.", LINCOLNSHIRE, section="Leadership", page=20, page_end=21)
    answer = fake_answer(
        "How did trusts fix beds?", (a, b), trusts_without_material=("Somerset Partnership NHS Foundation Trust",)
    )
    out = answer_html(answer)
    text = html.unescape("".join(Tags(out).text))
    assert out.count('<h2 class="di-trust">') == 2
    assert out.count("<blockquote") == 2
    assert "Oxleas NHS Foundation Trust · Governance · p. 14" in text
    assert "Lincolnshire Partnership NHS Foundation Trust · Leadership · pp. 20–21" in text
    assert "Trusts covered: Oxleas, Lincolnshire Partnership." in text
    assert "Nothing relevant found for: Somerset Partnership." in text
    assert out.count("<details") == 2 and text.count("Show in context (page") == 2  # one passage per extract


def test_abstained_answer_says_so_and_marks_the_closest_material():
    out = answer_html(fake_answer("What is the capital of France?", (fake_extract("Beds."),), abstained=True))
    text = "".join(Tags(out).text)
    assert "The report does not seem to answer this." in text
    assert "closest material, not an answer" in text
    assert "di-closest" in out
    empty = "".join(Tags(answer_html(fake_answer("Huh?", (), abstained=True))).text)
    assert "does not seem to answer this" in empty and "Nothing in it comes close" in empty


def test_an_answer_opens_at_a_glance_with_markers_that_point_at_their_extracts():
    e1 = fake_extract("“Hard to reach is banned.” He said more.", speaker=Speaker("Rob Webster", "Chief Executive",
                                                                              LINCOLNSHIRE), highlights=((0, 26),))
    e2 = fake_extract("Beds were bought.", OXLEAS)
    glance = (GlanceLine(1, None, "“Hard to reach is banned.”", "Rob Webster, Chief Executive"),
              GlanceLine(2, None, "Beds were bought.", None))
    out = answer_html(fake_answer("Who said 'hard to reach' was banned?", (e1, e2), glance=glance), turn=7)
    assert_inert(out)
    text = html.unescape("".join(Tags(out).text))
    assert text.startswith("At a glance“Hard to reach is banned.” — Rob Webster, Chief Executive [1]")
    for n in (1, 2):
        assert out.count(f'href="#di-a7-x{n}"') == 1 and out.count(f'id="di-a7-x{n}"') == 1
    assert '<mark class="di-hl">&#8220;Hard to reach is banned&#46;&#8221;</mark>' in out.replace("“", "&#8220;")\
        .replace("”", "&#8221;") or '<mark class="di-hl">' in out


def test_a_lead_saying_who_is_quoted_is_shown_above_the_extracts_as_a_list():
    e1 = fake_extract("“Hard to reach is banned.”", speaker=Speaker("Rob Webster", "Chief Executive", LINCOLNSHIRE))
    lead = "Quoted in the last answer:\n- **Rob Webster**, Chief Executive (Lincs) [1]\n- **<b>Ann</b>** [2]"
    out = answer_html(fake_answer("who said that?", (e1,), lead=lead), turn=3)
    assert_inert(out)
    assert "<li><strong>Rob Webster</strong>, Chief Executive" in out and out.count("<li>") == 2
    assert out.index("Quoted in the last answer") < out.index("Hard to reach")
    assert "<b>" not in out  # the lead's text is escaped like everything else


def test_sources_highlight_each_piece_of_the_extract_in_its_chunk():
    context = "First <b>one</b>. Second two.\nThird three. Fourth four."
    out = highlight(context, "First <b>one</b>. … Third three.")
    assert re.findall(r'<mark class="di-mark">(.*?)</mark>', out) == [esc("First <b>one</b>."), esc("Third three.")]
    assert html.unescape(re.sub(r"</?mark[^>]*>", "", out).replace("<br>", "\n")) == context
    assert "<mark" not in highlight("Nothing matches.", "Not there.")


def test_compare_table_has_a_row_per_trust_and_says_nothing_relevant():
    rows = ((OXLEAS, fake_extract("Beds **were** bought.")), (LINCOLNSHIRE, None))
    out = compare_html(Comparison("How did <they> fix beds?", "How did <they> fix beds?", Reading("new", "x"), rows))
    parsed = assert_inert(out)
    text = "".join(parsed.text)
    assert out.count("<tr>") == 3  # header + 2
    assert "Nothing relevant in the report for this trust." in text
    assert "Beds **were** bought." in text and "How did <they> fix beds?" in text
    assert "1 of 2 trusts" in text


def test_user_and_notice_messages_are_text_and_long_ones_shortened():
    assert_inert(user_html(PAYLOAD))
    assert_inert(notice_html(PAYLOAD))
    long = user_html("x" * 100_000)
    assert len(long) < 2000 and "100,000 characters" in long


# -- sessions, controls, feedback (fake assistant) ------------------------------------------------------------------
def test_respond_keeps_the_conversation_in_a_new_session_value():
    asst = FakeAssistant()
    empty = Session()
    one = respond(asst, empty, "How did Oxleas fix bed occupancy?", Filters())
    two = respond(asst, one, "And what about Lincolnshire?", Filters())
    assert empty.exchanges == () and len(one.exchanges) == 1 and len(two.exchanges) == 2
    assert [t.question for t in two.conversation.turns] == [
        "How did Oxleas fix bed occupancy?",
        "And what about Lincolnshire?",
    ]
    assert two.exchanges[1].history == ("How did Oxleas fix bed occupancy?",)
    assert asst.calls[1][1] is one.conversation  # the follow-up was asked with the earlier conversation
    assert [m["role"] for m in two.messages()] == ["user", "assistant", "user", "assistant"]
    assert two.last_query() == "And what about Lincolnshire?"


def test_exports_name_the_report_replace_the_chats_last_and_sweep_idle_chats(tmp_path):
    import os
    import time

    from ui_parts.exports import ExportFolder

    asst = FakeAssistant()
    folder = ExportFolder(tmp_path, max_age_s=60)
    one = respond(asst, Session(), "How did Oxleas fix bed occupancy?", Filters())
    two = respond(asst, one, "And what about Lincolnshire?", Filters())
    md1, _ = folder.write(one, asst.title)
    md2, js2 = folder.write(two, asst.title)
    assert not Path(md1).exists() or md1 == md2  # the chat's earlier export is replaced, not kept
    assert len(list((tmp_path / two.key).iterdir())) == 2
    data = json.loads(Path(js2).read_text(encoding="utf-8"))
    assert data["report"] == asst.title and [x["question"] for x in data["exchanges"]] == [
        "How did Oxleas fix bed occupancy?", "And what about Lincolnshire?"]
    assert all(x["asked_at"] for x in data["exchanges"])
    text = Path(md2).read_text(encoding="utf-8")
    assert asst.title in text and "class=\"di-" not in text  # Markdown, never the page's HTML
    other = respond(asst, Session(), "beds", Filters())
    old = time.time() - 120
    os.utime(tmp_path / two.key, (old, old))
    folder.write(other, asst.title)
    assert not (tmp_path / two.key).exists() and (tmp_path / other.key).exists()  # the idle chat's files went


def test_over_long_message_is_refused_before_the_assistant_sees_it():
    asst = FakeAssistant()
    s = respond(asst, Session(), "x" * 100_000, Filters())
    assert asst.calls == []
    assert s.exchanges[0].answer is None and s.conversation.turns == ()
    assert "100,000 characters" in s.exchanges[0].reply and "2,000" in s.exchanges[0].reply


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (ValidationError("Please type a question."), "Please type a question."),
        (IndexFault("index is damaged"), "could not answer: index is damaged"),
        (RuntimeError("boom"), "something went wrong"),
    ],
)
def test_assistant_errors_become_replies(error, shown):
    s = respond(FakeAssistant(fail=error), Session(), "Anything?", Filters())
    assert shown in "".join(Tags(s.exchanges[0].reply).text)
    assert "boom" not in s.exchanges[0].reply and "Traceback" not in s.exchanges[0].reply


def test_controls_map_to_filters():
    choices = theme_choices(FakeAssistant.sections, FakeAssistant.themes)
    assert choices["Reaction to the initial inspection report"] == (
        "Reaction to the initial inspection report",
        "Reaction to the inspection report",
    )
    assert list(choices)[-1] == "Our purpose"  # the report's themes first, other sections after
    f = make_filters([OXLEAS], ["Reaction to the initial inspection report"], True, True, choices)
    assert f == Filters(trusts=(OXLEAS,), sections=choices["Reaction to the initial inspection report"], kinds=())
    assert make_filters(None, None, False, True, choices).kinds == ("body", "quote", "bullets", "intro")
    assert make_filters([], [], False, False, choices).kinds == ("body", "bullets", "intro")


def test_votes_are_json_lines_and_a_changed_vote_replaces_its_line(tmp_path):
    path = tmp_path / "new" / "folder" / "feedback.jsonl"
    log = FeedbackLog(path)
    s = respond(FakeAssistant(), Session(), "How did Oxleas fix bed occupancy?", Filters())
    s = respond(FakeAssistant(), s, "And what about Lincolnshire?", Filters())
    s, level, _ = save_vote(log, s, 3, True)
    s, level2, _ = save_vote(log, s, 1, False)
    assert level == level2 == "info"
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [row["vote"] for row in lines] == ["up", "down"]
    assert lines[0]["question"] == "And what about Lincolnshire?"
    assert lines[0]["history"] == ["How did Oxleas fix bed occupancy?"]
    assert lines[0]["chunk_ids"] == ["p13-fake"] and lines[0]["answer"].startswith("> Turn")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", lines[0]["time"])
    assert s.feedback_value() == ["Dislike", "Like"]
    s, _, _ = save_vote(log, s, 1, True)  # the first answer's thumb changes from down to up
    again = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(again) == 2 and [row["vote"] for row in again] == ["up", "up"]
    assert again[1]["question"] == "How did Oxleas fix bed occupancy?"
    assert again[1]["answer_id"] == lines[1]["answer_id"]
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_vote_on_a_refusal_or_a_user_message_writes_nothing(tmp_path):
    log = FeedbackLog(tmp_path / "f.jsonl")
    s = respond(FakeAssistant(), Session(), "x" * 3000, Filters())
    assert save_vote(log, s, 1, True)[1:] == ("info", "Feedback is recorded for answers only.")
    assert vote(s, 0, True)[1] is None and vote(s, 99, True)[1] is None
    assert not log.path.exists()


def test_a_feedback_write_error_is_a_notice_not_a_crash(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    s = respond(FakeAssistant(), Session(), "How did Oxleas fix bed occupancy?", Filters())
    s, level, text = save_vote(FeedbackLog(blocker / "feedback.jsonl"), s, 1, True)
    assert level == "warning" and "could not be saved" in text
    assert s.exchanges[0].vote == "up"  # the page still shows the thumb


def test_feedback_path_default_and_environment(monkeypatch):
    monkeypatch.delenv("DI_FEEDBACK", raising=False)
    assert default_path() == ROOT / "feedback" / "feedback.jsonl"
    monkeypatch.setenv("DI_FEEDBACK", "/tmp/elsewhere.jsonl")
    assert default_path() == Path("/tmp/elsewhere.jsonl")


def test_api_answer_refuses_without_raising():
    asst = FakeAssistant()
    assert api_answer(asst, "x" * 100_000, [], Filters())["error"].startswith("Your message is 100,000 characters")
    assert api_answer(asst, None, [], Filters())["error"] == "The question must be text."
    assert api_answer(FakeAssistant(fail=ValidationError("Unknown trust")), "q", [], Filters())["error"] == (
        "Unknown trust"
    )
    assert asst.calls == []


def test_help_is_fast_and_imports_nothing_heavy():
    code = (
        "import sys, ui; ui.parse_args(['--port', '1']); "
        "heavy = {'gradio', 'assistant', 'torch', 'sentence_transformers'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)
    out = subprocess.run([sys.executable, "ui.py", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "--share" in out.stdout and "--feedback" in out.stdout


# -- served app, fake assistant ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fake_url():
    import ui

    with serving(ui.build_app(FakeAssistant(), feedback_path="/nonexistent/feedback.jsonl")) as url:
        yield url


def client(url):
    from gradio_client import Client

    return Client(url, verbose=False)


def reply_text(messages) -> str:
    """The text of the last chatbot message as a person would read it."""
    content = messages[-1]["content"]
    markup = "".join(part["text"] for part in content) if isinstance(content, list) else content
    return "".join(Tags(markup).text)


def test_served_app_is_queued_and_names_its_endpoints(fake_url):
    c = client(fake_url)
    api = c.view_api(print_info=False, return_format="dict")
    assert {"/ask", "/compare", "/chat"} <= set(api["named_endpoints"])
    assert len(api["named_endpoints"]) == 3  # the page's internal events are private


def test_served_chat_state_is_per_session_and_text_is_escaped(fake_url):
    first, second = client(fake_url), client(fake_url)
    first.predict("How did Oxleas fix bed occupancy?", api_name="/chat")
    messages, box = first.predict("And what about Lincolnshire?", api_name="/chat")
    assert box == "" and len(messages) == 4
    assert f"Turn 2 for {LINCOLNSHIRE}: {PAYLOAD}" in reply_text(messages)
    markup = messages[-1]["content"][0]["text"]
    assert "<img" not in markup and "**bold**" not in markup
    other, _ = second.predict("And what about Lincolnshire?", api_name="/chat")
    assert len(other) == 2 and "Turn 1 for" in reply_text(other)  # nothing leaked from the first client


def test_served_over_long_message_gets_a_clear_reply(fake_url):
    c = client(fake_url)
    messages, _ = c.predict("x" * 100_000, api_name="/chat")
    assert "100,000 characters long; please keep it under 2,000" in reply_text(messages)
    result = c.predict("x" * 100_000, [], api_name="/ask")
    assert result["error"] == result["answer"] == "Your message is 100,000 characters long; please keep it under 2,000."
    assert result["extracts"] == []


def test_served_ask_is_stateless_and_takes_history(fake_url):
    c = client(fake_url)
    result = c.predict("And what about Lincolnshire?", ["How did Oxleas fix bed occupancy?"], api_name="/ask")
    assert result["error"] is None and result["extracts"][0]["text"].startswith("Turn 2 for Lincolnshire")
    assert c.predict("Anything?", api_name="/ask")["extracts"][0]["text"].startswith("Turn 1")
    bad = c.predict("Anything?", [], "not a list", api_name="/ask")
    assert bad["error"] == "trusts must be a list of names."


# -- served app, real assistant ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_url(tmp_path_factory):
    import ui

    feedback = tmp_path_factory.mktemp("feedback") / "feedback.jsonl"
    with serving(ui.build_app(real_assistant(), feedback_path=feedback)) as url:
        yield url


@pytest.mark.model
def test_a_question_returns_cited_verbatim_extracts(real_url):
    result = client(real_url).predict("How did Oxleas fix bed occupancy?", [], api_name="/ask")
    assert result["error"] is None and not result["abstained"]
    assert result["trusts_covered"][0] == OXLEAS
    for e in result["extracts"]:
        assert e["citation"].startswith(e["trust"] or "Report-level") and re.search(r"· pp?\. \d+", e["citation"])
        assert all(piece in e["context"] for piece in e["text"].split(" … "))
    assert any("beds" in e["text"] for e in result["extracts"])


@pytest.mark.model
def test_a_follow_up_uses_the_history(real_url):
    c = client(real_url)
    result = c.predict("And what about Lincolnshire?", ["How did Oxleas fix bed occupancy?"], api_name="/ask")
    assert "Lincolnshire" in result["query"] and "bed" in result["query"]
    assert result["extracts"] and {e["trust"] for e in result["extracts"]} == {LINCOLNSHIRE}
    c.predict("How did Oxleas fix bed occupancy?", api_name="/chat")
    messages, _ = c.predict("And what about Lincolnshire?", api_name="/chat")
    assert "Lincolnshire Partnership NHS Foundation Trust ·" in reply_text(messages)
    assert "Oxleas NHS Foundation Trust ·" not in reply_text(messages)


@pytest.mark.model
def test_over_long_and_empty_questions_get_clear_messages(real_url):
    c = client(real_url)
    messages, _ = c.predict("y" * 100_000, api_name="/chat")
    assert "please keep it under 2,000" in reply_text(messages)
    assert c.predict("   ", [], api_name="/ask")["error"] == "Please type a question."


@pytest.mark.model
def test_compare_gives_one_row_per_trust(real_url):
    rows = client(real_url).predict("How did trusts involve patients?", [], api_name="/compare")
    assert [r["trust"] for r in rows] == list(real_assistant().trusts)
    for r in rows:
        assert r["extract"] is None or r["extract"]["trust"] == r["trust"]
    assert sum(r["extract"] is not None for r in rows) >= 5


@pytest.mark.model
def test_filters_restrict_trusts_and_kinds(real_url):
    c = client(real_url)
    somerset = "Somerset Partnership NHS Foundation Trust"
    result = c.predict("How did they involve patients?", [], ["Somerset"], [], ["body"], api_name="/ask")
    assert result["extracts"] and all(e["trust"] == somerset and e["kind"] == "body" for e in result["extracts"])
    messages, _ = c.predict("How did they involve patients?", [somerset], [], False, False, api_name="/chat")
    text = reply_text(messages)
    assert f"{somerset} ·" in text
    assert not [t for t in real_assistant().trusts if t != somerset and f"{t} ·" in text]
    unknown = c.predict("How?", [], ["Atlantis"], api_name="/ask")
    assert unknown["error"].startswith("Unknown trust 'Atlantis'")
