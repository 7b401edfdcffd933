"""Who said it: quotations inside blocks, attributed to people from the registry.

Two passes. The first builds a registry of people per case study (and one for report-level pages) from printed
attributions and from names introduced with a role or a speech verb. The second finds each quotation (“…”) and
resolves its speaker, in this order: a printed attribution (pull quotes, boxes); `says X` / `X explains` just
after the quotation; the nearest person mentioned (or he/she) in the current or previous sentence before it;
the speaker of the previous quotation in the same section when nobody else is mentioned in between. Quotations
whose speaker cannot be resolved are left out rather than guessed: "they expressed “shock”" names nobody.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ingest.people import NAME_RE, SPEECH_VERBS, Person, Registry, bare, is_name, role_after, role_before, split_trust
from ingest.records import Block, Quote, Speaker

_OVERLAP_NAME = re.compile(rf"(?<![\w’'\-])(?=({NAME_RE.pattern}))")
_SPEECH_NEAR = re.compile(rf"^[,]?\s+(?:{SPEECH_VERBS})\b")
_SPEECH_BEFORE = re.compile(r"(?:says|said|explains|according to|for|as|agrees|adds)\s*$", re.I)
_AFTER_VERB = r"(?:says|said|explains|explained|adds|added|agrees|agreed|notes|continues|confirms|confirmed)"
_PRONOUN = re.compile(r"\b(?:he|she|He|She)\b")
_SENTENCE_END = re.compile(r"[.?!][”’)]?\s+(?=[A-Z“‘])|\n")


def _names(text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping candidate person names (start, end, name), leftmost first."""
    out: list[tuple[int, int, str]] = []
    last_end = -1
    for m in _OVERLAP_NAME.finditer(text):
        name = m.group(1)
        if m.start() < last_end or not is_name(name):
            continue
        out.append((m.start(), m.start() + len(name), name))
        last_end = m.start() + len(name)
    return out


def _scope(block: Block) -> str:
    return block.trust or "(report)"


def build_registries(blocks: list[Block], aliases: dict[str, str]) -> dict[str, Registry]:
    """Scope (trust name, or "(report)") -> registry of the people introduced there."""
    regs: dict[str, Registry] = {}
    for block in blocks:
        reg = regs.setdefault(_scope(block), Registry())
        for q in block.quotes:
            reg.add(q.name, q.role, q.trust or block.trust)
        for start, end, name in _names(block.text):
            role = role_before(block.text, start) or role_after(block.text, end)
            spoken = _SPEECH_NEAR.match(block.text[end : end + 40]) or _SPEECH_BEFORE.search(
                block.text[max(0, start - 16) : start]
            )
            if role is None and not spoken and bare(name) not in reg.people:
                continue
            role, trust = split_trust(role, aliases)
            reg.add(name, role, trust or block.trust)
    # report-level pages name people from the case studies: fill their roles from there
    report = regs.setdefault("(report)", Registry())
    for scope, reg in regs.items():
        if scope == "(report)":
            continue
        for key, person in reg.people.items():
            if key in report.people:
                report.add(person.name, person.role, person.trust)
    return regs


def find_quotations(text: str) -> list[tuple[int, int]]:
    """(start, end) of each double-quoted passage, marks included. Unclosed quotes end at the paragraph."""
    out: list[tuple[int, int]] = []
    open_at: int | None = None
    for i, ch in enumerate(text):
        opening = ch == "“" or (ch == "”" and (i == 0 or text[i - 1] in " \n–-(") and text[i + 1 : i + 2].isalnum())
        if opening:
            if open_at is not None:
                out.append((open_at, _close_before(text, open_at, i)))
            open_at = i
        elif ch == "”" and open_at is not None:
            out.append((open_at, i + 1))
            open_at = None
        elif ch == "\n" and open_at is not None:
            out.append((open_at, i))
            open_at = None
    if open_at is not None:
        out.append((open_at, len(text)))
    return [(a, b) for a, b in out if b - a > 2]


def _close_before(text: str, start: int, nxt: int) -> int:
    """End an unclosed quotation at the sentence before the one that opens the next quotation."""
    cut = nxt
    for m in _SENTENCE_END.finditer(text, start, nxt):
        cut = m.start() + 1
    return cut if cut > start + 1 else nxt


def _mentions(text: str, reg: Registry, report: Registry) -> list[tuple[int, int, Person | None]]:
    """Known people (and he/she, as None) mentioned in `text`, in order."""
    aliases = {**{k: p for k, p in report.aliases().items() if " " in k}, **reg.aliases()}
    pattern = re.compile(r"(?<![\w’])(" + "|".join(map(re.escape, sorted(aliases, key=len, reverse=True))) + r")\b")
    found: list[tuple[int, int, Person | None]] = [
        (m.start(), m.end(), aliases[m.group(1)]) for m in pattern.finditer(text)
    ] if aliases else []
    found += [(m.start(), m.end(), None) for m in _PRONOUN.finditer(text)]
    return sorted(found, key=lambda t: t[0])


def attribute(blocks: list[Block], aliases: dict[str, str]) -> list[Block]:
    """Blocks with `quotes` filled in for every quotation whose speaker is resolved."""
    regs = build_registries(blocks, aliases)
    report = regs["(report)"]
    out: list[Block] = []
    focus: dict[tuple[str, str | None], Person] = {}  # (scope, section) -> last speaker or person mentioned
    for block in blocks:
        reg = regs[_scope(block)]
        key = (_scope(block), block.section)
        mentions = _mentions(block.text, reg, report)
        given = list(block.quotes)
        given = [q if q.trust else replace(q, trust=block.trust) for q in given]
        quotes: list[Quote] = list(given)
        prev_end, prev_person = 0, None
        for start, end in find_quotations(block.text):
            if any(q.start <= start < q.end for q in given):
                prev_end = end
                continue
            person = _resolve(block.text, start, end, prev_end, prev_person, mentions, focus.get(key))
            if person is not None:
                speaker = reg.speaker(person)
                role = _role_now(block.text, start, end, person, mentions) or speaker.role
                quotes.append(Quote(start, end, speaker.name, role, speaker.trust or block.trust))
                focus[key] = person
                prev_person = person
            prev_end = end
        if mentions and mentions[-1][2] is not None and (not quotes or mentions[-1][0] > quotes[-1].end):
            focus[key] = mentions[-1][2]
        quotes.sort(key=lambda q: q.start)
        speaker = block.speaker
        if speaker is not None and speaker.trust is None:
            speaker = Speaker(speaker.name, speaker.role, block.trust)
        out.append(replace(block, quotes=tuple(quotes), speaker=speaker))
    return out


_NOW = re.compile(r",\s+now\s+([A-Z][^,“]*?)(?:,|\s+(?:describes|says|said|explains|adds|agrees)\b)")


def _role_now(
    text: str, start: int, end: int, person: Person, mentions: list[tuple[int, int, Person | None]]
) -> str | None:
    """A changed role printed at this mention (`Lee Taylor, now Chief Operating Officer, describes …`)."""
    near = [m for m in mentions if m[2] is person and start - 250 <= m[0] <= end + 80]
    for _, m_end, _ in near[::-1]:
        m = _NOW.match(text, m_end)
        if m:
            return m.group(1)
    return None


def _resolve(
    text: str,
    start: int,
    end: int,
    prev_end: int,
    prev_person: Person | None,
    mentions: list[tuple[int, int, Person | None]],
    focus: Person | None,
) -> Person | None:
    def pronoun_target(pos: int) -> Person | None:
        named = [m[2] for m in mentions if m[1] <= pos and m[2] is not None]
        return named[-1] if named else prev_person or focus

    after = text[end : end + 80]
    sentence_closed = re.search(r"[.?!]”$", text[start:end]) is not None
    lead = re.match(rf"[\s,]*(?:({_AFTER_VERB})\s+)?", after)
    offset = end + (lead.end() if lead else 0)
    for m_start, m_end, person in mentions:
        if m_start == offset and not (sentence_closed and person is not None):
            follows = re.match(rf"\s+{_AFTER_VERB}\b", text[m_end : m_end + 20])
            if (lead and lead.group(1)) or follows:
                return person or pronoun_target(start)
    # the current and the previous sentence before the quotation
    bounds = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    window_start = max(prev_end, bounds[-2] if len(bounds) >= 2 else 0)
    before = [m for m in mentions if window_start <= m[0] and m[1] <= start]
    if before:
        return before[-1][2] or pronoun_target(before[-1][0])
    between = [m for m in mentions if prev_end <= m[0] < start and m[2] is not None]
    if not between and start - prev_end < 400:
        return prev_person or (focus if prev_end == 0 and start < 300 else None)
    return None
