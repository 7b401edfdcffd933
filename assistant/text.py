"""Words: tokens, Snowball stems, stopwords, and the report's vocabulary (idf, surface forms, years).

The stopword and question-word lists are English grammar (articles, pronouns, auxiliaries, wh-words), not
words of this report. Words that name the kind of organisation the report is about ("NHS", "Trust") are not
listed here: `Vocabulary` takes them from the cases' names. Left out: lemmatisation beyond the stemmer, and
spelling correction (names are matched fuzzily in `names.py`; other words only checked for existence).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ingest.records import Chunk

WORD = re.compile(r"[a-z0-9%£]+(?:['’][a-z]+)?")
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
STOP = frozenset("""
a an the and or but of to in on for at by with from as is are was were be been being it its this that these
those what which who whom whose how why when where did do does done doing has have had i we you they he she them
his her him our their my me us your about into than then so not no yes can could would should will shall may
might must there here any some all each every other such own same also just very too only both either neither
nor if
""".split())  # noqa: SIM905 -- a word list reads better as text
# words that ask rather than say: they carry no topic ("how many", "tell me", "what about")
QUESTION = frozenset("""
how many much what when which who whom whose where why date year month number get got there their about any tell
me more else please did does do give show explain describe list ok okay so and compare compared comparison versus vs
""".split())  # noqa: SIM905 -- a word list reads better as text
PRONOUNS = frozenset("""
it its this that these those they them their there he she his her him
""".split())  # noqa: SIM905 -- a word list reads better as text
DEMONSTRATIVES = frozenset({"this", "that", "these", "those"})  # also relative words and determiners
SINGULAR = frozenset({"it", "its", "he", "she", "his", "her", "him"})  # one thing or person ("they" may be the cases)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer: the same Snowball English stemmer the BM25 index uses

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    return _stemmer().stemWord(word)


def plural(word: str) -> str:
    """English plural of a (lower-case) noun, by the regular rules: trust → trusts, surgery → surgeries."""
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    return word + "s"


def words(text: str) -> list[str]:
    """Lower-case word tokens (apostrophes normalised)."""
    return WORD.findall(text.lower().replace("’", "'"))


def terms(text: str, drop: Iterable[str] = ()) -> list[str]:
    """Stems of the content words of `text` (stopwords, one-letter words and `drop` removed)."""
    dropped = STOP | set(drop)
    heads = (w.split("'")[0] for w in words(text))  # "what's" is "what", "trust's" is "trust"
    return [stem(w) for w in heads if w not in dropped and len(w) > 1]


def role_heads(role: str) -> list[str]:
    """The head word of each role in a role phrase: "Clinical Director and Consultant Psychiatrist" → Director,
    Psychiatrist; "Director of Nursing at X" → Director (what follows "of", "at", "for" qualifies the head)."""
    heads = []
    for part in re.split(r",|\band\b|&", role):
        part = re.split(r"\b(?:of|at|for|in|with|who)\b", part)[0].split()
        if part:
            heads.append(part[-1])
    return heads


@dataclass
class Vocabulary:
    """What words the report uses: idf of stems over chunks, the surface words, the years it mentions."""

    idf: dict[str, float]
    surface: frozenset[str]
    years: frozenset[str]
    generic: frozenset[str]  # words of the cases' names shared by several cases ("nhs", "trust"), and plurals
    roles: frozenset[str] = frozenset()  # stems of the head words of people's roles ("director", "execut", "chair")
    common: frozenset[str] = frozenset()  # words the report also prints in lower case (so not only as names)
    cases_word: str = ""  # the plural of what the cases are ("trusts": the last word of most case names, + s)
    # each kind of case by its plural ("trusts", "practices", "surgeries": the last word of case names) -> the cases
    # of that kind; a corpus of several kinds of report lets "how did trusts …" mean the trusts only
    case_kinds: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # the words that style the cases' names, their places aside ("healthcare", "partnership"; not "sheffield")
    case_words: frozenset[str] = frozenset()
    _known: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)  # `knows`, worked out

    @classmethod
    def build(cls, chunks: Sequence[Chunk], case_names: Sequence[str] = (), roles: Sequence[str] = ()) -> Vocabulary:
        df: Counter[str] = Counter()
        surface: set[str] = set()
        common: set[str] = set()
        years: set[str] = set()
        for c in chunks:
            text = f"{c.heading()}\n{c.text}"
            df.update(set(terms(text)))
            surface.update(words(text))
            common.update(w for w in re.findall(r"\b[a-z][a-z'’]+\b", c.text))
            years.update(YEAR.findall(text))
        n = max(1, len(chunks))
        in_names = Counter(w for name in case_names for w in set(words(name)))
        generic = {w for w, k in in_names.items() if k >= 2}
        generic |= {w + "s" for w in generic}
        idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        # a case's name opens with its place ("Sheffield", "North Staffordshire"): the words that style it are
        # those after the first that no name opens with
        opening = {words(name)[0] for name in case_names if words(name)}
        styling = {w for name in case_names for w in words(name)[1:] if w not in opening and w != "and"}
        names = {t for name in case_names for t in terms(name)}
        role_terms = {t for r in roles for head in role_heads(r) for t in terms(head)} - names - generic
        lasts = Counter(words(name)[-1] for name in case_names if words(name))
        cases_word = plural(lasts.most_common(1)[0][0]) if lasts else ""
        kinds: dict[str, list[str]] = {}
        for name in case_names:
            if words(name):
                kinds.setdefault(plural(words(name)[-1]), []).append(name)
        return cls(idf, frozenset(surface), frozenset(years), frozenset(generic), frozenset(role_terms),
                   frozenset(common), cases_word, tuple((k, tuple(v)) for k, v in kinds.items()),
                   frozenset(styling))

    def cases_of_kind(self, word: str) -> tuple[str, ...]:
        """The cases a plural such as "trusts" names (empty when it names no kind of case)."""
        return next((names for kind, names in self.case_kinds if kind == word), ())

    def weight(self, term: str) -> float:
        return self.idf.get(term, 0.0)

    def knows(self, term: str) -> bool:
        """A stem the report uses, the start of one (`exec` → `execut`), or within a typo of one (`pateint`)."""
        if term in self.idf or len(term) < 4:
            return term in self.idf
        known = self._known.get(term)
        if known is None:  # worked out once per word (two threads may both do it: the same answer, so no lock)
            known = any(t.startswith(term) for t in self.idf) or process.extractOne(
                term, self.idf.keys(), scorer=Levenshtein.normalized_similarity, score_cutoff=0.8) is not None
            self._known[term] = known
        return known
