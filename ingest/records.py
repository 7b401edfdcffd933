"""Typed records that leave the ingest stage: `Document` → `Block` → `Chunk`.

Only plain data lives here (no parsing). Every record converts to and from a JSON-ready dict, so chunks can be
written to `chunks.jsonl` and read back identically.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Part = Literal["front matter", "foreword", "key themes", "case study", "document"]
Kind = Literal["body", "sidebar", "quote", "bullets", "intro"]


@dataclass(frozen=True)
class Speaker:
    name: str
    role: str | None = None
    trust: str | None = None  # the trust the speaker works for or uses, when known


@dataclass(frozen=True)
class Quote:
    """A quotation inside a chunk: `text[start:end]` are the speaker's words (quote marks included)."""

    start: int
    end: int
    name: str
    role: str | None = None
    trust: str | None = None


@dataclass(frozen=True)
class Chunk:
    id: str
    text: str
    page: int
    page_end: int
    trust: str | None
    part: Part
    section: str | None
    kind: Kind
    title: str | None
    speaker: Speaker | None
    quotes: tuple[Quote, ...]
    spans: tuple[tuple[int, int], ...]  # [start, end) offsets in the source file (a PDF's: in its reading text)
    document: str | None = None  # key of the document it comes from (set by the index; `DocumentInfo.key`)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["quotes"] = [asdict(q) for q in self.quotes]
        d["spans"] = [list(s) for s in self.spans]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Chunk:
        return cls(
            id=d["id"],
            text=d["text"],
            page=d["page"],
            page_end=d["page_end"],
            trust=d["trust"],
            part=d["part"],
            section=d["section"],
            kind=d["kind"],
            title=d["title"],
            speaker=Speaker(**d["speaker"]) if d.get("speaker") else None,
            quotes=tuple(Quote(**q) for q in d.get("quotes", [])),
            spans=tuple((int(a), int(b)) for a, b in d["spans"]),
            document=d.get("document"),
        )

    def heading(self) -> str:
        """A short context line (trust · section · title) that the index prepends when embedding."""
        where = self.trust or ("Key themes" if self.part == "key themes" else None)
        return " · ".join(p for p in (where, self.section, self.title) if p)


@dataclass(frozen=True)
class Rating:
    date: str  # as printed, e.g. "February/March 2017"
    rating: str  # "Good", "Requires improvement", "Outstanding", "Not rated", ...
    text: str  # the full printed lines, joined


@dataclass(frozen=True)
class TrustInfo:
    name: str
    page: int
    ratings: tuple[Rating, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "page": self.page, "ratings": [asdict(r) for r in self.ratings]}


@dataclass(frozen=True)
class Block:
    """A unit of layout before chunking: a flow of body text in one section, a box, a pull quote or a list."""

    kind: Kind
    text: str
    # text offset -> source offset, as (text_start, source_start, length) runs, in order
    segments: tuple[tuple[int, int, int], ...]
    pages: tuple[int, ...]  # page of each segment
    trust: str | None
    part: Part
    section: str | None
    title: str | None = None
    speaker: Speaker | None = None
    quotes: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class Document:
    path: str
    sha256: str
    text: str
    page_starts: tuple[int, ...]  # source offset where each page (1-based index + 1) starts
    trusts: tuple[TrustInfo, ...]
    chunks: tuple[Chunk, ...] = field(default=())
    title: str | None = None  # as the report names itself (its running header), when it does


@dataclass(frozen=True)
class DocumentInfo:
    """One document of an index's corpus, as citations name it."""

    key: str  # the first 12 hex digits of its sha256 (chunks point at it)
    title: str  # as the document names itself, else its file name without the suffix
    file: str  # its file name, relative to the corpus folder
    sha256: str
    pages: int
