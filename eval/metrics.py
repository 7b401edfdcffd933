"""Metrics: pure functions of `QuestionResult`s, each a per-question value averaged over the questions it applies to.

A metric returns None for a question it does not apply to (recall on an unanswerable question, speaker
accuracy where no speaker is asked for), and the summary is the mean over the rest, with how many that was.
Latency is summarised apart (p50/p95) and never enters an equality check, since it is not deterministic.

Headline metrics use the strict rule (a gold passage counts when an extract shows it whole); the `_loose`
variants use the loose rule (any 10 words in a row). Confidence intervals are in `eval/stats.py`. Left out:
graded relevance and nDCG.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from eval.records import QuestionResult
from eval.scoring import TOP

Metric = Callable[[QuestionResult], float | None]


def _retrieval(r: QuestionResult) -> bool:
    """Retrieval metrics apply to answerable questions with gold passages."""
    return r.answerable and bool(r.passage_ranks)


def hit_at_5(r: QuestionResult) -> float | None:
    """1 when any gold passage is found in the top 5 extracts (0 when the system abstained)."""
    if not _retrieval(r):
        return None
    return float(not r.abstained and any(rank is not None and rank <= TOP for rank in r.passage_ranks))


def returned_recall_at_5(r: QuestionResult) -> float | None:
    """Share of gold passages in the top 5 extracts *returned*, even with an abstention: retrieval alone."""
    if not _retrieval(r):
        return None
    return sum(rank is not None and rank <= TOP for rank in r.passage_ranks) / len(r.passage_ranks)


def loose_recall_at_5(r: QuestionResult) -> float | None:
    """recall@5 under the loose rule (a passage counts when any 10 of its words in a row are shown)."""
    if not _retrieval(r) or len(r.loose_ranks) != len(r.passage_ranks):
        return None
    return 0.0 if r.abstained else sum(x is not None and x <= TOP for x in r.loose_ranks) / len(r.loose_ranks)


def loose_budget_recall(r: QuestionResult) -> float | None:
    """recall@2000ch under the loose rule."""
    if not r.answerable or not r.budget_loose:
        return None
    return 0.0 if r.abstained else sum(r.budget_loose) / len(r.budget_loose)


def chunk_recall_at_5(r: QuestionResult) -> float | None:
    """Share of gold passages held by the *chunks* behind the top 5 extracts returned (a retrieval diagnostic)."""
    if not _retrieval(r) or len(r.context_ranks) != len(r.passage_ranks):
        return None
    return sum(rank is not None and rank <= TOP for rank in r.context_ranks) / len(r.context_ranks)


def recall_at_5(r: QuestionResult) -> float | None:
    """Share of the question's gold passages found in the top 5 extracts shown (0 when it abstained)."""
    value = returned_recall_at_5(r)
    return None if value is None else (0.0 if r.abstained else value)


def reciprocal_rank(r: QuestionResult) -> float | None:
    """1 / rank of the first extract (of 10) that finds any gold passage; 0 when none does or it abstained."""
    if not _retrieval(r):
        return None
    ranks = [rank for rank in r.passage_ranks if rank is not None]
    return 1.0 / min(ranks) if ranks and not r.abstained else 0.0


def budget_recall(r: QuestionResult) -> float | None:
    """Share of gold passages found within the first 2,000 characters of extract text (0 when it abstained)."""
    if not r.answerable or not r.budget_found:
        return None
    return 0.0 if r.abstained else sum(r.budget_found) / len(r.budget_found)


def trust_coverage(r: QuestionResult) -> float | None:
    """Cross-trust questions: share of the gold trusts cited by extracts within the reading budget."""
    if r.type != "cross_trust" or not r.gold_trusts:
        return None
    if r.abstained:
        return 0.0
    return len(set(r.gold_trusts) & set(r.budget_trusts)) / len(set(r.gold_trusts))


def speaker_accuracy(r: QuestionResult) -> float | None:
    """Questions with a gold speaker: 1 when the first extract finding a passage cites that person."""
    if r.speaker_ok is None:
        return None
    return float(r.speaker_ok and not r.abstained)


def trust_attribution(r: QuestionResult) -> float | None:
    """Share of top-5 passage finds whose extract cites the trust the passage sits in (none if it abstained)."""
    return r.trust_right / r.trust_judged if r.trust_judged and not r.abstained else None


def abstention(r: QuestionResult) -> float | None:
    """Unanswerable questions: 1 when the system abstained (higher is better)."""
    return None if r.answerable else float(r.abstained)


def false_abstention(r: QuestionResult) -> float | None:
    """Answerable questions: 1 when the system abstained anyway (lower is better)."""
    return float(r.abstained) if r.answerable else None


# name -> (metric, higher is better); the order is the report's column order
METRICS: dict[str, tuple[Metric, bool]] = {
    "hit@5": (hit_at_5, True),
    "recall@5": (recall_at_5, True),
    "MRR": (reciprocal_rank, True),
    "recall@2000ch": (budget_recall, True),
    "recall@5_loose": (loose_recall_at_5, True),
    "recall@2000ch_loose": (loose_budget_recall, True),
    "recall@5_returned": (returned_recall_at_5, True),
    "chunk_recall@5": (chunk_recall_at_5, True),
    "trust_cov": (trust_coverage, True),
    "speaker_acc": (speaker_accuracy, True),
    "trust_attr": (trust_attribution, True),
    "abstain_unans": (abstention, True),
    "false_abstain": (false_abstention, False),
}


def mean_of(metric: Metric, results: Iterable[QuestionResult]) -> tuple[float | None, int]:
    """Mean of the metric over the questions it applies to, and how many those were (None, 0 if none)."""
    values = [v for v in (metric(r) for r in results) if v is not None]
    return (sum(values) / len(values) if values else None), len(values)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0–100) by linear interpolation between order statistics; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarise(results: Sequence[QuestionResult]) -> dict[str, float | int | None]:
    """Every metric's mean (and `n:<metric>` counts), plus `questions`, `latency_p50_ms`, `latency_p95_ms`."""
    out: dict[str, float | int | None] = {"questions": len(results)}
    for name, (metric, _) in METRICS.items():
        value, n = mean_of(metric, results)
        out[name] = value
        out[f"n:{name}"] = n
    latencies = [r.latency_ms for r in results]
    out["latency_p50_ms"] = percentile(latencies, 50)
    out["latency_p95_ms"] = percentile(latencies, 95)
    return out


def by_type(results: Sequence[QuestionResult]) -> dict[str, dict[str, float | int | None]]:
    """`summarise` per question type, types in order of first appearance."""
    types = list(dict.fromkeys(r.type for r in results))
    return {t: summarise([r for r in results if r.type == t]) for t in types}


def failed(r: QuestionResult) -> list[str]:
    """Why a question counts as failed (empty list = passed): missed passages, wrong speaker, bad abstention."""
    reasons = []
    if not r.answerable:
        if not r.abstained:
            reasons.append("answered an unanswerable question")
        return reasons
    if r.abstained:
        return ["abstained on an answerable question"]  # nothing shown: the other reasons would only repeat it
    if hit_at_5(r) == 0.0:
        reasons.append("no gold passage in the top 5")
    if r.speaker_ok is False:
        reasons.append("wrong or missing speaker")
    cov = trust_coverage(r)
    if cov is not None and cov < 0.5:
        reasons.append(f"trust coverage {cov:.0%}")
    return reasons
