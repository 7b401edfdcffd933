"""Does the evidence hold what the question asks for? General checks that need no model.

Similarity alone cannot tell "how many beds did they buy?" (answered) from "how much did they pay for the beds?"
(not answered): the same chunk is nearest to both. So, besides the strength of the best match, the assistant
checks: that the names, places and years the question mentions are ones the report covers; that the question's
subject words occur in the report at all; and that the *kind* of answer it wants — a number, an amount of
money, a date, a named person (in the role asked about, if any) — is in the sentences it would show, in a sentence
that shares a word with the question (and names what a figure is asked of: what "how many" counts, the "<x>" of
"<x> rate"); and that a rating asked of an organisation the report names but does not cover ("what rating did
cornwall partnership get?") is given to it there ("rated as good" in a sentence naming it; "good practice" is not);
and that an outcome asked for is not one the report tells only as still to come ("results are imminent").
Left out: any deeper reading of the sentences (no entailment model is available offline).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.config import AssistantConfig
from assistant.records import Extract
from assistant.text import STOP, YEAR, stem, terms, words
from assistant.understanding import IDENTITY, Understanding, Want
from ingest.records import Speaker

_MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december"
_COUNT = (r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred|thousand|million|"
          r"half|quarter|third|thirds|dozen")  # "at least half their time" is a figure too
_NUMBER_WORDS = rf"\b(?:{_COUNT})\b"


@dataclass(frozen=True)
class Check:
    ok: bool
    reason: str  # why the evidence does not answer, for the user; empty when ok


OK = Check(True, "")


def has(want: Want, text: str) -> bool:
    low = text.lower()
    if want == "money":
        return bool(re.search(r"£\s?\d|\d\s?(?:million|m|k)\b.*(?:cost|pound)|\bcost\w* (?:of )?£?\d", low))
    if want == "date":  # a date, or a time told by its distance ("six months after", "within a year")
        # how often, not when: "every two weeks", "a couple of times a week", "twice a year"
        low = re.sub(r"\b(?:(?:every|each)\s+(?:\w+\s+)?|(?:times?|once|twice)\s+(?:a|an|per|each)\s+)"
                     r"(?:day|week|month|year)s?\b", " ", low)
        span = rf"\b(?:\d+|a|an|one|{_COUNT})\s+(?:day|week|month|year)s?\b"
        return bool(re.search(rf"\b(?:{_MONTHS})\b|\b(?:19|20)\d\d\b|{span}", low))
    if want == "number":
        no_years = re.sub(r"\b(?:19|20)\d\d(?:-\d\d)?\b", " ", low)
        return bool(re.search(r"\d", no_years) or re.search(_NUMBER_WORDS, no_years))
    return True


def _counted(question: str) -> set[str]:
    """What a "how many …" question counts: the words after "how many" up to the next small word ("how many
    nursing students did …" → nursing, students); the figure must be next to one of them."""
    m = re.search(r"\bhow many ((?:[a-z][\w'-]*\s*){1,3})", question.lower())
    if not m:
        return set()
    phrase = []
    for w in m.group(1).split():
        if w in STOP:
            break
        phrase.append(w)
    return set(terms(" ".join(phrase)))


def covered(u: Understanding, trust_names: Sequence[str], unknown_share: float = 1.0, measured: bool = True,
            common: frozenset[str] = frozenset()) -> Check:
    """Names, places and years outside the report, subject words it never uses (leaving out `common` words, those
    on many of its pages), and (`measured`) a figure or amount asked of something it never names."""
    if u.foreign:
        covers = "; ".join(trust_names)
        return Check(False, f"The report does not mention {', '.join(u.foreign)}. It covers: {covers}.")
    if u.years:
        return Check(False, f"The report does not cover {', '.join(u.years)}.")
    # its subject: words of saying aside, and the `common` words on many of its pages ("report", "staff")
    subject = [t for t in (u.topic or u.content) if t not in common]
    if u.unknown and len(u.unknown) >= max(1, len(subject) * unknown_share):
        return Check(False, "The report never mentions " + ", ".join(sorted(u.unknown)) + ".")
    if u.measured_unknown and measured:  # a figure of something it never names cannot be in it
        what = "amount" if u.want == "money" else "figure"
        return Check(False, f"The report never mentions {', '.join(u.measured_unknown)}, so it gives no {what} for it.")
    return OK


def strong_enough(best_dense: float, best_lexical: float, cfg: AssistantConfig, named: bool = False) -> Check:
    """The best match is close enough to be worth showing. A question naming one of the report's trusts or people,
    or using a word the report uses, is about the report however weakly it matches ("lincs outward looking",
    "examples of coproduction"), so only the lower floor applies to it; small talk and noise ("hi") meet the
    higher one."""
    floor = cfg.min_dense if named else max(cfg.min_dense, cfg.min_dense_unnamed)
    if best_dense < floor and best_lexical < cfg.min_bm25:
        return Check(False, "Nothing in the report comes close to this question.")
    return OK


def fits_role(asked: set[str], role: str | None) -> bool:
    """Every role word asked for begins a word of `role` ("chief exec" fits "Chief Executive")."""
    have = terms(role or "")
    return all(any(h.startswith(a) or a.startswith(h) for h in have) for a in asked)


def _meets(asked: set[str], said: set[str]) -> bool:
    """A stem asked for is among those said, or one begins the other ("employe" of employees, "employ" of employs)."""
    return bool(asked & said) or any(len(a) >= 4 and len(b) >= 4 and (a.startswith(b) or b.startswith(a))
                                     for a in asked for b in said)


def _sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.?!])\s+", text)


def names_year(question: str, u: Understanding, extracts: Sequence[Extract]) -> Check:
    """A year the question names (one the report uses) is in what would be shown first, in a sentence that bears
    on the question (a highlight) or shares a subject word with it: "the 2018 inspection" is not answered by
    passages that never mention 2018, nor "the 2017 staff survey" by a rating printed for 2017."""
    asked = list(dict.fromkeys(YEAR.findall(question)))
    content = set(u.content) - set(asked)
    for year in asked:
        said = [s for e in extracts for a, b in e.highlights for s in _sentences(e.text[a:b]) if year in s]
        said += [s for e in extracts for s in _sentences(e.text) if year in s and set(terms(s)) & content]
        if not said:
            return Check(False, f"The report gives nothing for {year} on this.")
    return OK


def holds_answer(
    question: str,
    u: Understanding,
    extracts: Sequence[Extract],
    people: Callable[[str], Sequence[Speaker]],
    elsewhere: Sequence[str] = (),
    ordinary: Callable[[str], bool] = lambda t: True,
    known: Callable[[str], bool] = lambda t: True,
    bodies: Callable[[str], bool] = lambda text: False,
    scope: Sequence[str] = (),
) -> Check:
    """The kind of answer wanted is in what would be shown first. A person: someone cited or named there, in the
    role the question asks about when it names one (`people` gives the report's people named in a text) — or, when
    it asks about a role at an organisation the report names that is none of its cases (`elsewhere`: how the
    question names them, "mersey care": their names as printed), a sentence naming one and the role together; and
    asked of the trusts in `scope`, one of their people."""
    if u.want == "any":
        return OK
    if u.want == "person":
        found = [s for e in extracts for s in (*e.speakers, *people(e.text))]
        asked = set(u.roles)
        if asked and elsewhere and not u.trusts:  # "who is the chief executive of mersey care?"
            together = any(any(" ".join(words(o)) in " ".join(words(s)) for o in elsewhere) and fits_role(asked, s)
                           for e in extracts for s in _sentences(e.text))
            return OK if together else Check(False, f"The report names no one in that role at {elsewhere[0]}.")
        if not asked and IDENTITY.search(question.lower()) and u.content and any(
                set(u.content) <= set(terms(s)) for e in extracts for s in _sentences(e.text)):
            return OK  # "who is tim kendall?": a sentence naming him says who he is
        if any(fits_role(asked, s.role) and (not scope or not asked or s.trust in scope) for s in found):
            return OK  # "somerset's chief executive": one of Somerset's people in that role
        if not asked and any(bodies(e.text) for e in extracts):  # "who's running it?": "led by CQC and NHS …"
            return OK
        if asked:
            return Check(False, "The closest material names nobody in that role.")
        return Check(False, "The closest material names no person for this.")
    # "how many staff": the figure must be of staff; "the bed occupancy rate": next to bed or occupancy
    # (words the report never uses — "ppl", "strat" — cannot be next to its figures: they are not looked for)
    counted = {t for t in (_counted(question) or set(u.figure_of)) if known(t)}
    content = {t for t in u.content if known(t)}
    # "when did ben travis become chief executive?": a date in a passage that names him
    surnames = {words(name)[-1] for name in u.people if words(name)}
    # "how many beds does harplands hospital have?": a figure in a passage naming Harplands (a word the report
    # prints only as a name), not the beds of another trust
    names = {t for t in u.content if not ordinary(t)}
    # "how many children waited over 18 weeks?": the question's own numbers are not its answer
    typed = {n.rstrip(".,") for n in re.findall(r"\d[\d,.]*", question)}
    for e in extracts:
        # ... or one quoting them ("Kate agrees, saying, “… 10% of a person's life …”": cited to Kate Henry)
        quoting = {s.name for s in (*e.speakers, *((e.speaker,) if e.speaker else ()))} & set(u.people)
        if (surnames and not surnames & set(words(e.text)) and not quoting) or names - set(terms(e.text)):
            continue
        for sentence in _sentences(e.text):
            told = re.sub(r"\d[\d,.]*", lambda m: " " if m.group(0).rstrip(".,") in typed else m.group(0), sentence)
            if not has(u.want, told):
                continue
            said = set(terms(sentence))
            if u.figure_head and known(u.figure_head) and not _meets({u.figure_head}, said):
                continue  # "staff survey response rate": a figure of the response, not any survey figure
            if u.want == "date" and surnames & set(words(sentence)):  # "when did rob webster start?": "… Rob
                return OK  # Webster, who joined in May 2016": a date in a sentence naming the person asked about
            if (counted and not _meets(counted, said)) or (content and not _meets(content, said)):
                continue
            return OK
    what = {"money": "amount of money", "number": "figure", "date": "date"}[u.want]
    return Check(False, f"The report gives no {what} for this.")


# an outcome asked for: "what were the survey results?", "what rating did they get?", "what did the review find?"
_OUTCOME = re.compile(r"\b(?:results?|outcomes?|findings?|scores?|rated|rating|verdict|conclu\w*)\b")
# a question about what was hoped for or planned is answered by the hope or the plan
_ABOUT_AHEAD = re.compile(r"\b(?:hop\w*|plan\w*|expect\w*|aim\w*|intend\w*|future|will|going to)\b")
# a sentence telling an outcome as still to come: "results are imminent", "when the results are released in March
# 2018", "we are hopeful that our services will be rated …" (grammatical marks of the future; no topic words)
_AHEAD = re.compile(r"\b(?:will|shall|imminent|due(?! to\b)|due to be|await\w*|expect(?:s|ing)?\b|expected to|"
                    r"hopes?|hopeful|hoping|yet to|not yet|"
                    r"when (?:the )?(?:\w+ ){0,2}(?:are|is) (?:released|published|announced|known))\b")


def still_to_come(question: str, u: Understanding, extracts: Sequence[Extract]) -> Check:
    """An outcome asked for ("what were lincs' 2017 national staff survey results?") is not given when the sentences
    shown first that share the most of the question's other words all tell that outcome as still to come ("… when
    the results are released in March 2018"): the report was written before it. A sentence that matches as well and
    tells what happened ("Local staff surveys during 2017 showed significant improvement") answers "how did their
    staff survey results change?". A question about hopes or plans, about what was said, or asking when ("when are
    the results due?": the sentence saying so answers it) is left alone."""
    q = question.lower()
    outcome = set(_OUTCOME.findall(q))
    if not outcome or _ABOUT_AHEAD.search(q) or u.speech or u.sayer or u.people or u.want == "date":
        return OK
    asked = {stem(w) for w in outcome}
    subject = set(u.content) - set(terms(" ".join(outcome)))
    scored = [(len(subject & set(terms(s))), s) for e in extracts for s in _sentences(e.text)]
    top = max((k for k, _ in scored), default=0)
    best = [s for k, s in scored if k == top]
    if top and all(_AHEAD.search(s.lower()) and asked & {stem(w) for w in _OUTCOME.findall(s.lower())} for s in best):
        told = " ".join(best[0].split())
        return Check(False, f"The report tells this only as still to come: “{told}”")
    return OK


def role_at_body(u: Understanding, extracts: Sequence[Extract], bodies: Sequence[str]) -> Check:
    """"Who is the chief executive of cqc?": a role at a body the question names (`bodies`, as typed) is answered by
    a sentence holding every subject word of the question (the body's name and the role's words together)."""
    if any(set(u.content) <= set(terms(s)) for e in extracts for s in _sentences(e.text)):
        return OK
    body = bodies[0] if " " in bodies[0] else bodies[0].upper()  # "cqc" as the report prints it: CQC
    return Check(False, f"The report names no one in that role at {body}.")


def gives_rating(u: Understanding, extracts: Sequence[Extract], values: Sequence[str], cues: set[str],
                 others: Sequence[str]) -> Check:
    """The rating of an organisation the report names but does not cover (`others`: its name as printed) is given
    to it in what would be shown first: a value (`values`: those the histories hold) right after a word for rating
    ("rated as good"; not "good practice"), in a sentence naming it."""
    if not values or u.speech or u.people or u.quoted or u.sayer:  # words said about a rating, not the rating
        return OK
    given = re.compile(rf"\b(?:{'|'.join(map(re.escape, values))})\b")
    for e in extracts:
        for sentence in _sentences(e.text):
            low = " ".join(words(sentence))
            rated = any(any(stem(w) in cues for w in low[: m.start()].split()[-3:]) for m in given.finditer(low))
            if rated and any(" ".join(words(o)) in low for o in others):
                return OK
    return Check(False, f"The report gives no rating for {others[0]}.")


def quotes_sayer(u: Understanding, extracts: Sequence[Extract], role_words: frozenset[str],
                 heads: frozenset[str], scope: Sequence[str] = ()) -> Check:
    """"What did <someone> say?" where the someone is not one of the report's people: a name the report never uses
    ("dr smith") is no one it quotes; a role ("swypt's medical director") must be held by someone quoted in what
    would be shown first (of the trust asked about, if any)."""
    if not u.sayer:
        return OK
    unknown = {w.lower() for w in u.unknown}
    if unknown & set(u.sayer):
        return Check(False, f"The report quotes no one called {' '.join(u.sayer)}.")
    asked = {t for t in terms(" ".join(u.sayer)) if t in role_words}
    if not asked & heads:  # "what did staff say?": a group, not a role
        return OK
    quoted = [s for e in extracts for s in (*e.speakers, *((e.speaker,) if e.speaker else ()))]
    if any(fits_role(asked, s.role) and (not scope or s.trust in scope) for s in quoted):
        return OK
    return Check(False, f"The closest material quotes no {' '.join(u.sayer)}.")
