"""Records that cross the assistant's boundary: `Filters` in; `Extract`, `Answer` out; `Conversation` carried.

A conversation is a value: `ask` takes one and returns a new one, so nothing is shared between users.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ingest.records import Kind, Speaker


@dataclass(frozen=True)
class Filters:
    trusts: tuple[str, ...] = ()  # full trust names; empty = all
    sections: tuple[str, ...] = ()  # section titles; empty = all
    kinds: tuple[Kind, ...] = ()  # chunk kinds; empty = all

    def is_empty(self) -> bool:
        return not (self.trusts or self.sections or self.kinds)


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
    speaker: Speaker | None  # who says the quoted words, when known
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def citation(self) -> str:
        """`Oxleas NHS Foundation Trust · Governance · p. 13 · Ben Travis, Chief Executive`."""
        page = f"p. {self.page}" if self.page == self.page_end else f"pp. {self.page}–{self.page_end}"
        parts = [self.trust or "Report-level", self.title or self.section, page]
        if self.speaker:
            parts.append(f"{self.speaker.name}, {self.speaker.role}" if self.speaker.role else self.speaker.name)
        return " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class Answer:
    question: str
    query: str  # the question as understood, after resolving follow-ups
    text: str  # markdown for people
    extracts: tuple[Extract, ...]  # best first
    trusts_covered: tuple[str, ...]
    trusts_without_material: tuple[str, ...]  # asked about (or all, for a cross-trust question) but nothing found
    abstained: bool
    timings: dict[str, float] = field(default_factory=dict)  # stage -> milliseconds

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["extracts"] = [e.to_dict() for e in self.extracts]
        return d


@dataclass(frozen=True)
class Turn:
    question: str
    answer: Answer


@dataclass(frozen=True)
class Conversation:
    turns: tuple[Turn, ...] = ()

    def add(self, turn: Turn) -> Conversation:
        return Conversation(turns=(*self.turns, turn))
