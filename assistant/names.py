"""Which of the report's trusts (cases) and people a question names — however the user typed them.

Everything matched comes from the report's facts (`ingest.facts`): each case's full name, the short forms and
acronyms the report itself uses, and its people. What a user types on top of that is matched by mechanism, not by a
list: an acronym or leading letters of the name (`SWYPFT`, `LPFT`, `sompar`), the distinctive last word of a short
form (`Yorkshire`), two or more words from inside one name (`Combined Healthcare`), a word cut short (`staffs`,
`lincs`), or a misspelling (`lincolnshre`, `Sheffeild`, via rapidfuzz). Only words the report does not itself use
are read loosely, so "staff" stays "staff", and a last word the report also prints in lower case ("valley") is a
word, not a name. Every loose reading is reported back as a note. Left out: nicknames that share no letters with the
name, and organisations other than the cases."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from assistant.text import STOP, words
from ingest.facts import ReportFacts, spells_initials

How = Literal["name", "acronym", "abbreviation", "spelling"]


@dataclass(frozen=True)
class NameMatch:
    trust: str
    typed: str  # the words as the user typed them
    how: How
    start: int  # character span in the question
    end: int

    def note(self) -> str | None:
        """What to tell the user about a loose reading (None for a name typed as the report prints it)."""
        if self.how == "name":
            return None
        return f"read “{self.typed}” as {self.trust}"


@dataclass(frozen=True)
class _Form:
    trust: str
    text: str  # as printed
    tokens: tuple[str, ...]


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0).lower(), m.start(), m.end()) for m in re.finditer(r"[A-Za-z][A-Za-z0-9&]*", text)]


class Names:
    """Matches case names and people in questions, built once from the report's facts and surface vocabulary."""

    def __init__(
        self,
        facts: ReportFacts,
        surface: frozenset[str],
        similarity: float = 85.0,
        common: frozenset[str] = frozenset(),
    ) -> None:
        self.cases = facts.trust_names
        self.surface = surface
        self.common = common  # words the report also uses in lower case: a common word, not only a name
        self.similarity = similarity
        self.forms: list[_Form] = []
        for case in facts.cases:
            for text in (case.name, *case.short_forms, *case.acronyms):
                toks = tuple(t for t, _, _ in _tokens(text))
                if toks:
                    self.forms.append(_Form(case.name, text, toks))
        self.forms.sort(key=lambda f: -len(f.tokens))
        self.inner = self._inner_forms()
        self._ordered: list[tuple[_Form, How]] = [*((f, "name") for f in self.forms),
                                                 *((f, "abbreviation") for f in self.inner)]
        self._starting: dict[str, list[int]] = {}  # first word -> positions in `_ordered`
        for rank, (form, _) in enumerate(self._ordered):
            self._starting.setdefault(form.tokens[0], []).append(rank)
        # head words: the last word of each short form (English puts the distinctive noun last: "North
        # Staffordshire"), kept only when no other case's name contains it
        heads: dict[str, set[str]] = {}
        for case in facts.cases:
            for text in (case.short_forms[-1:] if case.short_forms else ()):
                heads.setdefault(_tokens(text)[-1][0], set()).add(case.name)
        in_names = {t for name in self.cases for t, _, _ in _tokens(name)}
        self.heads = {w: next(iter(c)) for w, c in heads.items() if len(c) == 1 and len(w) >= 4}
        self.others = {w: {c for c in self.cases if w in {t for t, _, _ in _tokens(c)}} for w in in_names}
        self.people = self._people_forms(facts)

    def _inner_forms(self) -> list[_Form]:
        """Runs of two or more words inside a case's name, each word in no other case's name, one of them never
        printed by the report in lower case: "Combined Healthcare"; not "Social Care" (a phrase too), nor "Health
        NHS Trust" (whose last words are every name's, so likely another organisation's)."""
        runs: dict[tuple[str, ...], set[str]] = {}
        for case in self.cases:
            toks = [t for t, _, _ in _tokens(case)]
            for i in range(1, len(toks)):  # leading parts are short forms only where the report uses them so
                for j in range(i + 2, len(toks) + 1):
                    run = tuple(toks[i:j])
                    if run[0] not in STOP and run[-1] not in STOP:
                        runs.setdefault(run, set()).add(case)
        exact = {f.tokens for f in self.forms}
        once = {t for run, cases in runs.items() for t in run if len({c for r, cs in runs.items() if t in r
                                                                    for c in cs}) == 1}
        out = [_Form(next(iter(cases)), " ".join(run), run) for run, cases in runs.items()
               if run not in exact and all(t in once for t in run) and any(t not in self.common for t in run)]
        return sorted(out, key=lambda f: -len(f.tokens))

    @staticmethod
    def _people_forms(facts: ReportFacts) -> dict[str, str]:
        """Lower-case name forms (full, without title, surname, unique first name) -> full name."""
        out: dict[str, str] = {}
        firsts: dict[str, set[str]] = {}
        surnames: dict[str, set[str]] = {}
        for p in facts.people:
            parts = re.sub(r"^(?:Dr|Professor) ", "", p.name).split()
            out[p.name.lower()] = p.name
            out[" ".join(parts).lower()] = p.name
            firsts.setdefault(parts[0].lower(), set()).add(p.name)
            surnames.setdefault(parts[-1].lower(), set()).add(p.name)
        for form, names in (*firsts.items(), *surnames.items()):
            if len(names) == 1 and len(form) > 3 and form not in STOP:
                out.setdefault(form, next(iter(names)))
        return out

    # -- cases ---------------------------------------------------------------------------------------------------
    def find(self, question: str) -> list[NameMatch]:
        """The cases the question names, in order of first mention, each with how it was read."""
        toks = _tokens(question)
        used = [False] * len(toks)
        found: list[NameMatch] = []
        # exact names and short forms, longest first; then words from inside one name ("combined healthcare"):
        # the forms that could start at each word, taken in that order
        words_ = [t for t, _, _ in toks]
        candidates = sorted((rank, i) for i, w in enumerate(words_) for rank in self._starting.get(w, ()))
        for rank, i in candidates:
            form, how = self._ordered[rank]
            n = len(form.tokens)
            if any(used[i : i + n]) or tuple(words_[i : i + n]) != form.tokens:
                continue
            for j in range(i, i + n):
                used[j] = True
            start, end = toks[i][1], toks[i + n - 1][2]
            found.append(NameMatch(form.trust, question[start:end], how, start, end))
        for i, (tok, start, end) in enumerate(toks):
            if used[i] or tok in STOP or len(tok) < 3:
                continue
            hit = self._loose(tok, question[start:end])
            prev = toks[i - 1][0] if i and not used[i - 1] else ""
            if hit is not None and prev not in STOP and prev in self.others and hit[0] not in self.others[prev]:
                continue  # "north yorkshire": another case's word, unread, before it makes another place of it
            if hit is not None:
                trust, how = hit
                used[i] = True
                s = toks[i - 1][1] if i and how == "abbreviation" and self._leads(toks[i - 1][0], trust) else start
                found.append(NameMatch(trust, question[s:end], how, s, end))
        first: dict[str, NameMatch] = {}
        for m in sorted(found, key=lambda m: m.start):
            first.setdefault(m.trust, m)
        return list(first.values())

    def _leads(self, word: str, trust: str) -> bool:
        """`word` is a leading word of one of the trust's short forms ("north" in "north staffs")."""
        return any(f.trust == trust and len(f.tokens) > 1 and f.tokens[0] == word for f in self.forms)

    def _loose(self, tok: str, typed: str) -> tuple[str, How] | None:
        if tok in self.heads and tok not in self.common:
            return self.heads[tok], "abbreviation"  # the distinctive word of a short form, alone ("Yorkshire")
        if tok in self.surface:
            return None  # a word the report itself uses means what it says
        long_enough = len(tok) >= 4 or (len(tok) == 3 and typed.isupper())  # "sat" is a word, "SAT" may not be
        acronym = [c for c in self.cases if long_enough and spells_initials(tok, c)]
        if len(acronym) == 1 and not any(tok == h[: len(tok)] for h in self.heads):
            return acronym[0], "acronym"
        for head, trust in self.heads.items():
            stemless = tok[:-1] if tok.endswith("s") else tok
            if len(stemless) >= 4 and head.startswith(stemless):
                return trust, "abbreviation"
        if len(tok) >= 5:
            best = max(self.heads, key=lambda h: fuzz.ratio(tok, h), default=None)
            if best is not None and fuzz.ratio(tok, best) >= self.similarity:
                return self.heads[best], "spelling"
        return None

    # -- people --------------------------------------------------------------------------------------------------
    def find_people(self, question: str) -> tuple[str, ...]:
        """Full names of the report's people that the question names (full name, surname or unique first name)."""
        low = " " + " ".join(words(question)) + " "
        mixed = {w for pair in self.mixed(question) for w in pair}
        named: list[str] = []
        for form in sorted(self.people, key=len, reverse=True):
            if f" {form} " in low and self.people[form] not in named and form not in mixed:
                named.append(self.people[form])
                low = low.replace(f" {form} ", " ")
        return tuple(named)

    def mixed(self, question: str) -> tuple[tuple[str, str], ...]:
        """Two words typed together as one name, each a name of a different person of the report and together of
        none ("sarah jones": Sarah Browning's first name, Laura Jones's surname): someone the report does not name."""
        typed = [(m.group(0).lower(), m.start(), m.end()) for m in re.finditer(r"[^\W\d_]+", question)]
        out = []
        for (a, _, end), (b, start, _) in itertools.pairwise(typed):  # next to each other, only a space between
            if question[end:start].isspace() and a in self.people and b in self.people \
                    and self.people[a] != self.people[b] and f"{a} {b}" not in self.people:
                out.append((a, b))
        return tuple(out)

    def short(self, trust: str) -> str:
        """The shortest form the report uses for a trust (its name when it has none)."""
        forms = [f.text for f in self.forms if f.trust == trust and not f.text.isupper()]
        return min(forms, key=len) if forms else trust

    def strip(self, question: str, matches: Sequence[NameMatch]) -> str:
        """The question with the matched names taken out."""
        out = question
        for m in sorted(matches, key=lambda m: -m.start):
            out = out[: m.start] + out[m.end :]
        return re.sub(r"\s+", " ", out).strip()
