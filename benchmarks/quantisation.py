"""Would an int8 query model do? Dynamic int8 quantisation of the exported ONNX model, measured against fp32.

    .venv/bin/python benchmarks/quantisation.py

Quantises the index's `query_model/model.onnx` in memory (onnxruntime's `quantize_dynamic`, QInt8 weights) and
prints, for every eval question (dev and test): the cosine of int8 to fp32 query vectors, the share of questions
whose extracts (chunk and text, in order) stay identical, the eval's headline figures both ways, and the p50 of a
bare query embedding both ways. The project keeps fp32 unless the eval is unchanged on both splits.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

METRICS = ("hit@5", "recall@5", "MRR", "recall@2000ch", "trust_cov", "speaker_acc", "abstain_unans")


def main() -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from assistant import Assistant
    from eval.gold import DEFAULT_SOURCE, SPLITS, load_gold, split_path
    from eval.run import evaluate
    from index import load_or_build
    from index.dense import DenseIndex
    from index.onnx_embedder import OnnxEmbedder, QueryPath
    from index.onnx_export import FOLDER, GRAPH

    index = load_or_build()
    path = index.embedder
    if not isinstance(path, QueryPath):
        raise SystemExit("the index has no ONNX query model to quantise")
    files = {rel: (index.dir / rel).read_bytes() for rel in index.manifest["query_model"]["files"]}
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        src.write_bytes(files[f"{FOLDER}/{GRAPH}"])
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8)
        int8 = OnnxEmbedder({**files, f"{FOLDER}/{GRAPH}": dst.read_bytes()})
    quantised = QueryPath(path.source, int8)
    index8 = replace(index, embedder=quantised, dense=DenseIndex(index.dense.index, index.chunks, quantised))

    items = {s: load_gold(split_path(s)) for s in SPLITS}
    questions = sorted({i.question for rows in items.values() for i in rows})
    a, b = path.fast.encode_queries(questions), int8.encode_queries(questions)
    cos = np.sum(a * b, axis=1)
    print(f"cosine int8 vs fp32 over {len(questions)} questions: min {cos.min():.4f}, median "
          f"{float(np.median(cos)):.4f}")

    fp32_asst, int8_asst = Assistant(index), Assistant(index8)
    every = [i for rows in items.values() for i in rows]
    same = sum(
        [(e.chunk_id, e.text) for e in fp32_asst.ask_history(i.question, list(i.history)).extracts]
        == [(e.chunk_id, e.text) for e in int8_asst.ask_history(i.question, list(i.history)).extracts]
        for i in every
    )
    print(f"identical extracts: {same} of {len(every)} eval questions ({same / len(every):.1%})")

    source = DEFAULT_SOURCE.read_text(encoding="utf-8")
    for split, rows in items.items():
        runs = {name: evaluate(rows, ["assistant"], idx, source).summary()["assistant"]
                for name, idx in (("fp32", index), ("int8", index8))}
        def fmt(v: object) -> str:
            return f"{v:.2f}" if isinstance(v, float | int) else "–"

        print(f"{split}: " + "; ".join(f"{m} {fmt(runs['fp32'].get(m))}→{fmt(runs['int8'].get(m))}" for m in METRICS))

    for name, emb in (("fp32", path.fast), ("int8", int8)):
        times = []
        for q in questions[:100]:
            t = time.perf_counter()
            emb.encode_queries([q])
            times.append((time.perf_counter() - t) * 1e3)
        print(f"bare query embedding {name}: p50 {statistics.median(times):.2f} ms")


if __name__ == "__main__":
    main()
