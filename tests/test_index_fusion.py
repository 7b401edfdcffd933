"""Fusion of dense and lexical scores (index/fusion.py): exact RRF sums, depth, masks, weighted scaling, tie order,
and a property test against a brute-force reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.fusion import Fusion, fuse, hybrid, ranks


def test_rrf_scores_are_sums_of_reciprocal_ranks():
    dense = np.array([0.9, 0.5, 0.7])  # ranks a=1, c=2, b=3
    lexical = np.array([2.0, 0.0, 5.0])  # ranks c=1, a=2; b has no term in common: no contribution
    fused = fuse(dense, lexical, Fusion(rrf_k=60))
    assert fused[0] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[1] == pytest.approx(1 / 63)
    assert fused[2] == pytest.approx(1 / 62 + 1 / 61)


def test_only_the_first_depth_places_count_and_masks_rerank():
    dense = np.arange(10, 0, -1, dtype=float)  # chunk i is rank i + 1
    lexical = np.zeros(10)
    fused = fuse(dense, lexical, Fusion(rrf_k=0, depth=3))
    assert fused.tolist() == pytest.approx([1, 1 / 2, 1 / 3, 0, 0, 0, 0, 0, 0, 0])
    allowed = np.array([False, False] + [True] * 8)
    masked = fuse(dense, lexical, Fusion(rrf_k=0, depth=3), allowed)
    assert np.isneginf(masked[:2]).all() and masked[2] == 1.0  # ranks are taken among the allowed chunks


def test_weighted_fusion_does_not_stretch_weak_lexical_scores():
    dense = np.array([0.5, 0.5])
    weak = fuse(dense, np.array([2.0, 0.0]), Fusion(method="weighted", dense_weight=0.6, bm25_floor=8.0))
    assert weak[0] == pytest.approx(0.6 * 0.5 + 0.4 * 2.0 / 8.0)
    strong = fuse(dense, np.array([20.0, 10.0]), Fusion(method="weighted", dense_weight=0.6, bm25_floor=8.0))
    assert strong.tolist() == pytest.approx([0.3 + 0.4, 0.3 + 0.2])


def test_ties_go_to_better_single_rank_then_dense_rank():
    # rrf_k=0: c = 1/1 (dense only), a = 1/1 (lexical only), b = 1/2 + 1/2: three exact ties.
    dense = np.array([0.0, 0.5, 0.9])  # c=1, b=2, a=3 (a is past depth 2)
    lexical = np.array([5.0, 1.0, 0.0])  # a=1, b=2
    fused, rows = hybrid(dense, lexical, Fusion(rrf_k=0, depth=2))
    assert fused.tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert rows.tolist() == [2, 0, 1]  # c and a have a best rank of 1; c's dense rank is better; b's best is 2


def test_bad_settings_are_refused():
    for bad in (dict(method="max"), dict(rrf_k=-1), dict(depth=0), dict(dense_weight=1.5), dict(bm25_floor=0)):
        with pytest.raises(ValueError):
            Fusion(**bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        fuse(np.zeros(2), np.zeros(3), Fusion())


scores = st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=12)


@given(scores, st.data(), st.integers(0, 100), st.integers(1, 12))
def test_rrf_matches_a_brute_force_reference(dense_list, data, k, depth):
    n = len(dense_list)
    lexical_list = data.draw(st.lists(st.floats(0, 10, allow_nan=False), min_size=n, max_size=n))
    allowed = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    dense, lexical = np.array(dense_list), np.array(lexical_list)
    fused = fuse(dense, lexical, Fusion(rrf_k=k, depth=depth), allowed)

    def reference_ranks(values, keep):
        order = sorted((i for i in range(n) if keep(i)), key=lambda i: (-values[i], i))
        return {i: r for r, i in enumerate(order, start=1)}

    rd = reference_ranks(dense, lambda i: allowed[i])
    rl = reference_ranks(lexical, lambda i: allowed[i] and lexical[i] > 0)
    assert ranks(dense, allowed).tolist() == [rd.get(i, 0) for i in range(n)]
    for i in range(n):
        if not allowed[i]:
            assert fused[i] == -np.inf
            continue
        want = sum(1.0 / (k + r[i]) for r in (rd, rl) if i in r and r[i] <= depth)
        assert fused[i] == pytest.approx(want)
    _, rows = hybrid(dense, lexical, Fusion(rrf_k=k, depth=depth), allowed)
    assert sorted(rows.tolist()) == [i for i in range(n) if allowed[i]]
    assert [fused[r] for r in rows] == sorted((fused[r] for r in rows), reverse=True)
