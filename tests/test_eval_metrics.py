"""Scoring and metrics on hand-made outputs with known answers (no model, no index)."""

from __future__ import annotations

import pytest

from eval.gold import GoldItem, GoldSpeaker
from eval.metrics import (
    METRICS,
    abstention,
    budget_recall,
    by_type,
    chunk_recall_at_5,
    failed,
    false_abstention,
    hit_at_5,
    percentile,
    recall_at_5,
    reciprocal_rank,
    returned_recall_at_5,
    speaker_accuracy,
    summarise,
    trust_attribution,
    trust_coverage,
)
from eval.records import QuestionResult, Shown, SystemOutput
from eval.scoring import budget_view, names_match, score
from ingest.records import Speaker

OXLEAS, SOMERSET, SHEFFIELD = (
    "Oxleas NHS Foundation Trust", "Somerset Partnership NHS Foundation Trust",
    "Sheffield Health and Social Care NHS Foundation Trust",
)
P1 = "the trust bought twelve beds from east london to give staff breathing space"
P2 = "regular monthly audits were introduced to monitor care plans and make sure notes were accurate"
FILLER = "unrelated words about something else entirely in this report"


def result(ranks=(1,), **kw) -> QuestionResult:
    base = dict(
        id="q1", type="factoid", system="s", answerable=True, passage_ranks=tuple(ranks), context_ranks=tuple(ranks),
        budget_found=tuple(r is not None for r in ranks), gold_trusts=(OXLEAS,), budget_trusts=(OXLEAS,),
        speaker_ok=None, trust_right=0, trust_judged=0, abstained=False, n_extracts=10, latency_ms=10.0,
    )
    return QuestionResult(**{**base, **kw})


def item(type_="factoid", relevant=(P1,), trusts=(OXLEAS,), speaker=None) -> GoldItem:
    return GoldItem("q1", type_, "question?", (), tuple(relevant), tuple(trusts), speaker, "answer")


def test_mrr_of_ranks_one_and_three_is_two_thirds() -> None:
    rows = [result((1,)), result((None, 3))]
    assert summarise(rows)["MRR"] == pytest.approx((1 + 1 / 3) / 2)
    assert round(summarise(rows)["MRR"], 3) == 0.667


def test_hit_and_recall_at_5() -> None:
    r = result((2, 6, None, 5))
    assert hit_at_5(r) == 1.0
    assert recall_at_5(r) == 0.5
    assert reciprocal_rank(r) == 0.5
    assert hit_at_5(result((6, 7))) == 0.0
    assert reciprocal_rank(result((None, None))) == 0.0


def test_abstention_metrics() -> None:
    unans = [result((), type="unanswerable", answerable=False, abstained=a, budget_found=()) for a in (1, 0, 0, 1)]
    ans = [result((1,), abstained=a) for a in (True, False, False, False)]
    s = summarise(unans + ans)
    assert s["abstain_unans"] == 0.5 and s["n:abstain_unans"] == 4
    assert s["false_abstain"] == 0.25 and s["n:false_abstain"] == 4
    assert abstention(ans[0]) is None and false_abstention(unans[0]) is None
    assert hit_at_5(unans[0]) is None and recall_at_5(unans[0]) is None


def test_an_abstention_shows_nothing_but_returned_recall_still_counts() -> None:
    r = result((1, 2), abstained=True, type="cross_trust", speaker_ok=True, trust_right=1, trust_judged=1)
    assert hit_at_5(r) == recall_at_5(r) == reciprocal_rank(r) == budget_recall(r) == 0.0
    assert trust_coverage(r) == 0.0 and speaker_accuracy(r) == 0.0 and trust_attribution(r) is None
    assert returned_recall_at_5(r) == 1.0
    assert failed(r) == ["abstained on an answerable question"]


def test_trust_coverage_only_on_cross_trust_questions() -> None:
    r = result(type="cross_trust", gold_trusts=(OXLEAS, SOMERSET, SHEFFIELD), budget_trusts=(SOMERSET, "Other"))
    assert trust_coverage(r) == pytest.approx(1 / 3)
    assert trust_coverage(result()) is None
    assert "trust coverage 33%" in failed(r)


def test_summary_counts_only_applicable_questions() -> None:
    rows = [result(speaker_ok=True), result(speaker_ok=False), result()]
    s = summarise(rows)
    assert s["speaker_acc"] == 0.5 and s["n:speaker_acc"] == 2
    assert s["trust_attr"] is None and s["n:trust_attr"] == 0
    assert set(METRICS) <= set(s)


def test_by_type_and_latency_percentiles() -> None:
    rows = [result(latency_ms=float(ms), type=t) for ms, t in [(10, "a"), (20, "a"), (30, "b"), (40, "a")]]
    groups = by_type(rows)
    assert list(groups) == ["a", "b"] and groups["a"]["questions"] == 3
    assert groups["a"]["latency_p50_ms"] == 20.0
    assert percentile([10, 20, 30, 40], 50) == 25.0
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert percentile([], 50) is None


# --- scoring one output -------------------------------------------------------------------------------------


def test_reading_budget_cuts_the_extract_that_crosses_it() -> None:
    extracts = [Shown("a" * 1500), Shown("b" * 1500), Shown("c" * 10)]
    view = budget_view(extracts)
    assert [len(visible) for _, visible in view] == [1500, 500]
    assert budget_view([Shown("x" * 2000), Shown("y")]) == [(Shown("x" * 2000), "x" * 2000)]


def test_passage_beyond_the_budget_counts_for_rank_but_not_for_the_budget() -> None:
    long_first = Shown(FILLER + " " + "z " * 1000)  # > 2,000 characters
    out = SystemOutput((long_first, Shown(P1, trust=OXLEAS)), (), abstained=False, latency_ms=1.0)
    r = score(item(), out, "s", {P1: frozenset({OXLEAS})})
    assert r.passage_ranks == (2,) and r.budget_found == (False,)
    assert recall_at_5(r) == 1.0 and budget_recall(r) == 0.0
    assert r.budget_trusts == ()


def test_chunk_recall_credits_the_chunk_an_extract_was_cut_from() -> None:
    cut = Shown("Only the first sentence.", context=f"Only the first sentence. {P1}.")
    r = score(item(relevant=(P1, P2)), SystemOutput((cut, Shown(FILLER)), (), False, 1.0), "s", {})
    assert r.passage_ranks == (None, None) and r.context_ranks == (1, None)
    assert recall_at_5(r) == 0.0 and chunk_recall_at_5(r) == 0.5
    whole = score(item(), SystemOutput((Shown(FILLER), Shown(P1)), (), False, 1.0), "s", {})
    assert whole.context_ranks == whole.passage_ranks == (2,)


def test_trust_attribution_judges_each_find_against_where_the_passage_sits() -> None:
    out = SystemOutput(
        (Shown(P1, trust=OXLEAS), Shown(P1, trust=SOMERSET), Shown(P2, trust=None)), (), False, 1.0
    )
    homes = {P1: frozenset({OXLEAS}), P2: frozenset()}  # P2 is in no chunk: not judged
    r = score(item(relevant=(P1, P2)), out, "s", homes)
    assert (r.trust_right, r.trust_judged) == (1, 2)
    assert trust_attribution(r) == 0.5
    report_level = score(item(), SystemOutput((Shown(P1),), (), False, 1.0), "s", {P1: frozenset({None})})
    assert trust_attribution(report_level) == 1.0


def test_speaker_is_judged_on_the_first_extract_that_finds_a_passage() -> None:
    gold = item(type_="attribution", speaker=GoldSpeaker("Dr David Fearnley", "Medical Director"))
    right = Shown(P1, speaker=Speaker("David Fearnley", "Medical Director"))
    wrong = Shown(P1 + " again", speaker=Speaker("Ben Travis"))
    decoy = Shown(FILLER, speaker=Speaker("David Fearnley"))  # right name, but it does not hold the passage
    assert score(gold, SystemOutput((decoy, right, wrong), (), False, 1.0), "s", {}).speaker_ok is True
    assert score(gold, SystemOutput((wrong, right), (), False, 1.0), "s", {}).speaker_ok is False
    assert score(gold, SystemOutput((Shown(P1),), (), False, 1.0), "s", {}).speaker_ok is False
    assert score(gold, SystemOutput((decoy,), (), False, 1.0), "s", {}).speaker_ok is False
    assert score(item(), SystemOutput((right,), (), False, 1.0), "s", {}).speaker_ok is None


@pytest.mark.parametrize(
    ("gold", "got", "same"),
    [
        ("Dr David Fearnley", "David Fearnley", True),
        ("Professor Tim Kendall", "Tim Kendall", True),
        ("Kim Wilson", "Kim", True),
        ("Kim Wilson", "Wilson", True),
        ("Kim Wilson", "Kim Smith", False),
        ("Mel Axon", "Phil Brice", False),
        ("Dr", "Dr", False),
    ],
)
def test_names_match(gold: str, got: str, same: bool) -> None:
    assert names_match(gold, got) is same


def test_preview_keeps_citations_and_truncates() -> None:
    out = SystemOutput((Shown("word " * 200, trust=OXLEAS, page=13, speaker=Speaker("Ben Travis")),), (), False, 1.0)
    r = score(item(), out, "s", {})
    assert r.preview[0].startswith("Oxleas NHS Foundation Trust · p. 13 · Ben Travis — word word")
    assert r.preview[0].endswith("…") and len(r.preview[0]) < 320
    assert score(item(), SystemOutput((Shown("x"),), (), False, 1.0), "s", {}).preview[0].startswith("no citation")
