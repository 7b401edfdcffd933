"""Reciprocal rank fusion: exact scores, tie order, and properties against a brute-force reference."""

from __future__ import annotations

import pytest
from conftest import make_chunk
from hypothesis import given
from hypothesis import strategies as st

from index.fusion import rrf
from index.records import Hit

CHUNKS = {name: make_chunk(name, f"text {name}") for name in "abcdefgh"}


def ranked(names: str) -> list[Hit]:
    return [Hit(CHUNKS[n], 1.0 / (i + 1), i + 1) for i, n in enumerate(names)]


def test_scores_are_sums_of_reciprocal_ranks():
    fused = rrf([ranked("abc"), ranked("cab")], k=60)
    by_id = {h.chunk.id: h.score for h in fused}
    assert by_id["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert by_id["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert by_id["b"] == pytest.approx(1 / 62 + 1 / 63)
    assert [h.chunk.id for h in fused] == ["a", "c", "b"]
    assert [h.rank for h in fused] == [1, 2, 3]


def test_a_chunk_in_both_lists_beats_one_topping_a_single_list():
    fused = rrf([ranked("ab"), ranked("cb")])
    assert fused[0].chunk.id == "b"


def test_ties_go_to_better_best_rank_then_first_seen():
    # with k=0: c = 1/1, a = 1/1, b = 1/2 + 1/2: three exact ties. b is met before a, but a's best rank is 1.
    fused = rrf([ranked("cb"), ranked("ab")], k=0)
    assert [h.score for h in fused] == [1.0, 1.0, 1.0]
    assert [h.chunk.id for h in fused] == ["c", "a", "b"]


def test_empty_and_bad_k():
    assert rrf([]) == []
    assert rrf([[], []]) == []
    with pytest.raises(ValueError):
        rrf([ranked("a")], k=-1)


perm = st.permutations(list("abcdefgh")).map(lambda p: "".join(p))


@given(st.lists(st.tuples(perm, st.integers(0, 8)).map(lambda t: t[0][: t[1]]), max_size=4), st.integers(0, 100))
def test_matches_reference(lists: list[str], k: int):
    fused = rrf([ranked(names) for names in lists], k=k)
    expected: dict[str, float] = {}
    for names in lists:
        for i, n in enumerate(names):
            expected[n] = expected.get(n, 0.0) + 1.0 / (k + i + 1)
    assert {h.chunk.id for h in fused} == set(expected)
    assert [h.rank for h in fused] == list(range(1, len(fused) + 1))
    for h in fused:
        assert h.score == pytest.approx(expected[h.chunk.id])
    scores = [h.score for h in fused]
    assert scores == sorted(scores, reverse=True)
