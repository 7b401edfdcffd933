"""The index on disk: save → load identity, damage and staleness detection, incremental rebuilds, faults."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import SYNTHETIC_REPORT, ParagraphChunker
from hypothesis import given, settings
from hypothesis import strategies as st

from errors import IndexFault, IndexStale, SourceError
from index import FakeEmbedder, IndexConfig, build, load_or_build, store, verify
from index.fsutil import sha256_file

FILES = [
    "manifest.json", "chunks.jsonl", "vectors.faiss", "embeddings.npy", "embedding_keys.json", "facts.json",
    "sentences.npy", "sentence_spans.npy",
    "bm25/data.csc.index.npy", "bm25/indices.csc.index.npy", "bm25/indptr.csc.index.npy",
    "bm25/params.index.json", "bm25/vocab.index.json",
    f"texts/{hashlib.sha256(SYNTHETIC_REPORT.encode()).hexdigest()[:12]}.txt",  # the document's text
]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build_fake(config: IndexConfig, embedder: FakeEmbedder | None = None):
    return build(config, embedder=embedder or FakeEmbedder(), chunker=ParagraphChunker())


def load(config: IndexConfig, embedder: FakeEmbedder | None = None, rebuild: bool = False):
    return load_or_build(config, rebuild=rebuild, embedder=embedder or FakeEmbedder(), chunker=ParagraphChunker())


def test_folder_holds_the_documented_files_and_no_pickle(index_config):
    idx = build_fake(index_config)
    folder = index_config.out_path
    assert sorted(snapshot(folder)) == sorted(FILES)  # a new file must be added to FILES (and so to the damage tests)
    for npy in folder.rglob("*.npy"):
        np.load(npy, allow_pickle=False)  # raises if any array needed pickle
    m = json.loads((folder / "manifest.json").read_text())
    assert m["source"]["sha256"] == sha256_file(index_config.source_path)
    assert m["chunker"] == {"version": "paragraphs-1", "settings": {"split": "blank lines"}}
    assert m["model"]["id"] == FakeEmbedder().id and m["model"]["dim"] == 64 and m["model"]["normalize"] is True
    assert m["counts"] == {"chunks": 8, "vectors": 8, "bm25_docs": 8, "sentences": 8}
    assert set(m["versions"]) >= {"faiss-cpu", "bm25s", "sentence-transformers"}
    assert m["files"] == {rel: sha256_file(folder / rel) for rel in FILES if rel != "manifest.json"}
    assert m["config"]["stem"] is True and m["bm25"]["stem"] is True and m["vectors"]["kind"] == "flat"
    assert [c.id for c in idx.chunks] == [json.loads(line)["id"] for line in (folder / "chunks.jsonl").open()]
    assert verify(folder, chunker=ParagraphChunker()) == []
    assert [p.split(":")[0] for p in verify(folder)] == ["chunker version changed"]  # today's ingest cuts otherwise


@pytest.fixture(scope="module")
def built_pair(tmp_path_factory):
    """(index as built in memory, the same index loaded back from disk)."""
    tmp = tmp_path_factory.mktemp("pair")
    (tmp / "report.txt").write_text(SYNTHETIC_REPORT, encoding="utf-8")
    config = IndexConfig(source=tmp / "report.txt", out_dir=tmp / "index")
    return build_fake(config), load(config)


WORDS = sorted(set(SYNTHETIC_REPORT.lower().replace(".", " ").replace(",", " ").split()))


@settings(max_examples=150, deadline=None)
@given(
    query=st.one_of(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join), st.text(max_size=30)),
    k=st.integers(1, 12),
    mode=st.sampled_from(["dense", "bm25", "hybrid"]),
)
def test_save_then_load_gives_identical_results(built_pair, query, k, mode):
    built, loaded = built_pair
    assert loaded is not built and loaded.dense.index is not built.dense.index
    got = [(h.chunk, h.score, h.rank) for h in loaded.search(query, k=k, mode=mode)]
    assert got == [(h.chunk, h.score, h.rank) for h in built.search(query, k=k, mode=mode)]


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "flip":
        i = len(data) // 2
        path.write_bytes(data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1 :])
    else:
        path.unlink()


@pytest.mark.parametrize("how", ["truncate", "flip", "delete"])
@pytest.mark.parametrize("rel", FILES)
def test_damaged_file_is_refused_then_rebuilt(index_config, rel, how):
    build_fake(index_config)
    folder = index_config.out_path
    before = snapshot(folder)
    damage(folder / rel, how)
    with pytest.raises(IndexStale) as err:
        load(index_config)
    assert rel in str(err.value)
    assert any(rel in p for p in verify(folder, chunker=ParagraphChunker()))  # `info` sees it too
    embedder = FakeEmbedder()
    idx = load(index_config, embedder, rebuild=True)
    after = snapshot(folder)
    assert {k: v for k, v in after.items() if k != "manifest.json"} == {
        k: v for k, v in before.items() if k != "manifest.json"
    }
    sentences = idx.manifest["counts"]["sentences"]
    embedded_again = {"embeddings.npy": len(idx.chunks), "sentences.npy": sentences,
                      "embedding_keys.json": len(idx.chunks) + sentences, "manifest.json": len(idx.chunks) + sentences}
    assert embedder.documents_encoded == embedded_again.get(rel, 0)
    load(index_config)  # loads cleanly now


def test_changed_source_rebuilds_and_names_the_source(index_config):
    build_fake(index_config)
    index_config.source_path.write_text(SYNTHETIC_REPORT + "\nA new closing paragraph about beds.\n", "utf-8")
    with pytest.raises(IndexStale, match="source changed"):
        load(index_config)
    assert len(load(index_config, rebuild=True).chunks) == 9


def test_changed_model_chunker_or_settings_are_named(index_config):
    build_fake(index_config)
    with pytest.raises(IndexStale, match="model changed"):
        load(index_config, FakeEmbedder(name="other"))
    with pytest.raises(IndexStale, match="model changed"):
        load(index_config, FakeEmbedder(dim=32))

    class Newer(ParagraphChunker):
        version = "paragraphs-2"

    with pytest.raises(IndexStale, match="chunker version changed"):
        load_or_build(index_config, rebuild=False, embedder=FakeEmbedder(), chunker=Newer())
    with pytest.raises(IndexStale, match="setting stem changed"):
        load(replace(index_config, stem=False))
    with pytest.raises(IndexStale, match="setting vectors changed"):
        load(replace(index_config, vectors="hnsw"))
    embedder = FakeEmbedder()
    idx = load(replace(index_config, vectors="hnsw"), embedder, rebuild=True)
    assert idx.built and idx.dense.kind == "hnsw" and idx.manifest["vectors"]["hnsw_m"] == 32
    assert embedder.documents_encoded == 0  # same texts, same model: every vector comes from the cache
    assert load(replace(index_config, vectors="hnsw")).dense.kind == "hnsw"


def test_counts_are_checked_even_when_hashes_agree(index_config):
    build_fake(index_config)
    path = index_config.out_path / "manifest.json"
    m = json.loads(path.read_text())
    m["counts"]["chunks"] += 1
    m["manifest_sha256"] = store._canonical_sha256(m)  # a consistent manifest that lies about the count
    path.write_text(json.dumps(m))
    with pytest.raises(IndexStale, match=r"chunks.jsonl lines: 8, the manifest counts 9"):
        load(index_config)


def test_incremental_rebuild_embeds_only_changed_chunks(index_config, tmp_path):
    embedder = FakeEmbedder()
    first = build_fake(index_config, embedder)
    total = len(first.chunks) + first.manifest["counts"]["sentences"]  # chunk and sentence vectors
    assert len(first.chunks) == 8 and embedder.documents_encoded == total
    text = SYNTHETIC_REPORT.replace("twelve beds", "fourteen beds")
    index_config.source_path.write_text(text, encoding="utf-8")
    second = load(index_config, embedder, rebuild=True)
    assert embedder.documents_encoded == total + 2  # the changed chunk and its changed sentence
    assert second.manifest["build"] == second.manifest["build"] | {"embedded": 2, "reused": total - 2}
    # the reused vectors land on the right rows: same as a build from scratch
    fresh = replace(index_config, out_dir=tmp_path / "fresh")
    build_fake(fresh)
    a = np.load(index_config.out_path / "embeddings.npy")
    b = np.load(fresh.out_path / "embeddings.npy")
    assert np.array_equal(a, b)
    # another model id shares nothing
    other = FakeEmbedder(name="other")
    load(index_config, other, rebuild=True)
    assert other.documents_encoded == total


def test_concurrent_loaders_build_once(index_config):
    import threading

    embedder = FakeEmbedder()
    results, errors = [], []

    def go():
        try:
            results.append(load(index_config, embedder, rebuild=True))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 4
    built = len(results[0].chunks) + results[0].manifest["counts"]["sentences"]
    assert embedder.documents_encoded == built  # one build; the others waited on the lock, then loaded it


def test_unwritable_folder_is_an_index_fault(index_config, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    config = replace(index_config, out_dir=blocker / "index")  # root cannot create a folder under a file either
    with pytest.raises(IndexFault, match="cannot write"):
        build_fake(config)
    with pytest.raises(IndexFault, match="cannot write"):
        load(config, rebuild=True)
    with pytest.raises(IndexStale, match="no index"):
        load(config, rebuild=False)


def test_refuses_to_replace_a_folder_that_is_not_an_index(index_config):
    index_config.out_path.mkdir()
    (index_config.out_path / "precious.txt").write_text("user data")
    with pytest.raises(IndexFault, match="not an index folder"):
        build_fake(index_config)
    assert (index_config.out_path / "precious.txt").read_text() == "user data"


def test_an_index_written_by_another_format_version_is_replaced(index_config):
    build_fake(index_config)
    folder = index_config.out_path
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["format_version"] = 99  # a newer build of this project, with a part this code does not know
    manifest["manifest_sha256"] = store._canonical_sha256(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "a_future_part").mkdir()
    (folder / "a_future_part" / "x.bin").write_bytes(b"x")
    with pytest.raises(IndexStale, match="format version"):
        load(index_config, rebuild=False)
    index = load(index_config, rebuild=True)
    assert index.chunks and not (folder / "a_future_part").exists()
    assert index.manifest["build"]["embedded"] == 0  # its verified vectors were reused, whatever its format


def test_source_missing_or_not_utf8(index_config):
    index_config.source_path.write_bytes(b"caf\xe9 au lait\n\nmore text\n")
    with pytest.raises(SourceError, match="not UTF-8"):
        build_fake(index_config)
    index_config.source_path.unlink()
    with pytest.raises(SourceError, match="does not exist"):
        load(index_config, rebuild=True)


def test_empty_or_ambiguous_chunking_is_refused(index_config):
    with pytest.raises(SourceError, match="no chunks"):
        build(index_config, embedder=FakeEmbedder(), chunker=lambda path: [])  # type: ignore[arg-type]

    class Twice(ParagraphChunker):
        def __call__(self, path):
            return super().__call__(path) * 2

    with pytest.raises(IndexFault, match="same id"):
        build(index_config, embedder=FakeEmbedder(), chunker=Twice())
    assert not index_config.out_path.exists()


def test_old_index_is_removed_after_a_successful_swap(index_config):
    build_fake(index_config)
    build_fake(index_config)
    names = sorted(p.name for p in index_config.out_path.parent.iterdir())
    assert names == [".index.lock", "index", "report.txt"]
    shutil.rmtree(index_config.out_path)
    with pytest.raises(IndexStale, match="no index at"):
        load(index_config)
