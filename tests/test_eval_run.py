"""Systems, the run and the report over a fake-embedder index of the real report (no model)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from eval.fixed import FixedChunkSystem, FixedCorpus
from eval.gold import load_gold
from eval.records import QuestionResult, Shown, SystemOutput
from eval.report import best_baseline, render, results_json, write
from eval.run import EvalRun, Factory, evaluate
from eval.systems import ChunkSearchSystem, naive_query
from index import FakeEmbedder, IndexConfig, load_or_build


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return load_or_build(IndexConfig(model="fake", out_dir=tmp_path_factory.mktemp("eval") / "index"))


@pytest.fixture(scope="module")
def source(source_path) -> str:
    return Path(source_path).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def items():
    picked = {}
    for item in load_gold()[::8]:  # every type present; a question asked twice (blind writers agree) once
        picked.setdefault((item.question, item.history), item)
    return list(picked.values())


class FakeAssistant:
    """Returns the gold passage for even-numbered questions, abstains on the rest."""

    name = "assistant"

    def __init__(self, items) -> None:
        self.by_question = {(i.question, tuple(i.history)): i for i in items}

    def run(self, question: str, history: Sequence[str]) -> SystemOutput:
        item = self.by_question.get((question, tuple(history)))
        if item is None or int(item.id[1:]) % 2 or not item.relevant:
            return SystemOutput((), (), abstained=True, latency_ms=5.0)
        shown = tuple(Shown(p, trust=(item.trusts or (None,))[0]) for p in item.relevant)
        return SystemOutput(shown, item.trusts, abstained=False, latency_ms=5.0)


def test_naive_query_joins_history_and_question() -> None:
    assert naive_query("did it work?", ["how did oxleas fix bed occupancy?"]) == (
        "how did oxleas fix bed occupancy? did it work?"
    )
    assert naive_query("q", []) == "q"


def test_chunk_search_system_returns_whole_attributed_chunks(index) -> None:
    out = ChunkSearchSystem("bm25", index, "bm25").run("how many beds did oxleas buy", [])
    assert 0 < len(out.extracts) <= 10 and not out.abstained
    by_id = {c.id: c for c in index.chunks}
    for e in out.extracts:
        chunk = by_id[e.chunk_id]
        assert e.text == chunk.text and e.trust == chunk.trust and e.speaker == chunk.speaker
    assert out.trusts_covered == tuple(dict.fromkeys(e.trust for e in out.extracts if e.trust))


def test_fixed_corpus_is_cached_and_carries_no_attribution(source: str, tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    corpus = FixedCorpus.build(source, embedder, tmp_path)
    encoded = embedder.documents_encoded
    assert encoded == len(corpus.texts) and all(len(t) <= 1000 for t in corpus.texts)
    assert len(list(tmp_path.glob("fixed-*.npy"))) == 1
    FixedCorpus.build(source, embedder, tmp_path)
    assert embedder.documents_encoded == encoded  # second build read the cache
    for mode in ("dense", "hybrid"):
        out = FixedChunkSystem(f"fixed-{mode}", corpus, mode).run("12 beds from East London", [])
        assert len(out.extracts) == 10
        assert all(e.trust is e.speaker is e.page is None for e in out.extracts)
        assert all(e.text in corpus.texts for e in out.extracts)


@pytest.fixture(scope="module")
def run(index, source, items, tmp_path_factory) -> EvalRun:
    factory = Factory(index, source, tmp_path_factory.mktemp("cache"))

    def make(name: str):
        return FakeAssistant(items) if name == "assistant" else factory.make(name)

    names = ["assistant", "bm25", "dense", "hybrid-chunks", "fixed-dense", "fixed-hybrid"]
    return evaluate(items, names, index, source, make=make)


def test_every_system_answers_every_question_in_order(run: EvalRun, items) -> None:
    assert list(run.results) == run.systems
    for rows in run.results.values():
        assert [r.id for r in rows] == [i.id for i in items]
    summary = run.summary()
    assert summary["bm25"]["hit@5"] > 0.5  # BM25 alone finds most passages on the real report
    # fixed chunks cite no trust: only report-level passages (whose home is "no trust") can count as right
    assert (summary["fixed-dense"]["trust_attr"] or 0.0) < summary["bm25"]["trust_attr"]
    assert summary["bm25"]["false_abstain"] == 0.0


def test_fake_assistant_scores_as_constructed(run: EvalRun, items) -> None:
    rows = {r.id: r for r in run.results["assistant"]}
    for item in items:
        r = rows[item.id]
        assert r.abstained == (int(item.id[1:]) % 2 == 1 or not item.relevant)
        if item.relevant and not r.abstained:
            assert all(rank is not None for rank in r.passage_ranks)


def test_runs_are_deterministic_and_latency_is_not_part_of_the_fingerprint(run: EvalRun, index, source, items):
    again = evaluate(items, ["bm25", "hybrid-chunks"], index, source)
    same = {name: run.results[name] for name in ("bm25", "hybrid-chunks")}
    assert EvalRun(again.systems, again.questions, same).fingerprint() == again.fingerprint()
    slower = {k: [replace(r, latency_ms=r.latency_ms + 99) for r in v] for k, v in same.items()}
    assert EvalRun(again.systems, again.questions, slower).fingerprint() == again.fingerprint()


def test_a_missing_optional_system_is_skipped(index, source, items) -> None:
    def make(name: str):
        raise ImportError("no assistant yet")

    run = evaluate(items[:2], ["assistant"], index, source, optional=("assistant",), make=make)
    assert run.results == {} and "no assistant yet" in run.skipped["assistant"]
    with pytest.raises(ImportError):
        evaluate(items[:2], ["assistant"], index, source, make=make)


def test_report_has_headline_per_type_and_failures(run: EvalRun, items) -> None:
    md = render({"test": run, "dev": run}, {"test": items, "dev": items})
    assert md.index("## Headline: test (never tuned on)") < md.index("## Headline: dev (tuned on)")
    for name in run.results:
        assert f"\n| {name} | " in md
    best = best_baseline(run.summary())
    assert best in run.results and best != "assistant"
    assert "## Per question type, test: the assistant" in md and f"best baseline, {best}" in md
    assert f"## Paired: assistant vs {best} on test" in md
    assert "![main metrics per system, test](chart.png)" in md
    hit = md.split("## Headline: test")[1].split("\n| assistant | ")[1].split(" | ")[0]
    assert re.fullmatch(r"\d\.\d\d \[\d\.\d\d, \d\.\d\d\]", hit)  # a figure with its 95% interval
    failing = [r.id for r in run.results["assistant"] if r.abstained and r.answerable]
    assert failing and all(f"**{qid}**" in md for qid in failing)
    assert "| factoid |" in md and "| unanswerable |" in md
    across = md.split("## recall@2000ch per question type, every system")[1].split("##")[0]
    assert "| type | " + " | ".join(run.results) + " |" in across


def test_write_produces_files_that_load_back(run: EvalRun, items, tmp_path: Path) -> None:
    paths = write({"dev": run}, {"dev": items}, tmp_path)
    assert {p.name for p in paths} == {"report.md", "results.json", "chart.png"}
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert data == {"dev": json.loads(json.dumps(results_json(run), ensure_ascii=False))}
    back = [QuestionResult.from_dict(d) for d in data["dev"]["results"]["bm25"]]
    assert back == run.results["bm25"]
