"""Benchmark the index build: from scratch vs bare encoding of the same texts, and loading a built index.

    .venv/bin/python benchmarks/build_index.py [--repeat N] [--cold]

Every build goes into a fresh temporary folder (no cached vectors) with the real report and the bundled model,
already loaded, so "build / bare encode" is the overhead of the index stage itself (ingest, FAISS, BM25,
hashing, writing, fsync) over the unavoidable embedding; the goal is <= 1.5. Load time includes every check
`load_or_build` makes (all file hashes, the source and weights hashes, counts) but not loading the model, which
happens at the first query and is reported on its own. `--cold` adds a whole `python -m index build` in a new
process (imports and model load included). It leaves out query latency under load (benchmarks/ask_latency.py).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index import IndexConfig, build, embedded_text, load_or_build, make_embedder  # noqa: E402


class TimedEmbedder:
    """Wraps an embedder and adds up the time spent in `encode_documents` (to split a build's time)."""

    def __init__(self, inner) -> None:
        self.inner, self.seconds = inner, 0.0
        self.id, self.weights_sha256, self.normalize = inner.id, inner.weights_sha256, inner.normalize

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode_queries(self, texts):
        return self.inner.encode_queries(texts)

    def encode_documents(self, texts, progress=False):
        start = time.perf_counter()
        try:
            return self.inner.encode_documents(texts, progress)
        finally:
            self.seconds += time.perf_counter() - start


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each timing; the minimum is reported")
    ap.add_argument("--cold", action="store_true", help="also time `python -m index build` in a new process")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="di-bench-") as tmp:
        config = IndexConfig(out_dir=Path(tmp) / "warmup")
        embedder = make_embedder(config)
        t_model, _ = timed(lambda: embedder.dim)  # weights hash + imports + load
        embedder.encode_documents(["warm-up text so first-call costs land outside the timings"] * 8)

        builds, encodes, overheads, idx = [], [], [], None
        for i in range(args.repeat):  # interleaved, so a noisy neighbour hits both sides alike
            cfg = IndexConfig(out_dir=Path(tmp) / f"build-{i}")
            probe = TimedEmbedder(embedder)
            t, idx = timed(lambda cfg=cfg, probe=probe: build(cfg, embedder=probe))
            builds.append(t)
            overheads.append(t - probe.seconds)
            texts = [embedded_text(c) for c in idx.chunks]
            t, _ = timed(lambda texts=texts: embedder.encode_documents(texts))
            encodes.append(t)
        assert idx is not None
        loaded_cfg = IndexConfig(out_dir=idx.dir)
        loads = []
        for _ in range(args.repeat):
            fresh = make_embedder(loaded_cfg)  # a new embedder re-hashes the weights, as a new process would
            t, loaded = timed(lambda fresh=fresh: load_or_build(loaded_cfg, embedder=fresh, rebuild=False))
            loads.append(t)
        t_query, _ = timed(lambda: loaded.search("bed occupancy", k=10))
        t_query2, _ = timed(lambda: loaded.search("staff morale", k=10))

        b, e, n = min(builds), min(encodes), len(idx.chunks)
        print(f"chunks                    {n} (chunker {idx.manifest['chunker']['version']}, "
              f"model {idx.manifest['model']['id']}, batch {config.batch_size}, min of {args.repeat} run(s))")
        print(f"model load                {t_model:7.2f} s  (imports + weights sha256 + load; not in the rest)")
        print(f"build from scratch        {b:7.2f} s  (ingest + embed + FAISS + BM25 + write + fsync + swap)")
        print(f"bare encode               {e:7.2f} s  (the same {n} texts, same model and batch size)")
        print(f"ratio build / encode      {b / e:7.2f}    (goal <= 1.5) {'OK' if b / e <= 1.5 else 'OVER'}")
        print(f"build minus its encoding  {min(overheads):7.2f} s  (the index stage's own work; steadier when busy)")
        print(f"load (verify included)    {min(loads):7.3f} s  (hashes, counts, FAISS + BM25 read; no model load)")
        print(f"first query               {t_query:7.2f} s  (loads the model: hybrid, k=10)")
        print(f"next query                {t_query2 * 1000:7.1f} ms")
        if args.cold:
            cmd = [sys.executable, "-m", "index", "build", "--force", "--out", str(Path(tmp) / "cold")]
            t, proc = timed(lambda: subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True))
            status = "" if proc.returncode == 0 else f"  FAILED: {proc.stderr.strip()[-200:]}"
            print(f"cold CLI build            {t:7.2f} s  (new process: imports, model load, build){status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
