"""Query time: texts embedded by the exported ONNX model (`index/onnx_export.py`) with onnxruntime and the
`tokenizers` library — no torch, no sentence-transformers, about 0.3 s to load instead of ~5 s.

`OnnxEmbedder` is made from the query model's verified bytes (the index manifest hashes them like every other
file). `QueryPath` puts it in front of the source embedder: queries go to ONNX, documents (index builds) to the
source, and the identity (`id`, `weights_sha256`) is the source's, so the manifest check is unchanged. Left out:
GPUs and quantised graphs.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from errors import ModelError
from index.embedder import TORCH_THREADS, Embedder
from index.onnx_export import CONFIG, FOLDER, GRAPH, TOKENIZER


class OnnxEmbedder:
    normalize = True

    def __init__(self, files: dict[str, bytes]) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as e:
            raise ModelError(f"cannot embed queries with ONNX: {e.name} is missing: pip install onnxruntime "
                             "tokenizers (or set DI_EMBEDDER=torch)") from e
        try:
            self.config: dict[str, Any] = json.loads(files[f"{FOLDER}/{CONFIG}"].decode("utf-8"))
            self.tokenizer = Tokenizer.from_str(files[f"{FOLDER}/{TOKENIZER}"].decode("utf-8"))
            options = ort.SessionOptions()
            options.intra_op_num_threads = max(1, min(TORCH_THREADS, os.cpu_count() or 1))
            options.inter_op_num_threads = 1
            options.log_severity_level = 3  # errors only
            self.session = ort.InferenceSession(files[f"{FOLDER}/{GRAPH}"], options,
                                                providers=["CPUExecutionProvider"])
        except Exception as e:  # hash-checked bytes that will not load: the export is unusable
            raise ModelError(f"the exported query model cannot be loaded ({type(e).__name__}: {e})") from e
        self.tokenizer.enable_truncation(int(self.config["max_seq_length"]))
        self.tokenizer.enable_padding(pad_id=int(self.config["pad_id"]), pad_token=str(self.config["pad_token"]))
        self.inputs: list[str] = list(self.config["inputs"])
        self.id = str(self.config["source_model"]) + " (ONNX)"
        self._words = whole_words(self.tokenizer.get_vocab())
        self.weights_sha256: str | None = self.config.get("source_weights_sha256")
        self._lock = threading.Lock()  # a tokenizers Tokenizer is not safe to share between threads

    @property
    def dim(self) -> int:
        return int(self.config["dim"])

    def _encode(self, texts: Sequence[str], prompt: str | None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = [f"{prompt or ''}{t}" for t in texts]
        if self.config.get("lowercase"):
            texts = [t.lower() for t in texts]
        with self._lock:
            encodings = self.tokenizer.encode_batch(texts)
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        out = self.session.run(None, {name: feed[name] for name in self.inputs})[0]
        return np.ascontiguousarray(out, dtype=np.float32)

    def words(self) -> frozenset[str]:
        """The tokenizer's whole words: a word list of the model's language (for telling typos from words)."""
        return self._words

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.config.get("query_prompt"))

    def encode_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self._encode(texts, self.config.get("document_prompt"))


def whole_words(vocabulary: Iterable[str]) -> frozenset[str]:
    """The whole words of a tokenizer's vocabulary (not word pieces, digits or marks): words it knows as words."""
    return frozenset(w for w in vocabulary if w.isalpha() and w.islower())


class QueryPath:
    """Queries through `fast` (ONNX), documents through `source`; the identity is the source's."""

    normalize = True

    def __init__(self, source: Embedder, fast: OnnxEmbedder) -> None:
        self.source, self.fast = source, fast
        self.id = source.id

    @property
    def weights_sha256(self) -> str | None:
        return self.source.weights_sha256

    @property
    def dim(self) -> int:
        return self.fast.dim

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.fast.encode_queries(texts)

    def words(self) -> frozenset[str]:
        return self.fast.words()

    def encode_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self.source.encode_documents(texts, progress=progress)
