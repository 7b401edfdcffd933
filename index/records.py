"""The record that leaves the index stage: `Hit`, one ranked chunk for one query.

Only plain data lives here; searching, fusing and storing are elsewhere in `index/`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.records import Chunk


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # cosine for dense, BM25 for lexical, the fused score for hybrid: comparable only within one list
    rank: int  # 1 = best
    dense: float | None = None  # the chunk's cosine with the query, when the ranking computed it
    lexical: float | None = None  # its BM25 score, likewise
