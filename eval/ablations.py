"""`python -m eval.ablations`: the numbers behind two design choices, through the same scorer as `python -m eval`.

1. Fusion in the assistant: weighted sum of cosine and scaled BM25 (several weights) vs reciprocal rank fusion.
2. Stemming in BM25 (Snowball English) on and off, for BM25 alone, hybrid chunk search and the assistant.

Each variant is a full run over the gold set; the second part builds a second index without stemming in a
temporary folder (about 20 s on 2 cores). Left out: extract-size settings (see AssistantConfig's comments).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from assistant import Assistant, AssistantConfig
from assistant.retrieval import RetrievalConfig
from eval.gold import load_gold
from eval.run import evaluate
from eval.systems import AssistantSystem
from index import IndexConfig, load_or_build, make_embedder
from ingest.pipeline import read_source

METRICS = ("hit@5", "recall@5", "MRR", "recall@2000ch", "chunk_recall@5", "trust_cov", "abstain_unans")


def row(name: str, metrics: dict) -> str:
    return f"| {name} | " + " | ".join(f"{metrics.get(k, float('nan')):.3f}" for k in METRICS) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    items = load_gold()
    config = IndexConfig()
    source, _ = read_source(config.source_path)
    embedder = make_embedder(config)
    index = load_or_build(config, embedder=embedder)
    header = "| variant | " + " | ".join(METRICS) + " |\n|" + "---|" * (len(METRICS) + 1)

    print("## Fusion (assistant)\n\n" + header)
    variants = {
        "weighted, dense 0.6 (default)": RetrievalConfig(),
        "weighted, dense 0.4": RetrievalConfig(dense_weight=0.4),
        "weighted, dense 0.8": RetrievalConfig(dense_weight=0.8),
        "reciprocal rank fusion (k=60)": RetrievalConfig(fusion="rrf"),
    }
    for name, retrieval in variants.items():
        asst = Assistant.from_index(index, AssistantConfig(retrieval=retrieval))
        run = evaluate(items, ["assistant"], index, source, make=lambda _n, a=asst: AssistantSystem(a))
        print(row(name, run.summary()["assistant"]), flush=True)

    print("\n## Stemming in BM25\n\n" + header)
    with tempfile.TemporaryDirectory() as tmp:
        plain = load_or_build(IndexConfig(out_dir=Path(tmp) / "index", stem=False), embedder=embedder)
        for stem, idx in (("on", index), ("off", plain)):
            run = evaluate(items, ["bm25", "hybrid-chunks", "assistant"], idx, source)
            for name, metrics in run.summary().items():
                print(row(f"{name}, stemming {stem}", metrics), flush=True)


if __name__ == "__main__":
    main()
