"""Helpers shared by test_ui.py and test_browser.py (this module holds no tests).

- `real_assistant()`: the real Assistant, loaded and warmed up once per test session however many modules use it
  (a cached function rather than a fixture, because fixtures cannot be shared without editing conftest.py).
- `FakeAssistant`: answers instantly with one extract full of HTML and Markdown, so the UI's plumbing and escaping
  can be tested without the model.
- `serving(demo)`: the app on a free local port for the duration of a `with` block.
"""

from __future__ import annotations

import functools
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from assistant.records import Answer, Conversation, Extract, Filters, Turn
from errors import ValidationError
from ingest.records import Speaker
from ui_parts.edge import EdgeLimits

PAYLOAD = "<img src=x onerror=alert(1)> **bold** [link](javascript:alert(1)) `code` $x$"
OXLEAS = "Oxleas NHS Foundation Trust"
LINCOLNSHIRE = "Lincolnshire Partnership NHS Foundation Trust"

TEST_LIMITS = EdgeLimits(rate=1000.0, burst=1000)  # tests ask far faster than a person: no rate limit here


@functools.cache
def real_assistant():
    from assistant import Assistant

    asst = Assistant.load(progress=False)
    asst.ask("How did trusts involve patients?")  # the first question loads the embedding model
    return asst


def fake_extract(text: str, trust: str | None = OXLEAS, *, context: str | None = None, **fields) -> Extract:
    values = dict(
        text=text,
        context=context if context is not None else f"Before. {text} After.",
        chunk_id="p13-fake",
        trust=trust,
        section="Governance",
        page=13,
        page_end=13,
        kind="body",
        title=None,
        speaker=None,
        score=1.0,
    )
    values.update(fields)
    return Extract(**values)


def fake_answer(question: str, extracts: tuple[Extract, ...], *, abstained: bool = False, **fields) -> Answer:
    values = dict(
        question=question,
        query=question,
        text="\n".join(f"> {e.text}\n> — {e.citation()}" for e in extracts),
        extracts=extracts,
        trusts_covered=tuple(dict.fromkeys(e.trust for e in extracts if e.trust)),
        trusts_without_material=(),
        abstained=abstained,
    )
    values.update(fields)
    return Answer(**values)


class FakeAssistant:
    """Answers "Turn N for <trust>: PAYLOAD" (N counts the conversation's turns); raises like the real one."""

    sections = (
        "Our purpose",
        "Governance",
        "Leadership",
        "Reaction to the initial inspection report",
        "Reaction to the inspection report",
    )
    themes = ("Governance", "Leadership", "Reaction to the initial inspection report",
              "Reaction to the inspection report")
    trusts = (OXLEAS, LINCOLNSHIRE)
    title = "A test report"

    def section_choices(self, trusts=()):
        return tuple(s for s in self.sections if s != "Our purpose")

    def compare(self, question, history=(), filters=None, *, deadline=None):
        from assistant.records import Comparison, Reading

        rows = []
        for trust in (filters.trusts if filters and filters.trusts else self.trusts):
            answer = self.ask_history(question, history, Filters(trusts=(trust,)))
            rows.append((trust, answer.extracts[0] if trust == OXLEAS else None))
        return Comparison(question, question, Reading("new", question), tuple(rows))

    def __init__(self, fail: Exception | None = None):
        self.fail = fail
        self.calls: list[tuple[str, Conversation | None, Filters | None]] = []

    def ask(self, question, conversation=None, filters=None):
        self.calls.append((question, conversation, filters))
        if self.fail is not None:
            raise self.fail
        if len(question) > 2000:
            raise ValidationError("The question is too long.")
        conversation = conversation or Conversation()
        trust = filters.trusts[0] if filters and filters.trusts else OXLEAS
        if "lincolnshire" in question.lower():
            trust = LINCOLNSHIRE
        text = f"Turn {len(conversation.turns) + 1} for {trust}: {PAYLOAD}"
        speaker = Speaker(name="Ben <b>Travis</b>", role="Chief *Executive*", trust=trust)
        answer = fake_answer(question, (fake_extract(text, trust, speaker=speaker),))
        return answer, conversation.add(Turn(question=question, answer=answer))

    def ask_history(self, question, history=(), filters=None, *, deadline=None):
        conversation = Conversation()
        for earlier in history:
            conversation = self.ask(earlier, conversation, filters)[1]
        return self.ask(question, conversation, filters)[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(demo) -> Iterator[str]:
    """Launch `demo` in this process on a free port; yields its URL and closes it afterwards."""
    import ui

    port = free_port()
    served = ui.launch(demo, "127.0.0.1", port, quiet=True, limits=TEST_LIMITS)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        served.close()
