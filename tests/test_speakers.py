"""Speaker attribution scored against a hand-built table of quotations (tests/data/speakers.jsonl)."""

from __future__ import annotations

import re
from collections import Counter

from eval.gold import load_speaker_table
from ingest.people import bare

TARGET = 0.90


def _norm_role(role: str | None) -> set[str]:
    words = re.findall(r"[a-z]+", (role or "").lower())
    return {w for w in words if w not in {"a", "the", "of", "and", "at", "for", "in"}}


def role_matches(expected: str | None, got: str | None) -> bool:
    e, g = _norm_role(expected), _norm_role(got)
    if not e:
        return True  # the report prints no role for this speaker
    return bool(g) and (e <= g or g <= e or len(e & g) / len(e | g) >= 0.5)


def attribute_row(doc, row) -> tuple[str, str | None, str | None] | None:
    """(name, role, trust) that the chunks give the quotation containing the row's snippet."""
    pattern = re.compile(r"\s+".join(map(re.escape, row["quote"].split())))
    for chunk in doc.chunks:
        m = pattern.search(chunk.text)
        if not m:
            continue
        for q in chunk.quotes:
            if q.start <= m.start() and m.end() <= q.end:
                return q.name, q.role, q.trust
        return None
    raise AssertionError(f"snippet not found in any chunk: {row['quote']!r}")


def test_speaker_attribution_accuracy(doc):
    rows = load_speaker_table()
    assert len(rows) >= 40
    right: Counter = Counter()
    total: Counter = Counter()
    failures = []
    for row in rows:
        got = attribute_row(doc, row)
        ok = (
            got is not None
            and bare(got[0]) == bare(row["name"])
            and role_matches(row["role"], got[1])
            and got[2] == row["trust"]
        )
        total[row["kind"]] += 1
        right[row["kind"]] += ok
        if not ok:
            failures.append(f"  {row['kind']:13s} {row['quote'][:50]!r}: want {row['name']} ({row['role']}), got {got}")
    accuracy = sum(right.values()) / sum(total.values())
    print(f"\nspeaker attribution: {sum(right.values())}/{sum(total.values())} = {accuracy:.1%}")
    for kind in sorted(total):
        print(f"  {kind:13s} {right[kind]}/{total[kind]}")
    print("\n".join(failures))
    assert accuracy >= TARGET, "\n".join(failures)


def test_role_matching_rule():
    assert role_matches("Chief Executive", "Chief Executive")
    assert role_matches("Director of Nursing", "Director of Nursing and Quality")
    assert not role_matches("Chief Executive", "Ward Manager")
    assert not role_matches("Chair", None)
    assert role_matches("", None)
