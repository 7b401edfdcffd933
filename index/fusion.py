"""Reciprocal rank fusion of ranked hit lists (Cormack, Clarke & Büttcher, 2009).

A pure function of ranks: the lists' own scores are ignored, so BM25 and cosine need no calibration.
It leaves out weighting lists against each other and cutting to k; the caller decides both.
"""

from __future__ import annotations

from index.records import Hit
from ingest.records import Chunk

RRF_K = 60  # the paper's constant: damps the head of each list so one list cannot dominate


def rrf(lists: list[list[Hit]], k: int = RRF_K) -> list[Hit]:
    """Fuse ranked lists into one: score(chunk) = Σ 1 / (k + rank in each list that holds it).

    Chunks are identified by `chunk.id`. Ties go to the chunk with the better best rank, then to the one met
    first (earlier list, then earlier position), so the output is deterministic.
    """
    if k < 0:
        raise ValueError(f"rrf constant k must be >= 0, got {k}")
    scores: dict[str, float] = {}
    best: dict[str, int] = {}
    chunks: dict[str, Chunk] = {}  # chunk id -> chunk, in order of first appearance
    for hits in lists:
        for hit in hits:
            cid = hit.chunk.id
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (k + hit.rank)
            best[cid] = min(best.get(cid, hit.rank), hit.rank)
            chunks.setdefault(cid, hit.chunk)
    order = {cid: i for i, cid in enumerate(chunks)}
    ranked = sorted(chunks, key=lambda cid: (-scores[cid], best[cid], order[cid]))
    return [Hit(chunks[cid], scores[cid], rank) for rank, cid in enumerate(ranked, start=1)]
