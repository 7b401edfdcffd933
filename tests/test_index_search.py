"""Dense, BM25 and hybrid search through `Index`, in memory, with the fake embedder and synthetic chunks."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_chunk

from index.dense import DenseIndex
from index.embedder import FakeEmbedder, embedded_text
from index.lexical import LexicalIndex
from index.records import Sentences
from index.search import Index
from ingest.facts import derive

TEXTS = [
    "Bed occupancy was above 100% on the acute wards.",
    "Staff morale improved after a fairer rota.",
    "The beds were bought from a neighbouring trust.",
    "Patients helped design the crisis service.",
    "Waiting times fell from sixteen weeks to six.",
]
CHUNKS = tuple(make_chunk(f"c{i}", t, trust="Trust A" if i % 2 == 0 else "Trust B") for i, t in enumerate(TEXTS))


def dense_index(kind: str = "flat", embedder: FakeEmbedder | None = None) -> DenseIndex:
    embedder = embedder or FakeEmbedder()
    vectors = embedder.encode_documents([embedded_text(c) for c in CHUNKS])
    return DenseIndex.build(vectors, CHUNKS, embedder, kind)  # type: ignore[arg-type]


def make_index(kind: str = "flat", embedder: FakeEmbedder | None = None, stem: bool = True) -> Index:
    embedder = embedder or FakeEmbedder()
    dense = dense_index(kind, embedder)
    lexical = LexicalIndex.build([embedded_text(c) for c in CHUNKS], CHUNKS, stem=stem)
    no_sentences = Sentences(np.zeros((0, 3), np.int32), np.zeros((0, embedder.dim), np.float32))
    return Index(dir=None, chunks=CHUNKS, manifest={}, embedder=embedder, dense=dense, bm25=lexical,  # type: ignore
                 facts=derive(CHUNKS), sentences=no_sentences)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_dense_k_larger_than_index_returns_every_chunk_once(kind: str):
    hits = make_index(kind).search("bed occupancy", k=50, mode="dense")
    assert len(hits) == len(CHUNKS)  # FAISS pads with -1 past ntotal: none of those may leak through
    assert sorted(h.chunk.id for h in hits) == sorted(c.id for c in CHUNKS)
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert hits[0].chunk.id == "c0"


def test_dense_scores_are_cosines_in_descending_order():
    embedder = FakeEmbedder()
    hits = make_index(embedder=embedder).search("bed occupancy wards", k=5, mode="dense")
    q = embedder.vector("bed occupancy wards")
    for h in hits:
        assert h.score == pytest.approx(float(q @ embedder.vector(embedded_text(h.chunk))), abs=1e-6)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_dense_among_restricts_to_positions(kind: str):
    hits = make_index(kind).search("bed occupancy", k=10, mode="dense", among=[1, 3])
    assert {h.chunk.id for h in hits} == {"c1", "c3"}
    assert make_index(kind).search("bed occupancy", k=10, mode="dense", among=[]) == []


def test_dense_normalises_when_embedder_does_not():
    class Unnormalised(FakeEmbedder):
        normalize = False

        def encode_documents(self, texts, progress=False):
            return super().encode_documents(texts) * 7.0

        def encode_queries(self, texts):
            return super().encode_queries(texts) * 3.0

    hits = make_index(embedder=Unnormalised()).search("bed occupancy", k=1, mode="dense")
    assert hits[0].score == pytest.approx(float(FakeEmbedder().vector("bed occupancy") @ FakeEmbedder().vector(
        embedded_text(CHUNKS[0]))), abs=1e-6)
    assert hits[0].score <= 1.0 + 1e-6


def test_dense_rejects_bad_k_and_mismatched_rows():
    with pytest.raises(ValueError):
        make_index().search("x", k=0, mode="dense")
    with pytest.raises(ValueError):
        DenseIndex.build(np.zeros((2, 64), np.float32), CHUNKS, FakeEmbedder())


@pytest.mark.parametrize("stem", [True, False])
def test_bm25_stemming_switch(stem: bool):
    ids = [h.chunk.id for h in make_index(stem=stem).search("beds", k=10, mode="bm25")]
    # "beds" matches "Bed" (c0) only through the stemmer; "beds" itself is in c2
    assert sorted(ids) == (["c0", "c2"] if stem else ["c2"])


def test_bm25_no_match_stopwords_and_k():
    idx = make_index()
    assert idx.search("zebra quantum", k=5, mode="bm25") == []
    assert idx.search("the of and", k=5, mode="bm25") == []
    assert idx.search("", k=5, mode="bm25") == []
    hits = idx.search("trust", k=100, mode="bm25")  # every heading says "Trust A/B"
    assert len(hits) == len(CHUNKS) and [h.rank for h in hits] == list(range(1, 6))
    assert all(h.score > 0 for h in hits)
    with pytest.raises(ValueError):
        idx.search("beds", k=0, mode="bm25")


def test_bm25_among_and_scores_match_bm25s():
    idx = make_index()
    lexical = idx.bm25
    hits = idx.search("beds wards", k=10, mode="bm25", among=[2, 4])
    assert [h.chunk.id for h in hits] == ["c2"]
    # reference: bm25s's own top-k retrieval over the same tokens
    import bm25s

    q = bm25s.tokenize("beds wards", stopwords="en", stemmer=lexical._stemmer, show_progress=False)
    docs, scores = lexical.retriever.retrieve(
        bm25s.tokenization.convert_tokenized_to_string_list(q), k=2, show_progress=False
    )
    mine = idx.search("beds wards", k=2, mode="bm25")
    assert [h.chunk.id for h in mine] == [CHUNKS[i].id for i in docs[0]]
    assert [h.score for h in mine] == pytest.approx(scores[0].tolist())


def test_index_modes_and_filters():
    idx = make_index()
    for mode in ("dense", "bm25", "hybrid"):
        hits = idx.search("bed occupancy", k=2, mode=mode)
        assert hits[0].chunk.id == "c0" and len(hits) <= 2
    hybrid = idx.search("beds occupancy", k=10)
    assert {h.chunk.id for h in hybrid} == {c.id for c in CHUNKS}  # dense contributes every chunk
    among = idx.where(lambda c: c.trust == "Trust B")
    assert among == [1, 3]
    assert {h.chunk.id for h in idx.search("beds", k=10, among=among)} <= {"c1", "c3"}
    with pytest.raises(ValueError):
        idx.search("beds", mode="fuzzy")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        idx.search("beds", k=0)


def test_hits_carry_both_signals_and_the_mask_equals_positions():
    idx = make_index()
    s = idx.scores("bed occupancy")
    assert s.dense.shape == s.lexical.shape == (len(CHUNKS),)
    for h in idx.rank(s):
        pos = CHUNKS.index(h.chunk)
        assert h.dense == pytest.approx(float(s.dense[pos])) and h.lexical == pytest.approx(float(s.lexical[pos]))
    mask = np.array([c.trust == "Trust B" for c in CHUNKS])
    by_mask = [h.chunk.id for h in idx.rank(s, among=mask)]
    assert by_mask == [h.chunk.id for h in idx.rank(s, among=[1, 3])] and set(by_mask) == {"c1", "c3"}


def test_embedded_text_prepends_heading_only_when_present():
    assert embedded_text(make_chunk(text="Words.")) == "Words."
    chunk = make_chunk(text="Words.", trust="Oxleas", section="Governance")
    assert embedded_text(chunk) == "Oxleas · Governance\nWords."
