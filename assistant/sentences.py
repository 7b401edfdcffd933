"""Sentences of every chunk, with their embeddings, so extracts can be picked without encoding at query time.

Vectors are cached beside the index as plain arrays (`np.savez`, no pickle), keyed by the sha1 of each sentence
and the model id; a sentence not in the cache is encoded and the cache rewritten atomically. Left out: any
sentence splitting smarter than punctuation followed by a capital (the report has few abbreviations).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.records import Chunk

_BOUNDARY = re.compile(r"(?<=[.?!…])[”’)]?\s+(?=[A-Z“‘\[])|\n+")


@dataclass(frozen=True)
class Sentence:
    chunk: int  # position of the chunk in the index
    start: int  # offsets within the chunk's text
    end: int


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`; a closing quote mark stays with its sentence."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.start() + len(m.group(0)) - len(m.group(0).lstrip("”’)"))
        if text[start:end].strip():
            out.append((start, end))
        start = m.end()
    if text[start:].strip():
        out.append((start, len(text)))
    return [
        (a + len(text[a:b]) - len(text[a:b].lstrip()), b - (len(text[a:b]) - len(text[a:b].rstrip()))) for a, b in out
    ]


class SentenceBank:
    def __init__(self, chunks: tuple[Chunk, ...], vectors: np.ndarray | None):
        self.sentences: list[Sentence] = []
        self.by_chunk: list[list[int]] = []  # chunk position -> indexes into `sentences`
        for pos, chunk in enumerate(chunks):
            ids = []
            for a, b in split_sentences(chunk.text):
                ids.append(len(self.sentences))
                self.sentences.append(Sentence(pos, a, b))
            self.by_chunk.append(ids)
        self.vectors = vectors  # one unit row per sentence, or None (lexical choice only)

    @classmethod
    def build(cls, chunks: tuple[Chunk, ...], embedder, cache_dir: Path | None) -> SentenceBank:
        bank = cls(chunks, None)
        texts = [chunks[s.chunk].text[s.start : s.end] for s in bank.sentences]
        model_id = getattr(embedder, "id", type(embedder).__name__)
        keys = [hashlib.sha1(f"{model_id}\0{t}".encode()).hexdigest() for t in texts]
        cached: dict[str, np.ndarray] = {}
        path = cache_dir / "sentence-vectors.npz" if cache_dir else None
        if path and path.exists():
            try:
                with np.load(path, allow_pickle=False) as data:
                    cached = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
            except (OSError, ValueError, KeyError):
                cached = {}  # a damaged cache is rebuilt, never trusted
        missing = [i for i, k in enumerate(keys) if k not in cached]
        if missing:
            fresh = np.asarray(embedder.encode_documents([texts[i] for i in missing]), dtype=np.float32)
            for i, row in zip(missing, fresh, strict=True):
                cached[keys[i]] = row
            if path:
                _save(path, keys, np.stack([cached[k] for k in keys]))
        vectors = np.stack([cached[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, 1), np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        bank.vectors = vectors / np.maximum(norms, 1e-12)
        return bank


def _save(path: Path, keys: list[str], vectors: np.ndarray) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, keys=np.array(keys), vectors=vectors)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time on the next start
