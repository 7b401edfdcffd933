"""Records that cross the assistant's boundary: `Filters` in; `Extract`, `Reading`, `Answer` out; `Conversation`
carried.

A conversation is a value: `ask` takes one and returns a new one, so nothing is shared between users.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ingest.records import Kind, Speaker

ReadingKind = Literal["new", "switch", "continue", "who", "aside"]


@dataclass(frozen=True)
class Filters:
    trusts: tuple[str, ...] = ()  # full trust names; empty = all
    sections: tuple[str, ...] = ()  # section titles; empty = all
    kinds: tuple[Kind, ...] = ()  # chunk kinds; empty = all
    documents: tuple[str, ...] = ()  # documents of the corpus (key, file name or title); empty = all

    def is_empty(self) -> bool:
        return not (self.trusts or self.sections or self.kinds or self.documents)


@dataclass(frozen=True)
class Extract:
    """Verbatim words from the report (pieces joined by " … "), with the citation of the chunk they come from."""

    text: str
    context: str  # the whole chunk the extract comes from
    chunk_id: str
    trust: str | None
    section: str | None
    page: int
    page_end: int
    kind: Kind
    title: str | None  # a box's title
    speaker: Speaker | None  # who says the quoted words (the first, when several people speak in the extract)
    score: float
    # everyone whose quoted words are in the extract, in order (first: whose view the best line retells, if anyone's)
    speakers: tuple[Speaker, ...] = ()
    highlights: tuple[tuple[int, int], ...] = ()  # [start, end) in `text` of the sentences that bear on the question
    best: str = ""  # the single sentence (a substring of `text`) that answers the question most directly
    # the passage around `context`: the nearest running text of the same section before and after it (for "show in
    # context"; left out of the JSON answers, which carry `context`)
    before: str = ""
    after: str = ""
    # the document it comes from ({key, title, file, sha256, pages}); `report` is its title when the index holds
    # more than one document, so that citations name it
    document: dict[str, Any] | None = None
    report: str | None = None
    best_speaker: Speaker | None = None  # whose quoted words `best` is (None: the report's own words)
    # about the trusts: this trust's passages are all below the relevance cut, and this, its nearest, is shown short
    # so that no trust with material is left out (a weaker match than the others, and labelled as one)
    nearest: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        del d["before"], d["after"], d["report"], d["best_speaker"]
        d["highlights"] = [list(h) for h in self.highlights]
        return d

    def citation(self) -> str:
        """`Oxleas NHS Foundation Trust · Governance · p. 13 · Ben Travis, Chief Executive`; a box is named as one
        (`box “Solving the bed occupancy problems”`), and a pull quote says where it is printed."""
        page = f"p. {self.page}" if self.page == self.page_end else f"pp. {self.page}–{self.page_end}"
        where = f"box “{self.title}”" if self.kind == "sidebar" and self.title else self.title or self.section
        if self.kind == "quote":
            where = f"pull quote{' beside ' + where if where else ''}"
        parts = [self.report, self.trust or "Report-level", where, page]
        people = self.speakers or ((self.speaker,) if self.speaker else ())
        parts.extend(f"{s.name}, {s.role}" if s.role else s.name for s in people)
        return " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class Reading:
    """How the assistant read a question: on its own, or leaning on the conversation, and what it matched."""

    # new | switch (same question, other trust) | continue (about the last topic) | who (said that) | aside (asks
    # nothing of the report: "thanks"; the conversation's topic stays the one before it)
    kind: ReadingKind
    topic: str  # the standalone question this one is about (for a new question: itself)
    trusts: tuple[str, ...] = ()  # the trusts the answer is restricted to (named, filtered or carried over)
    notes: tuple[str, ...] = ()  # what was matched loosely: "read 'lincolnshre' as Lincolnshire … Trust"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GlanceLine:
    """One line of the answer at a glance: an extract's most answering sentence, verbatim, and its number."""

    n: int  # the extract's number (1-based): extracts[n - 1]
    group: str | None  # the trust (or report level) it speaks for, for a question about the trusts
    text: str  # verbatim, a substring of the extract's text
    speaker: str | None  # "Name, Role" when the words are someone's
    nearest: bool = False  # from a trust shown only by its nearest passage (`Extract.nearest`)


@dataclass(frozen=True)
class Answer:
    question: str
    query: str  # the question as understood, after resolving follow-ups (what retrieval used)
    text: str  # markdown for people
    extracts: tuple[Extract, ...]  # best first
    trusts_covered: tuple[str, ...]
    trusts_without_material: tuple[str, ...]  # asked about (or all, for a question about trusts in general) but none
    abstained: bool
    timings: dict[str, float] = field(default_factory=dict)  # stage -> milliseconds
    reading: Reading | None = None
    glance: tuple[GlanceLine, ...] = ()  # the answer at a glance (empty for an abstention)
    # for an abstention: what kind ("The report does not seem to answer this." or, when filters are set, that they
    # leave nothing or that nothing within them answers) and why
    headline: str = ""
    reason: str = ""
    # what the extracts are, when the answer says so first (markdown): who is quoted in the last answer ("who said
    # that?", each with the numbers of their extracts), or what the rating histories show
    lead: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["extracts"] = [e.to_dict() for e in self.extracts]
        d["glance"] = [asdict(g) for g in self.glance]
        d["reading"] = self.reading.to_dict() if self.reading else None
        return d


@dataclass(frozen=True)
class Comparison:
    """The trusts side by side on one question: each trust's best extract, or None when it has nothing relevant."""

    question: str
    query: str
    reading: Reading
    rows: tuple[tuple[str, Extract | None], ...]  # (trust, best extract or None), in the report's order


@dataclass(frozen=True)
class Turn:
    question: str
    answer: Answer


@dataclass(frozen=True)
class Conversation:
    turns: tuple[Turn, ...] = ()

    def add(self, turn: Turn) -> Conversation:
        return Conversation(turns=(*self.turns, turn))
