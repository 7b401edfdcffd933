"""`Index`: a loaded, verified index and its query methods.

`scores(query)` gives every chunk's cosine and BM25 score; `rank(query, mode)` orders the chunks by one signal or
by both fused (`index.fusion`, the one fusion implementation); `search(query, k)` is the first k of that. The
assistant and the baselines all rank through these, never through FAISS or bm25s directly. Left out:
re-ranking, query expansion, and deciding whether the evidence is strong enough (the assistant's job).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np

from index.dense import DenseIndex
from index.embedder import Embedder
from index.fusion import Fusion, hybrid, order
from index.lexical import LexicalIndex
from index.records import Hit, Sentences
from ingest.facts import ReportFacts
from ingest.records import Chunk

Mode = Literal["dense", "bm25", "hybrid"]
MODES: tuple[Mode, ...] = ("dense", "bm25", "hybrid")


@dataclass(frozen=True)
class Scores:
    """Both signals for every chunk of the index (row i = chunk i) for one query."""

    query: str
    vector: np.ndarray  # the query's unit vector
    dense: np.ndarray  # cosine similarity
    lexical: np.ndarray  # BM25 (0 where no query term occurs)


@dataclass(frozen=True, eq=False)
class Index:
    dir: Path
    chunks: tuple[Chunk, ...]
    manifest: dict[str, Any]
    embedder: Embedder
    dense: DenseIndex
    bm25: LexicalIndex
    facts: ReportFacts
    sentences: Sentences
    built: bool = False  # True when the call that returned this index built it, False when it was loaded
    fusion: Fusion = field(default_factory=Fusion)  # how `hybrid` fuses the two signals unless a caller passes its own
    texts: dict[str, str] = field(default_factory=dict)  # document key -> the text its chunks' spans point into

    @cached_property
    def positions(self) -> dict[str, int]:
        """Chunk id -> its row."""
        return {c.id: i for i, c in enumerate(self.chunks)}

    def embed(self, query: str) -> np.ndarray:
        """The query's unit vector (what `scores` would compute; pass it back to avoid encoding twice)."""
        v = np.asarray(self.embedder.encode_queries([query])[0], dtype=np.float32)
        return v / max(float(np.linalg.norm(v)), 1e-12)

    def scores(self, query: str, *, vector: np.ndarray | None = None, lexical_query: str | None = None) -> Scores:
        """Cosine and BM25 of every chunk for `query` (`lexical_query`, if given, is what BM25 scores instead)."""
        v = self.embed(query) if vector is None else vector
        return Scores(query, v, self.dense.scores(v), self.bm25.scores(lexical_query or query))

    def rank(
        self,
        query: str | Scores,
        mode: Mode = "hybrid",
        *,
        among: Collection[int] | np.ndarray | None = None,
        fusion: Fusion | None = None,
    ) -> list[Hit]:
        """Every allowed chunk ranked for `query` (a string, or `Scores` already computed), best first.

        `among` restricts the ranking to those chunk positions (see `where`), or is a boolean mask. In "bm25"
        mode only chunks sharing a term with the query are ranked.
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        s = query if isinstance(query, Scores) else self.scores(query)
        allowed = self._mask(among)
        if mode == "hybrid":
            fused, rows = hybrid(s.dense, s.lexical, fusion or self.fusion, allowed)
        else:
            score = s.dense if mode == "dense" else s.lexical
            fused = np.where(allowed & (mode == "dense" or score > 0), score, -np.inf)
            rows = order(fused)
        return [
            Hit(self.chunks[r], float(fused[r]), rank, dense=float(s.dense[r]), lexical=float(s.lexical[r]))
            for rank, r in enumerate(rows.tolist(), start=1)
        ]

    def search(
        self,
        query: str,
        k: int = 10,
        mode: Mode = "hybrid",
        *,
        among: Collection[int] | np.ndarray | None = None,
        fusion: Fusion | None = None,
    ) -> list[Hit]:
        """Best k chunks for `query`; `among` restricts the search to those chunk positions (see `where`)."""
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        fusion = fusion or self.fusion
        if k > fusion.depth:
            fusion = replace(fusion, depth=k)  # asking for more than the fusion depth: let every list reach k
        return self.rank(query, mode, among=among, fusion=fusion)[:k]

    def where(self, keep: Callable[[Chunk], bool]) -> list[int]:
        """Positions of the chunks `keep` accepts, e.g. `index.where(lambda c: c.trust == name)`."""
        return [i for i, chunk in enumerate(self.chunks) if keep(chunk)]

    def _mask(self, among: Collection[int] | np.ndarray | None) -> np.ndarray:
        n = len(self.chunks)
        if among is None:
            return np.ones(n, dtype=bool)
        if isinstance(among, np.ndarray) and among.dtype == bool:
            if among.shape != (n,):
                raise ValueError(f"a mask must have one entry per chunk ({n}), got shape {among.shape}")
            return among
        mask = np.zeros(n, dtype=bool)
        rows = np.fromiter(among, dtype=np.int64)
        mask[rows[(rows >= 0) & (rows < n)]] = True
        return mask
