"""Ranking chunks for a question through the index's own API, then choosing which to show.

Ranking is `Index.rank` (one fusion implementation, `index/fusion.py`) over the chunks the question, its filters
and the conversation allow. On top: a chunk quoting a person the question names, or holding a phrase the user
quoted, rises; in a follow-up, a chunk the last answer showed whole sinks. Scores are put on a 0–1 scale (the
fused score over the best a chunk could get) so that the boosts and the relevance cut mean the same whatever
the fusion method.

Choosing: a chunk's *evidence* is how well its best sentence answers the question (sentence scores separate the
trusts that speak to a question from those that do not far better than whole-chunk scores: on dev, an AUC of 0.86
against 0.78). The chunks whose evidence is at least `relevance_cut` of the best are *relevant*, and the trusts they
come from have material; when the question is about the trusts, a trust's chunks are judged against the best chunk
of any trust (the report's own general text speaks of all of them at once and would outscore each). A question
comparing trusts it names, or not restricted to particular trusts and either speaking of them in the plural ("how
did trusts …") or with material in `breadth_trusts` or more, is about the trusts: it shows the report's key themes
first where a key-themes chunk is relevant, then the relevant chunks by evidence, each further chunk from the same
trust counting `diversity` times less, so every trust with relevant material gets its best passage. A trust with
nothing above the cut but a passage above `case_floor` of the best gives that one passage (its *nearest*, labelled
as a less certain match): on dev, the cut kept 72% of the trusts the gold lists, the floor 93%. Any other
question shows the best chunks in order. Left out: learned re-ranking (no cross-encoder is available offline)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from assistant.config import AssistantConfig
from assistant.understanding import Understanding
from index import Index, Scores
from ingest.records import Chunk
from ingest.text import normalise_ws


@dataclass(frozen=True, eq=False)  # compared by identity: each chunk is scored once per question
class Scored:
    pos: int
    chunk: Chunk
    score: float  # fused, on a 0-1 scale, with boosts
    dense: float  # cosine
    lexical: float  # raw BM25


@dataclass(frozen=True)
class Selection:
    chosen: tuple[Scored, ...]  # in the order to show them
    material: tuple[str, ...]  # trusts with at least one chunk above the relevance cut
    about_trusts: bool  # the question is about the trusts in general (material in many trusts, none named)
    strong: tuple[str, ...] = ()  # the trusts in `material` above the relevance cut (not only above the floor)


def best_possible(index: Index, cfg: AssistantConfig) -> float:
    if cfg.fusion.method == "rrf":
        return 2.0 / (cfg.fusion.rrf_k + 1)
    return 1.0


def rank(
    index: Index,
    scores: Scores,
    allowed: np.ndarray,
    u: Understanding,
    cfg: AssistantConfig,
    seen: frozenset[str] = frozenset(),
    headings: frozenset[str] = frozenset(),
    *,
    mentions_below: bool = False,
    leaning: Sequence[str] = (),
    phrases: Sequence[str] = (),
) -> list[Scored]:
    """Every allowed chunk with its boosted 0-1 score, best first. `headings`: section headings the question
    names ("calderstones culture": Culture); their chunks rise by `cfg.heading_boost`. `mentions_below`: a
    question about a trust, whose report-level chunks (the report's own text naming it) sink by
    `cfg.mention_penalty`, after the trust's own pages. `leaning`: the conversation's trusts, whose chunks rise by
    `cfg.context_boost`. `phrases`: runs of the question's words the report prints in few passages; a chunk holding
    one rises by `cfg.typed_phrase_boost` (a phrase the user quoted, by `cfg.phrase_boost`)."""
    positions = index.positions
    scale = best_possible(index, cfg)
    quoted = [normalise_ws(p).lower() for p in u.quoted]
    people = set(u.people)
    out: list[Scored] = []
    for hit in index.rank(scores, among=allowed, fusion=cfg.fusion):
        chunk = hit.chunk
        s = hit.score / scale
        if people and people & ({q.name for q in chunk.quotes} | ({chunk.speaker.name} if chunk.speaker else set())):
            s += cfg.person_boost
        if quoted and any(p in normalise_ws(chunk.text).lower() for p in quoted):
            s += cfg.phrase_boost
        elif phrases and any(p in normalise_ws(chunk.text).lower() for p in phrases):
            s += cfg.typed_phrase_boost
        if chunk.id in seen:
            s -= cfg.novelty_penalty
        if headings and chunk.section in headings:
            s += cfg.heading_boost
        if mentions_below and not chunk.trust:
            s -= cfg.mention_penalty
        if leaning and chunk.trust in leaning:
            s += cfg.context_boost
        out.append(Scored(positions[chunk.id], chunk, s, hit.dense or 0.0, hit.lexical or 0.0))
    out.sort(key=lambda x: (-x.score, x.pos))
    return out


def repeats(chunks: Sequence[Chunk]) -> list[frozenset[int]]:
    """For each chunk position, the positions of the chunks whose text repeats it (one's first 100 characters inside
    the other, after normalising whitespace and case; for a pull quote, its quoted words: a pull quote that repeats
    the body, or vice versa). Fixed for
    an index, so the assistant works it out once."""
    texts = [normalise_ws(c.text).lower() for c in chunks]
    heads = [_quoted_words(c)[:100] if c.kind == "quote" else t[:100] for c, t in zip(chunks, texts, strict=True)]
    out: list[set[int]] = [set() for _ in chunks]
    for i, a in enumerate(texts):
        for j in range(i + 1, len(texts)):
            b = texts[j]
            if heads[i] in b or heads[j] in a:
                out[i].add(j)
                out[j].add(i)
    return [frozenset(x) for x in out]


def _quoted_words(chunk: Chunk) -> str:
    """A pull quote's quoted words alone (without its marks and the printed attribution), normalised; the whole
    text when no quotation is found or the words are too few to recognise."""
    text = normalise_ws(chunk.text).lower()
    m = re.match(r"\s*[“\"]+(.*?)[”\"]", text)
    return m.group(1).strip() if m and len(m.group(1)) >= 40 else text


def _dedupe(ranked: Sequence[Scored], repeated: Sequence[frozenset[int]] | None = None,
            running_text: bool = False) -> list[Scored]:
    """Drop a chunk whose text repeats one already kept (see `repeats`; by chunk position). With `running_text`,
    a pull quote that reprints words of the running text gives its place to that text (which holds them, says who
    said them, and sits in the section they belong to)."""
    if repeated is None:  # not given: work it out for these chunks alone
        local = repeats([s.chunk for s in ranked])
        lookup = {s.pos: frozenset(ranked[j].pos for j in local[i]) for i, s in enumerate(ranked)}
    else:
        lookup = {s.pos: repeated[s.pos] for s in ranked}
    by_pos = {s.pos: s for s in ranked}
    kept: list[Scored] = []
    kept_pos: set[int] = set()
    for s in ranked:
        if s.pos in kept_pos or lookup[s.pos] & kept_pos:
            continue
        if running_text and s.chunk.kind == "quote":
            body = [by_pos[p] for p in sorted(lookup[s.pos]) if p in by_pos and by_pos[p].chunk.kind != "quote"]
            if body:
                s = replace(body[0], score=max(s.score, body[0].score))
                if lookup[s.pos] & kept_pos or s.pos in kept_pos:
                    continue
        kept.append(s)
        kept_pos.add(s.pos)
    return kept


def _in_rank_order(chosen: list[Scored], ranked: Sequence[Scored]) -> list[Scored]:
    order = {s.pos: i for i, s in enumerate(ranked)}
    return sorted(chosen, key=lambda s: order[s.pos])


def select(
    ranked: Sequence[Scored],
    evidence: Mapping[int, float],
    cfg: AssistantConfig,
    *,
    scope: Sequence[str],
    plural: bool = False,
    single: bool = False,
    repeated: Sequence[frozenset[int]] | None = None,
    theme: frozenset[str] = frozenset(),
    named: frozenset[str] = frozenset(),
    meant: frozenset[str] = frozenset(),
) -> Selection:
    """What to show. `evidence`: chunk position -> how well its best sentence answers (for the chunks worth
    asking about; others count as 0). `scope`: the trusts the question is restricted to (none: all). `plural`:
    the question speaks of the trusts in the plural. `repeated`: `repeats` of the index's chunks (worked out
    here when not given). `theme`: the headings of trusts' sections that name the question's subject ("how did
    trusts involve patients?": "Involving patients and people who use services"); about the trusts, each trust's
    best passage under one of them is relevant."""
    ranked = _dedupe(ranked, repeated, cfg.prefer_running_text)
    if not ranked:
        return Selection((), (), False)
    top = max(evidence.values(), default=0.0)
    relevant = [s for s in ranked if top > 0 and evidence.get(s.pos, 0.0) >= top * cfg.relevance_cut]
    material = strong = tuple(dict.fromkeys(s.chunk.trust for s in relevant if s.chunk.trust))
    # about the trusts in general, or comparing some
    about = len(scope) > 1 or (not scope and (plural or (not single and len(material) >= cfg.breadth_trusts)))
    if about and cfg.case_relative:  # a trust's material is judged against the best passage of any trust
        top_case = max((evidence.get(s.pos, 0.0) for s in ranked if s.chunk.trust), default=0.0)
        relevant = [s for s in ranked if top > 0 and evidence.get(s.pos, 0.0)
                    >= cfg.relevance_cut * (top_case if s.chunk.trust else top)]
        material = tuple(dict.fromkeys(s.chunk.trust for s in relevant if s.chunk.trust))
        strong = material
        if cfg.case_floor < cfg.relevance_cut:  # a trust below the cut but above the floor: its nearest passage
            below = dict.fromkeys(s.chunk.trust for s in ranked if s.chunk.trust and s.chunk.trust not in material)
            for trust in below:
                best = max((s for s in ranked if s.chunk.trust == trust),
                           key=lambda s: (evidence.get(s.pos, 0.0), -s.pos))
                if top_case > 0 and evidence.get(best.pos, 0.0) >= cfg.case_floor * top_case:
                    relevant.append(best)
            relevant = _in_rank_order(relevant, ranked)
            material = tuple(dict.fromkeys(s.chunk.trust for s in relevant if s.chunk.trust))
    if about and theme:  # the report's own heading for the subject: each trust's best passage under it answers
        floor = cfg.relevance_cut * max((evidence.get(s.pos, 0.0) for s in relevant if s.chunk.trust), default=top)
        evidence = dict(evidence)
        for trust in dict.fromkeys(s.chunk.trust for s in ranked if s.chunk.trust and s.chunk.section in theme):
            under = [s for s in ranked if s.chunk.trust == trust and s.chunk.section in theme]
            best = max(under, key=lambda s: (evidence.get(s.pos, 0.0), s.score))
            evidence[best.pos] = max(evidence.get(best.pos, 0.0), floor)
            if best not in relevant:
                relevant.append(best)
        relevant = _in_rank_order(relevant, ranked)
        material = tuple(dict.fromkeys(s.chunk.trust for s in relevant if s.chunk.trust))
        strong = tuple(dict.fromkeys((*strong, *(s.chunk.trust for s in relevant if s.chunk.section in theme))))
    extra: list[Scored] = []
    if about and meant:  # a heading near the question in meaning: trusts with nothing else, their passage under it
        for trust in dict.fromkeys(s.chunk.trust for s in ranked if s.chunk.trust and s.chunk.section in meant):
            if trust not in material:
                extra.append(max((s for s in ranked if s.chunk.trust == trust and s.chunk.section in meant),
                                 key=lambda s: (evidence.get(s.pos, 0.0), s.score)))
        material = (*material, *(s.chunk.trust for s in extra))
    limit = cfg.max_extracts if about else cfg.focused_extracts
    pool = relevant if about else list(ranked)  # a focused answer is filled up with the next best, as search would
    spread = cfg.diversity if about else 1.0  # breadth only for questions about the trusts in general
    chosen: list[Scored] = []
    counts: dict[str | None, int] = {}
    if about and cfg.overview_first:  # the report's own overview of the trusts goes first where it speaks to it
        overview = next((s for s in relevant if s.chunk.part == "key themes"), None)
        if overview is not None:
            pool.remove(overview)
            chosen.append(overview)
            counts[None] = 1
    w = cfg.focused_evidence_weight

    def value(s: Scored) -> float:  # about the trusts: how well a chunk answers; otherwise its ranking score ...
        # ... with its best sentence's evidence added (a chunk that says it in one sentence, among many others)
        if about:
            return evidence.get(s.pos, 0.0)
        # (about a trust: the report's own text naming it keeps its place below the trust's own pages)
        return s.score + (0.0 if scope and s.chunk.trust not in scope else w * evidence.get(s.pos, 0.0))

    while pool and len(chosen) < limit:
        best = max(pool, key=lambda s: (value(s) * spread ** counts.get(s.chunk.trust, 0), -s.pos))
        pool.remove(best)
        chosen.append(best)
        counts[best.chunk.trust] = counts.get(best.chunk.trust, 0) + 1
    if about:  # few trusts with material: fill up with the next best, as a focused answer would
        chosen += [s for s in ranked if s not in chosen][: max(0, cfg.focused_extracts - len(chosen))]
        chosen += [s for s in extra if s not in chosen][: max(0, limit - len(chosen))]
    elif cfg.focused_cut > 0 and chosen:  # a focused answer leaves out what hardly bears on the question ...
        floor = cfg.focused_cut * max(evidence.get(s.pos, 0.0) for s in chosen)
        # ... but not a passage under a heading the question names ("calderstones culture": its Culture section)
        chosen = chosen[:1] + [s for s in chosen[1:] if evidence.get(s.pos, 0.0) >= floor or s.chunk.section in named]
    return Selection(tuple(chosen), material, about, strong)
