"""Reading a question without an LLM: what it names, what kind of answer it wants, what it leans on.

Names (trusts, people) come from the report's facts via `names.Names`; the kind of answer wanted (a number, a
date, an amount of money, a person) from the question's own wh-words; whether it leans on an earlier turn from
its pronouns and how few words of its own it has. Words, years and organisation names the report never uses
are collected for the abstention checks. Nothing here lists this report's trusts, sections or themes.
Left out: negation ("not Oxleas"), comparatives, and anything needing real parsing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from assistant.names import NameMatch, Names
from assistant.text import DEMONSTRATIVES, PRONOUNS, QUESTION, STOP, YEAR, Vocabulary, stem, terms, words
from ingest.people import SPEECH_VERBS

Want = Literal["money", "number", "date", "person", "any"]

_MONEY = re.compile(
    # ("how much of his time does he spend …" asks how much time)
    r"£|\bhow much\b(?:(?!\btime\b).)*\b(?:cost|costs|pay|paid|spend|spent|budget|fund\w*|money|pounds?|invest\w*)\b|"
    # "what did it cost", "what did they spend on it", not "what … covering costs"
    r"\bwhat(?:'s|s|’s)?\b(?:\s+[\w'’]+){0,7}\s+(?:cost|costs|price|budget|spend|spent|pay|paid)\b"
)
_DATE = re.compile(r"^\s*(?:when|since when)\b|\bwhat (?:date|year|month)\b|\bwhich year\b|\bin what year\b")
_NUMBER = re.compile(r"\bhow (?:many|much|long|big|far)\b|\bnumber of\b|\bwhat (?:percentage|proportion|share)\b|"
                     # "what is the turnover rate"
                     r"\bwhat(?:'s|s|’s)?\b(?:\s+[\w'’]+){0,7}\s+(?:rate|percentage|figure|total|scores?)\b|"
                     # typed as a name for the figure: "sheffield bed occupancy rate", "staff survey engagement score"
                     r"^\W*(?:[\w'’-]+\s+){1,6}(?:rate|percentage|figure|total|score)s?\W*$")
# a question typed as the name of a figure, with no question word ("staff turnover rate at somerset after the
# inspection", "restraint numbers per month before vs after", "shsc deficit 2017/18"): it asks for that figure
# a yes/no question ("did they cover families' costs?") opens with an auxiliary
YES_NO = re.compile(r"^\W*(?:and\s+)?(?:did|does|do|is|are|was|were|has|have|had|can|could|will|would)\b")
_INTERROGATIVE = re.compile(r"\b(?:who|whom|whose|what|whats|what's|what’s|which|when|where|why|how)\b|"
                            + YES_NO.pattern)  # ... and is a question too
_FIGURE_NAME = {"number": re.compile(r"\b(?:rate|percentage|proportion|figure|total|score|numbers)s?\b"),
                "money": re.compile(r"\b(?:cost|budget|deficit|price|spend)s?\b")}
_PERSON = re.compile(r"^\s*(?:and\s+)?(?:who|whose)\b|\bwhich (?:person|people|director|manager|leader)\b")
_PAGE = re.compile(r"\b(?:on\s+)?(?:pages?|pp?\.)\s*(\d{1,3})\b", re.IGNORECASE)  # "what's on page 30", "p. 12"
_QUOTED = re.compile(r"[\"“‘']([^\"”’']{3,80})[\"”’']")


@dataclass(frozen=True)
class Understanding:
    trusts: tuple[str, ...] = ()  # trusts the question names
    matches: tuple[NameMatch, ...] = ()  # how each was read
    people: tuple[str, ...] = ()  # full names of the report's people it names
    quoted: tuple[str, ...] = ()  # phrases the user put in quotation marks
    want: Want = "any"
    content: tuple[str, ...] = ()  # stems of its own subject words (no names, question words or stopwords)
    unknown: tuple[str, ...] = ()  # subject words the report never uses (not even misspelt), as typed
    measured_unknown: tuple[str, ...] = ()  # ... those a figure or amount is asked of ("turnover" in "turnover rate")
    figure_of: tuple[str, ...] = ()  # stems of the words a figure or amount is asked of ("bed occupancy rate")
    figure_head: str = ""  # ... the one right before the word for the figure ("occupancy" of "bed occupancy rate")
    foreign: tuple[str, ...] = ()  # organisation or place names the report never mentions
    years: tuple[str, ...] = ()  # years it names that the report never mentions
    pronoun: bool = False  # it says "it", "that", "they", "he"... (it may lean on an earlier turn)
    personal: bool = False  # ... a personal pronoun ("it", "they", "their", "he"), not "that"/"this"
    # its words stand for the last topic: it ends on "that"/"this" standing alone ("did somerset do anything like
    # that?"), or says "same" with at most one word of its own ("same question for sheffield")
    ends_pointing: bool = False
    pointing: bool = False  # ... or "these"/"those" before a word of its own ("those walkarounds": things just named)
    roles: tuple[str, ...] = ()  # "who is the chief exec?": the role words the answer's person must hold
    about_cases: bool = False  # it speaks of the cases in the plural ("how did trusts …", "which trusts …")
    # "what did dr smith from oxleas say?": the words naming who is asked about, when the question asks what
    # someone said and names no one the report quotes
    sayer: tuple[str, ...] = ()
    more: bool = False  # it asks for what has not been shown yet ("what else …?", "anything else?")
    further: bool = False  # it asks for more and names nothing ("tell me more", "more please")
    one_case: bool = False  # ... or of one, in the singular, without naming it ("which trust …", "the trust where …")
    # when the index holds several kinds of case (trusts, practices), the cases of the kind it names
    case_kind: tuple[str, ...] = ()
    speech: bool = False  # it asks about words said ("who said that?", "who was quoted?")
    topic: tuple[str, ...] = ()  # its subject words other than words of saying ("what did trusts say about X": X)
    pages: tuple[int, ...] = ()  # pages it names ("what's on page 30?"), as the citations number them
    notes: tuple[str, ...] = field(default=())  # loose readings to tell the user about

    @property
    def who(self) -> bool:
        return self.want == "person"

    @property
    def said_only(self) -> bool:
        """Its only subject words are words of saying ("who said that?")."""
        return bool(self.content) and not self.topic


_MEASURED = (
    re.compile(r"\bhow (?:many|much) ((?:[a-z][\w'’-]*\s*){1,2})"),  # "how many inpatient beds …"
    re.compile(r"((?:[a-z][\w'’-]*\s+){1,3})(?:rate|percentage|figure|total|score|cost|costs|budget|price|deficit"
               r"|numbers)s?\b"),
    re.compile(r"\b(?:percentage|proportion|share|number) of ((?:[a-z][\w'’-]*\s*){1,3})"),
)


def measured(question: str) -> set[str]:
    """The words a figure or amount is asked of: "how many <them>", "<them> rate", "percentage of <them>" (up to
    three words, up to a small word), not the question's other words ("roughly", "thru", "unrelated -")."""
    out: set[str] = set()
    for pattern in _MEASURED:
        for m in pattern.finditer(question.lower()):
            run = words(m.group(1))
            # "<them> rate": the words right before the noun; otherwise those after the asking words
            for w in reversed(run) if pattern is _MEASURED[1] else run:
                if w in STOP or w in QUESTION:  # up to a small word
                    break
                out.add(w)
    return out


def _head(question: str) -> str:
    """The stem of the word right before the word naming a figure ("response" of "staff survey response rate")."""
    m = _MEASURED[1].search(question.lower())
    if not m:
        return ""
    run = words(m.group(1))
    return stem(run[-1]) if run and run[-1] not in STOP and run[-1] not in QUESTION else ""


_LEADING = re.compile(r"^\s*(?:and\s+)?(?:(who|whose)|which(?!\s+(?:year|month|date)\b))\b")


def wanted(question: str) -> Want:
    """The kind of answer asked for. A question opening with "who" or "which …" asks for a person or a thing, whatever
    its later clauses ask ("which trust can work out what each patient's care costs?" does not ask for money)."""
    q = question.lower()
    lead = _LEADING.match(q)
    if lead:  # "which director …" still asks for a person
        return "person" if lead.group(1) or _PERSON.search(q) else "any"
    for want, pattern in (("money", _MONEY), ("date", _DATE), ("number", _NUMBER), ("person", _PERSON)):
        if pattern.search(q):
            return want  # type: ignore[return-value]
    if not _INTERROGATIVE.search(q):
        for want, pattern in _FIGURE_NAME.items():
            if pattern.search(q):
                return want  # type: ignore[return-value]
    return "any"


def _foreign_names(question: str, names: Names, vocab: Vocabulary, matched: list[NameMatch]) -> tuple[str, ...]:
    """Names of organisations or places the report never mentions.

    A name is a capitalised word inside the question (not an acronym), a run of two or more unknown words that are
    joined by "and"/"of" or come up to three words before a word that names an organisation in this report ("trust",
    "nhs": the words its cases' names share), or one unknown word right before two such words ("devon partnership
    trust"), or one right before a word that styles a case's name ("nottinghamshire healthcare": not the place
    words it starts with) — one lower-case unknown word before "trust" alone may be an ordinary word ("the fastest
    trust"). It
    counts as foreign when none of its words is used by the report (a misspelling of a report word is not foreign).
    """
    taken = [(m.start, m.end) for m in matched]
    out: list[str] = []
    tokens = [(m.group(0), m.start()) for m in re.finditer(r"[^\W\d_](?:[^\W\d_]|['’\-])*", question)]

    def unknown(tok: str) -> bool:
        low = tok.lower()
        return len(low) > 2 and low not in vocab.surface and not vocab.knows(stem(low))

    for i, (tok, start) in enumerate(tokens):
        low = tok.lower()
        if any(a <= start < b for a, b in taken) or low in vocab.generic or low in QUESTION or not unknown(tok):
            continue
        run = [tok]
        for back, _ in reversed(tokens[max(0, i - 3) : i]):  # "leeds and york partnership": the whole name
            b = back.lower()
            if b not in ("and", "of") and (b in STOP or b in QUESTION or b in vocab.surface):
                break
            run.insert(0, back)
        while run[0].lower() in ("and", "of"):
            run.pop(0)
        for fwd, _ in tokens[i + 1 : i + 4]:  # and onwards, over capitalised words, to the organisation word
            if not fwd[0].isupper() or fwd.lower() in vocab.generic:
                break
            run.append(fwd)
        # the next words, possessives dropped: "… wiltshire mental health partnership", "devon partnership trust's"
        ahead = [re.sub(r"['’]s$", "", t.lower()) for t, _ in tokens[i + 1 : i + 4]]
        acronym = tok.isupper() or (tok.endswith("s") and tok[:-1].isupper())  # "CEOs": a plural acronym
        capitalised = tok[0].isupper() and i > 0 and not acronym
        named = sum(unknown(w) for w in run)
        joined = any(w.lower() in ("and", "of") for w in run)  # "tavistock and portman"
        org = [w in vocab.generic for w in ahead]
        several = (named >= 2 and (joined or any(org))) or org[:2] == [True, True]  # "devon partnership trust"
        # an unknown word before a word that styles a case's name (not its place: "healthcare", "partnership"):
        # "nottinghamshire healthcare"
        styled = bool(ahead) and ahead[0] in vocab.case_words - vocab.generic and len(low) > 3
        if capitalised or several or styled:
            out.append(" ".join(run))
    return tuple(n for n in dict.fromkeys(out) if not any(n != m and n in m for m in out))  # the longest runs


# verbs of saying (the ingest stage's speech verbs, and those a question uses for them)
_SPEECH = re.compile(rf"\b(?:{SPEECH_VERBS}|say|quoted?|quotes|called|calls|wrote|writes|mentioned|words?)\b")
# "what did <someone> say (about …)?": the someone
_SAYER = re.compile(r"\bwhat (?:did|does|do|has|have|had) (?:the )?(.+?) (?:say|said|think|thinks|tell|told)\b")
# "who is the chief exec?" asks who holds a role; "who's working on …" asks who does something
IDENTITY = re.compile(r"(?:^\s*(?:and\s+)?who\s+(?:is|was|are|were|'s)|\bwho's)\b(?!\s+\w+ing\b)|\bname of the\b")


def _roles_asked(question: str, content: tuple[str, ...], vocab: Vocabulary) -> tuple[str, ...]:
    """For "who is/was the <role> …?" (asking who holds a role, not who said something): its role words."""
    if not IDENTITY.search(question.lower()):
        return ()
    return tuple(t for t in content if len(t) > 3 and any(r.startswith(t) or t.startswith(r) for r in vocab.roles))


def understand(question: str, names: Names, vocab: Vocabulary) -> Understanding:
    matches = names.find(question)
    people = names.find_people(question)
    pages = tuple(dict.fromkeys(int(n) for n in _PAGE.findall(question)))
    rest = _PAGE.sub(" ", names.strip(question, matches))  # "page 30" names where to look, not what about
    typed = words(rest)  # its words, names aside
    person_words = {w for p in people for w in words(p)}
    drop = QUESTION | vocab.generic | person_words
    content = tuple(dict.fromkeys(terms(rest, drop)))
    quoted = tuple(q.strip() for q in _QUOTED.findall(question))
    topic = set(terms(_SPEECH.sub(" ", rest.lower()), drop))  # words of saying are not what it is about
    strange = {t for t in content if t in topic and len(t) > 3 and not vocab.knows(t)}
    unknown = tuple(dict.fromkeys(w for w in typed if stem(w) in strange))  # as the user typed them
    # "sarah jones": two people's names typed as one is no one the report names
    unknown += tuple(w for pair in names.mixed(question) for w in pair if w not in unknown)
    years = tuple(y for y in dict.fromkeys(YEAR.findall(question)) if y not in vocab.years)
    roles = _roles_asked(question, content, vocab)
    want = wanted(question)
    asked_of = measured(rest) if want in ("number", "money") else set()  # not the trust it is asked of
    said = _SAYER.search(rest.lower()) if not people else None
    sayer = tuple(w for w in words(said.group(1)) if w not in STOP and len(w) > 1) if said else ()
    if want == "any" and roles:  # "what's the name of the psychologist …?" asks for a person in a role
        want = "person"
    kinds = [w for w in typed if vocab.cases_of_kind(w)]  # "trusts", "practices": the cases in the plural
    singular = {k[:-1] for k, _ in vocab.case_kinds if k.endswith("s")}  # "trust" of "trusts"
    # "each trust", "every trust": all of them, one at a time (not one, in the singular)
    each = any(w in ("each", "every") and nxt in singular for w, nxt in pairwise(typed))
    return Understanding(
        trusts=tuple(dict.fromkeys(m.trust for m in matches)),
        matches=tuple(matches),
        people=people,
        quoted=quoted,
        want=want,
        content=content,
        unknown=unknown,
        # a figure or amount asked of something the report never names ("swypt's staff turnover rate")
        measured_unknown=tuple(w for w in unknown if w.lower() in asked_of),
        figure_of=tuple(sorted({stem(w) for w in asked_of})),
        figure_head=_head(rest) if want in ("number", "money") else "",
        foreign=_foreign_names(question, names, vocab, matches),
        years=years,
        pronoun=any(w in PRONOUNS for w in typed),
        personal=any(w in PRONOUNS - DEMONSTRATIVES for w in typed),
        pointing=any(w in ("these", "those") and nxt not in STOP and nxt not in QUESTION for w, nxt in pairwise(typed)),
        roles=roles,
        about_cases=bool(kinds) or each,
        more="else" in words(question),
        ends_pointing=bool(typed) and (typed[-1] in ("that", "this") or ("same" in typed and len(content) <= 1)),
        further="more" in typed and not content,
        sayer=sayer if not set(sayer) <= vocab.generic | QUESTION else (),  # "what did the trust say": no one
        one_case=not (kinds or each) and any(w in singular for w in typed),
        case_kind=vocab.cases_of_kind(kinds[0]) if kinds and len(vocab.case_kinds) > 1 else (),
        speech=bool(_SPEECH.search(question.lower())),
        topic=tuple(t for t in content if t in topic),
        pages=pages,
        notes=tuple(n for m in matches if (n := m.note())),
    )
