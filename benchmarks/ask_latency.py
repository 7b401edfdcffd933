"""Benchmark `Assistant.ask` against the bare time to embed one query with the same model, in one run.

    .venv/bin/python benchmarks/ask_latency.py [--rounds N]

After a warm-up, every eval question (without history) is asked `rounds` times; the same questions are then
embedded bare (`embedder.encode_queries([q])`) the same number of times, interleaved in the same loop so that
machine noise hits both alike. Prints p50/p95 of each and their ratios (goals: p50 <= 2x, p95 <= 4x the bare
embedding). When queries go through the ONNX export (the default), the torch (sentence-transformers) embedding of
the same query is timed in the same loop too, for comparison. Also prints the assistant's start-up time (index
load + sentence vectors + model load). It leaves out follow-up replay (batch with history asks once per earlier
question) and the UI's overhead.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from assistant import Assistant
    from eval.gold import load_gold

    t = time.perf_counter()
    asst = Assistant.load()
    asst.index.embedder.encode_queries(["warm up"])  # the model loads here
    startup = time.perf_counter() - t
    questions = [item.question for item in load_gold()]
    torch_path = getattr(asst.index.embedder, "source", None)  # set when queries go through ONNX
    for q in questions[:10]:  # warm-up: caches, allocator, BLAS threads
        asst.ask(q)
        asst.index.embedder.encode_queries([q])
        if torch_path is not None:
            torch_path.encode_queries([q])

    ask_ms: list[float] = []
    embed_ms: list[float] = []
    torch_ms: list[float] = []
    for _ in range(args.rounds):
        for q in questions:
            t0 = time.perf_counter()
            asst.index.embedder.encode_queries([q])
            t1 = time.perf_counter()
            asst.ask(q)
            t2 = time.perf_counter()
            embed_ms.append((t1 - t0) * 1e3)
            ask_ms.append((t2 - t1) * 1e3)
            if torch_path is not None:
                t3 = time.perf_counter()
                torch_path.encode_queries([q])
                torch_ms.append((time.perf_counter() - t3) * 1e3)

    e50, e95 = pct(embed_ms, 50), pct(embed_ms, 95)
    a50, a95 = pct(ask_ms, 50), pct(ask_ms, 95)
    print(f"questions: {len(questions)} x {args.rounds} rounds = {len(ask_ms)} asks")
    print(f"start-up (index load + sentence vectors + model): {startup:.2f} s")
    print(f"queries embedded by: {asst.index.embedder.__class__.__name__} ({asst.index.embedder.id})")
    print(f"bare query embedding: p50 {e50:.1f} ms  p95 {e95:.1f} ms  mean {statistics.mean(embed_ms):.1f} ms")
    if torch_ms:
        print(f"bare torch embedding: p50 {pct(torch_ms, 50):.1f} ms  p95 {pct(torch_ms, 95):.1f} ms  "
              f"(sentence-transformers, for comparison; {pct(torch_ms, 50) / e50:.1f}x the ONNX p50)")
    print(f"ask:                  p50 {a50:.1f} ms  p95 {a95:.1f} ms  mean {statistics.mean(ask_ms):.1f} ms")
    print(f"ratio p50 ask / p50 embed: {a50 / e50:.2f}  (goal <= 2)")
    print(f"ratio p95 ask / p50 embed: {a95 / e50:.2f}  (goal <= 4)")


if __name__ == "__main__":
    main()
