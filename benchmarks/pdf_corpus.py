"""Benchmark PDF ingest and the indexing of a generated corpus, and how both grow with the corpus.

    .venv/bin/python benchmarks/pdf_corpus.py [--sizes 10 25 50] [--pages 40] [--fake]

1. PDF ingest per page: this report laid out as a 39-page two-column PDF (tests/pdfgen.py), ingested 3 times.
2. For each size n: n generated reports of about `--pages` pages each (GP-practice case studies, one column,
   boxes and pull quotes; tests/pdfgen.py) indexed from scratch in a fresh process: pages/s, chunks/s, peak
   memory (that process's max RSS), index size on disk; then the same corpus with one report added (what an
   incremental add costs). `--fake` embeds with the hashed bag of words instead of the model (ingest and index
   costs alone). Generated reports repeat phrasing, so sentence vectors are reused more than in real reports.
Left out: scanned PDFs; other layouts than the two generated ones.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def one(folder: Path, out: Path, fake: bool) -> dict:
    """Index `folder` into `out` in this process; figures as a dict."""
    from index import IndexConfig, load_or_build

    config = IndexConfig(source=folder, out_dir=out, model="fake" if fake else IndexConfig().model)
    start = time.perf_counter()
    index = load_or_build(config, progress=False)
    took = time.perf_counter() - start
    pages = sum(d["pages"] for d in index.manifest["documents"])
    return {"documents": len(index.manifest["documents"]), "pages": pages, "chunks": len(index.chunks),
            "seconds": round(took, 2), "embedded": index.manifest["build"]["embedded"],
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "index_mb": round(folder_bytes(out) / 2**20, 1)}


def in_process(folder: Path, out: Path, fake: bool) -> dict:
    cmd = [sys.executable, __file__, "--one", str(folder), "--out", str(out), *(["--fake"] if fake else [])]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"indexing {folder} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 25, 50])
    parser.add_argument("--pages", type=int, default=40, help="about this many pages per generated report")
    parser.add_argument("--fake", action="store_true", help="the hashed bag-of-words embedder, not the model")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.out, args.fake)))
        return

    from pdfgen import corpus, report_pdf

    from ingest import ingest_file
    from ingest.pdf import ingest_pdf

    with tempfile.TemporaryDirectory(prefix="di-bench-") as tmp:
        tmp_path = Path(tmp)
        pdf = report_pdf(ingest_file(ROOT / "data" / "driving-improvement-mental-health-trusts.txt"),
                         tmp_path / "report.pdf")
        times = []
        for _ in range(3):
            start = time.perf_counter()
            doc = ingest_pdf(pdf)
            times.append(time.perf_counter() - start)
        pages = len(doc.page_starts)
        best = statistics.median(times)
        print(f"PDF ingest, this report as a {pages}-page two-column PDF: {best:.2f} s median of 3 = "
              f"{pages / best:.0f} pages/s, {len(doc.chunks) / best:.0f} chunks/s")

        embedder = "hashed bag of words (--fake)" if args.fake else "all-MiniLM-L6-v2"
        print(f"\nindexing generated corpora from scratch, each in a fresh process (embedder: {embedder}):")
        print(f"{'reports':>8} {'pages':>6} {'chunks':>7} {'seconds':>8} {'pages/s':>8} {'chunks/s':>9} "
              f"{'peak MB':>8} {'index MB':>9}  add one report: seconds, embedded")
        largest = max(args.sizes)
        source = tmp_path / "all"
        generated = corpus(source, largest + 1, pages_each=args.pages)
        for n in sorted(args.sizes):
            folder = tmp_path / f"corpus-{n}"
            folder.mkdir()
            for p in generated[:n]:
                shutil.copy(p, folder / p.name)
            out = tmp_path / f"index-{n}"
            r = in_process(folder, out, args.fake)
            shutil.copy(generated[n], folder / generated[n].name)  # one more report: only it is embedded
            added = in_process(folder, out, args.fake)
            print(f"{r['documents']:>8} {r['pages']:>6} {r['chunks']:>7} {r['seconds']:>8.1f} "
                  f"{r['pages'] / r['seconds']:>8.1f} {r['chunks'] / r['seconds']:>9.1f} {r['peak_rss_mb']:>8} "
                  f"{r['index_mb']:>9.1f}  {added['seconds']:.1f} s, {added['embedded']} texts")
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
