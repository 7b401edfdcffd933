"""Per-user chat state and what the UI's handlers do with it, with no Gradio in sight.

A `Session` is a value kept in each browser session's `gr.State`: the assistant's `Conversation` plus what was
shown for each question. Handlers take a session and return a new one, so two users never share anything and
every step can be tested with a fake assistant. The assistant is anything with `ask`, `ask_history` and
`sections` (see assistant.core.Assistant).

Left out: rendering (render.py), writing votes (feedback.py), components and events (app.py).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from rapidfuzz import fuzz

from assistant import wire
from assistant.compose import filters_line
from assistant.export import Asked
from assistant.records import Answer, Comparison, Conversation, Filters
from assistant.validate import KINDS
from errors import AssistantError, ValidationError
from ui_parts.render import answer_html, notice_html, user_html

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000  # checked here before anything else touches the text; the assistant has the same cap
MAX_HISTORY = 20  # earlier questions an API call may replay (the assistant's own cap)
MAX_LIST_ITEMS = 50  # trusts, sections or kinds in one call: more than any report has
MAX_ITEM_CHARS = 200  # one trust or section name
MAX_EXCHANGES = 100  # a chat keeps its last this many exchanges on screen (and replays only the assistant's last 20)
TIME_BUDGET_S = 20.0  # an answer that takes longer (a long history on a busy machine) is refused, not waited for
Vote = Literal["up", "down", "cleared"]


class AssistantLike(Protocol):
    sections: tuple[str, ...]  # every section title, in report order
    themes: tuple[str, ...]  # the sections several trusts share (the report's themes)
    trusts: tuple[str, ...]  # the trusts (cases) the report covers

    def ask(
        self, question: str, conversation: Conversation | None = None, filters: Filters | None = None
    ) -> tuple[Answer, Conversation]: ...

    def ask_history(
        self, question: str, history: Sequence[str] = (), filters: Filters | None = None, *,
        deadline: float | None = None,
    ) -> Answer: ...

    def compare(
        self, question: str, history: Sequence[str] = (), filters: Filters | None = None, *,
        deadline: float | None = None,
    ) -> Comparison: ...

    def section_choices(self, trusts: Sequence[str] = ()) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Exchange:
    question: str  # as typed
    history: tuple[str, ...]  # the earlier questions of this chat that the answer followed on from
    answer: Answer | None  # None: the question was refused or failed
    reply: str  # the HTML shown for it
    vote: Vote | None = None
    refusal: str | None = None  # why it was not answered
    id: str = field(default_factory=lambda: uuid.uuid4().hex)  # names this answer in the feedback log
    at: datetime = field(default_factory=lambda: datetime.now(UTC))  # when it was asked


@dataclass(frozen=True)
class Session:
    conversation: Conversation = field(default_factory=Conversation)
    exchanges: tuple[Exchange, ...] = ()
    asked: int = 0  # questions asked in this chat so far (exchanges beyond MAX_EXCHANGES are dropped, not this)
    # names this chat's export files; given by its first question (gr.State copies its default value into every
    # browser session, so a key made at construction would be shared by all of them)
    key: str = ""

    def messages(self) -> list[dict[str, str]]:
        """The chatbot's value: a user message and an assistant message per exchange, strictly alternating."""
        out = []
        for ex in self.exchanges:
            out.append({"role": "user", "content": user_html(ex.question)})
            out.append({"role": "assistant", "content": ex.reply})
        return out

    def feedback_value(self) -> list[str | None]:
        """The chatbot's thumbs, one per assistant message."""
        return [{"up": "Like", "down": "Dislike"}.get(ex.vote or "") for ex in self.exchanges]

    def last_query(self) -> str | None:
        """The latest answered question as the assistant understood it (follow-ups resolved)."""
        return next((ex.answer.query for ex in reversed(self.exchanges) if ex.answer), None)

    def exported(self) -> list[Asked]:
        """The chat as export records (assistant.export)."""
        return [Asked(ex.question, ex.at, ex.answer, ex.refusal) for ex in self.exchanges]

    def last_markdown(self) -> str:
        """The latest answer as Markdown with its citations (what "Copy answer" puts on the clipboard)."""
        ex = next((ex for ex in reversed(self.exchanges) if ex.answer), None)
        return "" if ex is None else f"Q: {ex.question}\n\n{ex.answer.text}"

    def last_asked(self) -> tuple[str, tuple[str, ...]] | None:
        """The latest answered question as typed, with the questions before it (to ask it again elsewhere)."""
        return next(((ex.question, ex.history) for ex in reversed(self.exchanges) if ex.answer), None)


def too_long(message: str, max_chars: int = MAX_MESSAGE_CHARS) -> str | None:
    if len(message) > max_chars:
        return f"Your message is {len(message):,} characters long; please keep it under {max_chars:,}."
    return None


def as_text(value: str) -> str:
    """`value` with lone surrogates replaced: a browser can send them, and nothing downstream can encode them."""
    return value.encode("utf-8", "replace").decode("utf-8")


def respond(
    asst: AssistantLike, session: Session, message: Any, filters: Filters, max_chars: int = MAX_MESSAGE_CHARS
) -> Session:
    """The session after `message`; a refused or failed question becomes a reply, never an exception. A long
    chat keeps its last `MAX_EXCHANGES` exchanges and the conversation its last `MAX_HISTORY` turns."""
    text = as_text(message) if isinstance(message, str) else ""
    if isinstance(message, str) and not text.strip():
        return session  # an empty question adds nothing to the chat
    if len(session.conversation.turns) > MAX_HISTORY or len(session.exchanges) >= MAX_EXCHANGES:
        session = replace(session, conversation=Conversation(session.conversation.turns[-MAX_HISTORY:]),
                          exchanges=session.exchanges[-(MAX_EXCHANGES - 1) :])
    history = tuple(t.question for t in session.conversation.turns)
    problem = "Please type a question." if not isinstance(message, str) else too_long(text, max_chars)
    answer, conversation = None, session.conversation
    if problem is None:
        try:
            answer, conversation = asst.ask(text, session.conversation, filters)
        except ValidationError as e:
            problem = str(e)
        except AssistantError as e:
            problem = f"Sorry, the assistant could not answer: {e}"
        except Exception:
            log.exception("answering %r failed", text[:200])
            problem = "Sorry, something went wrong while answering. The error has been logged."
    turn = session.asked + 1  # never reused, so element ids stay unique when old exchanges are dropped
    reply = answer_html(answer, turn, filters_line(filters)) if answer is not None else notice_html(problem or "")
    exchange = Exchange(question=text, history=history, answer=answer, reply=reply, refusal=problem)
    return Session(conversation=conversation, exchanges=(*session.exchanges, exchange), asked=turn,
                   key=session.key or uuid.uuid4().hex)


def vote(session: Session, index: Any, liked: Any) -> tuple[Session, Exchange | None, Vote]:
    """Record a thumb on the chatbot message at `index`; the exchange is None when it is not an answer."""
    choice: Vote = "up" if liked is True else "down" if liked is False else "cleared"
    i = index[0] if isinstance(index, list | tuple) else index
    if not isinstance(i, int) or i % 2 != 1 or not 0 <= i // 2 < len(session.exchanges):
        return session, None, choice  # a user message, or out of range
    n = i // 2
    ex = replace(session.exchanges[n], vote=None if choice == "cleared" else choice)
    new = replace(session, exchanges=(*session.exchanges[:n], ex, *session.exchanges[n + 1 :]))
    return new, (ex if ex.answer is not None else None), choice


# -- controls -----------------------------------------------------------------------------------------------------
SAME_TITLE = 90  # rapidfuzz token_set_ratio at which two section titles are one theme printed two ways


def theme_choices(sections: Sequence[str], themes: Sequence[str] = ()) -> dict[str, tuple[str, ...]]:
    """Label shown -> the section titles it selects: the report's themes first, then the rest. Titles printed in
    slightly different words ("Reaction to the inspection report" / "… to the initial …") are merged."""
    out: dict[str, list[str]] = {}
    ordered = [*[t for t in sections if t in themes], *[t for t in sections if t not in themes]]
    for title in ordered:
        same = next((label for label in out if fuzz.token_set_ratio(label.lower(), title.lower()) >= SAME_TITLE), None)
        out.setdefault(same or title, []).append(title)
    return {label: tuple(titles) for label, titles in out.items()}


def make_filters(
    trusts: Sequence[str] | None,
    themes: Sequence[str] | None,
    sidebars: bool,
    quotes: bool,
    choices: dict[str, tuple[str, ...]],
    documents: Sequence[str] | None = None,
) -> Filters:
    """The controls as `Filters`; an unknown theme label is passed on as a section name (the assistant checks)."""
    sections = tuple(dict.fromkeys(s for label in themes or () for s in choices.get(label, (label,))))
    dropped = {k for k, keep in (("sidebar", sidebars), ("quote", quotes)) if not keep}
    kinds = tuple(k for k in KINDS if k not in dropped) if dropped else ()
    return Filters(trusts=tuple(trusts or ()), sections=sections, kinds=kinds, documents=tuple(documents or ()))


# -- compare and the scripted API ------------------------------------------------------------------------------------
def compare(asst: AssistantLike, question: str, history: Sequence[str], filters: Filters) -> Comparison:
    """The trusts side by side on `question` after `history` (so a follow-up is read as it was in the chat)."""
    return asst.compare(question, list(history), filters, deadline=time.monotonic() + TIME_BUDGET_S)


def answer_record(answer: Answer) -> dict[str, Any]:
    return {**wire.answer_record(answer), "error": None}


def error_record(question: Any, message: str) -> dict[str, Any]:
    q = question[:200] if isinstance(question, str) else None
    return {
        "question": q,
        "query": None,
        "answer": message,
        "extracts": [],
        "trusts_covered": [],
        "trusts_without_material": [],
        "abstained": False,
        "reading": None,
        "glance": [],
        "error": message,
    }


def api_filters(trusts: Any, sections: Any, kinds: Any, documents: Any = None) -> Filters:
    """Filters from an API call's lists (None or [] = no restriction); ValidationError if they are not short lists
    of short names. Checked once per call, before anything is replayed."""
    values = []
    for name, value in (("trusts", trusts), ("sections", sections), ("kinds", kinds), ("documents", documents)):
        if value is None:
            value = []
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValidationError(f"{name} must be a list of names.")
        if len(value) > MAX_LIST_ITEMS:
            raise ValidationError(f"{name} may list at most {MAX_LIST_ITEMS} names; this call lists {len(value):,}.")
        if any(len(v) > MAX_ITEM_CHARS for v in value):
            raise ValidationError(f"Each of {name} must be at most {MAX_ITEM_CHARS} characters.")
        values.append(tuple(dict.fromkeys(value)))
    return Filters(trusts=values[0], sections=values[1], kinds=values[2], documents=values[3])


def api_history(history: Any) -> list[str]:
    """An API call's history (None = none): at most MAX_HISTORY questions of at most MAX_MESSAGE_CHARS each."""
    if history is None:
        return []
    if not isinstance(history, list | tuple) or not all(isinstance(h, str) for h in history):
        raise ValidationError("The history must be a list of earlier questions.")
    if len(history) > MAX_HISTORY:
        raise ValidationError(f"The history has {len(history)} turns; at most {MAX_HISTORY} are used.")
    if any(len(h) > MAX_MESSAGE_CHARS for h in history):
        raise ValidationError(f"Each earlier question must be under {MAX_MESSAGE_CHARS:,} characters.")
    return [as_text(h) for h in history]


def api_answer(
    asst: AssistantLike, question: Any, history: Any, filters: Filters, max_chars: int = MAX_MESSAGE_CHARS
) -> dict[str, Any]:
    """A stateless answer as a JSON-ready dict; refusals come back with `error` set, never as exceptions."""
    if not isinstance(question, str):
        return error_record(question, "The question must be text.")
    question = as_text(question)
    problem = too_long(question, max_chars)
    if problem:
        return error_record(question, problem)
    try:
        earlier = api_history(history)
        deadline = time.monotonic() + TIME_BUDGET_S
        return answer_record(asst.ask_history(question, earlier, filters, deadline=deadline))
    except AssistantError as e:
        return error_record(question, str(e))
    except Exception:
        log.exception("API answer to %r failed", question[:200])
        return error_record(question, "Sorry, something went wrong while answering. The error has been logged.")
