"""Dense retrieval: unit vectors in a FAISS inner-product index (exact `IndexFlatIP`, or HNSW on request).

Rows are chunk positions (0..n-1), so a hit maps straight back to `chunks[row]`. Filtering (e.g. by trust)
searches everything and keeps the allowed rows: at a few hundred chunks that is exact and costs microseconds.
Left out: IVF/PQ compression, GPUs, adding or removing rows in place (the index is rebuilt whole).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from index.embedder import Embedder
from index.records import Hit
from ingest.records import Chunk

HNSW_EF_CONSTRUCTION = 200  # build-time beam; cheap at this size and keeps recall ~1
HNSW_EF_SEARCH = 128  # query-time beam; FAISS raises it to k when k is larger


def _faiss() -> Any:
    import faiss  # deferred: ~0.5 s, and `--help` should not pay it

    return faiss


def as_unit_rows(vectors: np.ndarray, already_unit: bool) -> np.ndarray:
    out = np.ascontiguousarray(vectors, dtype=np.float32)
    if out.ndim != 2:
        raise ValueError(f"expected a 2-d array of vectors, got shape {out.shape}")
    if not already_unit:
        out = out.copy()
        _faiss().normalize_L2(out)
    return out


class DenseIndex:
    def __init__(self, index: Any, chunks: Sequence[Chunk], embedder: Embedder) -> None:
        if index.ntotal != len(chunks):
            raise ValueError(f"FAISS index holds {index.ntotal} vectors for {len(chunks)} chunks")
        self.index, self.chunks, self.embedder = index, tuple(chunks), embedder

    @classmethod
    def build(
        cls,
        vectors: np.ndarray,
        chunks: Sequence[Chunk],
        embedder: Embedder,
        kind: Literal["flat", "hnsw"] = "flat",
        hnsw_m: int = 32,
    ) -> DenseIndex:
        faiss = _faiss()
        rows = as_unit_rows(vectors, embedder.normalize)
        dim = rows.shape[1]
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)
        else:
            index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = HNSW_EF_SEARCH
        index.add(rows)
        return cls(index, chunks, embedder)

    @staticmethod
    def read_faiss(path: Path) -> Any:
        index = _faiss().read_index(str(path))
        if hasattr(index, "hnsw"):
            index.hnsw.efSearch = HNSW_EF_SEARCH  # a search-time setting: not necessarily kept in the file
        return index

    @classmethod
    def load(cls, path: Path, chunks: Sequence[Chunk], embedder: Embedder) -> DenseIndex:
        return cls(cls.read_faiss(path), chunks, embedder)

    def save(self, path: Path) -> None:
        _faiss().write_index(self.index, str(path))

    @property
    def kind(self) -> Literal["flat", "hnsw"]:
        return "hnsw" if hasattr(self.index, "hnsw") else "flat"

    @property
    def dim(self) -> int:
        return int(self.index.d)

    def search(self, query: str, k: int, *, among: Collection[int] | None = None) -> list[Hit]:
        """The k chunks nearest to `query` by cosine, optionally only among the given chunk positions."""
        vector = self.embedder.encode_queries([query])
        return self.search_vector(vector[0], k, among=among)

    def search_vector(self, vector: np.ndarray, k: int, *, among: Collection[int] | None = None) -> list[Hit]:
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        n = self.index.ntotal
        if n == 0:
            return []
        query = as_unit_rows(np.asarray(vector).reshape(1, -1), self.embedder.normalize)
        if query.shape[1] != self.dim:
            raise ValueError(f"query vector has {query.shape[1]} dims, the index {self.dim}")
        depth = n if among is not None else min(k, n)
        scores, rows = self.index.search(query, depth)
        allowed = None if among is None else set(among)
        found = [
            (float(s), int(r))
            for s, r in zip(scores[0], rows[0], strict=True)
            if r >= 0 and (allowed is None or int(r) in allowed)  # FAISS pads missing results with -1
        ]
        found.sort(key=lambda sr: (-sr[0], sr[1]))  # ties by position, so results never depend on FAISS order
        return [Hit(self.chunks[r], s, rank) for rank, (s, r) in enumerate(found[:k], start=1)]
