"""Shared fixtures for every stage's tests.

- The real report, ingested once per session (`source_path`, `doc`; ~0.3 s).
- `fake_embedder`: a deterministic hashed bag-of-words embedder (index.embedder.FakeEmbedder), milliseconds.
- `make_chunk`, `ParagraphChunker`, `synthetic_source`, `index_config`: small synthetic chunks and a synthetic
  report (one chunk per paragraph; a line `# Name` sets the trust), so index tests do not depend on how ingest
  cuts the real report.
- `real_embedder`: the bundled all-MiniLM-L6-v2, weights verified, loaded at most once per session and only by
  tests that ask for it (mark those `@pytest.mark.model`).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from index.config import IndexConfig  # noqa: E402 -- needs ROOT on sys.path
from index.embedder import Embedder, FakeEmbedder, make_embedder  # noqa: E402
from ingest.layout import BULLET_MARKER  # noqa: E402
from ingest.records import Chunk  # noqa: E402

SOURCE = ROOT / "data" / "driving-improvement-mental-health-trusts.txt"


@pytest.fixture(scope="session")
def source_path() -> str:
    return str(SOURCE)


@pytest.fixture(scope="session")
def doc(source_path):
    from ingest import ingest_file

    return ingest_file(source_path)


SYNTHETIC_REPORT = """\
# Oxleas NHS Foundation Trust

Bed occupancy was above 100% on the acute wards, so the trust bought twelve beds from a neighbouring trust.

The board reviewed daily bed occupancy reports and visited the wards every week.

# Sheffield Health and Social Care NHS Foundation Trust

Staff morale improved after managers introduced a fairer rota and listened to nurses.

A new electronic patient record replaced paper notes, which reduced duplicated work.

# Devon Partnership NHS Trust

Patients and carers helped design the crisis service and sat on interview panels.

The quality improvement team trained two hundred staff in improvement methods.

Restrictive practice fell after wards adopted Safewards and reduced the use of restraint.

Waiting times for community mental health teams fell from sixteen weeks to six.
"""


def without_markers(text: str) -> str:
    """`text` with whitespace normalised and the bullet markers left out: what an extract may show verbatim (a
    list's items run on, unmarked)."""
    return " ".join(t for t in text.split() if t != BULLET_MARKER)


def make_chunk(
    id: str = "c1",
    text: str = "Bed occupancy was above 100%.",
    *,
    trust: str | None = None,
    section: str | None = None,
    title: str | None = None,
    page: int = 1,
    start: int = 0,
    **fields: Any,
) -> Chunk:
    """A Chunk with defaults for every field not given; spans cover `text` from offset `start`."""
    values: dict[str, Any] = dict(
        id=id, text=text, page=page, page_end=page, trust=trust, part="document", section=section, kind="body",
        title=title, speaker=None, quotes=(), spans=((start, start + len(text)),),
    )
    values.update(fields)
    return Chunk(**values)


class ParagraphChunker:
    """A `Chunker` for synthetic sources: blank-line paragraphs become chunks; `# Name` sets the trust."""

    version = "paragraphs-1"
    settings: ClassVar[dict[str, Any]] = {"split": "blank lines"}

    def __call__(self, path: Path) -> list[Chunk]:
        text = Path(path).read_text(encoding="utf-8")
        chunks, trust = [], None
        for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text):
            para = m.group()
            if para.startswith("# "):
                trust = para[2:].strip()
                continue
            cid = f"p{len(chunks):03d}-{hashlib.sha256(para.encode()).hexdigest()[:8]}"
            chunks.append(make_chunk(cid, para, trust=trust, start=m.start()))
        return chunks


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def synthetic_source(tmp_path: Path) -> Path:
    path = tmp_path / "report.txt"
    path.write_text(SYNTHETIC_REPORT, encoding="utf-8")
    return path


@pytest.fixture
def paragraph_chunker() -> ParagraphChunker:
    return ParagraphChunker()


@pytest.fixture
def index_config(tmp_path: Path, synthetic_source: Path) -> IndexConfig:
    """Config for a small index of `synthetic_source` in a fresh folder (build it with the fake embedder)."""
    return IndexConfig(source=synthetic_source, out_dir=tmp_path / "index", model="fake")


@pytest.fixture(scope="session")
def real_embedder() -> Iterator[Embedder]:
    """The bundled all-MiniLM-L6-v2, weights verified and loaded once per test session."""
    embedder = make_embedder(IndexConfig(model="sentence-transformers/all-MiniLM-L6-v2"))
    assert embedder.dim > 0  # loads the model now, so timing of the first test is not skewed
    yield embedder


@pytest.fixture(scope="session")
def fake_assistant(tmp_path_factory, source_path):
    """The assistant over the real report with the FakeEmbedder: real chunks, BM25 and logic; no model."""
    from assistant import Assistant
    from index import load_or_build

    root = tmp_path_factory.mktemp("fake-assistant")
    index = load_or_build(IndexConfig(source=Path(source_path), out_dir=root / "index", model="fake"))
    return Assistant(index)


@pytest.fixture(scope="session")
def real_assistant(tmp_path_factory, source_path, real_embedder):
    """The assistant over the real report with the bundled model: built once per test session."""
    from assistant import Assistant
    from index import load_or_build

    root = tmp_path_factory.mktemp("real-assistant")
    config = IndexConfig(source=Path(source_path), out_dir=root / "index")
    index = load_or_build(config, embedder=real_embedder)
    return Assistant(index)
