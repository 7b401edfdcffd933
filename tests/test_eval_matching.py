"""The passage-matching rule: edge cases, a reference implementation, and its behaviour on the real gold set."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eval.matching import (
    JOIN,
    MIN_RUN,
    coverage,
    finds,
    first_finder,
    longest_common_run,
    shows_whole,
    threshold,
    tokens,
)

WORDS = list(tokens("the trust bought twelve beds from east london to give staff breathing space on every ward"))
PASSAGE = " ".join(WORDS[:12])  # 12 words


def test_tokens_ignore_case_punctuation_and_quote_style() -> None:
    assert tokens("The trust’s “Breathing Space”: 3,800 staff – 1.7%!") == (
        "the", "trust's", "breathing", "space", "3", "800", "staff", "1", "7",
    )
    assert tokens("what’s") == tokens("what's") == tokens("WHAT‘S".replace("‘", "’"))


def test_the_texts_bullet_marker_is_not_a_word() -> None:
    passage = "This plan identified four key areas for the trust to focus on: zz improving data zz supporting our staff"
    shown = "This plan identified four key areas for the trust to focus on:\nimproving data\nsupporting our staff"
    assert "zz" not in tokens(passage) and shows_whole(shown, passage)
    assert not shows_whole(shown.replace("\nsupporting", f"{JOIN}supporting"), passage)  # a join still cuts
    assert tokens("zzz buzz") == ("zzz", "buzz")  # only the marker itself


def test_found_despite_case_punctuation_and_curly_quotes() -> None:
    passage = "One key action gave them ‘breathing space’: the trust bought 12 beds from East London."
    extract = 'ONE KEY ACTION GAVE THEM "BREATHING SPACE" - THE TRUST BOUGHT 12 BEDS FROM EAST LONDON'
    assert finds(extract, passage)


def test_found_when_extract_holds_only_part_of_a_long_passage() -> None:
    passage = " ".join(WORDS)  # 16 words
    assert finds("Intro words. " + " ".join(WORDS[3:3 + MIN_RUN]) + ". Outro.", passage)
    assert not finds("Intro words. " + " ".join(WORDS[3:3 + MIN_RUN - 1]) + ". Outro.", passage)


def test_a_run_never_crosses_an_ellipsis_join() -> None:
    left, right = " ".join(WORDS[:6]), " ".join(WORDS[6:12])
    assert finds(f"{left} {right}", PASSAGE)
    assert not finds(f"{left}{JOIN}{right}", PASSAGE)  # 6 + 6 words, neither piece has 10
    assert finds(f"unrelated words here{JOIN}{PASSAGE}{JOIN}more words", PASSAGE)


def test_passage_split_across_two_extracts_is_not_pooled() -> None:
    first, second = " ".join(WORDS[:6]), " ".join(WORDS[6:12])
    assert first_finder([first, second], PASSAGE) is None
    # ... but a side holding MIN_RUN words in a row is enough on its own
    assert first_finder([" ".join(WORDS[:2]), " ".join(WORDS[2:12])], PASSAGE) == 2


def test_very_short_passage_needs_all_its_words_in_a_row() -> None:
    assert threshold("12 beds bought") == 3
    assert finds("In 2016 the trust had 12 beds bought from elsewhere.", "12 beds bought")
    assert not finds("12 beds were bought", "12 beds bought")
    assert not finds("anything at all", "…")  # no words: never found
    assert threshold("…") == 0


def test_first_finder_gives_the_first_rank() -> None:
    texts = ["nothing relevant", PASSAGE, PASSAGE.upper()]
    assert first_finder(texts, PASSAGE) == 2
    assert first_finder([], PASSAGE) is None


def test_longest_common_run_examples() -> None:
    assert longest_common_run(list("abcd"), list("xbcy")) == 2
    assert longest_common_run(list("ab"), []) == 0
    assert longest_common_run(list("aaa"), list("aa")) == 2


small_words = st.lists(st.sampled_from(list("abcde")), min_size=0, max_size=30)


@given(small_words, small_words)
def test_ngram_shortcut_agrees_with_the_dynamic_programme(passage: list[str], extract: list[str]) -> None:
    p, e = " ".join(passage), " ".join(extract)
    want = threshold(p) > 0 and longest_common_run(tokens(p), tokens(e)) >= threshold(p)
    assert finds(e, p) == want


@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=20), st.integers(0, 5), st.integers(0, 5))
def test_a_passage_inside_an_extract_is_always_found(passage: list[str], pre: int, post: int) -> None:
    text = " ".join(["zz"] * pre + passage + ["yy"] * post)
    assert finds(text, " ".join(passage))


# --- the rule on the real report ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gold_passages() -> list[str]:
    from eval.gold import SPLITS, load_gold, split_path

    return [p for split in SPLITS for item in load_gold(split_path(split)) for p in item.relevant]


def test_every_gold_passage_is_found_in_the_raw_report_by_fixed_chunks(gold_passages: list[str]) -> None:
    from eval.fixed import split
    from eval.gold import DEFAULT_SOURCE

    chunks = split(DEFAULT_SOURCE.read_text(encoding="utf-8"))
    missing = [p[:60] for p in gold_passages if not any(finds(c, p) for c in chunks)]
    assert missing == []


def test_no_spurious_matches_on_our_chunks(gold_passages: list[str], doc) -> None:
    # every chunk that "finds" a short gold passage shares at least half of it in a row: a real occurrence (or the
    # key themes quoting the case study), not a stock phrase; MIN_RUN = 8 fails this on two passages. Longer
    # passages are where the loose rule is weak (a quoted phrase repeated in the key themes finds a 60-word
    # passage): the strict rule, which the headline uses, asks for 90% of the passage instead.
    weak = []
    for p in (p for p in gold_passages if len(tokens(p)) <= 2 * MIN_RUN):
        for chunk in doc.chunks:
            run = longest_common_run(tokens(p), tokens(chunk.text))
            if finds(chunk.text, p) and 2 * run < len(tokens(p)):
                weak.append((chunk.id, p[:50]))
    assert weak == []


def test_shown_whole_needs_nine_tenths_of_the_passage() -> None:
    passage = " ".join(f"w{i}" for i in range(40))
    assert shows_whole(passage, passage) and coverage(passage, passage) == 1.0
    assert shows_whole("before " + passage + " after", passage)
    first_half = " ".join(f"w{i}" for i in range(20))
    assert coverage(first_half, passage) == 0.5 and not shows_whole(first_half, passage)
    assert finds(first_half, passage)  # the loose rule is satisfied by any 10 words in a row
    without_middle = " ".join(f"w{i}" for i in range(17)) + JOIN + " ".join(f"w{i}" for i in range(23, 40))
    assert not shows_whole(without_middle, passage)  # a left-out sentence in the middle: not whole
    one_word_off = passage.replace("w20", "x20")  # a word joined differently at a line break: still whole
    assert shows_whole(one_word_off, passage) and coverage(one_word_off, passage) >= 0.9
