"""What a report says about itself, derived once from its chunks: its cases (the trusts), the short forms and
acronyms the report uses for each, its sections, its people and their roles.

Later stages (assistant, eval, UI) read these facts from the index instead of keeping tables of their own, so a
second report brings its own. Short forms are found, not listed: a leading part of a case's name (`Oxleas`,
`South West Yorkshire`) counts when the report uses it on its own, and an acronym (`SWYPT`) when a capitalised
token of the report spells the initials of the name in order. Left out: nicknames the report never prints, and
organisations other than the cases (they are found by search, not here).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ingest.records import Chunk, DocumentInfo, Rating, TrustInfo

_WORD = re.compile(r"[A-Za-z][A-Za-z’'\-]*")
_CAPS = re.compile(r"\b[A-Z]{3,8}\b")
_LINKS = {"and", "of", "the", "for", "in", "at", "&"}
MIN_SHORT_FORM_USES = 1  # a leading part of a name used on its own this often counts as a short form


@dataclass(frozen=True)
class Case:
    """One organisation the report is about (for this report, a trust), as the report refers to it."""

    name: str
    page: int | None  # where its case study opens (None when the report has no case-study opening for it)
    short_forms: tuple[str, ...]  # leading parts of the name the report uses alone, longest first
    acronyms: tuple[str, ...]  # acronyms of the name the report prints
    ratings: tuple[Rating, ...]  # rating history as printed at the case study's opening, newest first
    rating_chunk: str | None  # id of the chunk that prints the ratings (to cite them)


@dataclass(frozen=True)
class Section:
    title: str
    parts: tuple[str, ...]  # the parts of the report it appears in ("key themes", "case study", ...)
    trusts: tuple[str, ...]  # cases with chunks in this section, in report order
    pages: tuple[int, ...]


@dataclass(frozen=True)
class Person:
    name: str
    roles: tuple[str, ...]  # every role the report gives them, most frequent first
    trust: str | None
    quotations: int


@dataclass(frozen=True)
class ReportFacts:
    cases: tuple[Case, ...]
    sections: tuple[Section, ...]
    people: tuple[Person, ...]
    title: str | None = None  # the report's own title (its running header), when it prints one
    documents: tuple[DocumentInfo, ...] = ()  # the documents the chunks come from (an index's corpus)

    @property
    def trust_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.cases)

    def case(self, name: str) -> Case | None:
        return next((c for c in self.cases if c.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ReportFacts:
        cases = tuple(
            Case(
                name=c["name"],
                page=c["page"],
                short_forms=tuple(c["short_forms"]),
                acronyms=tuple(c["acronyms"]),
                ratings=tuple(Rating(**r) for r in c["ratings"]),
                rating_chunk=c["rating_chunk"],
            )
            for c in d["cases"]
        )
        sections = tuple(
            Section(s["title"], tuple(s["parts"]), tuple(s["trusts"]), tuple(s["pages"])) for s in d["sections"]
        )
        people = tuple(Person(p["name"], tuple(p["roles"]), p["trust"], p["quotations"]) for p in d["people"])
        documents = tuple(DocumentInfo(**x) for x in d.get("documents", ()))
        return cls(cases, sections, people, d.get("title"), documents)

    def document(self, key: str | None) -> DocumentInfo | None:
        return next((x for x in self.documents if x.key == key), None)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def spells_initials(token: str, name: str) -> bool:
    """True when `token` is made of leading letters of the name's words, in order, starting at the first word.

    `SWYPT` ~ South West Yorkshire Partnership (NHS Foundation) Trust; `sompar` ~ Somerset Partnership; each word
    gives a prefix or is skipped, so `SHSC` ~ Sheffield Health (and) Social Care. Linking words ("and", "of")
    give no letters.
    """
    t = token.lower()
    ws = [w.lower() for w in words(name) if w.lower() not in _LINKS]
    if not t or not ws or t[0] != ws[0][0]:
        return False

    def walk(i: int, j: int) -> bool:  # token position i, word position j
        if i == len(t):
            return True
        for k in range(j, len(ws)):
            w = ws[k]
            n = 0
            while n < len(w) and i + n < len(t) and w[n] == t[i + n]:
                n += 1
                if walk(i + n, k + 1):
                    return True
            if k == j == 0:
                return False  # the first word must contribute
        return False

    return walk(0, 0)


def _standalone(prefix: str, next_word: str) -> re.Pattern[str]:
    """`prefix` as whole words, not followed by the next word of the name (so not the start of the full name)."""
    return re.compile(rf"(?<![\w’']){re.escape(prefix)}(?![\w\-])(?!\s+{re.escape(next_word)}\b)")


def short_forms(name: str, others: Sequence[str], chunks: Sequence[Chunk]) -> tuple[str, ...]:
    """Leading parts of `name` that the report uses on their own, mostly where it speaks of this case.

    A use counts when the chunk holding it is about this case or about no case (key themes, foreword): a
    leading word such as `North` used mostly in other cases' pages is a word, not this case's short form.
    """
    ws = name.split()
    out: list[str] = []
    for n in range(len(ws) - 1, 0, -1):
        prefix = " ".join(ws[:n])
        if ws[n - 1].lower() in ("and", "of", "the", "for", "&") or len(prefix) < 4:
            continue
        if any(o != name and (o + " ").startswith(prefix + " ") for o in others):
            continue
        pattern = _standalone(prefix, ws[n])
        own = other = 0
        for c in chunks:
            uses = len(pattern.findall(c.text))
            if c.trust in (None, name):
                own += uses
            else:
                other += uses
        if own >= MIN_SHORT_FORM_USES and own >= other:
            out.append(prefix)
    return tuple(out)


def acronyms(name: str, text: str) -> tuple[str, ...]:
    found = Counter(m.group(0) for m in _CAPS.finditer(text))
    return tuple(a for a in sorted(found) if spells_initials(a, name) and len(a) >= 3)


def derive(
    chunks: Sequence[Chunk], trusts: Iterable[TrustInfo] = (), title: str | None = None,
    documents: Sequence[DocumentInfo] = (),
) -> ReportFacts:
    """Facts from chunks in reading order (and the case-study openings ingest parsed, for ratings and pages)."""
    infos = {t.name: t for t in trusts}
    names = list(dict.fromkeys([*infos, *(c.trust for c in chunks if c.trust)]))
    # a case's short forms and acronyms come from the documents it appears in (another report's "BME" does not
    # abbreviate "Birchford Medical Practice")
    home: dict[str, set[str | None]] = {}
    for c in chunks:
        if c.trust:
            home.setdefault(c.trust, set()).add(c.document)
    cases = []
    for name in names:
        docs = home.get(name)
        own = [c for c in chunks if docs is None or c.document in docs]
        text = "\n".join(c.text for c in own)
        info = infos.get(name)
        rating_chunk = None
        if info and info.ratings:
            first = info.ratings[0].date
            rating_chunk = next(
                (c.id for c in chunks if c.trust == name and c.kind == "intro" and first in c.text), None
            )
        cases.append(
            Case(
                name=name,
                page=info.page if info else None,
                short_forms=short_forms(name, names, own),
                acronyms=acronyms(name, text),
                ratings=info.ratings if info else (),
                rating_chunk=rating_chunk,
            )
        )
    sections: dict[str, dict[str, Any]] = {}
    for c in chunks:
        if not c.section:
            continue
        s = sections.setdefault(c.section, {"parts": [], "trusts": [], "pages": []})
        if c.part not in s["parts"]:
            s["parts"].append(c.part)
        if c.trust and c.trust not in s["trusts"]:
            s["trusts"].append(c.trust)
        if c.page not in s["pages"]:
            s["pages"].append(c.page)
    people: dict[str, dict[str, Any]] = {}
    for c in chunks:
        for q in c.quotes:
            p = people.setdefault(q.name, {"roles": Counter(), "trust": q.trust, "quotations": 0})
            p["quotations"] += 1
            if q.role:
                p["roles"][q.role] += 1
    return ReportFacts(
        cases=tuple(cases),
        sections=tuple(
            Section(t, tuple(s["parts"]), tuple(s["trusts"]), tuple(sorted(s["pages"]))) for t, s in sections.items()
        ),
        people=tuple(
            Person(n, tuple(r for r, _ in p["roles"].most_common()), p["trust"], p["quotations"])
            for n, p in sorted(people.items())
        ),
        title=title,
        documents=tuple(documents),
    )
