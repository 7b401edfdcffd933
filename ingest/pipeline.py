"""The ingest entry points: a file or a string → `Document` with its trusts and chunks."""

from __future__ import annotations

import hashlib
from pathlib import Path

from errors import SourceError
from ingest.cases import markdown_items, parallel_cases
from ingest.chunker import chunk_blocks
from ingest.layout import page_starts, read_lines, running_title, runs
from ingest.records import Document
from ingest.speakers import attribute
from ingest.structure import build_blocks
from ingest.trusts import trust_aliases


def read_source(path: str | Path) -> tuple[str, str]:
    """(text, sha256) of a UTF-8 source file; a clear `SourceError` when it is missing or not UTF-8."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"source file not found: {p}") from None
    except IsADirectoryError:
        raise SourceError(f"source path is a directory, not a text file: {p}") from None
    except OSError as e:
        raise SourceError(f"cannot read source file {p}: {e.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SourceError(f"source file is not UTF-8 text: {p} (byte {e.start})") from None
    if not text.strip():
        raise SourceError(f"source file is empty: {p}")
    return text, hashlib.sha256(raw).hexdigest()


def _markdown_cases(text: str) -> tuple[int, frozenset[str]]:
    level, cases = parallel_cases(markdown_items(text))
    return level, frozenset(cases)


def ingest_text(text: str, path: str = "<text>", sha256: str | None = None) -> Document:
    """Parse `text` into a Document. Text without the report's structure gives paragraph and heading chunks."""
    blocks, trusts, _ = build_blocks(runs(read_lines(text)), _markdown_cases(text))
    aliases = {alias: t.name for t in trusts for alias in trust_aliases(t.name)}
    blocks = attribute(blocks, aliases)
    chunks = chunk_blocks(blocks, text)
    return Document(
        path=path,
        sha256=sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(),
        text=text,
        page_starts=page_starts(text),
        trusts=tuple(trusts),
        chunks=tuple(chunks),
        title=running_title(text),
    )


def is_pdf(path: str | Path) -> bool:
    """True when the file starts like a PDF (whatever its name)."""
    try:
        with open(path, "rb") as f:
            return f.read(5) == b"%PDF-"
    except OSError:
        return False


def ingest_file(path: str | Path) -> Document:
    """A text (UTF-8) or PDF file → Document; PDFs are read by their layout (`ingest.pdf`)."""
    if is_pdf(path):
        from ingest.pdf import ingest_pdf

        return ingest_pdf(path)
    text, digest = read_source(path)
    return ingest_text(text, path=str(path), sha256=digest)
