"""Build time: the sentence-transformers model exported to ONNX, so that queries need neither torch nor
sentence-transformers (see `index/onnx_embedder.py`).

The graph is the transformer followed by the model's own mean pooling and L2 normalisation, so it outputs the very
vectors `SentenceTransformer.encode(normalize_embeddings=True)` gives; its tokenizer is saved beside it as
`tokenizer.json` with the model's truncation length. Only models made of a Transformer, mean Pooling and
(optionally) Normalize are exported; any other raises `Unsupported`, and the index then embeds queries with
sentence-transformers as before. Left out: quantisation (int8 moved cosines to ~0.97 and changed rankings).
"""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path
from typing import Any

EXPORTER_VERSION = "1"  # bump when the exported graph or its config would differ for the same weights
OPSET = 17
FOLDER = "query_model"
GRAPH, TOKENIZER, CONFIG = "model.onnx", "tokenizer.json", "config.json"


class Unsupported(Exception):
    """This embedder cannot be exported (why is the message); queries then use the embedder itself."""


def _modules(model: Any) -> tuple[Any, Any, bool]:
    """(transformer module, pooling module, normalises?) of a plain mean-pooling sentence-transformers model."""
    names = [type(m).__name__ for m in model]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise Unsupported(f"modules {names} (only Transformer, Pooling[, Normalize] are exported)")
    pooling = model[1]
    config = pooling.get_config_dict()
    mode = config.get("pooling_mode")  # sentence-transformers >= 5: "mean" (or a list); before: boolean flags
    if mode is not None:
        modes = {mode} if isinstance(mode, str) else set(mode)
    else:
        modes = {k.removeprefix("pooling_mode_").removesuffix("_tokens") for k, v in config.items()
                 if k.startswith("pooling_mode_") and v}
    if modes != {"mean"}:
        raise Unsupported(f"pooling {sorted(modes)} (only mean pooling is exported)")
    if not config.get("include_prompt", True):
        raise Unsupported("pooling that leaves out the prompt's tokens")
    return model[0], pooling, len(names) == 3


def export(st_model: Any, source: dict[str, Any]) -> dict[str, bytes]:
    """The query model's files (relative path -> bytes) for a loaded `SentenceTransformer`; `source` (model id,
    weights sha256, prompts) goes into its config. Raises `Unsupported` when it cannot be done."""
    try:
        import onnx  # noqa: F401 -- torch's exporter needs it; say so plainly rather than fail deep inside torch
        import torch
    except ImportError as e:
        raise Unsupported(f"{e.name} is not installed (needed to export the query model)") from e
    transformer, _, normalise = _modules(st_model)
    auto = transformer.auto_model
    tokenizer = st_model.tokenizer
    if not getattr(tokenizer, "is_fast", False):
        raise Unsupported("the model's tokenizer has no fast (tokenizers) version")
    inputs = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in tokenizer.model_input_names]
    if inputs[:2] != ["input_ids", "attention_mask"]:
        raise Unsupported(f"tokenizer inputs {tokenizer.model_input_names}")

    class Embed(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.auto = auto

        def forward(self, *tensors: Any) -> Any:
            kw = dict(zip(inputs, tensors, strict=True))
            hidden = self.auto(**kw).last_hidden_state
            mask = kw["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1) if normalise else mean

    sample = tokenizer(["an example query", "a second, longer example sentence"], padding=True, return_tensors="pt")
    args = tuple(sample[n] for n in inputs)
    axes = {n: {0: "batch", 1: "tokens"} for n in inputs} | {"sentence_embedding": {0: "batch"}}
    with tempfile.TemporaryDirectory(prefix="di-onnx-") as tmp:
        graph = Path(tmp) / GRAPH
        try:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # tracer warnings about Python control flow: shapes are dynamic
                torch.onnx.export(Embed().eval(), args, str(graph), input_names=inputs,
                                  output_names=["sentence_embedding"], dynamic_axes=axes, opset_version=OPSET,
                                  dynamo=False)
        except Exception as e:  # torch raises many kinds; all mean "this model does not export"
            raise Unsupported(f"torch.onnx.export failed ({type(e).__name__}: {e})") from e
        graph_bytes = graph.read_bytes()
    backend = tokenizer.backend_tokenizer
    config = {
        "exporter": EXPORTER_VERSION,
        "opset": OPSET,
        "torch": torch.__version__,
        **source,
        "inputs": inputs,
        "output": "sentence_embedding",
        "dim": int(st_model.get_embedding_dimension()),
        "max_seq_length": int(st_model.max_seq_length),
        "lowercase": bool(getattr(transformer, "do_lower_case", False)),
        "pad_id": int(tokenizer.pad_token_id or 0),
        "pad_token": str(tokenizer.pad_token or "[PAD]"),
        "pooling": "mean",
        "normalize": normalise,
    }
    return {
        f"{FOLDER}/{GRAPH}": graph_bytes,
        f"{FOLDER}/{TOKENIZER}": backend.to_str().encode("utf-8"),
        f"{FOLDER}/{CONFIG}": (json.dumps(config, indent=1) + "\n").encode("utf-8"),
    }
