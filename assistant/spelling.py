"""Misspelt words in a question, read as the report's own words for searching ("restrant" → "restraint").

A word is read again only when the report never uses it (nor its stem), it is not a word of the language (the
embedding model's tokenizer knows it whole: "cutting", "employees" are words, "restrant" is not), it is not part of
a name the question reader matched (names have their own loose reading), it is at least `min_length` letters long,
and the report's closest word is within `similarity` (rapidfuzz ratio, 0–100), or it with two letters next to each other
swapped ("saftey": the ratio counts a swap as two slips, 83 to "safety"), and not inside it ("uncaring" is
not "caring" misspelt). Without such a word list nothing is
read again. A word the report prints hyphenated, typed without the hyphen ("reinspected" for its "re-inspect"), is
read with it. Every reading is told to the user. Left out: words split wrongly ("in patient"), and real words typed
for others ("bed" for "bad").

`Acronyms` reads the initials of a name the report prints in full as that name ("elft" → East London NHS Foundation
Trust, "ndti" → National Development Team for Inclusion): the names are the runs of capitalised words in its text
(with "of", "and", "for", "the" inside), their initials with and without those of all-capital words ("NHS"), with
those words whole ("nhsi": NHS Improvement) and with the small words' initials too ("salt": Speech and Language
Therapist), three letters or more, only when they stand for one name and are neither a word of the report nor of
the language (a word of the language typed in capitals, "SALT", may be).

`RoleWords` reads a word the report never uses as the title of one of its people's roles when the embedding model
puts that title nearest and close enough ("ceo" → "chief executive"): titles only (they begin with a capital and
have at most four words: "Chief Executive", not "a former service user and …"), a plural read as its singular
("ceos"). The titles are embedded once, at the first word that needs them. Left out: the report's other words
(embedding its whole vocabulary at start-up would slow every cold start for a few questions).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
from rapidfuzz import fuzz, process

from assistant.text import QUESTION, STOP, Vocabulary, stem

_WORD = re.compile(r"[A-Za-z]+")
_CAPS = r"[A-Z][\w’'&-]*"
_NAME_RUN = re.compile(rf"\b{_CAPS}(?:\s+(?:(?:of|and|for|the)\s+)?{_CAPS})+")


class Acronyms:
    def __init__(self, texts: Sequence[str], known: Callable[[str], bool],
                 reports: Callable[[str], bool] | None = None) -> None:
        """`known`: a word of the report or of the language (not read as initials); `reports`: a word of the report
        alone (a word of the language typed in capitals, "SALT", may still be initials)."""
        found: dict[str, set[str]] = {}
        capitals: dict[str, set[str]] = {}
        printed: set[str] = set()
        for text in texts:
            for m in _NAME_RUN.finditer(text):
                words = m.group(0).split()
                while len(words) > 2 and words[0].lower() in STOP:  # "The Care Quality Commission": not its "The"
                    words = words[1:]
                name = re.sub(r"[’']s$", "", " ".join(words))
                caps = [w for w in name.split() if w[0].isupper()]
                plain = {"".join(w[0] for w in caps), "".join(w[0] for w in caps if not w.isupper())}
                if any(len(f) >= 3 and not known(f.lower()) for f in plain):
                    printed.add(name)
                every = name.split()
                more = {"".join(w if w.isupper() else w[0] for w in caps),  # "NHS Improvement": NHSI
                        "".join(w[0] for w in every) if len(every) > len(caps) else ""}  # "… and …": SALT
                for form in (f.lower() for f in plain | more if len(f) >= 3):
                    if not known(form):
                        found.setdefault(form, set()).add(name)
                    elif reports is not None and not reports(form):
                        capitals.setdefault(form, set()).add(name)
        self.names = {form: next(iter(names)) for form, names in found.items() if len(names) == 1}
        # initials that are also a word of the language: read only when typed in capitals ("SALT", not "salt")
        self.capitals = {form: next(iter(names)) for form, names in capitals.items() if len(names) == 1}
        self.printed = frozenset(printed)  # every name run, as printed (with initials of its own)

    def expand(self, question: str, protected: Sequence[tuple[int, int]] = ()) -> tuple[str, tuple[str, ...]]:
        """(the question with each acronym replaced by the name it stands for, a note for each)."""
        readings = [(m, name, name) for m in _WORD.finditer(question)
                    if (name := self.names.get(m.group(0).lower())
                        or (self.capitals.get(m.group(0).lower()) if m.group(0).isupper() else None)) is not None
                    and not _inside(m, protected)]
        return _rewrite(question, readings)


class Speller:
    def __init__(self, vocab: Vocabulary, language: frozenset[str], similarity: float = 85.0,
                 min_length: int = 5, hyphenated: Sequence[str] = (), swaps: bool = True) -> None:
        self.vocab, self.language = vocab, language
        # a word the report prints hyphenated, by the stem of its unhyphenated form ("reinspect" → "re-inspect")
        self.joined = {stem(h.replace("-", "")): h for h in hyphenated if h.count("-") == 1}
        self.similarity, self.min_length, self.swaps = similarity, min_length, swaps
        self.choices = sorted(w for w in vocab.surface if w.isalpha() and len(w) >= min_length - 1)
        self._choices = frozenset(self.choices)
        self._memo: dict[str, str | None] = {}

    def _closest(self, word: str) -> str | None:
        if word not in self._memo:  # two threads may both work it out: the same answer, so no lock
            hit = process.extractOne(word, self.choices, scorer=fuzz.ratio, score_cutoff=self.similarity)
            if hit is None and self.swaps:  # two letters swapped ("saftey"), which the ratio counts as two slips
                swapped = sorted({word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
                                 & self._choices)
                hit = (swapped[0],) if swapped else None
            self._memo[word] = hit[0] if hit else None
        return self._memo[word]

    def respell(self, question: str, protected: Sequence[tuple[int, int]] = ()) -> tuple[str, tuple[str, ...]]:
        """(the question with misspelt words replaced, a note for each: "read “restrant” as “restraint”").
        `protected`: character spans left alone (the names matched in it)."""
        readings = []
        for m in _WORD.finditer(question):
            word = m.group(0).lower()
            if _inside(m, protected):
                continue
            printed = self.joined.get(stem(word)) if word not in self.vocab.surface else None
            head = printed.split("-")[0] if printed else ""
            if head and word.startswith(head):  # "reinspected" → "re-inspected"
                readings.append((m, f"{head}-{word[len(head):]}", f"“{head}-{word[len(head):]}”"))
                continue
            if (not self.language or word in self.language or len(word) < self.min_length or word in STOP
                    or word in QUESTION or word in self.vocab.surface or stem(word) in self.vocab.idf):
                continue
            fixed = self._closest(word)
            if fixed is not None and fixed not in word:  # "uncaring", "reinspection": made from it, not a typo
                readings.append((m, fixed, f"“{fixed}”"))
        return _rewrite(question, readings)


class RoleWords:
    def __init__(self, roles: Sequence[str], vocab: Vocabulary, embed: Callable[[list[str]], np.ndarray],
                 similarity: float = 0.75) -> None:
        self.titles = sorted({r.lower() for r in roles if r[:1].isupper() and len(r.split()) <= 4})
        self.vocab, self.embed, self.similarity = vocab, embed, similarity
        self._vectors: np.ndarray | None = None
        self._memo: dict[str, str | None] = {}

    def _unknown(self, word: str) -> bool:
        return (len(word) >= 3 and word not in STOP and word not in QUESTION and word not in self.vocab.surface
                and not self.vocab.knows(stem(word)))

    def read(self, question: str, protected: Sequence[tuple[int, int]] = ()) -> tuple[str, tuple[str, ...]]:
        """(the question with each word read as a role title, a note for each: "read “ceo” as “chief executive”")."""
        found = [m for m in _WORD.finditer(question) if self._unknown(m.group(0).lower())
                 and not _inside(m, protected)]
        if not found or not self.titles:
            return question, ()
        asked = [w for w in dict.fromkeys(_singular(m.group(0).lower()) for m in found) if w not in self._memo]
        if asked:  # two threads may both work a word out: the same answer, so no lock
            if self._vectors is None:
                self._vectors = np.asarray(self.embed(self.titles), dtype=np.float32)
            cos = np.asarray(self.embed(asked), dtype=np.float32) @ self._vectors.T
            for w, row in zip(asked, cos, strict=True):
                best = int(np.argmax(row))
                self._memo[w] = self.titles[best] if row[best] >= self.similarity else None
        titles = ((m, self._memo.get(_singular(m.group(0).lower()))) for m in found)
        return _rewrite(question, [(m, title, f"“{title}”") for m, title in titles if title is not None])


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _inside(m: re.Match[str], spans: Sequence[tuple[int, int]]) -> bool:
    return any(a <= m.start() < b for a, b in spans)


def _rewrite(question: str, readings: Sequence[tuple[re.Match[str], str, str]]) -> tuple[str, tuple[str, ...]]:
    """The question with each (word matched, what it is read as, how the note shows that) put in, and the notes:
    "read “ceo” as “chief executive”"."""
    out, notes, last = [], [], 0
    for m, new, shown in readings:
        out.append(question[last : m.start()] + new)
        notes.append(f"read “{m.group(0)}” as {shown}")
        last = m.end()
    return "".join(out) + question[last:], tuple(dict.fromkeys(notes))
