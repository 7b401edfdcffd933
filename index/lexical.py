"""Lexical retrieval: BM25 (bm25s, Lucene variant) over the same text the dense side embeds.

English stopwords are dropped; Snowball stemming (PyStemmer) is a switch recorded in the manifest. The index
is saved with bm25s's own `save`/`load` (`.npy` without pickle plus JSON). Queries are scored against every
document (a few hundred); ranking and filtering happen on that array in `index/search.py`. Left out: phrase
queries, fuzzy matching, per-field weights.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest.records import Chunk

STOPWORDS = "en"  # bm25s's English list


def _stemmer(stem: bool) -> Any:
    if not stem:
        return None
    import Stemmer

    return Stemmer.Stemmer("english")


class LexicalIndex:
    def __init__(self, retriever: Any, chunks: Sequence[Chunk], stem: bool) -> None:
        if retriever.scores["num_docs"] != len(chunks):
            n = retriever.scores["num_docs"]
            raise ValueError(f"BM25 index holds {n} documents for {len(chunks)} chunks")
        self.retriever, self.chunks, self.stem = retriever, tuple(chunks), stem
        self._stemmer = _stemmer(stem)
        self._lock = threading.Lock()  # PyStemmer objects are not thread-safe

    @classmethod
    def build(cls, texts: Sequence[str], chunks: Sequence[Chunk], stem: bool = True) -> LexicalIndex:
        import bm25s

        if len(texts) != len(chunks):
            raise ValueError(f"{len(texts)} texts for {len(chunks)} chunks")
        tokens = bm25s.tokenize(list(texts), stopwords=STOPWORDS, stemmer=_stemmer(stem), show_progress=False)
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        return cls(retriever, chunks, stem)

    @staticmethod
    def read_bm25(folder: Path) -> Any:
        import bm25s

        return bm25s.BM25.load(str(folder), load_corpus=False, mmap=False, show_progress=False)

    @staticmethod
    def read_bm25_bytes(files: dict[str, bytes]) -> Any:
        """bm25s's saved files (relative path -> bytes, as checked by the store) loaded into a retriever.

        bm25s reads only from a folder, so the checked bytes are written to a private temporary one first: what
        is parsed is exactly what was hashed, whatever happens to the index folder meanwhile.
        """
        import tempfile

        with tempfile.TemporaryDirectory(prefix="di-bm25-") as tmp:
            for rel, data in files.items():
                (Path(tmp) / Path(rel).name).write_bytes(data)
            return LexicalIndex.read_bm25(Path(tmp))

    @classmethod
    def load(cls, folder: Path, chunks: Sequence[Chunk], stem: bool) -> LexicalIndex:
        return cls(cls.read_bm25(folder), chunks, stem)

    def save(self, folder: Path) -> None:
        self.retriever.save(str(folder), show_progress=False)

    @property
    def num_docs(self) -> int:
        return int(self.retriever.scores["num_docs"])

    def params(self) -> dict[str, Any]:
        r = self.retriever
        return {"method": r.method, "k1": r.k1, "b": r.b, "stem": self.stem, "stopwords": STOPWORDS}

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for `query` (all zeros when no query term is in the vocabulary)."""
        import bm25s

        with self._lock:
            tokens = bm25s.tokenize(
                query, stopwords=STOPWORDS, stemmer=self._stemmer, return_ids=False, show_progress=False
            )[0]
        ids = self.retriever.get_tokens_ids([t for t in tokens if t])
        if not ids:
            return np.zeros(self.num_docs, dtype=np.float32)
        return np.asarray(self.retriever.get_scores_from_ids(ids), dtype=np.float32)
