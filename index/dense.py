"""Dense retrieval: unit vectors in a FAISS inner-product index (exact `IndexFlatIP`, or HNSW on request).

Rows are chunk positions (0..n-1). `scores` gives the cosine of every row: at a few hundred chunks an exact scan
costs microseconds, and ranking, filtering and fusing happen on those arrays in `index/search.py`.
Left out: IVF/PQ compression, GPUs, adding or removing rows in place (the index is rebuilt whole).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from index.embedder import Embedder
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

    @staticmethod
    def deserialize(data: bytes) -> Any:
        """A FAISS index from the bytes `save` wrote (as read and checked by the store)."""
        index = _faiss().deserialize_index(np.frombuffer(data, dtype=np.uint8))
        if hasattr(index, "hnsw"):
            index.hnsw.efSearch = HNSW_EF_SEARCH
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

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """Cosine of every row with `vector` (row i = chunk i), exact for a flat index."""
        n = self.index.ntotal
        out = np.full(n, -1.0, dtype=np.float32)
        if n == 0:
            return out
        query = as_unit_rows(np.asarray(vector).reshape(1, -1), self.embedder.normalize)
        if query.shape[1] != self.dim:
            raise ValueError(f"query vector has {query.shape[1]} dims, the index {self.dim}")
        found, rows = self.index.search(query, n)
        keep = rows[0] >= 0  # FAISS pads missing results with -1 (HNSW may not reach every row)
        out[rows[0][keep]] = found[0][keep]
        return out
