"""Extracts, not chunks: the sentences of a chunk that answer the question, verbatim, joined by " … ".

A sentence is scored by its embedding's cosine to the question and by the question's (idf-weighted) words it
contains; the best sentence is kept with a neighbour when it is short or the neighbour scores nearly as well.
Every extract is a substring of its chunk's text, or several substrings joined by " … ". Left out: rewriting,
summarising or trimming inside a sentence.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from difflib import get_close_matches
from functools import lru_cache

import numpy as np

from assistant.records import Extract
from assistant.sentences import SentenceBank
from assistant.understanding import Understanding
from ingest.records import Chunk, Speaker

ELLIPSIS = " … "
_WORD = re.compile(r"[a-z0-9%]+")
STOP = set(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "at",
        "by",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "what",
        "which",
        "who",
        "whom",
        "how",
        "why",
        "when",
        "where",
        "did",
        "do",
        "does",
        "done",
        "has",
        "have",
        "had",
        "i",
        "we",
        "you",
        "they",
        "he",
        "she",
        "them",
        "his",
        "her",
        "our",
        "their",
        "my",
        "me",
        "us",
        "about",
        "into",
        "than",
        "then",
        "so",
        "not",
        "no",
        "yes",
        "can",
        "could",
        "would",
        "should",
        "will",
        "trust",
        "trusts",
        "nhs",
        "foundation",
        "partnership",
    ]
)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer: the same Snowball English stemmer the BM25 index uses

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    return _stemmer().stemWord(word)


def terms(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower().replace("’", "'")) if w not in STOP and len(w) > 1]


@dataclass
class Vocabulary:
    idf: dict[str, float]

    @classmethod
    def build(cls, chunks: tuple[Chunk, ...]) -> Vocabulary:
        df: Counter = Counter()
        for c in chunks:
            df.update(set(terms(c.text)))
        n = len(chunks)
        return cls({t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()})

    def weight(self, term: str) -> float:
        return self.idf.get(term, 0.0)

    def knows(self, term: str) -> bool:
        """In the report, or within a typo of a word that is (`pateint` → `patient`)."""
        return term in self.idf or bool(get_close_matches(term, self.idf.keys(), n=1, cutoff=0.8))


def _speaker_at(chunk: Chunk, start: int, end: int) -> Speaker | None:
    for q in chunk.quotes:
        if q.start < end and q.end > start:
            return Speaker(q.name, q.role, q.trust)
    return chunk.speaker


def make_extract(
    pos: int,
    chunk: Chunk,
    score: float,
    qterms: set[str],
    qvec: np.ndarray | None,
    bank: SentenceBank,
    vocab: Vocabulary,
    u: Understanding,
    max_words: int = 100,
    min_words: int = 40,
    neighbour_ratio: float = 0.5,
    overview: bool = False,
    shown: tuple[str, ...] = (),
    breaks: tuple[int, ...] = (),
) -> Extract:
    ids = bank.by_chunk[pos]
    sents = [bank.sentences[i] for i in ids]
    total = sum(vocab.weight(t) for t in qterms) or 1.0
    scores: list[float] = []
    for i, s in zip(ids, sents, strict=True):
        text = chunk.text[s.start : s.end]
        lex = sum(vocab.weight(t) for t in qterms & set(terms(text))) / total
        dense = float(bank.vectors[i] @ qvec) if bank.vectors is not None and qvec is not None else 0.0
        bonus = 0.0
        if u.numeric and re.search(r"\d", text):
            bonus += 0.1
        if (u.who or u.people) and any(q.start < s.end and q.end > s.start for q in chunk.quotes):
            bonus += 0.05
        for phrase in u.quoted:
            if phrase.lower() in text.lower():
                bonus += 0.5
        if shown and any(text in seen for seen in shown):
            bonus -= 0.6  # "tell me more": what was already shown comes last
        if chunk.kind == "quote" and s.start >= _quote_end(chunk):
            bonus -= 1.0  # the attribution line is in the citation, not the extract
        scores.append(0.55 * dense + 0.45 * lex + bonus)
    best = max(range(len(sents)), key=lambda j: (scores[j], -j))
    if overview and not shown:  # a vague question ("somerset governance"): the chunk's opening says what it is about
        best = 0
        scores = [1.0] * len(sents)

    def size(j: int) -> int:
        return len(chunk.text[sents[j].start : sents[j].end].split())

    def usable(j: int) -> bool:
        return 0 <= j < len(sents) and not (chunk.kind == "quote" and sents[j].start >= _quote_end(chunk))

    lo = hi = best
    words = size(best)
    top = max(scores[best], 1e-6)
    while True:  # grow around the best sentence while neighbours are relevant (or it is still short)
        options = []
        for j in (hi + 1, lo - 1):
            if not usable(j) or words + size(j) > max_words:
                continue
            continues = j == lo - 1 and re.match(r"[a-z…]|(?:He|She|It|They|This)\b", chunk.text[sents[lo].start :])
            gap = chunk.text[sents[hi].end : sents[j].start] if j > hi else chunk.text[sents[j].end : sents[lo].start]
            same_paragraph = "\n" not in gap
            relevant = scores[j] >= neighbour_ratio * top and same_paragraph
            if relevant or words < min_words or continues:
                options.append((scores[j], j))
        if not options:
            break
        _, j = max(options)
        lo, hi = min(lo, j), max(hi, j)
        words += size(j)
    keep = set(range(lo, hi + 1))
    text = _join(chunk, [sents[j] for j in sorted(keep)], breaks)
    first = sents[min(keep)]
    return Extract(
        text=text,
        context=chunk.text,
        chunk_id=chunk.id,
        trust=chunk.trust,
        section=chunk.section,
        page=chunk.page,
        page_end=chunk.page_end,
        kind=chunk.kind,
        title=chunk.title,
        speaker=_speaker_at(chunk, first.start, sents[max(keep)].end),
        score=round(float(score), 4),
    )


def _quote_end(chunk: Chunk) -> int:
    return chunk.quotes[0].end if chunk.quotes else len(chunk.text)


def span_breaks(chunk: Chunk, source: str) -> tuple[int, ...]:
    """Offsets in the chunk's text where a new source span begins (text rejoined across an interruption)."""
    bounds: list[int] = []
    total = 0
    for a, b in chunk.spans[:-1]:
        total += sum(1 for ch in source[a:b] if not ch.isspace())
        bounds.append(total)
    out: list[int] = []
    seen = 0  # non-space characters of the text passed so far
    for i, ch in enumerate(chunk.text):
        if ch.isspace():
            continue
        if len(out) < len(bounds) and seen == bounds[len(out)]:
            out.append(i)
        seen += 1
    return tuple(out)


def _join(chunk: Chunk, sents: list, breaks: tuple[int, ...]) -> str:
    """Contiguous sentences as one piece; gaps — in the chunk or in the source — marked with " … "."""
    text = chunk.text
    pieces: list[tuple[int, int]] = []
    for s in sents:
        if pieces and not text[pieces[-1][1] : s.start].strip():
            pieces[-1] = (pieces[-1][0], s.end)
        else:
            pieces.append((s.start, s.end))
    cut: list[tuple[int, int]] = []
    for a, b in pieces:
        for p in breaks:
            if a < p < b:
                cut.append((a, p))
                a = p
        cut.append((a, b))
    return ELLIPSIS.join(text[a:b].strip() for a, b in cut if text[a:b].strip())
