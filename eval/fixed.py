"""The generic RAG baseline: fixed-size character chunks of the raw report, dense or hybrid search.

Chunks: `RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)` over the raw text, its defaults
otherwise — the pipeline most tutorials ship. Vectors come from the index's own embedder (so the model is not a
difference) into a FAISS `IndexFlatIP`; BM25 uses bm25s with the same stopwords and stemming as our index, and
hybrid fuses the two with the index's own fusion (`index.fusion.hybrid`, default settings).

The extracts carry **no trust, section, page or speaker**: a generic pipeline over a text file does not know
them, and that missing attribution is what the comparison is about. Vectors are cached as `.npy` (no pickle)
keyed by model, weights, splitter settings and the chunk texts. Left out: any other chunk size.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from eval.records import Shown, SystemOutput
from eval.systems import K, naive_query
from index.fusion import Fusion, hybrid, order

CHUNK_SIZE = 1000  # characters, the splitter's most common setting in tutorials
CHUNK_OVERLAP = 200
FixedMode = Literal["dense", "hybrid"]


def split(text: str) -> list[str]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP).split_text(text)


def _cache_key(embedder: Any, texts: Sequence[str]) -> str:
    h = hashlib.sha256()
    settings = {"model": embedder.id, "weights": embedder.weights_sha256, "size": CHUNK_SIZE, "overlap": CHUNK_OVERLAP}
    h.update(json.dumps(settings, sort_keys=True).encode())
    for t in texts:
        h.update(b"\0" + t.encode("utf-8"))
    return h.hexdigest()[:24]


def cached_vectors(embedder: Any, texts: Sequence[str], cache_dir: Path | None) -> np.ndarray:
    """Document vectors for `texts`, read from or written (atomically) to `cache_dir` when given.

    The cache file is named by a hash of the model, its weights, the splitter settings and the texts; a small
    manifest beside it holds the model id and the file's sha256, so a damaged, truncated or non-finite cache is
    noticed and encoded again rather than trusted. A write that fails leaves no temporary file behind.
    """
    key = _cache_key(embedder, texts)
    path = cache_dir / f"fixed-{key}.npy" if cache_dir else None
    if path is not None:
        cached = _read_cached(path, embedder, len(texts))
        if cached is not None:
            return cached
    vectors = np.ascontiguousarray(embedder.encode_documents(list(texts)), dtype=np.float32)
    if path is not None:
        buffer = io.BytesIO()
        np.save(buffer, vectors, allow_pickle=False)
        data = buffer.getvalue()
        meta = json.dumps({"model": embedder.id, "rows": len(texts), "sha256": hashlib.sha256(data).hexdigest()})
        for target, content in ((path, data), (path.with_suffix(".json"), meta.encode())):
            if not _write_atomically(target, content):
                break  # an unwritable cache only costs time next run
    return vectors


def _read_cached(path: Path, embedder: Any, rows: int) -> np.ndarray | None:
    try:
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        data = path.read_bytes()
        if meta.get("model") != embedder.id or meta.get("sha256") != hashlib.sha256(data).hexdigest():
            return None
        vectors = np.load(io.BytesIO(data), allow_pickle=False)
    except (OSError, ValueError, AttributeError):
        return None
    ok = vectors.ndim == 2 and vectors.shape[0] == rows and np.isfinite(vectors).all()
    return vectors if ok else None


def _write_atomically(path: Path, data: bytes) -> bool:
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".fixed-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return True
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return False


@dataclass(frozen=True, eq=False)
class FixedCorpus:
    texts: tuple[str, ...]
    embedder: Any
    faiss_index: Any
    bm25: Any
    stemmer: Any

    @classmethod
    def build(cls, source_text: str, embedder: Any, cache_dir: Path | None = None) -> FixedCorpus:
        import bm25s
        import faiss
        import Stemmer

        texts = tuple(split(source_text))
        vectors = cached_vectors(embedder, texts, cache_dir)
        faiss.normalize_L2(vectors)  # already unit length for our embedder; cheap insurance for others
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(vectors)
        stemmer = Stemmer.Stemmer("english")
        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenize(list(texts), stopwords="en", stemmer=stemmer, show_progress=False),
                        show_progress=False)
        return cls(texts, embedder, flat, retriever, stemmer)

    def scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """(cosine, BM25) of every fixed chunk for `query`."""
        import bm25s

        vector = np.ascontiguousarray(self.embedder.encode_queries([query]), dtype=np.float32)
        n = len(self.texts)
        found, rows = self.faiss_index.search(vector, n)
        dense = np.full(n, -1.0, dtype=np.float32)
        dense[rows[0][rows[0] >= 0]] = found[0][rows[0] >= 0]
        tokens = bm25s.tokenize(query, stopwords="en", stemmer=self.stemmer, return_ids=False, show_progress=False)
        ids = self.bm25.get_tokens_ids([t for t in tokens[0] if t])
        lexical = np.asarray(self.bm25.get_scores_from_ids(ids), dtype=np.float32) if ids else np.zeros(n, np.float32)
        return dense, lexical


class FixedChunkSystem:
    """Fixed-size chunks, dense or hybrid, no attribution; see the module docstring."""

    def __init__(self, name: str, corpus: FixedCorpus, mode: FixedMode, k: int = K) -> None:
        self.name, self.corpus, self.mode, self.k = name, corpus, mode, k

    def run(self, question: str, history: Sequence[str]) -> SystemOutput:
        started = time.perf_counter()
        query = naive_query(question, history)
        dense, lexical = self.corpus.scores(query)
        if self.mode == "dense":
            rows = order(dense)[: self.k].tolist()
        else:
            rows = hybrid(dense, lexical, Fusion())[1][: self.k].tolist()
        extracts = tuple(Shown(text=self.corpus.texts[r]) for r in rows)
        latency = (time.perf_counter() - started) * 1000
        return SystemOutput(extracts, (), abstained=False, latency_ms=latency)
