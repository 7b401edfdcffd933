"""A conversation taken away: as Markdown (for a board paper) or as JSON (for a script), naming the report and the
date each question was asked.

Both hold every question, how it was read, the answer at a glance with its markers, and every extract with its
citation and pages; extract n of an answer is `[n]` in both. Left out: the HTML the page shows (never exported).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from assistant.compose import NOT_ANSWERED, glance_markdown, quote_block
from assistant.conversation import read_as
from assistant.records import Answer

FORMAT = "driving-improvement-conversation"


@dataclass(frozen=True)
class Asked:
    """One exchange to export: the question as typed, when, and the answer (None when it was refused)."""

    question: str
    at: datetime
    answer: Answer | None
    refusal: str | None = None


def to_markdown(asked: Sequence[Asked], report: str, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    lines = [f"# Questions on “{report}”", "",
             f"Exported {now:%Y-%m-%d %H:%M} UTC. Every quoted line is the report's own words; [n] marks extract n "
             "of its answer.", ""]
    for i, a in enumerate(asked, start=1):
        lines += [f"## {i}. {a.question}", "", f"Asked {a.at:%Y-%m-%d %H:%M} UTC."]
        if a.answer is None:
            lines += ["", f"Not answered: {a.refusal or 'refused'}", ""]
            continue
        ans = a.answer
        note = read_as(a.question, ans.reading) if ans.reading else None
        if note:
            lines += ["", f"_{note}_"]
        if ans.abstained:
            lines += ["", f"**{ans.headline or NOT_ANSWERED}** {ans.reason}".rstrip()]
            if ans.extracts:
                lines += ["", "Closest material (not an answer):"]
        if ans.glance:
            lines += ["", "At a glance:", *glance_markdown(ans.glance)]
        lines.append("")
        for n, e in enumerate(ans.extracts, start=1):
            lines += [quote_block(n, e), ""]
    return "\n".join(lines).rstrip() + "\n"


def to_json(asked: Sequence[Asked], report: str, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    exchanges = []
    for a in asked:
        record: dict[str, Any] = {"question": a.question, "asked_at": a.at.isoformat(timespec="seconds")}
        if a.answer is None:
            record["refusal"] = a.refusal
        else:
            ans = a.answer
            record.update(
                query=ans.query,
                reading=ans.reading.to_dict() if ans.reading else None,
                read_as=read_as(a.question, ans.reading) if ans.reading else None,
                abstained=ans.abstained,
                glance=[asdict(g) for g in ans.glance],
                extracts=[{"n": n, **e.to_dict(), "citation": e.citation()} for n, e in enumerate(ans.extracts, 1)],
                trusts_covered=list(ans.trusts_covered),
                trusts_without_material=list(ans.trusts_without_material),
                answer=ans.text,
            )
        exchanges.append(record)
    return {"format": FORMAT, "report": report, "exported_at": now.isoformat(timespec="seconds"),
            "exchanges": exchanges}


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
