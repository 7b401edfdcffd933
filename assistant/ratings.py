"""Questions about the trusts' CQC ratings, answered from the rating histories ingest parsed, not from search.

Each case study opens with its rating history (`March 2017` / `Rated as good`, ...); ingest keeps it as data
(`Case.ratings`) along with the chunk that prints it (`Case.rating_chunk`). A question is about ratings when it
uses the report's own word for them ("Rated as …" → "rated", "rating") together with a rating value of the
histories ("good", "requires improvement"), or asks for a change "from X to Y" where X or Y is such a value, or
has the rating as its whole subject ("what rating did sheffield get?": the histories, all or the trust's). The
values it names are matched against the histories (a change needs X at an earlier date than Y); the answer shows
each fitting trust's printed rating lines verbatim, cited to their page, or, when none fits, says so and shows
every history. Left out: ratings of single services (only the trust-level histories at the case-study openings are
data)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.text import STOP, stem, words
from assistant.understanding import YES_NO, wanted
from ingest.facts import Case, ReportFacts
from ingest.records import Chunk, Rating

_CHANGE = re.compile(r"\bfrom\s+(?P<a>[a-z ]+?)\s+to\s+(?P<b>[a-z ]+?)(?:\s+(?:in|by|after|within|and)\b|[?.!]|$)")


@dataclass(frozen=True)
class RatingAsk:
    values: tuple[str, ...]  # rating values (lower case, as in the histories) the question names, in its order
    change: bool  # "from X to Y": the first must come before the last in time
    unmatched: str | None  # a "from X" / "to Y" or "rated (as) X" naming a rating no history holds ("inadequate")


def _values(facts: ReportFacts) -> list[str]:
    return sorted({r.rating.lower() for c in facts.cases for r in c.ratings}, key=len, reverse=True)


def cue_stems(facts: ReportFacts) -> set[str]:
    """Stems of the report's own word for a rating: the word most rating lines open with ("Rated as good")."""
    firsts = Counter(words(r.text)[0] for c in facts.cases for r in c.ratings if words(r.text))
    total = sum(firsts.values())
    return {stem(w) for w, n in firsts.items() if n * 2 >= total}


def _cued(question: str, cues: set[str]) -> bool:
    """An inflected form of the cue ("rated", "rating", "ratings"), not its bare stem ("vacancy rate")."""
    return any(stem(w) in cues and w != stem(w) for w in words(question))


_AFTER = re.compile(r"\b(?:by|about|to|with|after|since|despite|over|at|of)\s+(?:(?:the|their|its|this|that|our|"
                    r"a|an|his|her)\s+)?(\w+)")


def _object(question: str, cues: set[str]) -> bool:
    """The rating is what something else is done to or said of: the cue after a preposition ("surprised by their
    rating", "what did staff think about the rating")."""
    return any(stem(m.group(1)) in cues and m.group(1) != stem(m.group(1))
               for m in _AFTER.finditer(" ".join(words(question))))


def _named(text: str, values: Sequence[str]) -> list[str]:
    low = " " + " ".join(words(text)) + " "
    found: list[tuple[int, str]] = []
    for value in values:  # longest first, so "requires improvement" is not also read as something shorter
        for m in re.finditer(rf"(?<= ){re.escape(value)}(?= )", low):
            if not any(a <= m.start() < a + len(v) for a, v in found):
                found.append((m.start(), value))
    return [v for _, v in sorted(found)]


_MANNER = re.compile(r"^\W*(?:and\s+)?(?:how|why)\s+(?:did|do|does|has|have|had)\b")


def rating_question(question: str, facts: ReportFacts, topic: Sequence[str] | None = None) -> RatingAsk | None:
    """`topic`: the question's subject stems (names aside); with it, a question whose subject is the rating alone
    and at most one other word ("what rating did sheffield get?", "swypt rating history") asks for the history."""
    values = _values(facts)
    if not values:
        return None
    named = _named(question, values)
    cues = cue_stems(facts)
    cue = _cued(question, cues)
    m = _CHANGE.search(" ".join(words(question)))
    change = m is not None and bool(_named(m.group("a"), values) or _named(m.group("b"), values))
    value_stems = {stem(w) for v in values for w in v.split()}
    bare = (cue and topic is not None and wanted(question) != "person"  # not "who called the rating …?"
            and not _MANNER.match(question.lower())  # "how did trusts react to their ratings?" asks what they did
            and not _object(question, cues)  # "which trusts were not surprised by their rating?": neither
            and len([t for t in topic if t not in cues and t not in value_stems]) <= 1)
    if not ((cue and named) or change or bare):
        return None  # "who called the rating a springboard?" uses the word but asks about something else
    unmatched = None
    typed = words(question)
    for i, w in enumerate(typed[:-1]):  # "rated (as) inadequate": a value asked for that no history holds
        nxt = typed[i + 2] if typed[i + 1] == "as" and i + 2 < len(typed) else typed[i + 1]
        if (not named and stem(w) in cues and w != stem(w) and nxt.isalpha() and nxt not in STOP
                and not any(v.split()[0].startswith(nxt) for v in values)):
            unmatched = nxt
    if m is not None:
        for side in ("a", "b"):
            phrase = m.group(side).strip()
            if not _named(phrase, values) and len(phrase.split()) <= 2:
                unmatched = phrase
    return RatingAsk(tuple(named), change, unmatched)


def rating_sought(question: str, facts: ReportFacts) -> tuple[str, ...]:
    """The rating values a searched question needs to see ("what rating did cornwall partnership get?" asks what
    something was rated: its answer holds one of the histories' values); empty when it asks how or why, or who."""
    low = question.lower()
    if not _cued(question, cue_stems(facts)) or _MANNER.match(low) or YES_NO.match(low) \
            or wanted(question) == "person":
        return ()  # (whether something was rated so, or a question about "the poorly rated trusts", is searched)
    return tuple(_values(facts))


def fits(history: Sequence[Rating], ask: RatingAsk) -> bool:
    """Whether a history (newest first) holds what the question asks for."""
    if ask.unmatched:
        return False
    seq = [r.rating.lower() for r in reversed(history)]  # oldest first
    if ask.change and len(ask.values) >= 2:
        a, b = ask.values[0], ask.values[-1]
        return any(x == a and b in seq[i + 1 :] for i, x in enumerate(seq))
    return all(v in seq for v in ask.values)


def answer_cases(facts: ReportFacts, ask: RatingAsk, scope: Sequence[str]) -> tuple[list[Case], bool]:
    """(cases to show, whether they fit the question). With a scope, its cases; else those that fit, or all."""
    cases = [c for c in facts.cases if c.ratings and c.rating_chunk]
    if scope:
        return [c for c in cases if c.name in scope], True
    fitting = [c for c in cases if fits(c.ratings, ask)]
    return (fitting, True) if fitting else (cases, False)


def printed_lines(chunk: Chunk) -> tuple[int, int]:
    """[start, end) of the printed rating history in its chunk: the chunk's first paragraph."""
    end = chunk.text.find("\n")
    return 0, (end if end > 0 else len(chunk.text))
