"""Does the evidence hold what the question asks for? Checks that need no model.

Similarity alone cannot tell "how many beds did Oxleas buy?" (answered) from "how much did Oxleas pay for the
beds?" (not answered): the same chunk is nearest to both. So the assistant also checks the *kind* of answer the
question wants — a number, an amount of money, a date, a named person in a role — against the sentences it
would show, and whether the question's distinctive words occur in the report at all. Left out: any deeper
reading of the sentences (no entailment model is available offline).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.extracts import Vocabulary, terms

Want = Literal["money", "number", "date", "person", "any"]

_MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december"
_NUMBER_WORDS = r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred|thousand|million)\b"


@dataclass(frozen=True)
class Check:
    ok: bool
    reason: str  # why the evidence does not answer, for the record; empty when ok


def wanted(question: str) -> Want:
    q = question.lower()
    if re.search(r"\b(?:cost|costs|price|pay|paid|spend|spent|budget|funding|how much money|£)\b", q):
        return "money"
    if re.search(r"^\s*(?:when|what date|what year|which year|since when)\b|\bwhat (?:date|year|month)\b", q):
        return "date"
    if re.search(r"\bhow (?:many|much)\b|\bnumber of\b|\bwhat (?:percentage|proportion|rate)\b", q):
        return "number"
    if re.search(r"^\s*who (?:is|was|were|are)\b", q):
        return "person"
    return "any"


def _has(want: Want, text: str) -> bool:
    low = text.lower()
    if want == "money":
        return bool(re.search(r"£\s?\d|\d\s?(?:million|m|k)\b.*(?:cost|pound)|\bcost\w* (?:of )?£?\d", low))
    if want == "date":
        return bool(re.search(rf"\b(?:{_MONTHS})\b|\b(?:19|20)\d\d\b", low))
    if want == "number":
        no_years = re.sub(r"\b(?:19|20)\d\d(?:-\d\d)?\b", " ", low)
        return bool(re.search(r"\d", no_years) or re.search(_NUMBER_WORDS, no_years))
    return True


def _counted(question: str) -> set[str]:
    """What a "how many …" question counts: the stems of the (up to two) words after "how many"."""
    m = re.search(r"\bhow many ([a-z][\w'-]*)(?: ([a-z][\w'-]*))?", question.lower())
    return set(terms(" ".join(w for w in (m.groups() if m else ()) if w)))


def check(question: str, topic_terms: set[str], sentences: list[str], vocab: Vocabulary, has_speaker: bool) -> Check:
    """Whether `sentences` (what would be shown first) can answer `question` at all."""
    unknown = [t for t in topic_terms if len(t) > 3 and not vocab.knows(t)]
    if unknown and len(unknown) >= max(1, len(topic_terms) // 2):
        return Check(False, "the report never mentions " + ", ".join(sorted(unknown)))
    want = wanted(question)
    if want == "any":
        return Check(True, "")
    if want == "person":
        return Check(True, "") if has_speaker else Check(False, "no named person in the closest material")
    counted = _counted(question)  # "how many staff …": the number must be of staff
    needed = counted or topic_terms
    for s in sentences:
        if _has(want, s) and (not needed or needed & set(terms(s))):
            return Check(True, "")
    return Check(False, f"the closest material gives no {want} for this")
