"""Hand-built gold questions (`eval/gold/dev.jsonl`, `eval/gold/test.jsonl`) and speaker table
(`tests/data/speakers.jsonl`).

Two splits: `dev` is for tuning (the questions earlier rounds were fitted to, plus blind-written batches); `test` was
written from the report alone by writers who never saw the code or the other questions, and is never tuned on.
Where a test writer happened to ask a question that dev already had, it stays in test and left dev.
`load_gold` reads and structurally validates a split; `check_passages` checks it against the report (every
cited passage verbatim, sensible lengths, known trusts and types, unique ids, speakers where needed). Which
trusts exist is the report's business: callers pass the names ingest found. `load_speaker_table` and
`check_speakers` do the same for the speaker attribution table used to score the quote parser.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ingest.text import normalise_ws

ROOT = Path(__file__).resolve().parent.parent
GOLD_DIR = Path(__file__).resolve().parent / "gold"
Split = Literal["dev", "test"]
SPLITS: tuple[Split, ...] = ("dev", "test")
DEFAULT_GOLD = GOLD_DIR / "dev.jsonl"
DEFAULT_SPEAKERS = ROOT / "tests" / "data" / "speakers.jsonl"
DEFAULT_SOURCE = ROOT / "data" / "driving-improvement-mental-health-trusts.txt"

TYPES: tuple[str, ...] = (
    "factoid",
    "cross_trust",
    "attribution",
    "paraphrase",
    "follow_up",
    "sidebar",
    "filter",
    "unanswerable",
)
SPEAKER_KINDS: tuple[str, ...] = ("pull", "separated", "inline", "later_mention", "sidebar")

PASSAGE_MIN_WORDS = 10
PASSAGE_MAX_WORDS = 100  # multi-sentence passages are welcome; a whole page is not a passage
SNIPPET_MIN_WORDS = 6
SNIPPET_MAX_WORDS = 20
MAX_PASSAGES = 12  # a cross-trust question lists every answering passage, trust by trust

_FIELDS = ("id", "type", "question", "history", "relevant", "trusts", "speaker", "answer")
_ID = re.compile(r"[qdt]\d{3,}")
_QUOTE_MARKS = "“”"


@dataclass(frozen=True)
class GoldSpeaker:
    """The person an attribution answer must name."""

    name: str
    role: str


@dataclass(frozen=True)
class GoldItem:
    """One gold question: what the user typed, the chat so far, and what a good answer cites."""

    id: str
    type: str
    question: str
    history: tuple[str, ...]
    relevant: tuple[str, ...]
    trusts: tuple[str, ...]
    speaker: GoldSpeaker | None
    answer: str


def _str_list(value: Any, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{field!r} must be a list of strings")
    return tuple(value)


def _parse_item(obj: Any) -> GoldItem:
    if not isinstance(obj, dict):
        raise TypeError("line is not a JSON object")
    missing = [f for f in _FIELDS if f not in obj]
    extra = sorted(set(obj) - set(_FIELDS))
    if missing or extra:
        raise KeyError(f"missing fields {missing}, unexpected fields {extra}")
    for field in ("id", "type", "question", "answer"):
        if not isinstance(obj[field], str) or not obj[field].strip():
            raise TypeError(f"{field!r} must be a non-empty string")
    speaker = obj["speaker"]
    gold_speaker: GoldSpeaker | None = None
    if speaker is not None:
        if (
            not isinstance(speaker, dict)
            or set(speaker) != {"name", "role"}
            or not all(isinstance(speaker[k], str) and speaker[k].strip() for k in ("name", "role"))
        ):
            raise TypeError("'speaker' must be null or {'name': str, 'role': str}")
        gold_speaker = GoldSpeaker(name=speaker["name"], role=speaker["role"])
    return GoldItem(
        id=obj["id"],
        type=obj["type"],
        question=obj["question"],
        history=_str_list(obj["history"], "history"),
        relevant=_str_list(obj["relevant"], "relevant"),
        trusts=_str_list(obj["trusts"], "trusts"),
        speaker=gold_speaker,
        answer=obj["answer"],
    )


def split_path(split: Split) -> Path:
    return GOLD_DIR / f"{split}.jsonl"


def load_gold(path: Path | str = DEFAULT_GOLD) -> list[GoldItem]:
    """Read the gold JSONL file; raise ValueError naming the line of the first malformed record."""
    items: list[GoldItem] = []
    with Path(path).open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                items.append(_parse_item(json.loads(line)))
            except (json.JSONDecodeError, TypeError, KeyError) as exc:
                raise ValueError(f"{path}:{lineno}: {exc}") from exc
    return items


def _word_count(text: str) -> int:
    return len(normalise_ws(text).split())


def check_passages(items: list[GoldItem], source_text: str, trusts: Collection[str]) -> list[str]:
    """Every problem found in `items` against the report text and its `trusts` (empty: the set is sound)."""
    source = normalise_ws(source_text)
    problems: list[str] = []
    seen: Counter[str] = Counter(item.id for item in items)
    for item_id, count in sorted(seen.items()):
        if count > 1:
            problems.append(f"duplicate id {item_id} ({count} times)")
    for item in items:
        where = item.id
        if not _ID.fullmatch(item.id):
            problems.append(f"{where}: id should look like q001, d001 or t001")
        if item.type not in TYPES:
            problems.append(f"{where}: unknown type {item.type!r}")
        for trust in item.trusts:
            if trust not in trusts:
                problems.append(f"{where}: unknown trust {trust!r}")
        if len(set(item.trusts)) != len(item.trusts):
            problems.append(f"{where}: trust listed twice")
        if item.type == "attribution" and item.speaker is None:
            problems.append(f"{where}: attribution question without a speaker")
        if item.type == "follow_up" and not item.history:
            problems.append(f"{where}: follow_up question without history")
        if item.type != "follow_up" and item.history:
            problems.append(f"{where}: history given for a {item.type} question")
        if item.type == "unanswerable":
            if item.relevant:
                problems.append(f"{where}: unanswerable question cites passages")
        elif not 1 <= len(item.relevant) <= MAX_PASSAGES:
            problems.append(f"{where}: needs 1-{MAX_PASSAGES} relevant passages, has {len(item.relevant)}")
        for passage in item.relevant:
            words = _word_count(passage)
            if not PASSAGE_MIN_WORDS <= words <= PASSAGE_MAX_WORDS:
                problems.append(
                    f"{where}: passage has {words} words (want {PASSAGE_MIN_WORDS}-{PASSAGE_MAX_WORDS}): "
                    f"{passage[:60]!r}"
                )
            if normalise_ws(passage) not in source:
                problems.append(f"{where}: passage not found verbatim in the report: {passage[:60]!r}")
    return problems


def load_speaker_table(path: Path | str = DEFAULT_SPEAKERS) -> list[dict[str, str]]:
    """Read the speaker attribution table; raise ValueError naming the line of a malformed row."""
    rows: list[dict[str, str]] = []
    keys = {"quote", "name", "role", "trust", "kind"}
    with Path(path).open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: {exc}") from exc
            if not isinstance(row, dict) or set(row) != keys:
                raise ValueError(f"{path}:{lineno}: row must have exactly the keys {sorted(keys)}")
            if not all(isinstance(row[k], str) and row[k].strip() for k in keys):
                raise ValueError(f"{path}:{lineno}: every field must be a non-empty string")
            rows.append(row)
    return rows


def check_speakers(rows: list[dict[str, str]], source_text: str, trusts: Collection[str]) -> list[str]:
    """Problems in the speaker table: each snippet must sit once, verbatim, inside one quotation."""
    source = normalise_ws(source_text)
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        quote = normalise_ws(row["quote"])
        where = f"row {number} ({quote[:40]!r})"
        if row["kind"] not in SPEAKER_KINDS:
            problems.append(f"{where}: unknown kind {row['kind']!r}")
        if row["trust"] not in trusts:
            problems.append(f"{where}: unknown trust {row['trust']!r}")
        words = len(quote.split())
        if not SNIPPET_MIN_WORDS <= words <= SNIPPET_MAX_WORDS:
            problems.append(f"{where}: snippet has {words} words")
        if any(mark in quote for mark in _QUOTE_MARKS):
            problems.append(f"{where}: snippet includes a quote mark")
        start = source.find(quote)
        if start < 0:
            problems.append(f"{where}: not found verbatim in the report")
            continue
        if source.find(quote, start + 1) >= 0:
            problems.append(f"{where}: occurs more than once in the report")
        if source.rfind("“", 0, start) <= source.rfind("”", 0, start):
            problems.append(f"{where}: not inside a quotation")
    return problems
