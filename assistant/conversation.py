"""Follow-up questions, read from the conversation by a general test rather than by phrase lists.

A question uses the conversation only when it cannot stand alone:
- it names another trust and has no words of its own ("and what about Lincolnshire?", "and lincs?"), or only words
  ending on a "that"/"this" that stands for them ("did somerset do anything like that?"), or "same" and one word
  ("same question for sheffield"): the last topic, asked of that trust (`switch`);
- it names no trust and quotes nothing, and either has no subject words at all ("by how much?", "tell me more"), or
  has few and leans on a personal pronoun that nothing in it stands for ("what has it improved?", but not "how did
  trusts improve their wards?"), or has few, retrieves weakly on its own, and either leans on "that"/"this" ("did
  that work?"), is very short ("what happened next?", "what did phil say?"), finds nothing at all alone ("what were
  the before and after numbers?"), or finds its best matches among what was just shown ("and the chief exec?"), or,
  however long or strong, points back with "these"/"those" before a word of its own ("an example of something one
  of those walkarounds picked up": what was just named, in other words): the last topic continues (`continue`) — or,
  when it asks who said something, the speakers of what was just shown (`who`);
- a follow-up speaking of the trusts in the plural without a pronoun ("and the other trusts?") widens the last topic
  to all of them, its trust names left out;
- a message that asks nothing (no question word or mark, no pronoun, no word of the last answer) and finds nothing
  in the report alone ("thanks") is an `aside`: nothing is looked up, and the next question reads the conversation
  as if it were not there;
- anything else is a new question, even mid-chat and even with "that" in it; when it names no trust and the last
  answer was about one or two, their passages come first (a lean, not a restriction: others still show), and the
  answer says so.
A chain of follow-ups carries its questions along: "how often did they meet?" after "who is jane wells?" and "what
did she say about the service improvement groups?" follows on from both (the last `chain_topics`).
Left out: resolving which of several earlier people "she" is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from assistant.config import AssistantConfig
from assistant.names import NameMatch, Names
from assistant.records import Answer, Conversation, Reading
from assistant.text import PRONOUNS, plural, terms, words
from assistant.understanding import Understanding

# (question, the answer it may lean on) -> (best cosine of any chunk for the question alone, the best cosine among
# the chunks that answer showed divided by the first): how strongly it retrieves, and how much of that is old news
Probe = Callable[[str, Answer], tuple[float, float]]


# "who said <three words or more>": what was said, in the question's own words (not "who said that?", "who said
# this about it?")
_SAID_WHAT = re.compile(r"^\W*(?:and\s+)?who\s+(?:said|says|told|called|described|wrote)\s+(?!(?:that|this|it|so)\b)"
                        r"(?:[\w'’-]+\W+){2,}[\w'’-]+")


@dataclass(frozen=True)
class Resolved:
    reading: Reading
    query: str  # what retrieval scores
    previous: Answer | None = None  # the answer this one leans on
    seen: frozenset[str] = frozenset()  # chunk ids the previous answer showed whole (a follow-up wants others)
    # a new question naming no trust, in a conversation about one or two: their passages come first (not only)
    leaning: tuple[str, ...] = ()
    # "what else did she say?": the person a pronoun of saying stands for (the last answer's first speaker)
    people: tuple[str, ...] = ()


def _scope(answer: Answer) -> tuple[str, ...]:
    """The trusts an earlier answer was about: those it was restricted to, else (unless it went through the trusts
    one by one) the one its top extracts share."""
    if answer.reading and answer.reading.trusts:
        return answer.reading.trusts
    if any(g.group for g in answer.glance):  # an answer about the trusts, one by one: about none of them alone
        return ()
    trusts = {e.trust for e in answer.extracts[:3] if e.trust}
    return tuple(trusts) if len(trusts) == 1 else ()


def _put(topic: str, found: list[NameMatch], text: str) -> str:
    """`topic` with `text` where its first name was and its other names left out."""
    out = topic
    for i, m in enumerate(sorted(found, key=lambda m: -m.start)):
        out = out[: m.start] + (text if i == len(found) - 1 else "") + out[m.end :]
    return re.sub(r"\s+", " ", out).strip()


def _swap(topic: str, to: tuple[str, ...], names: Names) -> str:
    """The earlier topic asked of other trusts: their names put where the old ones were (or appended)."""
    short = " and ".join(names.short(t) for t in to)
    found = names.find(topic)
    return _put(topic, found, short) if found else f"{topic.rstrip(' ?.!')} at {short}?"


def _widen(topic: str, names: Names) -> str:
    """The earlier topic asked of all the cases: its trust names read as "the trusts" ("what did lincs do about
    ligature risks" → "what did the trusts do about ligature risks"); a topic that is only a name stays."""
    found = names.find(topic)
    kind = Counter(plural(words(c)[-1]) for c in names.cases if words(c)).most_common(1)
    if not found or not kind:
        return topic
    out = _put(topic, found, f"the {kind[0][0]}")
    return out if set(words(out)) - {"the", kind[0][0]} else topic


def resolve(
    question: str,
    u: Understanding,
    conversation: Conversation | None,
    names: Names,
    probe: Probe,
    cfg: AssistantConfig,
) -> Resolved:
    asked = [t for t in conversation.turns if not (t.answer.reading and t.answer.reading.kind == "aside")] \
        if conversation else []
    last = asked[-1].answer if asked else None  # "thanks" in between leaves the topic as it was
    if last is None or last.reading is None:
        return Resolved(Reading("new", question, u.trusts, u.notes), question)
    topic, scope = last.reading.topic, _scope(last)
    if cfg.chain_topics and last.reading.kind == "continue":  # "how often did they meet?" after "what did she say
        # about the service improvement groups?", itself after "who is jane wells?": the latest question, with
        # those it followed on from (the last `chain_topics` of them)
        topic = "; ".join([*topic.split("; "), asked[-1].question.strip()][-cfg.chain_topics :])
    seen = frozenset(e.chunk_id for e in last.extracts if e.text == e.context)
    own = u.content and not (u.ends_pointing and cfg.pointing_leans)  # "anything like that": nothing of its own
    if u.trusts and not (own or u.people or u.quoted) and set(u.trusts) != set(scope):
        swapped = _swap(topic, u.trusts, names)
        return Resolved(Reading("switch", swapped, u.trusts, u.notes), swapped, last)
    if u.trusts or u.quoted:
        leans = False  # it names what it is about
    elif not u.content:
        leans = True
    elif cfg.own_words_stand and _SAID_WHAT.match(question.lower()) and len(u.topic) >= 2:
        leans = False  # "who said there was a macho environment?": words of its own to find, whoever said them
    elif u.pointing and cfg.pointing_leans and not u.about_cases:
        leans = True  # "those walkarounds": what was just named, in other words, however long the question
    elif len(u.content) > cfg.follow_max_words:
        leans = False
    else:
        alone, old_news = probe(question, last)
        short = len(u.content) <= cfg.follow_short_words
        lost = alone < cfg.min_dense  # alone it finds nothing at all (it would be refused as too weak)
        leans = alone < cfg.weak_alone and (u.pronoun or short or lost or old_news >= cfg.follow_coherence)
        # "thanks", "great, cheers": asks nothing (no question word or mark), points back to nothing (no pronoun, no
        # word of the last answer: not "tell me more about sun:rise"), and alone finds nothing in the report: it is
        # not about the last topic, and nothing is looked up
        if (u.want == "any" and not (u.pronoun or u.more) and "?" not in question
                and alone < min(cfg.min_dense, cfg.min_dense_unnamed)
                and not any(set(u.content) & set(terms(e.text)) for e in last.extracts)):
            return Resolved(Reading("aside", question, (), u.notes), question)
        # "what has it improved?": a personal pronoun with nothing in the question it could stand for
        leans = leans or (cfg.pronoun_leans and u.personal and not u.about_cases)
    if not leans:
        if u.trusts or u.about_cases or not scope or cfg.context_boost <= 0:
            return Resolved(Reading("new", question, u.trusts, u.notes), question)
        # "how did frontline staff take the RI?" after a question about Sheffield: Sheffield's passages first
        note = f"{' and '.join(names.short(t) for t in scope)} first, as in the conversation so far"
        return Resolved(Reading("new", question, u.trusts, (*u.notes, note)), question, leaning=scope)
    trusts = u.trusts or scope
    if u.about_cases and not u.personal:  # "and the other trusts?": the topic, widened to all of them
        trusts = ()
        topic = _widen(topic, names)
    if u.who and u.speech and u.pronoun and not u.people:
        return Resolved(Reading("who", topic, trusts, u.notes), topic, last)
    speaker = next((e.speaker for e in last.extracts if e.speaker), None)
    if u.speech and u.personal and not u.people and not u.who and speaker is not None:  # "what else did she say?"
        note = f"“{next(w for w in question.split() if w.lower().strip('?.,!') in PRONOUNS)}” read as {speaker.name}"
        return Resolved(Reading("continue", topic, trusts, (*u.notes, note)), f"{topic} {question}", last, seen,
                        people=(speaker.name,))
    return Resolved(Reading("continue", topic, trusts, u.notes), f"{topic} {question}", last, seen)


def read_as(question: str, reading: Reading) -> str | None:
    """One line telling the user how a question was read, when that is not simply as typed."""
    notes = "; ".join(reading.notes)
    if reading.kind == "switch":
        line = f"Read as: “{reading.topic}”"
    elif reading.kind == "continue":
        line = f"Read as: “{question}” — following on from “{reading.topic}”"
    elif reading.kind == "who":
        line = f"Read as: who is quoted in the last answer (“{reading.topic}”)"
    else:
        return f"{notes[0].upper()}{notes[1:]}." if notes else None  # "Read “lincs” as …": no "Read as:" before
    return f"{line}{' (' + notes + ')' if notes else ''}."
