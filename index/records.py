"""Records that leave the index stage: `Hit`, one ranked chunk for one query; `Sentences`, the sentence vectors.

Only plain data lives here; searching, fusing and storing are elsewhere in `index/`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingest.records import Chunk


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # cosine for dense, BM25 for lexical, the fused score for hybrid: comparable only within one list
    rank: int  # 1 = best
    dense: float | None = None  # the chunk's cosine with the query, when the ranking computed it
    lexical: float | None = None  # its BM25 score, likewise


@dataclass(frozen=True, eq=False)
class Sentences:
    """Every sentence of every chunk (`ingest.text.split_sentences`) with its unit vector, built with the index."""

    spans: np.ndarray  # int32 [m, 3]: chunk row, start, end (offsets in the chunk's text)
    vectors: np.ndarray  # float32 [m, dim], row j = sentence j
