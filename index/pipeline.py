"""Building an index: ingest, embed what the cache lacks, write a folder beside the target, swap it in.

`load_or_build` decides between loading and building; `build` always builds. Both hold a lock beside the
target so two processes never build at once. Left out: building in the background, and partial updates of
FAISS or BM25 (each build writes a whole new folder; only embeddings are reused).
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from errors import IndexFault, IndexStale, ModelError, SourceError
from index import store
from index.config import IndexConfig
from index.corpus import ingest_corpus
from index.dense import DenseIndex
from index.embedder import Embedder, SentenceTransformerEmbedder, cache_key, embedded_text, make_embedder
from index.fsutil import aside_path, build_lock, recover, swap_in, temp_prefix
from index.lexical import LexicalIndex
from index.onnx_export import EXPORTER_VERSION
from index.records import Sentences
from index.search import Index
from ingest.records import Chunk, Document
from ingest.text import split_sentences

log = logging.getLogger(__name__)


class Chunker(Protocol):
    """Source file → chunks (or a whole `ingest.Document`, whose case-study openings then give the facts their
    ratings). `version` must change whenever the same file would give different chunks."""

    @property
    def version(self) -> str: ...

    @property
    def settings(self) -> dict[str, Any]: ...

    def __call__(self, path: Path) -> Sequence[Chunk] | Document: ...


class IngestChunker:
    """The ingest stage (`ingest.ingest_file`, `ingest.chunker.CHUNKER_VERSION`) as a `Chunker`."""

    def _module(self) -> Any:
        try:
            import ingest.chunker as chunker
        except ImportError as e:
            raise IndexFault(f"the ingest stage is not available ({e})") from e
        return chunker

    @property
    def version(self) -> str:
        return str(self._module().CHUNKER_VERSION)

    @property
    def settings(self) -> dict[str, Any]:
        module = self._module()
        return dict(getattr(module, "CHUNKER_SETTINGS", getattr(module, "SETTINGS", {})))

    def __call__(self, path: Path) -> Document:
        try:
            from ingest import ingest_file
        except ImportError as e:
            raise IndexFault(f"the ingest stage is not available ({e})") from e
        return ingest_file(path)


def expected(config: IndexConfig, embedder: Embedder, chunker: Chunker) -> store.Expected:
    settings: dict[str, Any] = {"vectors": config.vectors, "stem": config.stem}
    if config.vectors == "hnsw":
        settings["hnsw_m"] = config.hnsw_m
    return store.Expected(
        source_sha256=store.source_sha256(config.source_path),
        chunker_version=chunker.version,
        model=(embedder.id, embedder.weights_sha256),
        settings=settings,
        query_exporter=EXPORTER_VERSION if isinstance(embedder, SentenceTransformerEmbedder) else None,
    )


def open_index(folder: Path, embedder: Embedder, want: store.Expected, query_embedder: str = "auto") -> Index:
    c = store.read(folder, want)
    embedder = query_path(embedder, c.query_files, query_embedder, c.manifest)
    dense = DenseIndex(c.faiss_index, c.chunks, embedder)
    return Index(folder, c.chunks, c.manifest, embedder, dense, c.lexical, c.facts, c.sentences, texts=c.texts)


def query_path(embedder: Embedder, files: dict[str, bytes], choice: str, manifest: dict[str, Any]) -> Embedder:
    """The embedder queries go through: the verified ONNX export unless `choice` is "torch" (or there is none)."""
    source = getattr(embedder, "source", embedder)  # never wrap twice
    if choice == "torch" or (choice == "auto" and not files):
        return source
    if not files:
        why = (manifest.get("query_model") or {}).get("reason") or "it was built without one"
        raise ModelError(f"the index holds no ONNX query model ({why}); use DI_EMBEDDER=torch or auto")
    from index.onnx_embedder import OnnxEmbedder, QueryPath

    try:
        return QueryPath(source, OnnxEmbedder(files))
    except ModelError as e:
        if choice == "onnx":
            raise
        log.warning("queries use sentence-transformers: %s", e)  # auto: slower to start, same answers
        return source


def _defaults(
    config: IndexConfig | None, embedder: Embedder | None, chunker: Chunker | None
) -> tuple[IndexConfig, Embedder, Chunker]:
    """The default config, the config's embedder and the ingest chunker, for whatever the caller left out."""
    config = config or IndexConfig()
    return config, embedder or make_embedder(config), chunker or IngestChunker()


def load_or_build(
    config: IndexConfig | None = None,
    *,
    rebuild: bool = True,
    embedder: Embedder | None = None,
    chunker: Chunker | None = None,
    progress: bool = False,
) -> Index:
    """The index for `config`, verified; rebuilt when stale or damaged (IndexStale if `rebuild=False`)."""
    config, embedder, chunker = _defaults(config, embedder, chunker)
    target = config.out_path
    want = expected(config, embedder, chunker)
    if not target.exists() and aside_path(target).exists():
        with build_lock(target):
            recover(target)  # a build died mid-swap: restore the previous index first
    try:
        return open_index(target, embedder, want, config.query_embedder)
    except IndexStale:
        if not rebuild:
            raise
    with build_lock(target):
        recover(target)
        try:  # another process may have rebuilt it while we waited
            return open_index(target, embedder, want, config.query_embedder)
        except IndexStale:
            return _build_locked(config, embedder, chunker, want.source_sha256, progress)


def build(
    config: IndexConfig | None = None,
    *,
    embedder: Embedder | None = None,
    chunker: Chunker | None = None,
    progress: bool = False,
) -> Index:
    """Build the index for `config` now (reusing cached vectors), replacing any index at `config.out_dir`."""
    config, embedder, chunker = _defaults(config, embedder, chunker)
    source_sha = store.source_sha256(config.source_path)
    with build_lock(config.out_path):
        recover(config.out_path)
        return _build_locked(config, embedder, chunker, source_sha, progress)


def _embed(
    embedder: Embedder, texts: list[str], keys: list[str], cache: dict[str, np.ndarray], progress: bool
) -> tuple[np.ndarray, int]:
    """Vectors for all texts in order, encoding only those whose key the cache lacks; also how many. Vectors that
    come out of the model as anything but finite numbers are refused, not stored."""
    todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in cache}  # key -> text, each text once
    if todo:  # when nothing changed, the model is not even loaded
        fresh = embedder.encode_documents(list(todo.values()), progress=progress)
        if fresh.ndim != 2 or len(fresh) != len(todo):
            raise IndexFault(f"embedder {embedder.id} returned shape {fresh.shape} for {len(todo)} texts")
        if not np.isfinite(fresh).all():
            raise IndexFault(f"embedder {embedder.id} returned vectors that are not finite numbers")
        cache = {**cache, **dict(zip(todo, fresh, strict=True))}
    return np.stack([cache[k] for k in keys]).astype(np.float32), len(todo)


def _build_locked(
    config: IndexConfig, embedder: Embedder, chunker: Chunker, source_sha: str | None, progress: bool
) -> Index:
    started = time.perf_counter()
    target, source = config.out_path, config.source_path
    if target.exists() and not store.replaceable(target):
        raise IndexFault(f"{target} exists and is not an index folder; refusing to replace it")
    previous = store.read_documents(target, chunker.version) if target.exists() else {}
    corpus = ingest_corpus(chunker, source, progress, previous)
    chunks, facts = corpus.chunks, corpus.facts
    if not chunks:
        raise SourceError(f"ingesting {source} produced no chunks")
    if len({c.id for c in chunks}) != len(chunks):
        raise IndexFault(f"chunker {chunker.version} gave two chunks the same id; ids must be unique")
    texts = [embedded_text(c) for c in chunks]
    keys = [cache_key(embedder, t) for t in texts]
    spans = np.array([(row, a, b) for row, c in enumerate(chunks) for a, b in split_sentences(c.text)],
                     dtype=np.int32).reshape(-1, 3)
    sentence_texts = [chunks[r].text[a:b] for r, a, b in spans.tolist()]
    sentence_keys = [cache_key(embedder, t) for t in sentence_texts]
    every, embedded = _embed(embedder, texts + sentence_texts, keys + sentence_keys, store.read_cache(target),
                             progress)
    vectors, sentences = every[: len(texts)], Sentences(spans, every[len(texts) :])
    query_files, query_info = _query_model(embedder, config, target, progress)
    dense = DenseIndex.build(vectors, chunks, embedder, config.vectors, config.hnsw_m)
    lexical = LexicalIndex.build(texts, chunks, config.stem)
    inputs = {
        "source": {"name": source.name, "path": str(source), "sha256": source_sha,
                   "kind": "folder" if source.is_dir() else "file",
                   "bytes": sum((source / d.file if source.is_dir() else source).stat().st_size
                                for d in corpus.documents)},
        "documents": [{**asdict(d), "chunks": sum(c.document == d.key for c in chunks),
                       "own_title": corpus.titles[d.key], "cases": [t.to_dict() for t in corpus.cases[d.key]]}
                      for d in corpus.documents],
        "chunker": {"version": chunker.version, "settings": chunker.settings},
        "model": {"id": embedder.id, "weights_sha256": embedder.weights_sha256, "dim": int(vectors.shape[1]),
                  "normalize": bool(embedder.normalize)},
        "vectors": {"kind": config.vectors, "metric": "inner_product", "vectors_normalized": True,
                    **({"hnsw_m": config.hnsw_m} if config.vectors == "hnsw" else {})},
        "bm25": {**lexical.params(), "text": "heading + newline + chunk text, as embedded"},
        "sentences": {"splitter": "ingest.text.split_sentences", "count": len(spans)},
        "query_model": query_info,
        "config": config.resolved(),
        "build": {"built_at": datetime.now(UTC).isoformat(timespec="seconds"), "embedded": embedded,
                  "documents_ingested": len(corpus.documents) - corpus.reused, "documents_reused": corpus.reused,
                  "reused": len(keys) + len(sentence_keys) - embedded},
    }
    try:
        tmp = Path(tempfile.mkdtemp(prefix=temp_prefix(target), dir=target.parent))
    except OSError as e:
        raise IndexFault(f"cannot write beside {target}: {e.strerror or e}") from e
    try:
        inputs["build"]["seconds"] = round(time.perf_counter() - started, 3)
        manifest = store.write(tmp, chunks=chunks, vectors=vectors, keys=keys, sentences=sentences,
                               sentence_keys=sentence_keys, dense=dense, lexical=lexical, facts=facts, inputs=inputs,
                               query_files=query_files, texts=corpus.texts)
        swap_in(tmp, target)
    except OSError as e:
        raise IndexFault(f"cannot write the index to {target}: {e.strerror or e}") from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # gone already after a successful swap
    queries = query_path(embedder, query_files, config.query_embedder, manifest)
    dense = DenseIndex(dense.index, chunks, queries)
    return Index(target, chunks, manifest, queries, dense, lexical, facts, sentences, built=True, texts=corpus.texts)


def _query_model(
    embedder: Embedder, config: IndexConfig, target: Path, progress: bool
) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The ONNX query model's files and its manifest entry: reused from the index being replaced when it was
    exported from the same model, else exported now; when it cannot be, no files and the reason."""
    from index.onnx_export import Unsupported, export

    source_embedder = getattr(embedder, "source", embedder)
    if not isinstance(source_embedder, SentenceTransformerEmbedder):
        return {}, {"format": None, "exporter": EXPORTER_VERSION,
                    "reason": f"{embedder.id} is not a sentence-transformers model"}
    source = {"exporter": EXPORTER_VERSION, "source_model": source_embedder.id,
              "source_weights_sha256": source_embedder.weights_sha256,
              "query_prompt": config.query_prompt, "document_prompt": config.document_prompt}
    files = store.read_query_model(target, source)
    if not files:
        if progress:
            print("exporting the query model to ONNX (once per model)…", file=sys.stderr, flush=True)
        try:
            files = export(source_embedder.model, source)
        except Unsupported as e:
            return {}, {"format": None, "exporter": EXPORTER_VERSION, "reason": str(e)}
    return files, {"format": "onnx", **source, "files": sorted(files)}
