"""Fusing a dense and a lexical score per chunk into one ranking: the project's one fusion implementation.

Everything that ranks chunks by both signals — `Index.search(mode="hybrid")`, the assistant, the eval's
fixed-chunk baseline — calls `fuse` with a `Fusion` config. Two methods:

- `rrf`: reciprocal rank fusion (Cormack, Clarke & Büttcher, 2009). Each list contributes 1 / (k + rank) for
  the chunks in its first `depth` places; a chunk with no lexical match (BM25 0) gets nothing from BM25. Needs
  no calibration between cosine and BM25.
- `weighted`: `dense_weight · cosine + (1 − dense_weight) · BM25 / max(BM25 max, bm25_floor)`, so a weak lexical
  match is not stretched to look like a strong one.

Ranks and maxima are taken over the allowed chunks only, so a filtered search ranks as if the rest did not
exist. Left out: learned weights, and more than two signals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Method = Literal["rrf", "weighted"]
METHODS: tuple[Method, ...] = ("rrf", "weighted")


@dataclass(frozen=True)
class Fusion:
    method: Method = "rrf"  # rank-based: the default, as no calibration between the two scores is needed
    rrf_k: int = 60  # RRF's constant (the paper's): damps the head of each list so one list cannot dominate
    depth: int = 50  # RRF: only a list's first `depth` places count (a chunk ranked 51st gets nothing from it)
    dense_weight: float = 0.6  # weighted: the cosine's share
    bm25_floor: float = 8.0  # weighted: a BM25 maximum below this is not stretched to 1

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"fusion method must be one of {METHODS}, got {self.method!r}")
        if self.rrf_k < 0 or self.depth < 1 or not 0.0 <= self.dense_weight <= 1.0 or self.bm25_floor <= 0:
            raise ValueError(f"invalid fusion settings: {self}")


def ranks(scores: np.ndarray, allowed: np.ndarray, *, positive: bool = False) -> np.ndarray:
    """1-based rank of each allowed chunk by score (ties by position); 0 for a chunk not ranked.

    With `positive`, chunks scoring 0 or less are not ranked (a chunk sharing no term with the query).
    """
    keep = allowed & (scores > 0) if positive else allowed.copy()
    rows = np.flatnonzero(keep)
    order = rows[np.lexsort((rows, -scores[rows]))]
    out = np.zeros(len(scores), dtype=np.int64)
    out[order] = np.arange(1, len(order) + 1)
    return out


def fuse(dense: np.ndarray, lexical: np.ndarray, fusion: Fusion, allowed: np.ndarray | None = None) -> np.ndarray:
    """One fused score per chunk (higher is better); -inf for chunks not allowed."""
    dense = np.asarray(dense, dtype=np.float64)
    lexical = np.asarray(lexical, dtype=np.float64)
    if dense.shape != lexical.shape:
        raise ValueError(f"score arrays differ in shape: {dense.shape} vs {lexical.shape}")
    allowed = np.ones(len(dense), dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool)
    if fusion.method == "rrf":
        out = np.zeros(len(dense))
        for r in (ranks(dense, allowed), ranks(lexical, allowed, positive=True)):
            counted = (r > 0) & (r <= fusion.depth)
            out[counted] += 1.0 / (fusion.rrf_k + r[counted])
    else:
        top = float(lexical[allowed].max(initial=0.0))
        out = fusion.dense_weight * dense + (1 - fusion.dense_weight) * lexical / max(top, fusion.bm25_floor)
    return np.where(allowed, out, -np.inf)


def order(fused: np.ndarray, *tiebreaks: np.ndarray) -> np.ndarray:
    """Positions with a finite fused score, best first; ties by each of `tiebreaks` in turn (lower first), then
    by position."""
    rows = np.flatnonzero(np.isfinite(fused))
    keys = [rows, *(t[rows] for t in reversed(tiebreaks)), -fused[rows]]
    return rows[np.lexsort(keys)]


def hybrid(
    dense: np.ndarray, lexical: np.ndarray, fusion: Fusion, allowed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(fused score per chunk, allowed positions best first): `fuse`, with ties going to the chunk whose better
    single-list rank is higher (as the RRF paper breaks them), then to the better dense rank, then to the earlier
    position."""
    allowed = np.ones(len(dense), dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool)
    fused = fuse(dense, lexical, fusion, allowed)
    by_dense, by_lexical = ranks(np.asarray(dense), allowed), ranks(np.asarray(lexical), allowed, positive=True)
    best = np.where(by_lexical > 0, np.minimum(by_dense, by_lexical), by_dense)
    return fused, order(fused, best, by_dense)
