"""UI feedback (JSON lines) → candidate gold items for a person to review, in the shape of `eval/gold/*.jsonl`.

Input lines hold `question`, `history`, `answer`, `chunk_ids`, `vote`, `time`. Each up-voted line becomes one
candidate: type "feedback", relevant = the first 30 words of each up-voted chunk (verbatim, whitespace
collapsed), trusts = those chunks' trusts. The type is deliberately not a gold type, so `check_passages`
flags every candidate until a person has picked the real type and trimmed the passages.

Left out: down-votes (they say what is wrong, not what is right), de-duplication against the gold set, and
chunk ids that no longer exist (reported in `unknown`, not guessed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ingest.records import Chunk

PASSAGE_WORDS = 30
UP_VOTES = {"up", "+1", "1", "true", "yes", "good", "👍"}


@dataclass(frozen=True)
class FeedbackCandidates:
    items: list[dict[str, Any]]  # gold-shaped dicts, ids f001, f002, ...
    unknown: list[str]  # chunk ids in the feedback that the current chunks lack
    skipped: int  # lines not up-voted
    bad: tuple[int, ...] = ()  # line numbers that are not feedback records (skipped, not fatal)


def is_up(vote: Any) -> bool:
    if isinstance(vote, bool):
        return vote
    if isinstance(vote, int | float):
        return vote > 0
    return str(vote).strip().lower() in UP_VOTES


def candidates(lines: Iterable[str], chunks: Mapping[str, Chunk]) -> FeedbackCandidates:
    """Candidate gold items from feedback JSON lines; a malformed line is counted in `bad` and skipped."""
    items: list[dict[str, Any]] = []
    unknown: list[str] = []
    bad: list[int] = []
    skipped = 0
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            question, history, ids = row["question"], list(row.get("history") or []), list(row["chunk_ids"])
        except (json.JSONDecodeError, KeyError, TypeError):
            bad.append(lineno)
            continue
        if not is_up(row.get("vote")):
            skipped += 1
            continue
        found = [chunks[i] for i in ids if i in chunks]
        unknown += [i for i in ids if i not in chunks]
        items.append({
            "id": f"f{len(items) + 1:03d}",
            "type": "feedback",
            "question": question,
            "history": history,
            "relevant": [" ".join(c.text.split()[:PASSAGE_WORDS]) for c in found],
            "trusts": list(dict.fromkeys(c.trust for c in found if c.trust)),
            "speaker": None,
            "answer": str(row.get("answer") or ""),
        })
    return FeedbackCandidates(items, unknown, skipped, tuple(bad))
