"""The index on disk: one folder of plain files described by `manifest.json`; written whole, read warily.

    manifest.json        format, inputs (source, chunker, model), settings, counts, versions, file sha256s
    chunks.jsonl         one `Chunk.to_dict()` per line, in row order
    vectors.faiss        faiss.write_index of the dense index (row i = chunk i)
    bm25/                bm25s's own save (.npy without pickle + JSON)
    embeddings.npy       float32 [n, dim] document vectors, row i = chunk i (the incremental-build cache)
    embedding_keys.json  the cache key of each row (sha256 of model id, weights hash and embedded text)
    facts.json           what the report says about itself (ingest.facts.ReportFacts): trusts and their short
                         forms, sections, people — read by the assistant, the eval and the UI

Reading never trusts a byte it has not checked: every problem becomes a reason in `IndexStale`. Deciding when
to rebuild, and building, live in `index/pipeline.py`; atomic publication in `index/fsutil.py`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from errors import IndexStale
from index.dense import DenseIndex
from index.fsutil import fsync_tree, sha256_file
from index.lexical import LexicalIndex
from ingest.facts import ReportFacts
from ingest.records import Chunk

FORMAT = "driving-improvement-index"
FORMAT_VERSION = 2  # 2: facts.json
MANIFEST, CHUNKS, VECTORS, BM25_DIR = "manifest.json", "chunks.jsonl", "vectors.faiss", "bm25"
EMBEDDINGS, EMBEDDING_KEYS, FACTS = "embeddings.npy", "embedding_keys.json", "facts.json"
PACKAGES = ("faiss-cpu", "bm25s", "sentence-transformers", "numpy", "PyStemmer")


@dataclass(frozen=True)
class Expected:
    """What a usable index must have been built from; a None field is not checked."""

    source_sha256: str | None = None
    chunker_version: str | None = None
    model: tuple[str, str | None] | None = None  # (embedder id, weights sha256)
    settings: dict[str, Any] | None = None  # {"vectors": "flat", "stem": True, "hnsw_m": 32}


@dataclass(frozen=True)
class Contents:
    """A verified index folder, parsed; the caller adds the embedder to make an `Index`."""

    manifest: dict[str, Any]
    chunks: tuple[Chunk, ...]
    faiss_index: Any
    lexical: LexicalIndex
    facts: ReportFacts


def replaceable(folder: Path) -> bool:
    """True when `folder` holds nothing but index files (maybe damaged), so a build may replace it."""
    known = {MANIFEST, CHUNKS, VECTORS, BM25_DIR, EMBEDDINGS, EMBEDDING_KEYS, FACTS}
    return folder.is_dir() and {p.name for p in folder.iterdir()} <= known


def _canonical_sha256(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _versions() -> dict[str, str | None]:
    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    return {p: version(p) for p in PACKAGES}


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` except the manifest, keyed by POSIX relative path."""
    return {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def write(
    folder: Path,
    *,
    chunks: tuple[Chunk, ...],
    vectors: np.ndarray,
    keys: list[str],
    dense: DenseIndex,
    lexical: LexicalIndex,
    facts: ReportFacts,
    inputs: dict[str, Any],
) -> dict[str, Any]:
    """Write a complete index into the empty `folder` and fsync it; returns the manifest written."""
    with open(folder / CHUNKS, "w", encoding="utf-8") as f:
        for chunk in chunks:
            f.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
    (folder / FACTS).write_text(json.dumps(facts.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    np.save(folder / EMBEDDINGS, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
    (folder / EMBEDDING_KEYS).write_text(json.dumps(keys), encoding="utf-8")
    dense.save(folder / VECTORS)
    lexical.save(folder / BM25_DIR)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **inputs,
        "counts": {"chunks": len(chunks), "vectors": dense.index.ntotal, "bm25_docs": lexical.num_docs},
        "versions": _versions(),
        "files": file_hashes(folder),
    }
    manifest["manifest_sha256"] = _canonical_sha256(manifest)
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")
    fsync_tree(folder)
    return manifest


def read_manifest(folder: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """The manifest if it is intact and of this format, else None and why."""
    path = folder / MANIFEST
    if not folder.exists():
        return None, [f"no index at {folder}"]
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, [f"{MANIFEST} is missing"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, [f"{MANIFEST} is unreadable ({e})"]
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None, [f"{MANIFEST} is not a {FORMAT} manifest"]
    if manifest.get("manifest_sha256") != _canonical_sha256(manifest):
        return None, [f"{MANIFEST} was altered after it was written (its checksum does not match)"]
    if manifest.get("format_version") != FORMAT_VERSION:
        found = manifest.get("format_version")
        return None, [f"index format version {found} (this code reads {FORMAT_VERSION})"]
    return manifest, []


def _input_problems(m: dict[str, Any], want: Expected) -> list[str]:
    problems = []
    if want.source_sha256 and m["source"]["sha256"] != want.source_sha256:
        problems.append(
            f"source changed: {m['source']['name']} now has sha256 {want.source_sha256[:12]}…, "
            f"the index was built from {m['source']['sha256'][:12]}…"
        )
    if want.chunker_version and m["chunker"]["version"] != want.chunker_version:
        problems.append(f"chunker version changed: index has {m['chunker']['version']!r}, "
                        f"ingest is now {want.chunker_version!r}")
    if want.model:
        model_id, weights = want.model
        if m["model"]["id"] != model_id:
            problems.append(f"model changed: index was built with {m['model']['id']!r}, now {model_id!r}")
        elif m["model"]["weights_sha256"] != weights:
            problems.append(f"model weights changed for {model_id!r}")
    for key, value in (want.settings or {}).items():
        section = m["bm25"] if key == "stem" else m["vectors"]
        have = section.get("kind" if key == "vectors" else key)
        if have != value:
            problems.append(f"setting {key} changed: index has {have!r}, config wants {value!r}")
    return problems


def check(folder: Path, want: Expected) -> tuple[dict[str, Any] | None, list[str]]:
    """Manifest, inputs and per-file hashes; no index file is parsed."""
    manifest, problems = read_manifest(folder)
    if manifest is None:
        return None, problems
    try:
        problems = _input_problems(manifest, want)
        for rel, sha in manifest["files"].items():
            path = folder / rel
            if not path.is_file():
                problems.append(f"file {rel} is missing")
            elif sha256_file(path) != sha:
                problems.append(f"file {rel} is damaged (sha256 differs from the manifest)")
    except (KeyError, TypeError) as e:
        problems.append(f"{MANIFEST} lacks an expected entry ({e})")
    return manifest, problems


def read(folder: Path, want: Expected) -> Contents:
    """The parsed index after every check passes; raises IndexStale naming each thing that failed."""
    manifest, problems = check(folder, want)
    if manifest is None or problems:
        raise IndexStale(problems)
    try:
        # split on "\n" only: splitlines() also splits inside chunk text at U+2028, U+0085 and the like
        lines = [line for line in (folder / CHUNKS).read_text(encoding="utf-8").split("\n") if line]
        chunks = tuple(Chunk.from_dict(json.loads(line)) for line in lines)
        faiss_index = DenseIndex.read_faiss(folder / VECTORS)
        retriever = LexicalIndex.read_bm25(folder / BM25_DIR)
        facts = ReportFacts.from_dict(json.loads((folder / FACTS).read_text(encoding="utf-8")))
        rows = np.load(folder / EMBEDDINGS, allow_pickle=False, mmap_mode="r").shape[0]
        n_keys = len(json.loads((folder / EMBEDDING_KEYS).read_text(encoding="utf-8")))
        n = manifest["counts"]["chunks"]
        found = {
            f"{CHUNKS} lines": len(chunks),
            f"{VECTORS} vectors": faiss_index.ntotal,
            f"{BM25_DIR} documents": retriever.scores["num_docs"],
            f"{EMBEDDINGS} rows": rows,
            f"{EMBEDDING_KEYS} keys": n_keys,
        }
        problems = [f"{what}: {c}, the manifest counts {n} chunks" for what, c in found.items() if c != n]
        if faiss_index.d != manifest["model"]["dim"]:
            problems.append(f"{VECTORS} has {faiss_index.d} dims, the manifest {manifest['model']['dim']}")
        if len({c.id for c in chunks}) != len(chunks):
            problems.append(f"{CHUNKS} repeats chunk ids")
        if {c.trust for c in chunks if c.trust} - set(facts.trust_names):
            problems.append(f"{FACTS} does not name every trust the chunks cite")
        if problems:
            raise IndexStale(problems)
        lexical = LexicalIndex(retriever, chunks, bool(manifest["bm25"]["stem"]))
    except IndexStale:
        raise
    except Exception as e:  # a hash-checked file that will not parse: the manifest lies
        raise IndexStale([f"index files cannot be read ({type(e).__name__}: {e})"]) from e
    return Contents(manifest, chunks, faiss_index, lexical, facts)


def read_cache(folder: Path) -> dict[str, np.ndarray]:
    """Cached document vectors of the index in `folder`, by key; empty when it is absent or not intact."""
    manifest, _ = read_manifest(folder)
    if manifest is None:
        return {}
    try:
        for rel in (EMBEDDINGS, EMBEDDING_KEYS):
            if sha256_file(folder / rel) != manifest["files"][rel]:
                return {}
        keys = json.loads((folder / EMBEDDING_KEYS).read_text(encoding="utf-8"))
        vectors = np.load(folder / EMBEDDINGS, allow_pickle=False)
    except (OSError, KeyError, TypeError, ValueError):
        return {}
    if vectors.ndim != 2 or len(keys) != len(vectors) or not all(isinstance(k, str) for k in keys):
        return {}
    return dict(zip(keys, vectors, strict=True))


def source_sha256(path: Path) -> str:
    from errors import SourceError

    try:
        return sha256_file(path)
    except FileNotFoundError as e:
        raise SourceError(f"source document {path} does not exist") from e
    except OSError as e:
        raise SourceError(f"cannot read source document {path}: {e.strerror or e}") from e


