"""The index on disk: one folder of plain files described by `manifest.json`; written whole, read warily.

    manifest.json        format, inputs (source, chunker, model), settings, counts, versions, file sha256s
    chunks.jsonl         one `Chunk.to_dict()` per line, in row order
    vectors.faiss        faiss.write_index of the dense index (row i = chunk i)
    bm25/                bm25s's own save (.npy without pickle + JSON)
    embeddings.npy       float32 [n, dim] document vectors, row i = chunk i (the incremental-build cache)
    sentences.npy        float32 [m, dim] vectors of every sentence of every chunk (extracts are cut by them)
    sentence_spans.npy   int32 [m, 3]: (chunk row, start, end) of each sentence in its chunk's text
    embedding_keys.json  {"chunks": [...], "sentences": [...]}: each vector's cache key (sha256 of model id,
                         weights hash and embedded text), so a rebuild embeds only what changed
    facts.json           what the report says about itself (ingest.facts.ReportFacts): trusts and their short
                         forms, sections, people — read by the assistant, the eval and the UI
    query_model/         the embedding model exported to ONNX with its tokenizer and config
                         (index/onnx_export.py), so queries need no torch; absent when the model cannot be
                         exported (the manifest's "query_model" says why)
    texts/<key>.txt      each document's text, as its chunks' spans count (a PDF's reading text), so extracts
                         are cut and shown from verified bytes; the manifest's "documents" lists them

Reading never trusts a byte it has not checked, and parses exactly the bytes it checked: the folder is opened once
(a directory descriptor pins one generation even if a build swaps a new one in meanwhile), every file is read
into memory through it and hashed, and the index is parsed from those bytes. Vectors must also be finite. Every
problem becomes a reason in `IndexStale`. Deciding when to rebuild, and building, live in `index/pipeline.py`;
atomic publication in `index/fsutil.py`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from errors import IndexStale
from index.dense import DenseIndex
from index.fsutil import fsync_tree, sha256_file
from index.lexical import LexicalIndex
from index.records import Sentences
from ingest.facts import ReportFacts
from ingest.records import Chunk

FORMAT = "driving-improvement-index"
FORMAT_VERSION = 5  # 2: facts.json; 3: sentence vectors; 4: the ONNX query model; 5: documents and their texts
MANIFEST, CHUNKS, VECTORS, BM25_DIR = "manifest.json", "chunks.jsonl", "vectors.faiss", "bm25"
EMBEDDINGS, EMBEDDING_KEYS, FACTS = "embeddings.npy", "embedding_keys.json", "facts.json"
SENTENCES, SENTENCE_SPANS = "sentences.npy", "sentence_spans.npy"
QUERY_MODEL = "query_model"  # index/onnx_export.FOLDER
TEXTS = "texts"  # texts/<document key>.txt: the text each document's chunk spans point into
SNAPSHOT_TRIES = 3  # a build may swap a new generation in while one is read: read again (rarely needed)
PACKAGES = ("faiss-cpu", "bm25s", "sentence-transformers", "numpy", "PyStemmer", "torch", "onnxruntime", "tokenizers")


@dataclass(frozen=True)
class Expected:
    """What a usable index must have been built from; a None field is not checked."""

    source_sha256: str | None = None
    chunker_version: str | None = None
    model: tuple[str, str | None] | None = None  # (embedder id, weights sha256)
    settings: dict[str, Any] | None = None  # {"vectors": "flat", "stem": True, "hnsw_m": 32}
    query_exporter: str | None = None  # the ONNX exporter's version (index/onnx_export.EXPORTER_VERSION)


@dataclass(frozen=True)
class Contents:
    """A verified index folder, parsed; the caller adds the embedder to make an `Index`."""

    manifest: dict[str, Any]
    chunks: tuple[Chunk, ...]
    faiss_index: Any
    lexical: LexicalIndex
    facts: ReportFacts
    sentences: Sentences
    query_files: dict[str, bytes]  # the ONNX query model's files (relative path -> verified bytes); empty if none
    texts: dict[str, str]  # document key -> its text (what chunk spans point into)


def replaceable(folder: Path) -> bool:
    """True when `folder` holds nothing but index files (maybe damaged), or is an index of any format version
    (its manifest says so: a newer or older build of this project wrote it), so a build may replace it."""
    known = {MANIFEST, CHUNKS, VECTORS, BM25_DIR, EMBEDDINGS, EMBEDDING_KEYS, FACTS, SENTENCES, SENTENCE_SPANS,
             QUERY_MODEL, TEXTS}
    if not folder.is_dir():
        return False
    if {p.name for p in folder.iterdir()} <= known:
        return True
    try:
        manifest = json.loads((folder / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == FORMAT


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
    sentences: Sentences,
    sentence_keys: list[str],
    dense: DenseIndex,
    lexical: LexicalIndex,
    facts: ReportFacts,
    inputs: dict[str, Any],
    query_files: dict[str, bytes] | None = None,
    texts: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Write a complete index into the empty `folder` and fsync it; returns the manifest written."""
    if texts:
        (folder / TEXTS).mkdir()
        for key, text in texts.items():
            (folder / TEXTS / f"{key}.txt").write_bytes(text.encode("utf-8"))
    for rel, data in (query_files or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    with open(folder / CHUNKS, "w", encoding="utf-8") as f:
        for chunk in chunks:
            f.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
    (folder / FACTS).write_text(json.dumps(facts.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    np.save(folder / EMBEDDINGS, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
    np.save(folder / SENTENCES, np.ascontiguousarray(sentences.vectors, dtype=np.float32), allow_pickle=False)
    np.save(folder / SENTENCE_SPANS, np.ascontiguousarray(sentences.spans, dtype=np.int32), allow_pickle=False)
    (folder / EMBEDDING_KEYS).write_text(json.dumps({"chunks": keys, "sentences": sentence_keys}), encoding="utf-8")
    dense.save(folder / VECTORS)
    lexical.save(folder / BM25_DIR)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **inputs,
        "counts": {"chunks": len(chunks), "vectors": dense.index.ntotal, "bm25_docs": lexical.num_docs,
                   "sentences": len(sentences.spans)},
        "versions": _versions(),
        "files": file_hashes(folder),
    }
    manifest["manifest_sha256"] = _canonical_sha256(manifest)
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")
    fsync_tree(folder)
    return manifest


def _valid_manifest(raw: bytes | None, any_version: bool = False) -> tuple[dict[str, Any] | None, list[str]]:
    if raw is None:
        return None, [f"{MANIFEST} is missing"]
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, [f"{MANIFEST} is unreadable ({e})"]
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None, [f"{MANIFEST} is not a {FORMAT} manifest"]
    if manifest.get("manifest_sha256") != _canonical_sha256(manifest):
        return None, [f"{MANIFEST} was altered after it was written (its checksum does not match)"]
    if manifest.get("format_version") != FORMAT_VERSION and not any_version:
        found = manifest.get("format_version")
        return None, [f"index format version {found} (this code reads {FORMAT_VERSION})"]
    if not isinstance(manifest.get("files"), dict):
        return None, [f"{MANIFEST} lacks its list of files"]
    return manifest, []


def _read_at(dir_fd: int, rel: str) -> bytes | None:
    """The bytes of `rel` inside the directory `dir_fd` stands for, or None when it is not there."""
    try:
        fd = os.open(rel, os.O_RDONLY, dir_fd=dir_fd)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    try:
        chunks = []
        while block := os.read(fd, 1 << 20):
            chunks.append(block)
        return b"".join(chunks)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Snapshot:
    """One generation of an index folder, in memory: its manifest and the bytes of every file it lists."""

    manifest: dict[str, Any] | None
    files: dict[str, bytes]  # relative path -> bytes, for the files whose hash matched
    problems: list[str]


def snapshot(folder: Path, any_version: bool = False) -> Snapshot:
    """Read the manifest and every file it lists through one directory descriptor, checking each file's hash."""
    for _ in range(SNAPSHOT_TRIES):
        try:
            dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except (FileNotFoundError, NotADirectoryError):
            return Snapshot(None, {}, [f"no index at {folder}"])
        except OSError as e:
            return Snapshot(None, {}, [f"cannot open the index folder {folder}: {e.strerror or e}"])
        try:
            manifest, problems = _valid_manifest(_read_at(dir_fd, MANIFEST), any_version)
            files: dict[str, bytes] = {}
            if manifest is not None:
                for rel, sha in manifest["files"].items():
                    data = _read_at(dir_fd, str(rel))
                    if data is None:
                        problems.append(f"file {rel} is missing")
                    elif hashlib.sha256(data).hexdigest() != sha:
                        problems.append(f"file {rel} is damaged (sha256 differs from the manifest)")
                    else:
                        files[str(rel)] = data
            swapped = os.fstat(dir_fd).st_ino != _inode(folder)
        finally:
            os.close(dir_fd)
        if not (problems and swapped):  # a build replaced the folder while we read it: read the new one
            return Snapshot(manifest, files, problems)
    return Snapshot(manifest, files, problems)


def _inode(folder: Path) -> int | None:
    try:
        return os.stat(folder).st_ino
    except FileNotFoundError:
        return None


def read_manifest(folder: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """The manifest if it is intact and of this format, else None and why."""
    if not folder.exists():
        return None, [f"no index at {folder}"]
    try:
        raw = (folder / MANIFEST).read_bytes()
    except FileNotFoundError:
        raw = None
    except OSError as e:
        return None, [f"{MANIFEST} is unreadable ({e})"]
    return _valid_manifest(raw)


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
    if want.query_exporter and (m.get("query_model") or {}).get("exporter") != want.query_exporter:
        problems.append(f"the query model exporter changed (now version {want.query_exporter})")
    for key, value in (want.settings or {}).items():
        section = m["bm25"] if key == "stem" else m["vectors"]
        have = section.get("kind" if key == "vectors" else key)
        if have != value:
            problems.append(f"setting {key} changed: index has {have!r}, config wants {value!r}")
    return problems


def check(folder: Path, want: Expected) -> tuple[dict[str, Any] | None, list[str]]:
    """Manifest, inputs and per-file hashes (of one pinned generation); no index file is parsed."""
    snap = snapshot(folder)
    if snap.manifest is None:
        return None, snap.problems
    return snap.manifest, _inputs_checked(snap.manifest, want) + snap.problems


def _inputs_checked(manifest: dict[str, Any], want: Expected) -> list[str]:
    try:
        return _input_problems(manifest, want)
    except (KeyError, TypeError) as e:
        return [f"{MANIFEST} lacks an expected entry ({e})"]


def _npy(data: bytes) -> np.ndarray:
    return np.load(io.BytesIO(data), allow_pickle=False)


def read(folder: Path, want: Expected) -> Contents:
    """The parsed index after every check passes, parsed from the very bytes that were checked; raises
    IndexStale naming each thing that failed."""
    snap = snapshot(folder)
    manifest = snap.manifest
    problems = snap.problems if manifest is None else _inputs_checked(manifest, want) + snap.problems
    if manifest is None or problems:
        raise IndexStale(problems)
    files = snap.files
    try:
        # split on "\n" only: splitlines() also splits inside chunk text at U+2028, U+0085 and the like
        lines = [line for line in files[CHUNKS].decode("utf-8").split("\n") if line]
        chunks = tuple(Chunk.from_dict(json.loads(line)) for line in lines)
        facts = ReportFacts.from_dict(json.loads(files[FACTS].decode("utf-8")))
        faiss_index = DenseIndex.deserialize(files[VECTORS])
        retriever = LexicalIndex.read_bm25_bytes({rel: b for rel, b in files.items() if rel.startswith(BM25_DIR + "/")})
        vectors = _npy(files[EMBEDDINGS])
        sentences = Sentences(spans=_npy(files[SENTENCE_SPANS]), vectors=_npy(files[SENTENCES]))
        keys = json.loads(files[EMBEDDING_KEYS].decode("utf-8"))
        counts = manifest["counts"]
        n = counts["chunks"]
        found = {
            f"{CHUNKS} lines": len(chunks),
            f"{VECTORS} vectors": faiss_index.ntotal,
            f"{BM25_DIR} documents": retriever.scores["num_docs"],
            f"{EMBEDDINGS} rows": len(vectors),
            f"{EMBEDDING_KEYS} chunk keys": len(keys["chunks"]),
        }
        problems = [f"{what}: {c}, the manifest counts {n} chunks" for what, c in found.items() if c != n]
        m = counts["sentences"]
        if not len(sentences.spans) == len(sentences.vectors) == len(keys["sentences"]) == m:
            problems.append(f"{SENTENCES}, {SENTENCE_SPANS} and their keys do not all count {m} sentences")
        dim = manifest["model"]["dim"]
        if faiss_index.d != dim or vectors.shape[1:] != (dim,) or sentences.vectors.shape[1:] != (dim,):
            problems.append(f"vectors do not all have the manifest's {dim} dimensions")
        for name, array in ((EMBEDDINGS, vectors), (SENTENCES, sentences.vectors), (VECTORS, _rows(faiss_index))):
            if array is not None and not np.isfinite(array).all():
                problems.append(f"{name} holds vectors that are not finite numbers")
        spans = sentences.spans
        if len(spans) and (spans.ndim != 2 or spans.shape[1] != 3 or spans[:, 0].min() < 0 or spans[:, 0].max() >= n):
            problems.append(f"{SENTENCE_SPANS} points outside the chunks")
        if len({c.id for c in chunks}) != len(chunks):
            problems.append(f"{CHUNKS} repeats chunk ids")
        if {c.trust for c in chunks if c.trust} - set(facts.trust_names):
            problems.append(f"{FACTS} does not name every trust the chunks cite")
        query_files = {rel: b for rel, b in files.items() if rel.startswith(QUERY_MODEL + "/")}
        listed = (manifest.get("query_model") or {}).get("files") or []
        if sorted(query_files) != sorted(listed):
            problems.append(f"{QUERY_MODEL}/ does not hold the files the manifest lists for it")
        texts = {rel[len(TEXTS) + 1 : -len(".txt")]: b.decode("utf-8") for rel, b in files.items()
                 if rel.startswith(TEXTS + "/")}
        if {c.document for c in chunks} - set(texts):
            problems.append(f"{TEXTS}/ lacks the text of a document the chunks come from")
        if problems:
            raise IndexStale(problems)
        lexical = LexicalIndex(retriever, chunks, bool(manifest["bm25"]["stem"]))
    except IndexStale:
        raise
    except Exception as e:  # a hash-checked file that will not parse: the manifest lies
        raise IndexStale([f"index files cannot be read ({type(e).__name__}: {e})"]) from e
    return Contents(manifest, chunks, faiss_index, lexical, facts, sentences, query_files, texts)


def _rows(faiss_index: Any) -> np.ndarray | None:
    """The stored vectors of a flat index (HNSW keeps them too, but not as one array)."""
    try:
        return faiss_index.reconstruct_n(0, faiss_index.ntotal) if faiss_index.ntotal else None
    except RuntimeError:
        return None


def read_cache(folder: Path) -> dict[str, np.ndarray]:
    """Cached vectors (chunks and sentences) of the index in `folder`, by key; empty when not intact."""
    # only files whose hash matched; an index of another format version still gives its vectors (their keys name
    # the model, weights and text, whatever the format)
    files = snapshot(folder, any_version=True).files
    try:
        keys = json.loads(files[EMBEDDING_KEYS].decode("utf-8"))
    except (KeyError, ValueError, UnicodeDecodeError):
        return {}
    out: dict[str, np.ndarray] = {}
    for name, rel in (("chunks", EMBEDDINGS), ("sentences", SENTENCES)):
        try:
            ks, vs = keys[name], _npy(files[rel])
        except (KeyError, TypeError, ValueError):
            continue  # that file is damaged or missing: its vectors are embedded again, the others reused
        if vs.ndim == 2 and len(ks) == len(vs) and all(isinstance(k, str) for k in ks):
            out.update((k, v) for k, v in zip(ks, vs, strict=True) if np.isfinite(v).all())
    return out


def read_documents(folder: Path, chunker_version: str) -> dict[str, Any]:
    """The documents of the index in `folder` as `index.corpus.Ingested`, by sha256, when it was chunked by
    `chunker_version` and every file they need is intact (so a rebuild need not ingest them again); else empty."""
    from index.corpus import Ingested
    from ingest.records import Rating, TrustInfo

    snap = snapshot(folder)
    m, files = snap.manifest, snap.files
    if m is None or (m.get("chunker") or {}).get("version") != chunker_version or CHUNKS not in files:
        return {}
    try:
        lines = [line for line in files[CHUNKS].decode("utf-8").split("\n") if line]
        chunks = [Chunk.from_dict(json.loads(line)) for line in lines]
        out: dict[str, Any] = {}
        for d in m.get("documents", []):
            text = files.get(f"{TEXTS}/{d['key']}.txt")
            if text is None or "cases" not in d:
                continue
            prefix = f"{d['key']}:"
            own = tuple(replace(c, id=c.id.removeprefix(prefix), document=None) for c in chunks
                        if c.document == d["key"])
            cases = tuple(TrustInfo(t["name"], t["page"], tuple(Rating(**r) for r in t["ratings"]))
                          for t in d["cases"])
            title = d.get("own_title")
            out[d["sha256"]] = Ingested(own, text.decode("utf-8"), title, int(d["pages"]), cases)
        return out
    except (KeyError, TypeError, ValueError, UnicodeDecodeError):
        return {}  # an index of another shape: ingest everything again


def read_query_model(folder: Path, source: dict[str, Any]) -> dict[str, bytes]:
    """The verified ONNX query model of the index in `folder` when it was exported from the same `source` (model,
    weights hash, prompts) by the same exporter, for a rebuild to reuse; else empty."""
    snap = snapshot(folder)
    info = (snap.manifest or {}).get("query_model") or {}
    if not info.get("files") or any(info.get(k) != v for k, v in source.items()):
        return {}
    files = {rel: snap.files.get(rel) for rel in info["files"]}
    return {rel: b for rel, b in files.items() if b is not None} if all(files.values()) else {}


def source_sha256(path: Path) -> str:
    """The source's sha256: a file's own, or a folder's over its documents (index/corpus.py)."""
    from errors import SourceError

    if path.is_dir():
        from index.corpus import source_sha256 as corpus_sha256

        return corpus_sha256(path)
    try:
        return sha256_file(path)
    except FileNotFoundError as e:
        raise SourceError(f"source document {path} does not exist") from e
    except OSError as e:
        raise SourceError(f"cannot read source document {path}: {e.strerror or e}") from e


