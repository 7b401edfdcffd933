"""Bootstrap intervals and paired comparisons: deterministic, around the mean, and tighter when paired."""

from __future__ import annotations

from eval.metrics import recall_at_5
from eval.records import QuestionResult
from eval.stats import interval, paired


def result(qid: str, rank: int | None) -> QuestionResult:
    return QuestionResult(
        id=qid, type="factoid", system="s", answerable=True, passage_ranks=(rank,), context_ranks=(rank,),
        budget_found=(rank is not None,), gold_trusts=(), budget_trusts=(), speaker_ok=None, trust_right=0,
        trust_judged=0, abstained=False, n_extracts=5, latency_ms=1.0,
    )


def test_interval_brackets_the_mean_and_is_repeatable() -> None:
    values = [1.0] * 30 + [0.0] * 10
    iv = interval(values)
    assert iv is not None and iv.n == 40 and iv.mean == 0.75
    assert iv.low < 0.75 < iv.high and iv.high - iv.low < 0.4
    assert interval(values) == iv  # fixed seed: the report prints the same intervals every run
    assert interval([]) is None
    same = interval([0.5, 0.5, 0.5])
    assert same is not None and same.low == same.high == 0.5


def test_paired_difference_sees_a_consistent_small_gain() -> None:
    # b finds everything a finds plus 8 more of 60: each system's own interval is wide, the paired one excludes 0
    a = [result(f"q{i}", 1 if i < 30 else None) for i in range(60)]
    b = [result(f"q{i}", 1 if i < 38 else None) for i in range(60)]
    diff = paired(recall_at_5, b, a)
    assert diff is not None and diff.n == 60
    assert abs(diff.mean - 8 / 60) < 1e-9 and diff.low > 0
    own_a, own_b = interval([recall_at_5(r) for r in a]), interval([recall_at_5(r) for r in b])
    assert own_a.high > own_b.low  # apart, the two intervals overlap
