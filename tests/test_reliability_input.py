"""Bad input gets a clear sentence or a normal answer, never a traceback; extracts stay verbatim; the UI stays inert.

Named cases first (empty, 100,000 characters, NUL and control characters, lone surrogates, right-to-left and
zero-width characters, emoji, HTML and script, long or malformed history, unknown filters), then property tests
with Hypothesis (derandomized, so CI sees the same inputs every run) over `Assistant.ask`/`ask_history`, the batch
loop (`run_batch`), the UI's handlers called directly, and the served UI through gradio_client and raw HTTP.

Everything here uses the assistant over the real report with the fake embedder (`fake_assistant`): the real
chunks, BM25, validation and extract logic, no model. `pytest -s` prints how many inputs were tried.
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import without_markers
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.records import Answer, Conversation, Extract, Filters
from assistant.validate import KINDS
from errors import ValidationError
from ingest import ingest_file, normalise_ws
from ingest.facts import derive

ROOT = Path(__file__).resolve().parent.parent
REPORT = without_markers((ROOT / "data" / "driving-improvement-mental-health-trusts.txt").read_text(encoding="utf-8"))
OXLEAS = "Oxleas NHS Foundation Trust"
LINCS = "Lincolnshire Partnership NHS Foundation Trust"
BEDS = "how did oxleas fix bed occupancy?"

TRIED: Counter[str] = Counter()  # inputs tried, by what they went through
OUTCOMES: Counter[str] = Counter()  # "answered" / "refused" (ValidationError or an error reply)
# real questions from the gold set, to be decorated with nasty pieces so that answers (not only refusals) are checked
GOLD_FILE = ROOT / "eval" / "gold" / "dev.jsonl"
GOLD = [json.loads(line)["question"] for line in GOLD_FILE.read_text(encoding="utf-8").split("\n") if line.strip()]

from ui_parts.edge import EdgeLimits  # noqa: E402

TEST_LIMITS = EdgeLimits(rate=1000.0, burst=1000)  # tests ask far faster than a person: no rate limit here



def prop(max_examples: int) -> settings:
    """Hypothesis settings for CI: the same inputs every run, no per-example deadline."""
    return settings(derandomize=True, deadline=None, max_examples=max_examples,
                    suppress_health_check=[HealthCheck.too_slow])


# pieces that have broken text handling somewhere, mixed into generated questions
NASTY = [
    "", " ", "\t\n\r", "\x00", "\x01\x07\x1b[31m\x7f", "\x85", "\u2028", "\ud800", "\udfff", "\udbff\udc00",
    "\u202e", "\u200b\u200c\u200d", "\u2066\u2069", "\ufeff", "\u0301\u0301", "😀", "👩🏽‍⚕️", "🇬🇧",
    "مرحبا", "שלום", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg/onload=alert(1)>",
    "javascript:alert(1)", "**bold** _it_ `code`", "[x](javascript:alert(1))", "$x$ $$y$$", "{{7*7}}", "%s%n",
    "'; DROP TABLE", "../../etc/passwd", "&lt;script&gt;", "&#60;img&#62;", "\\", '"', "'",
    "oxleas", "lincs", "SWYPT", "beds", "how did trusts involve patients?", "who said that?",
    "and what about Lincolnshire?", "tell me more", "by how much?", "did it work?", "hard to reach",
]
LONE_SURROGATE = st.integers(0xD800, 0xDFFF).map(chr)
ANY_CHAR = st.characters(exclude_categories=())  # surrogates and unassigned code points too
QUESTIONS = st.one_of(
    st.tuples(st.sampled_from(NASTY), st.sampled_from(GOLD), st.sampled_from(NASTY), st.text(ANY_CHAR, max_size=5)).map(
        "".join
    ),
    st.lists(st.one_of(st.sampled_from(NASTY), st.text(ANY_CHAR, max_size=12), LONE_SURROGATE), max_size=10).map(
        "".join
    ),
    st.text(ANY_CHAR, max_size=60),
    # around and far over the 2,000-character cap
    st.tuples(st.sampled_from(["x", "beds ", "\x00", "😀", "<b>", " "]), st.integers(0, 2_600)).map(
        lambda t: t[0] * (t[1] // len(t[0]))
    ),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(ANY_CHAR, max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
HISTORIES = st.one_of(
    st.none(),
    st.lists(st.one_of(QUESTIONS, JSON_VALUES), max_size=3),
    JSON_VALUES,
    st.just(["beds"] * 21),  # one turn over the cap
)
_DOC = ingest_file(ROOT / "data" / "driving-improvement-mental-health-trusts.txt")
KNOWN_NAMES = [n for c in derive(_DOC.chunks, _DOC.trusts).cases for n in (c.name, *c.short_forms, *c.acronyms)]
TRUST_NAMES = st.one_of(st.sampled_from([*KNOWN_NAMES, "lincs", "Atlantis NHS Trust", "", "oxleas oxleas"]),
                        st.text(max_size=15))


@pytest.fixture(scope="module", autouse=True)
def report_inputs_tried() -> Iterator[None]:
    yield
    print(f"\ninputs tried (test_reliability_input): {sum(TRIED.values())} in all; "
          + ", ".join(f"{k} {v}" for k, v in sorted(TRIED.items()))
          + f"; outcomes: {OUTCOMES['answered']} answered, {OUTCOMES['refused']} refused with a message")


# -- checks -----------------------------------------------------------------------------------------------------
def check_refusal(e: ValidationError) -> None:
    """A refusal is one human sentence (or a few), not a repr or a traceback."""
    OUTCOMES["refused"] += 1
    message = str(e)
    assert message and message[0].isupper() and message.endswith("."), message
    assert "\n" not in message and "Traceback" not in message and "Error" not in message, message


def check_extracts(extracts: tuple[Extract, ...] | list[dict[str, Any]]) -> None:
    """Every " … "-separated piece of every extract is the report's words, and in the extract's own chunk."""
    for e in extracts:
        text, context = (e["text"], e["context"]) if isinstance(e, dict) else (e.text, e.context)
        for piece in text.split(" … "):
            words = normalise_ws(piece)
            assert words and words in REPORT, piece  # a list's items run on without their bullet markers
            assert words in normalise_ws(context), piece


def check_answer(answer: Answer) -> None:
    OUTCOMES["answered"] += 1
    assert isinstance(answer, Answer)
    check_extracts(answer.extracts)
    assert answer.extracts or answer.abstained or answer.text
    # what was understood is clean text: no control, invisible or unpaired characters survive validation
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]",
                         answer.question), repr(answer.question)


# the only tags and attributes ui_parts/render.py writes; anything else came from the text
OUR_TAGS = {"div", "section", "h2", "blockquote", "p", "span", "strong", "em", "br", "details", "summary", "mark",
            "table", "thead", "tbody", "tr", "th", "td", "q", "ul", "li", "a"}
OUR_ATTRS = {"class", "scope", "id", "tabindex", "href"}
# the only link the renderer writes: a marker [n] pointing at an extract on the same page
OUR_LINK = re.compile(r'<a class="di-marker" href="#di-a?(?:\d+|c)-x\d+">')
RAW_MARKUP = re.compile(r"<\s*/?\s*(?:script|img|svg|iframe|a)\b|\bon\w+\s*=|javascript:|\]\(", re.I)


class Markup(HTMLParser):
    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)


def check_html(markup: str) -> None:
    """UI output is inert: no tag, attribute, event handler or Markdown link that the renderer did not write."""
    assert isinstance(markup, str)
    assert not RAW_MARKUP.search(OUR_LINK.sub("", markup).replace("</a>", "")), RAW_MARKUP.search(markup)
    assert len(OUR_LINK.findall(markup)) == markup.count("<a ")  # every link is one of ours
    parsed = Markup(markup)
    assert parsed.tags <= OUR_TAGS, parsed.tags - OUR_TAGS
    assert parsed.attrs <= OUR_ATTRS, parsed.attrs - OUR_ATTRS


def message_markup(message: dict[str, Any]) -> str:
    content = message["content"]
    return "".join(part["text"] for part in content) if isinstance(content, list) else content


# -- named cases ------------------------------------------------------------------------------------------------
REFUSED = [
    ("", "Please type a question."),
    ("   \t\n  ", "Please type a question."),
    ("\x00" * 8, "Please type a question."),
    ("\u200b\u202e\ufeff", "Please type a question."),
    ("x" * 100_000, "The question is 100,000 characters long; please keep it under 2,000."),
    ("😀🙏🏽", "Please ask the question in words."),
    ("???!!!", "Please ask the question in words."),
    ("\ud800\udfff", "Please ask the question in words."),  # two lone surrogates, not a pair
]


@pytest.mark.parametrize(("question", "message"), REFUSED)
def test_unusable_questions_get_a_clear_sentence(fake_assistant, question, message):
    TRIED["named"] += 1
    with pytest.raises(ValidationError) as caught:
        fake_assistant.ask(question)
    assert str(caught.value) == message
    check_refusal(caught.value)


ANSWERED = [
    "how did oxleas\x00 fix bed\x07 occupancy?\x1b[0m",
    "\ud800how did oxleas fix bed occupancy?\udfff",
    "\u202ehow did oxleas\u200b fix bed\u2066 occupancy?\ufeff",
    "how did oxleas fix bed occupancy? 😀👩🏽‍⚕️",
    "<img src=x onerror=alert(1)> how did oxleas fix bed occupancy? <script>alert(1)</script>",
    "how did oxleas fix bed occupancy?" + "\u0301" * 500,
    "how did oxleas fix bed occupancy? " + "x" * 1_960,  # just under the cap
]


@pytest.mark.parametrize("question", ANSWERED)
def test_damaged_but_readable_questions_are_answered(fake_assistant, question):
    TRIED["named"] += 1
    answer, conversation = fake_assistant.ask(question)
    check_answer(answer)
    assert answer.reading.trusts == (OXLEAS,)  # read as the clean question: about Oxleas ...
    # ... answered from its pages, or from the report's own text where it names Oxleas
    assert answer.extracts and all(e.trust == OXLEAS or (e.trust is None and "Oxleas" in e.context)
                                   for e in answer.extracts)
    assert conversation.turns[-1].question == answer.question


FOREIGN_AND_HOSTILE = [
    "كيف قامت الثقة بإشراك المرضى؟",  # Arabic, right to left
    "איך הנאמנויות שיתפו מטופלים?",  # Hebrew
    "患者はどのように関与しましたか",
    "<script>alert(1)</script>",
    "'; DROP TABLE chunks; --",
    "{{7*7}} ${7*7} %s%n",
]


@pytest.mark.parametrize("question", FOREIGN_AND_HOSTILE)
def test_foreign_and_hostile_text_gets_a_normal_answer(fake_assistant, question):
    TRIED["named"] += 1
    answer, _ = fake_assistant.ask(question)
    check_answer(answer)


def test_right_to_left_and_zero_width_characters_do_not_hide_a_trust(fake_assistant):
    TRIED["named"] += 1
    plain, _ = fake_assistant.ask("what did lincs do about vacancies?")
    hidden, _ = fake_assistant.ask("what did \u2067lin\u200bcs\u2069 do about vacan\u200dcies?\u202c")
    assert hidden.extracts and hidden.extracts[0].trust == plain.extracts[0].trust == LINCS


@pytest.mark.parametrize(
    ("history", "message"),
    [
        (["beds"] * 21, "The history has 21 turns; at most 20 are used."),
        ("how did oxleas fix bed occupancy?", "The history must be a list of earlier questions."),
        (42, "The history must be a list of earlier questions."),
    ],
)
def test_unusable_history_gets_a_clear_sentence(fake_assistant, history, message):
    TRIED["named"] += 1
    with pytest.raises(ValidationError) as caught:
        fake_assistant.ask_history("and what about Lincolnshire?", history)
    assert str(caught.value) == message


def test_junk_in_history_is_skipped_and_the_follow_up_still_resolves(fake_assistant):
    TRIED["named"] += 1
    junk = [None, 3, {"a": 1}, ["nested", ["deeper"]], "", "\x00\u200b", "y" * 100_000, "😀", "\ud800"]
    answer = fake_assistant.ask_history("and what about Lincolnshire?", [*junk, BEDS, *junk])
    check_answer(answer)
    assert "bed" in answer.query and answer.extracts and {e.trust for e in answer.extracts} == {LINCS}


@pytest.mark.parametrize(
    ("filters", "starts"),
    [
        (Filters(trusts=("Atlantis NHS Trust",)), "Unknown trust 'Atlantis NHS Trust'. Known trusts: Oxleas"),
        (Filters(trusts=("",)), "Unknown trust ''."),
        (Filters(trusts=("oxleas and lincs",)), "Unknown trust 'oxleas and lincs'."),  # one filter, two trusts
        (Filters(sections=("<script>",)), "Unknown section '<script>'. Sections: "),
        (Filters(kinds=("video",)), "Unknown kind 'video'. Kinds: body, sidebar, quote, bullets, intro."),
    ],
)
def test_unknown_filters_are_refused_by_name(fake_assistant, filters, starts):
    TRIED["named"] += 1
    with pytest.raises(ValidationError) as caught:
        fake_assistant.ask(BEDS, None, filters)
    assert str(caught.value).startswith(starts)
    check_refusal(caught.value)


def test_trust_filter_by_short_name_keeps_to_that_trust(fake_assistant):
    TRIED["named"] += 1
    answer, _ = fake_assistant.ask(BEDS, None, Filters(trusts=("lincs",)))
    check_answer(answer)
    assert {e.trust for e in answer.extracts} <= {LINCS}


def test_cli_ask_with_an_unknown_trust_exits_2_with_one_line(tmp_path):
    TRIED["named"] += 1
    from index import IndexConfig, load_or_build

    load_or_build(IndexConfig(out_dir=tmp_path / "index", model="fake"))
    env = {**os.environ, "DI_MODEL": "fake", "DI_INDEX_DIR": str(tmp_path / "index")}
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", BEDS, "--trust", "Atlantis"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 2 and out.stdout == "" and "Traceback" not in out.stderr
    assert out.stderr.splitlines() == [out.stderr.strip()] and out.stderr.startswith("error: Unknown trust 'Atlantis'.")


# -- properties: the assistant ----------------------------------------------------------------------------------
FILTERS = st.builds(
    Filters,
    trusts=st.lists(TRUST_NAMES, max_size=2).map(tuple),
    sections=st.lists(st.sampled_from(["Governance", "Culture", "governance", "Nope", "<b>"]), max_size=1).map(tuple),
    kinds=st.lists(st.sampled_from([*KINDS, "video"]), max_size=2).map(tuple),
)


@prop(400)
@given(question=QUESTIONS, follow_up=st.booleans(), filters=st.one_of(st.none(), st.none(), FILTERS))
@example(question="x" * 100_000, follow_up=False, filters=None)
@example(question="\x00", follow_up=True, filters=None)
@example(question="and what about Lincolnshire?", follow_up=True, filters=Filters(trusts=("Atlantis",)))
def test_ask_answers_or_refuses_clearly(fake_assistant, question, follow_up, filters):
    TRIED["ask"] += 1
    conversation = fake_assistant.ask(BEDS)[1] if follow_up else Conversation()
    try:
        answer, after = fake_assistant.ask(question, conversation, filters)
    except ValidationError as e:
        check_refusal(e)
        return
    check_answer(answer)
    assert len(after.turns) == len(conversation.turns) + 1


@prop(150)
@given(question=QUESTIONS, history=HISTORIES)
def test_ask_history_answers_or_refuses_clearly(fake_assistant, question, history):
    TRIED["ask_history"] += 1
    try:
        answer = fake_assistant.ask_history(question, history)
    except ValidationError as e:
        check_refusal(e)
        return
    check_answer(answer)


# -- properties: batch ------------------------------------------------------------------------------------------
RECORDS = st.fixed_dictionaries(
    {},
    optional={"id": JSON_VALUES, "question": st.one_of(QUESTIONS, JSON_VALUES), "history": HISTORIES,
              "extra": JSON_VALUES},
)
RAW_LINES = st.text(ANY_CHAR, max_size=40).map(lambda s: s.replace("\n", " "))
BATCH_LINES = st.lists(st.one_of(RECORDS.map(json.dumps), JSON_VALUES.map(json.dumps), RAW_LINES), max_size=5)


@prop(100)
@given(lines=BATCH_LINES)
@example(lines=['{"id": "\\ud800", "question": "beds?"}', "[" * 5_000, '{"question": 1e999}', "\ufeff{}"])
def test_batch_writes_one_json_line_per_input_line(fake_assistant, lines):
    from assistant.__main__ import run_batch

    TRIED["batch lines"] += len(lines)
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", newline="\n", write_through=True)  # like stdout
    errors = run_batch(fake_assistant, lines, out)
    records = [json.loads(line) for line in raw.getvalue().decode("utf-8").split("\n")[:-1]]
    expected = lines  # blank lines too: each gets its error record
    assert len(records) == len(expected) and errors == sum("error" in r for r in records)
    for line, record in zip(expected, records, strict=True):
        assert "error" in record or "answer" in record
        OUTCOMES["refused" if "error" in record else "answered"] += 1
        if "error" in record:
            assert set(record) <= {"id", "line", "error"} and record["error"]
            continue
        obj = json.loads(line)
        assert record["id"] == obj.get("id")
        check_extracts(record["extracts"])


# -- properties: the UI's handlers, called directly ---------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(fake_assistant, tmp_path_factory):
    import ui

    return ui.build_app(fake_assistant, feedback_path=tmp_path_factory.mktemp("feedback") / "feedback.jsonl")


def handler(demo, name: str):
    """The Python function behind the page's event or endpoint `name` (its api_name, or its function's name)."""
    for fn in demo.fns.values():
        if fn.api_name == name or (fn.fn is not None and fn.fn.__name__ == name):
            return fn.fn
    raise LookupError(name)


THEME_LABELS = st.sampled_from(["Governance", "Culture", "Leadership", "Not a theme", "<img src=x onerror=alert(1)>"])


@prop(120)
@given(
    messages=st.lists(st.one_of(QUESTIONS, st.none(), st.integers()), min_size=1, max_size=3),
    trusts=st.lists(TRUST_NAMES, max_size=2),
    themes=st.lists(THEME_LABELS, max_size=1),
    sidebars=st.booleans(),
    quotes=st.booleans(),
)
@example(messages=["<script>alert(1)</script>", "x" * 100_000, "\ud800 who said that?"], trusts=[], themes=[],
         sidebars=True, quotes=True)
def test_ui_chat_handler_never_raises_and_renders_inert_html(demo, messages, trusts, themes, sidebars, quotes):
    from ui_parts.chat import Session

    chat = handler(demo, "chat")
    session = Session()
    n = 0
    for message in messages:
        TRIED["ui chat handler"] += 1
        shown, session, box = chat(message, session, trusts, themes, sidebars, quotes)
        n += not (isinstance(message, str) and not message.strip())  # an empty question adds nothing
        assert box == "" and len(shown) == 2 * n
        if not n:
            continue
        for m in shown:
            check_html(message_markup(m))
        answer = session.exchanges[-1].answer
        OUTCOMES["refused" if answer is None else "answered"] += 1
        if answer is not None:
            check_extracts(answer.extracts)


@prop(25)
@given(message=QUESTIONS, trusts=st.lists(TRUST_NAMES, max_size=1))
def test_ui_compare_handler_never_raises_and_renders_inert_html(demo, message, trusts):
    from ui_parts.chat import Session

    TRIED["ui compare handler"] += 1
    markup = handler(demo, "on_compare")(Session(), message, trusts, [], True, True)
    check_html(markup)


@prop(150)
@given(question=st.one_of(QUESTIONS, JSON_VALUES), history=HISTORIES,
       trusts=st.one_of(st.none(), st.lists(TRUST_NAMES, max_size=2), JSON_VALUES))
def test_ui_ask_endpoint_returns_a_record_never_an_exception(demo, question, history, trusts):
    TRIED["ui ask endpoint"] += 1
    record = handler(demo, "ask")(question, history, trusts)
    assert set(record) >= {"answer", "extracts", "error"}
    OUTCOMES["answered" if record["error"] is None else "refused"] += 1
    if record["error"] is not None:
        assert record["answer"] == record["error"] and record["extracts"] == []
        assert record["error"].endswith(".") and "Traceback" not in record["error"]
    else:
        check_extracts(record["extracts"])
    json.dumps(record)  # what gradio sends must be JSON


# -- the served UI ------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(app) -> Iterator[str]:
    import ui

    port = free_port()
    served = ui.launch(app, "127.0.0.1", port, quiet=True, limits=TEST_LIMITS)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        served.close()


@pytest.fixture(scope="module")
def served(demo) -> Iterator[str]:
    with serving(demo) as url:
        yield url


@pytest.fixture(scope="module")
def client(served):
    from gradio_client import Client

    return Client(served, verbose=False)


# gradio_client cannot send lone surrogates (it encodes its request as strict UTF-8): those go as raw HTTP below
CLIENT_QUESTIONS = QUESTIONS.map(lambda q: re.sub("[\ud800-\udfff]", "", q))


@prop(20)
@given(question=CLIENT_QUESTIONS, history=st.lists(CLIENT_QUESTIONS, max_size=2))
@example(question="x" * 100_000, history=[])
@example(question="<img src=x onerror=alert(1)> how did oxleas fix bed occupancy?", history=["<script>"] * 25)
def test_served_chat_and_ask_through_gradio_client(client, question, history):
    TRIED["served via gradio_client"] += 2
    client.reset_session()  # a new browser session: a new, empty conversation
    shown, box = client.predict(question, api_name="/chat")
    empty = isinstance(question, str) and not question.strip()  # an empty question adds nothing
    assert box == "" and len(shown) == (0 if empty else 2)
    for m in shown:
        check_html(message_markup(m))
    record = client.predict(question, history, api_name="/ask")
    OUTCOMES["answered" if record["error"] is None else "refused"] += 1
    if record["error"] is not None:
        assert record["extracts"] == [] and record["answer"] == record["error"]
    check_extracts(record["extracts"])


def call_raw(url: str, api: str, data: list[Any]) -> Any:
    """One call as a browser's JSON.stringify would send it (lone surrogates escaped as \\udXXX)."""
    import httpx

    started = httpx.post(f"{url}gradio_api/call/{api}", content=json.dumps({"data": data}),
                         headers={"content-type": "application/json"}, timeout=30)
    assert started.status_code == 200, started.text
    result = httpx.get(f"{url}gradio_api/call/{api}/{started.json()['event_id']}", timeout=60)
    events = re.findall(r"^event: (\w+)\ndata: (.*)$", result.text, re.M)
    assert events and events[-1][0] == "complete", result.text[:500]
    return json.loads(events[-1][1])


@pytest.mark.parametrize("question", ["\ud800", "\udfff how did oxleas fix bed occupancy?", "x" * 3000 + "\ud800"])
def test_served_api_takes_lone_surrogates(served, question):
    TRIED["served via raw HTTP"] += 2
    shown, *_, box = call_raw(served, "chat", [question, [], [], True, True])  # (messages, session: null, box)
    assert box == "" and len(shown) == 2
    for m in shown:
        check_html(message_markup(m))
    (record,) = call_raw(served, "ask", [question, ["\ud800 beds"], None, None, None])
    check_extracts(record["extracts"])
    assert record["error"] in (None, "Please ask the question in words.",
                               "Your message is 3,001 characters long; please keep it under 2,000.")


def call_queue(url: str, fn_index: int, data: list[Any]) -> dict[str, Any]:
    """One event through the queue, the way the page itself sends it; returns the completion message (or raises)."""
    import httpx

    session = uuid.uuid4().hex[:12]
    body = json.dumps({"data": data, "fn_index": fn_index, "session_hash": session})  # surrogates escaped
    joined = httpx.post(f"{url}gradio_api/queue/join", content=body, headers={"Content-Type": "application/json"},
                        timeout=30)
    assert joined.status_code == 200, joined.text
    buffer = ""
    with httpx.stream("GET", f"{url}gradio_api/queue/data", params={"session_hash": session}, timeout=60) as stream:
        for text in stream.iter_text():
            buffer += text
            while "\n" in buffer:
                line, buffer = buffer.split("\n", 1)
                if line.startswith("data:") and json.loads(line[5:]).get("msg") == "process_completed":
                    return json.loads(line[5:])
    raise AssertionError("the page's event stream ended before the answer came")


@pytest.mark.parametrize("question", [
    "how did oxleas fix bed occupancy? <script>\x00\u2028",  # the control: the same path without a surrogate
    "how did oxleas fix bed occupancy? \ud800",
])
def test_the_page_answers_through_its_event_stream(served, demo, question):
    TRIED["served via the page's queue"] += 1
    chat = next(i for i, fn in demo.fns.items() if fn.api_name == "chat")
    done = call_queue(served, chat, [question, None, [], [], True, True])
    assert done["success"]
    shown = done["output"]["data"][0]
    assert len(shown) == 2
    for m in shown:
        check_html(message_markup(m))
