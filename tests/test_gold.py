"""The hand-built gold questions (dev and test splits) and speaker table are well-formed and grounded in the report."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

import pytest

from eval.gold import (
    DEFAULT_SOURCE,
    DEFAULT_SPEAKERS,
    SPEAKER_KINDS,
    SPLITS,
    TYPES,
    GoldItem,
    GoldSpeaker,
    check_passages,
    check_speakers,
    load_gold,
    load_speaker_table,
    split_path,
)
from ingest.facts import derive
from ingest.text import normalise_ws

TYPE_MINIMUMS = {
    "factoid": 15,
    "cross_trust": 12,
    "attribution": 12,
    "paraphrase": 10,
    "follow_up": 12,
    "sidebar": 8,
    "filter": 8,
    "unanswerable": 10,
}
KIND_MINIMUMS = {"later_mention": 8, "separated": 3, "pull": 10, "inline": 15}


@pytest.fixture(scope="module")
def source() -> str:
    return DEFAULT_SOURCE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def trusts(doc) -> tuple[str, ...]:
    """The report's trusts as ingest finds them: the gold files are checked against the report, not a table."""
    return derive(doc.chunks, doc.trusts).trust_names


@pytest.fixture(scope="module")
def splits() -> dict[str, list[GoldItem]]:
    return {s: load_gold(split_path(s)) for s in SPLITS}


@pytest.fixture(scope="module")
def items(splits) -> list[GoldItem]:
    return [item for rows in splits.values() for item in rows]


@pytest.fixture(scope="module")
def speakers() -> list[dict[str, str]]:
    return load_speaker_table(DEFAULT_SPEAKERS)


# --- gold questions ---------------------------------------------------------------------------------------


def test_gold_loads_with_enough_items(splits, items) -> None:
    assert len(splits["dev"]) >= 90
    assert len(splits["test"]) >= 80
    assert all(isinstance(item.relevant, tuple) and isinstance(item.history, tuple) for item in items)


def test_splits_share_no_question(splits) -> None:
    dev, test = splits["dev"], splits["test"]
    assert not {i.id for i in dev} & {i.id for i in test}
    def asked(items: list[GoldItem]) -> set[tuple[str, ...]]:  # a follow-up is its whole chat, not its last line
        return {tuple(normalise_ws(q).lower() for q in (*i.history, i.question)) for i in items}

    assert not asked(dev) & asked(test)
    assert all(i.id.startswith("t") for i in test)  # written apart from the dev questions and the code


def test_gold_has_no_problems(items: list[GoldItem], source: str, trusts) -> None:
    assert check_passages(items, source, trusts) == []


def test_type_minimums(items: list[GoldItem], splits) -> None:
    counts = Counter(item.type for item in items)
    short = {t: (counts[t], need) for t, need in TYPE_MINIMUMS.items() if counts[t] < need}
    assert not short, f"too few questions of type (have, need): {short}"
    assert set(counts) <= set(TYPES)
    assert {i.type for i in splits["test"]} == set(TYPES)  # the held-back split asks every kind of question


def test_every_trust_is_covered(items: list[GoldItem], trusts) -> None:
    covered = {trust for item in items for trust in item.trusts}
    assert covered == set(trusts)


def test_attribution_and_follow_up_shape(items: list[GoldItem]) -> None:
    for item in items:
        if item.type == "attribution":
            assert isinstance(item.speaker, GoldSpeaker), item.id
        if item.type == "follow_up":
            assert item.history, item.id
        if item.type == "unanswerable":  # no passages; `trusts` may name a covered trust the question asks about
            assert item.relevant == (), item.id


def _with_passage(item: GoldItem, passage: str) -> GoldItem:
    return dataclasses.replace(item, relevant=(passage, *item.relevant[1:]))


def _first_answerable(items: list[GoldItem]) -> GoldItem:
    return next(item for item in items if item.relevant and len(item.relevant[0].split()) >= 12)


def test_checker_reports_a_one_word_change(items: list[GoldItem], source: str, trusts) -> None:
    item = _first_answerable(items)
    words = item.relevant[0].split()
    words[len(words) // 2] = "zebra"
    problems = check_passages([_with_passage(item, " ".join(words))], source, trusts)
    assert any("not found verbatim" in p for p in problems), problems


def test_checker_reports_a_five_word_passage(items: list[GoldItem], source: str, trusts) -> None:
    item = _first_answerable(items)
    short = " ".join(item.relevant[0].split()[:5])
    assert normalise_ws(short) in normalise_ws(source)  # verbatim, so only the length is wrong
    problems = check_passages([_with_passage(item, short)], source, trusts)
    assert any("5 words" in p for p in problems), problems
    assert not any("not found verbatim" in p for p in problems)


def test_checker_accepts_reflowed_whitespace(items: list[GoldItem], source: str, trusts) -> None:
    item = _first_answerable(items)
    reflowed = "\n  ".join(item.relevant[0].split())
    assert check_passages([_with_passage(item, reflowed)], source, trusts) == []


def test_checker_reports_bad_metadata(items: list[GoldItem], source: str, trusts) -> None:
    item = _first_answerable(items)
    bad = [
        dataclasses.replace(item, type="trivia"),
        dataclasses.replace(item, trusts=("Oxford Health NHS Foundation Trust",)),
        dataclasses.replace(item, type="attribution", speaker=None),
        item,
    ]
    problems = check_passages(bad, source, trusts)
    assert any("unknown type" in p for p in problems)
    assert any("unknown trust" in p for p in problems)
    assert any("without a speaker" in p for p in problems)
    assert any("duplicate id" in p for p in problems)


def test_load_gold_names_the_bad_line(tmp_path: Path) -> None:
    good = split_path("dev").read_text(encoding="utf-8").splitlines()[0]
    broken = json.loads(good)
    del broken["answer"]
    path = tmp_path / "gold.jsonl"
    path.write_text(f"{good}\n{json.dumps(broken)}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r":2:"):
        load_gold(path)
    path.write_text(f"{good}\n{good}\nnot json\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r":3:"):
        load_gold(path)


# --- speaker table ----------------------------------------------------------------------------------------


def test_speaker_table_is_grounded(speakers: list[dict[str, str]], source: str, trusts) -> None:
    assert len(speakers) >= 50
    assert check_speakers(speakers, source, trusts) == []


def test_speaker_snippets_sit_inside_quotations(speakers: list[dict[str, str]], source: str) -> None:
    text = normalise_ws(source)
    for row in speakers:
        snippet = normalise_ws(row["quote"])
        start = text.find(snippet)
        assert start >= 0, snippet
        assert text.rfind("“", 0, start) > text.rfind("”", 0, start), snippet


def test_speaker_kind_minimums(speakers: list[dict[str, str]]) -> None:
    counts = Counter(row["kind"] for row in speakers)
    assert set(counts) <= set(SPEAKER_KINDS)
    short = {k: (counts[k], need) for k, need in KIND_MINIMUMS.items() if counts[k] < need}
    assert not short, f"too few rows of kind (have, need): {short}"


def test_speaker_table_covers_every_trust(speakers: list[dict[str, str]], trusts) -> None:
    assert {row["trust"] for row in speakers} == set(trusts)


def test_speaker_names_are_consistent(speakers: list[dict[str, str]]) -> None:
    trust_of: dict[str, set[str]] = {}
    for row in speakers:
        trust_of.setdefault(row["name"], set()).add(row["trust"])
    assert all(len(trusts) == 1 for trusts in trust_of.values()), trust_of


def test_speaker_check_catches_text_outside_quotes(source: str, trusts) -> None:
    row = {
        "quote": "Trusts are learning from the people who are really at the heart of the work.",
        "name": "Nobody",
        "role": "None",
        "trust": trusts[0],
        "kind": "inline",
    }
    assert any("not inside a quotation" in p for p in check_speakers([row], source, trusts))
