"""One loaded assistant, many threads: 8 threads x 50 questions give exactly the answers of one thread alone.

The UI serves every user from one `Assistant`, so anything it shares (the embedding model, the BM25 stemmer, FAISS,
the sentence vectors) must be safe to read from several threads. Answers are compared whole (`Answer.to_dict()`
without `timings`), floats and all. The real-model run checks the encode lock in index/embedder.py is what keeps the
Hugging Face tokenizer single-threaded; the fake-embedder run checks everything else, fast.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from assistant.records import Filters

ROOT = Path(__file__).resolve().parent.parent
THREADS = 8


def fifty_questions() -> list[tuple[str, tuple[str, ...], Filters | None]]:
    """50 (question, history, filters) from the gold set: every question type, follow-ups with their history."""
    gold = [json.loads(line) for line in (ROOT / "eval" / "gold" / "dev.jsonl").read_text(encoding="utf-8").split("\n")
            if line.strip()]
    items: list[tuple[str, tuple[str, ...], Filters | None]] = [
        (g["question"], tuple(g["history"]), None) for g in gold[::2]
    ][:45]
    items += [
        ("how did oxleas fix bed occupancy?", (), Filters(trusts=("Lincolnshire Partnership NHS Foundation Trust",))),
        ("how did trusts involve patients?", (), Filters(kinds=("quote",))),
        ("who said that?", ("how did oxleas fix bed occupancy?",), None),
        ("tell me more", ("how did trusts involve patients?",), None),
        ("", (), None),  # refused: the refusal must be the same too
    ]
    assert len(items) == 50 and len({i[0] for i in items}) > 40
    return items


def outcome(asst, item) -> dict[str, Any]:
    question, history, filters = item
    try:
        answer = asst.ask_history(question, history, filters)
    except Exception as e:  # compared, not hidden: a thread-safety bug may show up as an exception
        return {"raised": f"{type(e).__name__}: {e}"}
    d = answer.to_dict()
    d.pop("timings")
    return d


def run_concurrently(asst, items) -> list[list[dict[str, Any]]]:
    """Each of THREADS threads asks every item, each in its own rotated order; results are in item order."""
    start = threading.Barrier(THREADS)

    def worker(t: int) -> list[dict[str, Any]]:
        order = [(t * 7 + i) % len(items) for i in range(len(items))]
        results: dict[int, dict[str, Any]] = {}
        start.wait()
        for i in order:
            results[i] = outcome(asst, items[i])
        return [results[i] for i in range(len(items))]

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(worker, range(THREADS)))


def check_same_as_serial(asst) -> tuple[int, float, float]:
    items = fifty_questions()
    t0 = time.perf_counter()
    serial = [outcome(asst, item) for item in items]
    t1 = time.perf_counter()
    per_thread = run_concurrently(asst, items)
    t2 = time.perf_counter()
    assert sum("raised" in s for s in serial) == 1  # only the empty question
    assert sum(bool(s.get("extracts")) for s in serial) >= 45
    compared = 0
    for t, results in enumerate(per_thread):
        for i, (got, want) in enumerate(zip(results, serial, strict=True)):
            assert got == want, f"thread {t}, question {i} ({items[i][0]!r}) differs from the serial answer"
            compared += 1
    assert compared == THREADS * len(items)
    return compared, t1 - t0, t2 - t1


def test_threads_get_the_serial_answers_fake_embedder(fake_assistant):
    compared, serial_s, concurrent_s = check_same_as_serial(fake_assistant)
    print(f"\nconcurrency (fake embedder): {compared} answers from {THREADS} threads identical to serial; "
          f"serial {serial_s:.2f} s for 50, concurrent {concurrent_s:.2f} s for {compared}")


@pytest.mark.model
def test_threads_get_the_serial_answers_real_model(real_assistant):
    compared, serial_s, concurrent_s = check_same_as_serial(real_assistant)
    print(f"\nconcurrency (real model): {compared} answers from {THREADS} threads identical to serial; "
          f"serial {serial_s:.2f} s for 50, concurrent {concurrent_s:.2f} s for {compared}")


class _Counting:
    """Stands in for a tokenizer or model: forwards everything, and counts the threads inside `name` at once."""

    def __init__(self, inner, name: str, counting) -> None:
        self._inner, self._name, self._counting = inner, name, counting

    def __getattr__(self, attr):
        return self._counting if attr == self._name else getattr(self._inner, attr)


@pytest.mark.model
@pytest.mark.parametrize("path", ["onnx", "torch"])
def test_the_encode_lock_keeps_the_tokenizer_single_threaded(real_assistant, monkeypatch, path):
    """Hugging Face tokenizers are not thread-safe: at most one thread may be inside one at a time, on the ONNX
    query path (its `tokenizers` Tokenizer) and on the torch path (the sentence-transformers model)."""
    from index.onnx_embedder import QueryPath

    query_path = real_assistant.index.embedder
    assert isinstance(query_path, QueryPath)
    embedder = query_path if path == "onnx" else query_path.source
    tokenizer = query_path.fast.tokenizer
    real_encode = tokenizer.encode_batch if path == "onnx" else query_path.source.model.encode_query
    inside, most, guard = 0, 0, threading.Lock()

    def counting_encode(*args, **kwargs):
        nonlocal inside, most
        with guard:
            inside += 1
            most = max(most, inside)
        try:
            time.sleep(0.002)  # widen the window in which a second thread could get in
            return real_encode(*args, **kwargs)
        finally:
            with guard:
                inside -= 1

    if path == "onnx":
        monkeypatch.setattr(query_path.fast, "tokenizer", _Counting(tokenizer, "encode_batch", counting_encode))
    else:
        monkeypatch.setattr(query_path.source.model, "encode_query", counting_encode)
    start = threading.Barrier(THREADS)

    def worker(t: int) -> int:
        start.wait()
        return sum(len(embedder.encode_queries([f"question {t} {i} about beds"])) for i in range(10))

    with ThreadPoolExecutor(THREADS) as pool:
        assert sum(pool.map(worker, range(THREADS))) == THREADS * 10
    assert most == 1
