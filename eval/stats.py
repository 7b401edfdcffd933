"""How sure a figure is: 95% bootstrap intervals for a metric's mean, and paired differences between two systems.

Both resample *questions* (scipy's `bootstrap`, percentile method, fixed seed, so two runs print the same
intervals). A paired comparison resamples the per-question differences of two systems on the questions both
were judged on, which is far tighter than comparing two separate intervals. Left out: corrections for
comparing many metrics at once (read a single interval that just excludes 0 with care).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eval.metrics import Metric
from eval.records import QuestionResult

RESAMPLES = 2000
SEED = 20261125
LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float
    n: int

    def __str__(self) -> str:
        return f"{self.mean:.2f} [{self.low:.2f}, {self.high:.2f}]"


def interval(values: Sequence[float]) -> Interval | None:
    """Mean of `values` with its 95% bootstrap interval; None for no values."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return None
    mean = float(data.mean())
    if data.size < 2 or np.all(data == data[0]):
        return Interval(mean, mean, mean, int(data.size))
    from scipy.stats import bootstrap

    res = bootstrap((data,), np.mean, n_resamples=RESAMPLES, confidence_level=LEVEL, method="percentile",
                    random_state=np.random.default_rng(SEED))
    return Interval(mean, float(res.confidence_interval.low), float(res.confidence_interval.high), int(data.size))


def metric_interval(metric: Metric, results: Sequence[QuestionResult]) -> Interval | None:
    return interval([v for v in (metric(r) for r in results) if v is not None])


def paired(metric: Metric, a: Sequence[QuestionResult], b: Sequence[QuestionResult]) -> Interval | None:
    """Mean per-question difference a − b of `metric` (same questions, same order), with its interval."""
    by_id = {r.id: r for r in b}
    diffs = []
    for r in a:
        other = by_id.get(r.id)
        if other is None:
            continue
        x, y = metric(r), metric(other)
        if x is not None and y is not None:
            diffs.append(x - y)
    return interval(diffs)
