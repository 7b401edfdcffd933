"""Follow-up questions resolved from the conversation so far, without an LLM.

Handled shapes: "and what about Lincolnshire?" (same question, another trust), "who said that?" (the speakers
of the last answer), "did it work?" / "what was the impact?", "by how much?", "tell me more" (same question,
material not yet shown), and questions that point back with "that/it/they/there" (the earlier topic is carried
over, with its trusts). Anything else is a new question. Left out: coreference across more than one turn back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.records import Answer, Conversation
from assistant.understanding import TRUST_ALIASES, find_trusts

Mode = Literal["ask", "who", "more"]

_WHAT_ABOUT = re.compile(
    r"^\s*(?:and|so|ok|okay|what|how)?[\s,]*(?:what|how)?\s*(?:about|re|for|at|in)?\s+(?P<rest>.+?)[\s?.!]*$", re.I
)
_WHO_THAT = re.compile(
    r"^\s*(?:and\s+)?(?:who|whose)\s+(?:said|says|was|were|is|made|did|words?|quote|called)\b"
    r"(?:\s+(?:that|this|it|those|these|them|the quote))?(?:\s+(?:call|decision|change|point|comment))?[\s?.!]*$",
    re.I,
)
_DID_IT_WORK = re.compile(
    r"\b(?:did (?:it|that|this|they) (?:work|help|succeed|make a difference)|was it (?:successful|effective)|"
    r"what (?:was|were) the (?:result|outcome|impact|effect)s?|what happened (?:next|then|after(?: that)?)\s*\?*$|"
    r"any (?:results|impact)|"
    r"(?:the )?(?:outcome|impact|results?)\s*\?)",
    re.I,
)
_HOW_MUCH = re.compile(
    r"^\s*(?:and\s+)?(?:by )?how (?:much|many|long|big)\b|^\s*(?:what|which) (?:numbers?|figures?)", re.I
)
_MORE = re.compile(
    r"^\s*(?:tell me more|more|go on|anything else|more detail\w*|more please|expand|elaborate|and\??|what else"
    r"(?: did (?:he|she|they) say| was said)?)"
    r"(?:\s+(?:about (?:that|this|it|them)|on (?:that|this|it)|please))?[\s?.!]*$",
    re.I,
)
_POINTS_BACK = re.compile(r"\b(?:that|this|it|they|them|their|there|those|these|he|she|his|her|him)\b", re.I)
_PERSON_BACK = re.compile(r"\b(?:he|she|his|her|him)\b", re.I)
_AND_THE = re.compile(r"^\s*(?:and|what about|how about)\s+(?P<rest>.+?)[\s?.!]*$", re.I)
SHORT = 9  # a follow-up is short: longer questions are treated as new, even with "that" in them


@dataclass(frozen=True)
class Resolved:
    query: str  # the question to retrieve for, readable
    mode: Mode
    previous: Answer | None = None
    exclude: frozenset[str] = frozenset()  # chunk ids whose whole text was already shown
    shown: tuple[str, ...] = ()  # extract texts already shown (for "tell me more": prefer other sentences)
    extra: str = ""  # words added to retrieval only (not shown)
    inherited_trusts: tuple[str, ...] = ()


def _swap_trusts(query: str, trusts: tuple[str, ...], short: str) -> str:
    """The earlier question with its trust names replaced by `short` (or with `short` appended)."""
    low = query
    replaced = False
    for alias in sorted(TRUST_ALIASES, key=len, reverse=True):
        if TRUST_ALIASES[alias] in trusts:
            new, n = re.subn(rf"\b{re.escape(alias)}\b", short, low, flags=re.I)
            if n:
                low, replaced = new, True
    if replaced:
        # collapse "Lincolnshire Lincolnshire" left by overlapping aliases
        low = re.sub(rf"\b({re.escape(short)})(?:\s+\1\b)+", r"\1", low)
        return low
    return f"{query.rstrip(' ?.!')} at {short}?"


def resolve(question: str, conversation: Conversation | None) -> Resolved:
    q = question.strip()
    last = conversation.turns[-1].answer if conversation and conversation.turns else None
    if last is None:
        return Resolved(query=q, mode="ask")
    words = q.split()
    prev_trusts = find_trusts(last.query)
    if _WHO_THAT.match(q):
        return Resolved(query=last.query, mode="who", previous=last, inherited_trusts=prev_trusts)
    if _MORE.match(q):
        whole = frozenset(e.chunk_id for e in last.extracts if e.text == e.context)
        return Resolved(
            query=_with_person(last.query, q, last),
            mode="more",
            previous=last,
            exclude=whole,
            shown=tuple(e.text for e in last.extracts),
            inherited_trusts=prev_trusts or _single(last),
        )
    named = find_trusts(q)
    if named and len(words) <= SHORT:
        m = _WHAT_ABOUT.match(q)
        rest = m.group("rest") if m else q
        rest_without_trust = re.sub(
            "|".join(rf"\b{re.escape(a)}\b" for a in TRUST_ALIASES if TRUST_ALIASES[a] in named), "", rest, flags=re.I
        ).strip(" ,?.!")
        if len(rest_without_trust.split()) <= 2:  # "and what about Lincolnshire?", "and lincs?"
            short = re.sub(r"\s+(?:Partnership|Combined|Health|NHS)\b.*$", "", named[0])
            if len(named) > 1:
                short = " and ".join(re.sub(r"\s+(?:Partnership|Combined|Health|NHS)\b.*$", "", n) for n in named)
            return Resolved(query=_swap_trusts(last.query, prev_trusts, short), mode="ask", previous=last)
        return Resolved(query=q, mode="ask", previous=last)
    if _DID_IT_WORK.search(q) and len(words) <= SHORT:
        return Resolved(
            query=last.query,
            mode="ask",
            previous=last,
            inherited_trusts=prev_trusts or _single(last),
            extra="result impact improved improvement reduced outcome difference better",
        )
    if _HOW_MUCH.match(q) and len(words) <= SHORT:
        return Resolved(
            query=f"{q.rstrip(' ?')} ({last.query.rstrip(' ?')})",
            mode="ask",
            previous=last,
            inherited_trusts=prev_trusts or _single(last),
            extra="number percent % reduced increased from to",
        )
    if len(words) <= SHORT and (_POINTS_BACK.search(q) or _AND_THE.match(q)):
        return Resolved(
            query=f"{q.rstrip(' ?')} ({_with_person(last.query, q, last).rstrip(' ?')})",
            mode="ask",
            previous=last,
            inherited_trusts=prev_trusts or _single(last),
        )
    return Resolved(query=q, mode="ask")


def _with_person(query: str, question: str, answer: Answer) -> str:
    """Name the person a "he"/"she" points back to: the speaker of the last answer's first extract."""
    if not _PERSON_BACK.search(question):
        return query
    speaker = next((e.speaker for e in answer.extracts if e.speaker), None)
    if speaker is None or speaker.name.lower() in query.lower():
        return query
    return f"{speaker.name}: {query}"


def _single(answer: Answer) -> tuple[str, ...]:
    """The one trust an earlier answer was about, if it was about one."""
    trusts = {e.trust for e in answer.extracts[:3] if e.trust}
    return tuple(trusts) if len(trusts) == 1 else ()
