"""The query path without torch (index/onnx_export.py, index/onnx_embedder.py): choosing it, refusing it clearly,
repairing a damaged export, and — with the real model — parity with sentence-transformers and identical answers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import ParagraphChunker

from errors import ConfigError, IndexStale, ModelError
from index import FakeEmbedder, IndexConfig, load_or_build
from index.embedder import embedded_text
from index.onnx_embedder import QueryPath

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})})


def test_an_unknown_embedder_choice_is_refused_plainly(monkeypatch):
    monkeypatch.setenv("DI_EMBEDDER", "gpu")
    with pytest.raises(ConfigError, match="gpu"):
        IndexConfig()
    out = _run("-m", "assistant", "ask", "How did trusts involve patients?", env={"DI_EMBEDDER": "gpu"})
    assert out.returncode == 2 and "gpu" in out.stderr and "Traceback" not in out.stderr
    out = _run("-m", "assistant", "ask", "x", "--embedder", "gpu", env={"DI_EMBEDDER": ""})
    assert out.returncode == 2 and "invalid choice" in out.stderr


def test_onnx_asked_for_but_the_index_has_no_export(index_config):
    """An index built by an embedder that cannot be exported (the fake one) says why in its manifest."""
    fake = {"embedder": FakeEmbedder(), "chunker": ParagraphChunker()}
    index = load_or_build(index_config, **fake)
    assert index.manifest["query_model"]["format"] is None and index.manifest["query_model"]["reason"]
    assert not isinstance(load_or_build(replace(index_config, query_embedder="auto"), **fake).embedder, QueryPath)
    with pytest.raises(ModelError, match="no ONNX query model"):
        load_or_build(replace(index_config, query_embedder="onnx"), rebuild=False, **fake)


# -- with the real model -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_index(real_assistant):
    return real_assistant.index


@pytest.mark.model
def test_the_default_query_path_is_onnx_and_the_manifest_names_its_source(real_index):
    assert isinstance(real_index.embedder, QueryPath)
    info = real_index.manifest["query_model"]
    assert info["format"] == "onnx" and info["source_weights_sha256"] == real_index.manifest["model"][
        "weights_sha256"]
    assert sorted(info["files"]) == sorted(p for p in real_index.manifest["files"] if p.startswith("query_model/"))


@pytest.mark.model
def test_onnx_vectors_match_sentence_transformers_for_every_chunk_and_eval_question(real_index):
    from eval.gold import SPLITS, load_gold, split_path

    path = real_index.embedder
    questions = [item.question for split in SPLITS for item in load_gold(split_path(split))]
    questions += [h for split in SPLITS for item in load_gold(split_path(split)) for h in item.history]
    for texts, fast, slow in (
        ([embedded_text(c) for c in real_index.chunks], path.fast.encode_documents, path.source.encode_documents),
        (sorted(set(questions)), path.fast.encode_queries, path.source.encode_queries),
    ):
        a, b = fast(texts), slow(texts)
        cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        assert len(texts) > 100 and a.shape == b.shape
        assert cos.min() >= 0.9999, texts[int(cos.argmin())][:80]


@pytest.mark.model
def test_the_eval_answers_are_identical_on_both_paths(real_index, real_assistant):
    from assistant import Assistant
    from eval.gold import SPLITS, load_gold, split_path
    from index.pipeline import open_index
    from index.store import Expected

    torch_path = Assistant(open_index(real_index.dir, real_index.embedder, Expected(), query_embedder="torch"))
    assert not isinstance(torch_path.index.embedder, QueryPath)
    items = [item for split in SPLITS for item in load_gold(split_path(split))]
    differ = []
    for item in items:
        a = real_assistant.ask_history(item.question, list(item.history))
        b = torch_path.ask_history(item.question, list(item.history))
        if [(e.chunk_id, e.text) for e in a.extracts] != [(e.chunk_id, e.text) for e in b.extracts] or (
                a.text != b.text):
            differ.append(item.id)
    assert len(items) >= 300 and not differ


@pytest.mark.model
def test_the_query_path_never_imports_torch(real_index):
    code = (
        "import sys, json\n"
        "from pathlib import Path\n"
        "from assistant import Assistant\n"
        "from index import IndexConfig\n"
        f"config = IndexConfig(source=Path({str(real_index.manifest['source']['path'])!r}), "
        f"out_dir=Path({str(real_index.dir)!r}))\n"
        "a = Assistant.load(config, rebuild=False).ask('How did trusts involve patients?')[0]\n"
        "heavy = sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules)\n"
        "print(json.dumps({'extracts': len(a.extracts), 'heavy': heavy}))\n"
    )
    out = _run("-c", code, env={"DI_EMBEDDER": ""})
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"extracts": got["extracts"], "heavy": []} and got["extracts"] > 0
    # and the forced torch path does load it
    out = _run("-c", code, env={"DI_EMBEDDER": "torch"})
    assert out.returncode == 0 and "torch" in json.loads(out.stdout.strip().splitlines()[-1])["heavy"]


@pytest.mark.model
def test_a_damaged_export_is_found_and_rebuilt(real_index, real_embedder, tmp_path):
    folder = tmp_path / "index"
    shutil.copytree(real_index.dir, folder)
    config = IndexConfig(source=Path(real_index.manifest["source"]["path"]), out_dir=folder)
    graph = folder / "query_model" / "model.onnx"
    data = bytearray(graph.read_bytes())
    data[len(data) // 2] ^= 0xFF
    graph.write_bytes(bytes(data))
    with pytest.raises(IndexStale, match=r"query_model/model\.onnx is damaged"):
        load_or_build(config, embedder=real_embedder, rebuild=False)
    index = load_or_build(config, embedder=real_embedder)
    assert index.manifest["query_model"]["format"] == "onnx"
    assert isinstance(index.embedder, QueryPath)
    q = "How did trusts involve patients?"
    assert float(index.embedder.encode_queries([q])[0] @ real_embedder.encode_queries([q])[0]) > 0.9999


def test_an_export_that_will_not_load_falls_back_under_auto_and_is_an_error_under_onnx():
    from index.pipeline import query_path

    source = FakeEmbedder()
    broken = {"query_model/config.json": b"{not json", "query_model/model.onnx": b"", "query_model/tokenizer.json": b""}
    assert query_path(source, broken, "auto", {}) is source
    with pytest.raises(ModelError, match="cannot be loaded"):
        query_path(source, broken, "onnx", {})
    assert query_path(source, broken, "torch", {}) is source
