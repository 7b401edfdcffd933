"""The sentences of every chunk with their vectors, as the index stores them, arranged for picking extracts.

The vectors are built and verified with the index (`index.records.Sentences`, in its manifest like every other
file), so nothing is encoded or cached here. `SentenceBank.build` encodes from scratch, for chunks that are not
in an index (tests). Left out: sentence splitting itself (`ingest.text.split_sentences`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.text import terms
from index.records import Sentences
from ingest.records import Chunk
from ingest.text import split_sentences


@dataclass(frozen=True)
class Sentence:
    chunk: int  # position of the chunk in the index
    start: int  # offsets within the chunk's text
    end: int


class SentenceBank:
    def __init__(self, n_chunks: int, sentences: Sentences):
        self.sentences = [Sentence(int(r), int(a), int(b)) for r, a, b in np.asarray(sentences.spans).tolist()]
        self.by_chunk: list[list[int]] = [[] for _ in range(n_chunks)]  # chunk position -> indexes into sentences
        for i, s in enumerate(self.sentences):
            self.by_chunk[s.chunk].append(i)
        vectors = np.asarray(sentences.vectors, dtype=np.float32)
        self.vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        self._terms: list[frozenset[str] | None] = [None] * len(self.sentences)

    def terms(self, i: int, text: str) -> frozenset[str]:
        """The content-word stems of sentence i (whose text is `text`), worked out once."""
        found = self._terms[i]
        if found is None:  # two threads may both work it out: the same value, so no lock
            found = self._terms[i] = frozenset(terms(text))
        return found

    @classmethod
    def from_index(cls, index) -> SentenceBank:
        return cls(len(index.chunks), index.sentences)

    @classmethod
    def build(cls, chunks: Sequence[Chunk], embedder) -> SentenceBank:
        """Split and encode `chunks` directly (no index, no cache)."""
        spans = np.array([(r, a, b) for r, c in enumerate(chunks) for a, b in split_sentences(c.text)],
                         dtype=np.int32).reshape(-1, 3)
        texts = [chunks[r].text[a:b] for r, a, b in spans.tolist()]
        vectors = np.asarray(embedder.encode_documents(texts), dtype=np.float32) if texts else np.zeros((0, 1))
        return cls(len(chunks), Sentences(spans, vectors))
