"""The documents an index is built from: one file (the report), or a folder of them (a corpus).

A folder's documents are its PDF, text and Markdown files (`DOCUMENT_SUFFIXES`, at any depth, hidden ones
skipped), in path order. Each is ingested on its own; its chunks carry its key (`DocumentInfo.key`), and when a
corpus holds more than one document chunk ids are prefixed with that key so they stay unique. The corpus's hash
is over every document's relative path and hash, so adding, changing or removing one makes the index stale —
and the rebuild ingests and embeds only that document (the others' chunks come from the index being replaced,
when its chunker version is the same; the embedding cache is keyed by text). Left out: documents in other
formats (Word, HTML).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from errors import SourceError
from ingest.facts import ReportFacts, derive
from ingest.records import Chunk, Document, DocumentInfo, TrustInfo

DOCUMENT_SUFFIXES = (".pdf", ".txt", ".md", ".markdown")
KEY_LENGTH = 12


def documents(source: Path) -> list[Path]:
    """The document files of `source` (itself, when it is a file); a clear SourceError when there are none."""
    if source.is_file():
        return [source]
    if not source.exists():
        raise SourceError(f"source not found: {source}")
    if not source.is_dir():
        raise SourceError(f"source is neither a file nor a folder: {source}")
    found = sorted(
        p for p in source.rglob("*")
        if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(source).parts)
    )
    if not found:
        raise SourceError(f"the folder {source} holds no documents ({', '.join(DOCUMENT_SUFFIXES)})")
    return found


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"source file not found: {path}") from None
    except OSError as e:
        raise SourceError(f"cannot read source file {path}: {e.strerror or e}") from None


def source_sha256(source: Path) -> str:
    """The sha256 of a folder's documents' relative paths and hashes (index.store.source_sha256 hashes a file)."""
    lines = [f"{p.relative_to(source).as_posix()}\t{hashlib.sha256(_read(p)).hexdigest()}" for p in documents(source)]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Corpus:
    chunks: tuple[Chunk, ...]
    facts: ReportFacts
    texts: dict[str, str]  # document key -> the text its chunks' spans point into
    documents: tuple[DocumentInfo, ...]
    cases: dict[str, tuple[TrustInfo, ...]]  # document key -> the case-study openings ingest found in it
    titles: dict[str, str | None]  # document key -> the title the document gives itself (None: it gives none)
    reused: int = 0  # documents taken from the previous index instead of ingested again


@dataclass(frozen=True)
class Ingested:
    """One document as the previous index holds it (chunk ids without the corpus prefix)."""

    chunks: tuple[Chunk, ...]
    text: str
    title: str | None
    pages: int
    cases: tuple[TrustInfo, ...]


def ingest_corpus(
    chunker: Callable[[Path], Sequence[Chunk] | Document], source: Path, progress: bool = False,
    previous: dict[str, Ingested] | None = None,
) -> Corpus:
    """Every document of `source` ingested, its chunks tagged with its key, and the facts of them all. A document
    in `previous` (by sha256: the index being replaced, same chunker version) is taken from there, not ingested."""
    paths = documents(source)
    root = source if source.is_dir() else source.parent
    many = len(paths) > 1
    chunks: list[Chunk] = []
    infos: list[DocumentInfo] = []
    docs: dict[str, Ingested] = {}  # document key -> what it holds
    reused = 0
    bar = _progress(paths, progress)
    for path in bar:
        if hasattr(bar, "set_postfix_str"):
            bar.set_postfix_str(path.name, refresh=True)  # which document is being read now
        raw = _read(path)
        digest = hashlib.sha256(raw).hexdigest()  # what ingest records too: the file's own bytes
        doc = (previous or {}).get(digest)
        if doc is not None:
            reused += 1
        else:
            plain = None if raw.startswith(b"%PDF-") else _utf8(raw, path)  # not UTF-8: refused before ingest
            out = chunker(path)
            if isinstance(out, Document):
                doc = Ingested(out.chunks, out.text, out.title, len(out.page_starts), tuple(out.trusts))
            else:  # a chunker that returns chunks only (tests): spans point into the file's text
                own = tuple(out)
                doc = Ingested(own, plain or "", None, max((c.page_end for c in own), default=1), ())
        key = digest[:KEY_LENGTH]
        if key in docs:
            raise SourceError(f"{path} is a copy of another document in {root}; remove one of them")
        docs[key] = doc
        infos.append(DocumentInfo(key=key, title=doc.title or path.stem, file=path.relative_to(root).as_posix(),
                                  sha256=digest, pages=doc.pages))
        chunks.extend(replace(c, id=f"{key}:{c.id}" if many else c.id, document=key) for c in doc.chunks)
    trusts = [t for d in docs.values() for t in d.cases]
    title = next(iter(docs.values())).title if not many else None
    facts = derive(chunks, trusts, title, infos)
    return Corpus(tuple(chunks), facts, {k: d.text for k, d in docs.items()}, tuple(infos),
                  {k: d.cases for k, d in docs.items()}, {k: d.title for k, d in docs.items()}, reused)


def _utf8(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SourceError(f"source document {path} is not UTF-8 text (bad byte at offset {e.start})") from e


def _progress(paths: list[Path], show: bool):
    if not show or len(paths) < 2:
        return paths
    from tqdm import tqdm

    return tqdm(paths, desc="ingesting documents", unit="doc")
