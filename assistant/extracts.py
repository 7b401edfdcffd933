"""Extracts: the passage of a chunk that answers, verbatim — whole paragraphs, shortened only when long.

Each sentence of the chunk is scored against the question (its embedding's cosine, and the question's
idf-weighted words it holds); the sentences scoring at least `bearing_ratio` of the best *bear on* the question.
The extract is every paragraph holding a bearing sentence (a box counts as one paragraph), whole, when together
they stay within `whole_paragraph_words`; a longer passage drops only sentences that do not bear on it, and never cuts a
quotation open (a quotation's sentences go together) or leaves a sentence that starts by pointing back ("He
said…", "This meant…") without the one before. A pull quote is shown whole with its attribution. Gaps — left-out
sentences, or where the printed page interrupted the text — are joined with " … ". The extract records the
bearing sentences (`highlights`), the single best one (`best`) and everyone whose quoted words it shows (the
speaker of the best sentence first). When the best sentence is the report's account of what a person it quotes
elsewhere said or thought ("Ben Travis thought some of the judgments were harsh"), that person is cited first
(`with_reported`), so the line is not credited to whoever is quoted next to it.
Left out: rewriting or summarising anything.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from assistant.config import AssistantConfig
from assistant.records import Extract
from assistant.sentences import SentenceBank
from assistant.text import Vocabulary
from assistant.understanding import Understanding
from ingest.layout import only_markers
from ingest.people import NAME_RE, bare
from ingest.records import Chunk, Speaker
from ingest.speakers import find_quotations

ELLIPSIS = " … "
_POINTS_BACK = re.compile(r"(?:[a-z…]|(?:He|She|It|They|This|These|That|Those|His|Her|Their)\b)")
_NUMBER = re.compile(r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|hundred|thousand)\b", re.I)
_DATE = re.compile(r"\b(?:19|20)\d\d\b|\b(?:January|February|March|April|May|June|July|August|September|October|"
                   r"November|December)\b")
# "<Name> thought …", "<Name>, Chair, says …", "according to <Name>": a verb of saying or thinking right after the
# name (optionally after its role between commas), or "according to" before it
_VIEW = (r"says|said|explains|explained|notes|noted|confirms|confirmed|observed|reflected|agrees|agreed|adds|added|"
         r"describes|described|thinks|thought|feels|felt|believes|believed|recalls|recalled|acknowledged|"
         r"acknowledges|told us|emphasises|emphasised|highlights|highlighted|admits|admitted|accepts|accepted")
_REPORTED = re.compile(rf"({NAME_RE.pattern})(?:,[^,“”]{{1,60}},)?\s+(?:also\s+)?(?:{_VIEW})\b"
                       rf"|according to ({NAME_RE.pattern})")


def with_reported(extract: Extract, people: dict[str, Speaker]) -> Extract:
    """`extract` citing first the person whose view its best sentence reports, when that sentence is the report's
    own words (no quotation) and the person is one the report quotes (`people`: name without title -> speaker)."""
    if extract.best_speaker is not None or not extract.best:
        return extract
    for m in _REPORTED.finditer(extract.best):
        who = people.get(bare(m.group(1) or m.group(2)))
        if who is not None:
            rest = tuple(s for s in extract.speakers if bare(s.name) != bare(who.name))
            return replace(extract, speaker=who, speakers=(who, *rest))
    return extract


def _paragraph_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos)


class SentenceScores:
    """How well each sentence answers one question: a dense and a lexical part (weighted by
    `cfg.sentence_dense_weight`), plus bonuses for the kind of answer wanted and quoted phrases, minus a penalty
    for what a follow-up already showed. Each chunk's sentences are scored once per question."""

    def __init__(self, qterms: set[str], qvec: np.ndarray | None, bank: SentenceBank, vocab: Vocabulary,
                 u: Understanding, cfg: AssistantConfig, shown: Sequence[str] = (), people: Sequence[str] = ()) -> None:
        self.qterms, self.bank, self.vocab, self.u, self.cfg, self.shown = qterms, bank, vocab, u, cfg, shown
        self.weights = {t: vocab.weight(t) for t in qterms}
        self.total = sum(self.weights.values()) or 1.0
        self.dots = (bank.vectors @ qvec).tolist() if qvec is not None and len(bank.sentences) else None
        self.quoted = [p.lower() for p in u.quoted]
        # `people` (the question's own, not a follow-up's earlier ones): their quoted words and the sentences naming
        # them (by surname, as the report prints them) score `person_sentence_bonus` more
        self.people = set(people)
        self.named = [re.compile(rf"\b{re.escape(p.split()[-1])}\b") for p in people]
        self._memo: dict[int, list[float]] = {}

    def of(self, pos: int, chunk: Chunk) -> list[float]:
        found = self._memo.get(pos)
        if found is None:
            found = self._memo[pos] = self._score(pos, chunk)
        return found

    def _score(self, pos: int, chunk: Chunk) -> list[float]:
        bank, cfg, u, weights = self.bank, self.cfg, self.u, self.weights
        out = []
        for i in bank.by_chunk[pos]:
            s = bank.sentences[i]
            text = chunk.text[s.start : s.end]
            lexical = sum(weights[t] for t in self.qterms & bank.terms(i, text)) / self.total
            dense = self.dots[i] if self.dots is not None else 0.0
            score = cfg.sentence_dense_weight * dense + (1 - cfg.sentence_dense_weight) * lexical
            if (u.want in ("number", "money") and _NUMBER.search(text)) or (u.want == "date" and _DATE.search(text)):
                score += cfg.answer_type_bonus  # the kind of thing asked for is in this sentence
            if self.named and (any(p.search(text) for p in self.named) or any(
                    q.name in self.people and q.start < s.end and q.end > s.start for q in chunk.quotes)):
                # it names the person asked about ("when did Rob Webster join?"), or is their own quoted words
                score += cfg.person_sentence_bonus
            if self.quoted and any(p in text.lower() for p in self.quoted):
                score += cfg.phrase_boost
            if cfg.asking_penalty and text.rstrip(" ”’\"'").endswith("?") and not any(
                    q.start < s.end and q.end > s.start for q in chunk.quotes):
                score -= cfg.asking_penalty  # the report asking ("What were the obstacles?"), not telling
            if self.shown and any(text in seen for seen in self.shown):
                score -= cfg.novelty_penalty  # a follow-up: what was already shown comes last
            out.append(score)
        return out


def make_extract(
    pos: int,
    chunk: Chunk,
    score: float,
    qterms: set[str],
    qvec: np.ndarray | None,
    bank: SentenceBank,
    vocab: Vocabulary,
    u: Understanding,
    cfg: AssistantConfig,
    breaks: tuple[int, ...] = (),
    shown: Sequence[str] = (),
    max_words: int | None = None,
    bearing_ratio: float | None = None,
    scorer: SentenceScores | None = None,
    whole_chunk_words: int | None = None,
) -> Extract:
    """The extract of `chunk` (at `pos`) for a question; `scorer`, if given, is the question's `SentenceScores`
    (so sentences already scored are not scored again). A chunk of at most `whole_chunk_words` words (default
    `cfg.whole_chunk_words`) is shown whole, its bearing sentences highlighted."""
    sents = [bank.sentences[i] for i in bank.by_chunk[pos]]
    scorer = scorer or SentenceScores(qterms, qvec, bank, vocab, u, cfg, shown)
    scores = scorer.of(pos, chunk)
    limit = cfg.whole_paragraph_words if max_words is None else max_words
    best = max(range(len(sents)), key=lambda j: (scores[j], -j))
    top = scores[best]
    ratio = cfg.bearing_ratio if bearing_ratio is None else bearing_ratio
    bearing = {j for j, s in enumerate(scores) if top > 0 and s >= ratio * top} | {best}
    whole = cfg.whole_chunk_words if whole_chunk_words is None else whole_chunk_words
    if chunk.kind == "quote" or len(chunk.text.split()) <= whole:
        keep = set(range(len(sents)))  # a pull quote stays whole, attribution included; so does a short chunk
    elif chunk.kind == "sidebar":  # a box is one unit: whole while short, else its bearing sentences
        keep = set(range(len(sents)))
        if sum(len(chunk.text[s.start : s.end].split()) for s in sents) > limit:
            keep = _close(bearing, sents, chunk)
    else:
        paragraphs = {_paragraph_of(chunk.text, sents[j].start) for j in bearing}
        if chunk.kind == "bullets" and chunk.text.split("\n", 1)[0].rstrip().endswith(":"):
            if 0 in paragraphs:  # the lead-in of a list bears on the question: its items are the answer, shown
                paragraphs |= set(range(chunk.text.count("\n") + 1))  # whole up to a focused answer's length
                limit = max(limit, cfg.whole_paragraph_words)
            paragraphs.add(0)  # and the lead-in goes with any item shown
        keep = {j for j, s in enumerate(sents) if _paragraph_of(chunk.text, s.start) in paragraphs}
        if sum(len(chunk.text[sents[j].start : sents[j].end].split()) for j in keep) > limit:
            keep = _close(bearing, sents, chunk)
    pieces = _pieces(chunk, [(sents[j].start, sents[j].end) for j in sorted(keep)], breaks)
    text = ELLIPSIS.join(chunk.text[a:b] for a, b in pieces)
    highlights = _map(pieces, [(sents[j].start, sents[j].end) for j in sorted(bearing & keep)])
    speakers = _speakers(chunk, pieces, first=(sents[best].start, sents[best].end))
    shown = sorted(keep)
    if _attribution(chunk, sents[best]):  # the printed "Name, Role" line: the words it credits say more
        best = max((j for j in shown if not _attribution(chunk, sents[j])), key=lambda j: (scores[j], -j),
                   default=best)
    line_a, line_b = _readable(best, sents, set(shown), chunk, cfg)
    best_spans = _map(pieces, [(line_a, line_b)])
    # one line, even where a page break or a box cut it (its pieces joined by " … ", as in the extract)
    best_text = text[best_spans[0][0] : best_spans[-1][1]] if best_spans else ""
    said = next((q for q in chunk.quotes if q.start < line_b and q.end > line_a), None)
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
        speaker=speakers[0] if speakers else None,
        score=round(float(score), 4),
        speakers=tuple(speakers),
        highlights=tuple(highlights),
        best=best_text,
        best_speaker=Speaker(said.name, said.role, said.trust) if said else None,
    )


def _readable(j: int, sents: list, kept: set[int], chunk: Chunk, cfg: AssistantConfig) -> tuple[int, int]:
    """The best sentence's span, grown over the kept sentences next to it so that it reads on its own: a lead-in
    ending in ":" takes what follows, a stub (under `glance_min_words`) takes the next sentence, and a quotation it
    cuts open is closed (up to `glance_max_words`)."""
    text = chunk.text
    lo = hi = j

    def words(a: int, b: int) -> int:
        return len(text[sents[a].start : sents[b].end].split())

    def joined(k: int, across: bool = False) -> bool:  # sentence k follows k-1 (in the same paragraph)
        return k - 1 in kept and k in kept and (across or "\n" not in text[sents[k - 1].end : sents[k].start])

    while hi + 1 < len(sents):
        lead_in = text[sents[lo].start : sents[hi].end].rstrip().endswith(":")  # its list follows, maybe below
        if not ((lead_in and joined(hi + 1, across=True)) or (words(lo, hi) < cfg.glance_min_words and joined(hi + 1))):
            break
        hi += 1
    # a line opening mid-sentence (its start cut off by a page break or a box) takes the words before it, and one
    # pointing back ("He is confident …", "This meant …") the sentence before it in its paragraph
    while lo > 0 and lo - 1 in kept and words(lo - 1, hi) <= cfg.glance_max_words and (
            text[sents[lo].start].islower() or (_POINTS_BACK.match(text, sents[lo].start) and joined(lo))):
        lo -= 1
    for qa, qb in find_quotations(text):
        a, b = sents[lo].start, sents[hi].end
        if qa < b and qb > a and (qa < a or qb > b):  # a quotation cut open: close it, if short enough
            new_lo = next((k for k in range(lo, -1, -1) if sents[k].start <= qa), lo)
            new_hi = next((k for k in range(hi, len(sents)) if sents[k].end >= qb), hi)
            if all(joined(k) for k in range(new_lo + 1, new_hi + 1)) and words(new_lo, new_hi) <= cfg.glance_max_words:
                lo, hi = new_lo, new_hi
    return sents[lo].start, sents[hi].end


def _attribution(chunk: Chunk, sent) -> bool:
    """A sentence that only credits a speaker: outside every quotation, short, opening with their name ("Jane Wells,
    Nursing Director") or ending with it ("Chief Executive Rob Webster")."""
    words = chunk.text[sent.start : sent.end]
    names = {q.name for q in chunk.quotes} | ({chunk.speaker.name} if chunk.speaker else set())
    inside = any(q.start < sent.end and q.end > sent.start for q in chunk.quotes)
    return (not inside and len(words.split()) <= 15 and not any(m in words for m in "“”\"")
            and any(words.lstrip("—–- ").startswith(n) or words.rstrip(" .,").endswith(n) for n in names))


def _close(keep: set[int], sents: list, chunk: Chunk) -> set[int]:
    """`keep` grown until no quotation is cut open and no kept sentence points back to a dropped one."""
    quotations = find_quotations(chunk.text)
    out = set(keep)
    changed = True
    while changed:
        changed = False
        for j in sorted(out):
            s = sents[j]
            for qa, qb in quotations:
                if qa < s.end and qb > s.start:  # the sentence is (partly) quoted: keep the whole quotation
                    for k, t in enumerate(sents):
                        if qa < t.end and qb > t.start and k not in out:
                            out.add(k)
                            changed = True
            if j > 0 and j - 1 not in out and _POINTS_BACK.match(chunk.text[s.start : s.start + 6]):
                same_paragraph = "\n" not in chunk.text[sents[j - 1].end : s.start]
                if same_paragraph:
                    out.add(j - 1)
                    changed = True
    return out


def _pieces(chunk: Chunk, spans: list[tuple[int, int]], breaks: tuple[int, ...]) -> list[tuple[int, int]]:
    """Contiguous runs of the kept sentences, cut where the source was interrupted, trimmed of white space."""
    text = chunk.text
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and not text[merged[-1][1] : a].strip():
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    out: list[tuple[int, int]] = []
    for a, b in merged:
        for p in breaks:
            if a < p < b:
                out.append((a, p))
                a = p
        out.append((a, b))
    trimmed = []
    for a, b in out:
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        a, b = a + lead, a + lead + len(piece.strip())
        if b > a:
            trimmed.append((a, b))
    return trimmed


def _map(pieces: list[tuple[int, int]], spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Chunk offsets → offsets in the joined extract text (parts of a span outside every piece are dropped)."""
    out: list[tuple[int, int]] = []
    offset = 0
    for a, b in pieces:
        for s, e in spans:
            lo, hi = max(a, s), min(b, e)
            if lo < hi:
                out.append((offset + lo - a, offset + hi - a))
        offset += (b - a) + len(ELLIPSIS)
    return out


def _speakers(chunk: Chunk, pieces: list[tuple[int, int]], first: tuple[int, int]) -> list[Speaker]:
    """Everyone whose quoted words fall inside the shown pieces: whoever speaks in the `first` span (the best
    sentence) leads, the rest follow in order of appearance."""
    out: list[Speaker] = []
    a0, b0 = first
    for q in sorted(chunk.quotes, key=lambda q: (not (q.start < b0 and q.end > a0), q.start)):
        if any(q.start < b and q.end > a for a, b in pieces) and q.name not in [s.name for s in out]:
            out.append(Speaker(q.name, q.role, q.trust))
    if not out and chunk.speaker is not None:
        out.append(chunk.speaker)
    return out


def span_breaks(chunk: Chunk, source: str) -> tuple[int, ...]:
    """Offsets in the chunk's text where a new source span begins (text rejoined across an interruption). A span
    that the source's bullet markers alone keep from the last one goes on from it: the next item of a list."""
    bounds: list[int] = []
    total = 0
    for (a, b), (c, _) in itertools.pairwise(chunk.spans):
        total += sum(1 for ch in source[a:b] if not ch.isspace())
        if not only_markers(source[b:c]):
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
