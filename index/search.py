"""`Index`: a loaded, verified index and its one query method, `search(query, k, mode)`.

Hybrid search fuses the dense and BM25 rankings with reciprocal rank fusion. Left out: re-ranking,
query expansion, and deciding whether the evidence is strong enough (the assistant's job).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from index.dense import DenseIndex
from index.embedder import Embedder
from index.fusion import rrf
from index.lexical import LexicalIndex
from index.records import Hit
from ingest.records import Chunk

Mode = Literal["dense", "bm25", "hybrid"]
MODES: tuple[Mode, ...] = ("dense", "bm25", "hybrid")
HYBRID_DEPTH = 50  # hits each list gives the fusion: deeper than k, so a chunk ranked 11th still counts


@dataclass(frozen=True, eq=False)
class Index:
    dir: Path
    chunks: tuple[Chunk, ...]
    manifest: dict[str, Any]
    embedder: Embedder
    dense: DenseIndex
    bm25: LexicalIndex
    built: bool = False  # True when the call that returned this index built it, False when it was loaded

    def search(
        self, query: str, k: int = 10, mode: Mode = "hybrid", *, among: Collection[int] | None = None
    ) -> list[Hit]:
        """Best k chunks for `query`; `among` restricts the search to those chunk positions (see `where`)."""
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        if mode == "dense":
            return self.dense.search(query, k, among=among)
        if mode == "bm25":
            return self.bm25.search(query, k, among=among)
        if mode != "hybrid":
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        depth = max(k, HYBRID_DEPTH)
        dense = self.dense.search(query, depth, among=among)
        return rrf([dense, self.bm25.search(query, depth, among=among)])[:k]

    def where(self, keep: Callable[[Chunk], bool]) -> list[int]:
        """Positions of the chunks `keep` accepts, e.g. `index.where(lambda c: c.trust == name)`."""
        return [i for i, chunk in enumerate(self.chunks) if keep(chunk)]
