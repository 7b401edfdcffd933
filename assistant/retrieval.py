"""Hybrid retrieval over all chunks: dense cosine and BM25, fused, boosted by what the question names.

Every chunk gets a score (the corpus is small, so no candidate cut-off is needed): a weighted sum of the cosine
and the BM25 score scaled by its maximum (or reciprocal rank fusion, by config), plus boosts for the question's
themes (sections), people, roles and quoted phrases. Selection then either takes the best chunks, or, for a
question about trusts in general, spreads them across trusts. Left out: learned re-ranking (no cross-encoder
is available offline).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from assistant.understanding import Understanding
from ingest.records import Chunk
from ingest.text import normalise_ws

Fusion = Literal["weighted", "rrf"]


@dataclass(frozen=True)
class RetrievalConfig:
    fusion: Fusion = "weighted"  # chosen on the eval set (see eval/report.md)
    dense_weight: float = 0.6  # weighted fusion: share of the cosine
    bm25_floor: float = 8.0  # BM25 maximum below which lexical scores are not stretched to 1
    rrf_k: int = 60
    section_boost: float = 0.06  # chunk in a section the question's theme points at
    person_boost: float = 0.25  # chunk quotes a person the question names
    role_boost: float = 0.04  # chunk quotes someone in a role the question names
    phrase_boost: float = 0.35  # chunk contains a phrase the user put in quotes
    coverage_ratio: float = 0.72  # cross-trust: a trust counts as covered when its best chunk scores this share
    per_trust: int = 1  # cross-trust: extracts per trust
    top_k: int = 5  # single-focus questions: extracts shown
    relative_cut: float = 0.0  # single-focus questions: drop extracts scoring under this share of the best


@dataclass(frozen=True)
class Scored:
    pos: int
    chunk: Chunk
    score: float
    dense: float
    bm25: float  # raw BM25


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(1, len(values) + 1)
    return ranks


def score_all(
    chunks: tuple[Chunk, ...],
    dense: np.ndarray,
    bm25: np.ndarray,
    u: Understanding,
    cfg: RetrievalConfig,
    allowed: np.ndarray,
) -> list[Scored]:
    """Every allowed chunk with its fused, boosted score; best first."""
    if cfg.fusion == "rrf":
        fused = 1.0 / (cfg.rrf_k + _ranks(dense)) + 1.0 / (cfg.rrf_k + _ranks(bm25))
        fused = fused * (cfg.rrf_k + 1) / 2  # best possible = 1
    else:
        lex = bm25 / max(float(bm25.max(initial=0.0)), cfg.bm25_floor)
        fused = cfg.dense_weight * dense + (1 - cfg.dense_weight) * lex
    sections = set(u.sections)
    phrases = [normalise_ws(p).lower() for p in u.quoted]
    out: list[Scored] = []
    for pos in np.flatnonzero(allowed):
        chunk = chunks[pos]
        s = float(fused[pos])
        if chunk.section in sections:
            s += cfg.section_boost
        names = {q.name for q in chunk.quotes} | ({chunk.speaker.name} if chunk.speaker else set())
        if u.people and names & set(u.people):
            s += cfg.person_boost
        if u.roles:
            roles = " ".join((q.role or "").lower() for q in chunk.quotes)
            if any(r in roles for r in u.roles):
                s += cfg.role_boost
        if phrases:
            low = normalise_ws(chunk.text).lower()
            if any(p in low for p in phrases):
                s += cfg.phrase_boost
        out.append(Scored(int(pos), chunk, s, float(dense[pos]), float(bm25[pos])))
    out.sort(key=lambda x: (-x.score, x.pos))
    return out


def _dedupe(ranked: list[Scored]) -> list[Scored]:
    """Drop a chunk whose text repeats one already kept (a pull quote that repeats the body, or vice versa)."""
    kept: list[Scored] = []
    texts: list[str] = []
    for s in ranked:
        t = normalise_ws(s.chunk.text).lower()[:160]
        if any(t[:100] in k or k[:100] in t for k in texts):
            continue
        kept.append(s)
        texts.append(normalise_ws(s.chunk.text).lower())
    return kept


def select(ranked: list[Scored], cross_trust: bool, cfg: RetrievalConfig) -> tuple[list[Scored], list[str]]:
    """(chosen chunks best first, trusts with nothing good enough). The second list is empty unless cross-trust."""
    ranked = _dedupe(ranked)
    if not ranked:
        return [], []
    if not cross_trust:
        return [s for s in ranked[: cfg.top_k] if s.score >= ranked[0].score * cfg.relative_cut], []
    bar = ranked[0].score * cfg.coverage_ratio
    chosen: list[Scored] = []
    per: dict[str | None, int] = {}
    for s in ranked:
        key = s.chunk.trust
        if key is None and s.chunk.part != "key themes":
            continue  # the report's own overview speaks for the trusts; front matter does not
        limit = 1 if key is None else cfg.per_trust
        if s.score >= bar and per.get(key, 0) < limit:
            chosen.append(s)
            per[key] = per.get(key, 0) + 1
    covered = {k for k in per if k}
    all_trusts = {s.chunk.trust for s in ranked if s.chunk.trust}
    missing = sorted(all_trusts - covered)
    for s in ranked:  # fill up to top_k with the next best, whatever their trust
        if len(chosen) >= cfg.top_k:
            break
        if s not in chosen:
            chosen.append(s)
    chosen.sort(key=lambda x: -x.score)
    return chosen, missing
