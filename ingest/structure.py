"""Runs → blocks: trusts, parts, sections, body flows rejoined across interruptions, boxes, pull quotes, lists.

The reading model: the body column is one flow per section; a box (narrow lines with a short title), a pull
quote (a quotation followed by a `Name, Role` line) or a table interrupts it, often mid-sentence, and the body
resumes after it. A box title printed apart from its text, and an attribution printed after an intervening
box, are carried forward to what they belong to. Speakers inside text are left to `speakers.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.layout import Line
from ingest.people import is_name, parse_attribution
from ingest.records import Block, Kind, Part, Quote, Speaker, TrustInfo
from ingest.trusts import parse_ratings, trust_aliases, trust_title

KNOWN_SECTIONS = {
    "our purpose", "our role", "our values", "foreword", "the trusts that we interviewed", "trust rating changes",
    "acknowledgements", "key themes", "reaction to the initial inspection report", "reaction to the inspection report",
    "reaction to initial inspection report", "leadership", "governance", "culture", "staff engagement and empowerment",
    "involving patients and people who use services", "outward looking", "relationship with cqc",
    "next on the improvement journey",
}  # fmt: skip
PARTS: dict[str, Part] = {
    "our purpose": "front matter",
    "foreword": "foreword",
    "the trusts that we interviewed": "front matter",
    "key themes": "key themes",
}
QUOTE_OPEN = ("“", '"')
MARKDOWN_HEADING = re.compile(r"#{1,6} +\S")
NUMBERED_HEADING = re.compile(r"\d+(\.\d+)*\.? +[A-Z]")
_CLOSES = re.compile(r"[”\"][.,]?$|[.,!?][”\"]$")
NARROW = 40  # a run whose lines are all at most this long is in the narrow (box) column
TITLE_MAX = 22  # box title lines are shorter than box text lines


def is_heading(line: Line, run: list[Line], i: int, generic: bool) -> bool:
    t = line.text
    if MARKDOWN_HEADING.match(t):
        return True
    if i > 0 and len(run[i - 1]) <= TITLE_MAX and not run[i - 1].terminal:
        return False  # the last line of a box title such as "Non-medical / Professional / Leadership"
    if t.lower() in KNOWN_SECTIONS:
        return True
    if generic and len(run) == 1 and not line.bullet and len(t.split()) <= 8 and "," not in t and (
            NUMBERED_HEADING.match(t) or (t[0].isupper() and not line.terminal)):
        return True  # a short line standing alone: "Preamble", "0. Definitions.", "TERMS AND CONDITIONS"
    if not generic or line.bullet or len(t) > 60 or line.terminal or not t[0].isupper() or "," in t:
        return False
    nxt = run[i + 1] if i + 1 < len(run) else None
    prev_ok = i == 0 or run[i - 1].terminal
    return prev_ok and nxt is not None and len(nxt) >= 55 and len(t.split()) <= 8


def split_attribution(lines: list[Line], aliases: dict[str, str]) -> tuple[int, int, Speaker] | None:
    """(first quote line, last quote line, speaker) when lines end with a quotation and its `Name, Role`."""
    for i in range(len(lines) - 2, -1, -1):
        if not _CLOSES.search(lines[i].text):
            continue
        tail = lines[i + 1 :]
        if len(tail) > 5 or any(line.bullet for line in tail):
            return None
        speaker = parse_attribution(" ".join(line.text for line in tail), aliases)
        if speaker is None:
            return None
        for j in range(i, -1, -1):
            if lines[j].text.startswith(QUOTE_OPEN) and (j == 0 or lines[j - 1].terminal):
                return j, i, speaker
        return None
    return None


@dataclass
class Draft:
    """A block being assembled: paragraphs of lines (a bullet item is a paragraph)."""

    kind: Kind
    trust: str | None
    part: Part
    section: str | None
    title: str | None = None
    paras: list[list[Line]] = field(default_factory=list)
    speaker: Speaker | None = None
    # trailing quotation with a printed attribution: (first line, last line) as paragraph-line positions
    attributed: tuple[Line, Line, Speaker] | None = None
    break_next: bool = False  # the next line starts a paragraph whatever its shape

    def lines(self) -> list[Line]:
        return [line for para in self.paras for line in para]

    def to_block(self) -> Block:
        texts: list[str] = []
        segments: list[tuple[int, int, int]] = []
        pages: list[int] = []
        pos = 0
        where: dict[int, tuple[int, int]] = {}  # line start offset -> (text start, text end)
        for p, para in enumerate(self.paras):
            if p:
                texts.append("\n")
                pos += 1
            for k, line in enumerate(para):
                if k:
                    texts.append(" ")
                    pos += 1
                segments.append((pos, line.start, len(line.text)))
                where[line.start] = (pos, pos + len(line.text))
                pages.append(line.page)
                texts.append(line.text)
                pos += len(line.text)
        quotes: tuple[Quote, ...] = ()
        if self.kind == "quote" and self.speaker is not None:
            quote_end = where[self.paras[0][-1].start][1]
            quotes = (self._quote(0, quote_end, self.speaker),)
        elif self.attributed is not None:
            first, last, speaker = self.attributed
            quotes = (self._quote(where[first.start][0], where[last.start][1], speaker),)
        return Block(
            kind=self.kind,
            text="".join(texts),
            segments=tuple(segments),
            pages=tuple(pages),
            trust=self.trust,
            part=self.part,
            section=self.section,
            title=self.title,
            speaker=self.speaker,
            quotes=quotes,
        )

    @staticmethod
    def _quote(start: int, end: int, speaker: Speaker) -> Quote:
        return Quote(start=start, end=end, name=speaker.name, role=speaker.role, trust=speaker.trust)


@dataclass
class Builder:
    aliases: dict[str, str]  # trust short form -> trust name
    generic: bool  # no case-study structure: detect headings by shape alone
    paged: bool = True  # the text was laid out on pages (so a narrow run can be a box column); else no boxes
    # Markdown cases (`ingest.cases`): the level of their headings and their names; (0, empty) for none
    md_cases: tuple[int, frozenset[str]] = (0, frozenset())
    part: Part = "front matter"
    trust: str | None = None
    section: str | None = None
    drafts: list[Draft] = field(default_factory=list)
    trusts: list[TrustInfo] = field(default_factory=list)
    flow: Draft | None = None  # the open body (or intro) flow
    bullets: Draft | None = None
    pending_title: str | None = None
    last_box: tuple[str, int] | None = None  # (title, page) of the latest box
    pending_quote: Draft | None = None  # a pull quote still waiting for its attribution
    table: Draft | None = None

    def __post_init__(self) -> None:
        if self.generic:
            self.part = "document"

    # -- flows -------------------------------------------------------------------------------------------
    def close_flows(self) -> None:
        for d in (self.bullets, self.flow):
            if d is not None and d.paras:
                self.drafts.append(d)
        self.flow = self.bullets = None

    def _new(self, kind: Kind, title: str | None = None) -> Draft:
        return Draft(kind=kind, trust=self.trust, part=self.part, section=self.section, title=title)

    def add_body(self, run: list[Line]) -> None:
        width = max(len(line) for line in run)
        for n, line in enumerate(run):
            if line.bullet:
                if self.bullets is None:
                    lead: list[Line] | None = None
                    if self.flow and self.flow.paras and self.flow.paras[-1][-1].text.endswith(":"):
                        lead = self.flow.paras.pop()
                    if self.flow and self.flow.paras:
                        self.drafts.append(self.flow)
                    self.flow = None
                    self.bullets = self._new("bullets")
                    if lead:
                        self.bullets.paras.append(lead)
                self.bullets.paras.append([line])
                continue
            if self.bullets is not None:
                prev = self.bullets.paras[-1][-1]
                if not prev.terminal and not line.new_page:
                    self.bullets.paras[-1].append(line)
                    continue
                self.drafts.append(self.bullets)
                self.bullets = None
            if self.flow is None:
                kind: Kind = "intro" if self.part == "case study" and self.section is None else "body"
                self.flow = self._new(kind)
            paras = self.flow.paras
            if not paras or self.flow.break_next:
                paras.append([line])
                self.flow.break_next = False
                continue
            prev = paras[-1][-1]
            starts_para = line.text[0].isupper() or line.text.startswith((*QUOTE_OPEN, "‘"))
            if prev.terminal and starts_para and (n == 0 or len(prev) < width - 10):
                paras.append([line])
            else:
                paras[-1].append(line)

    # -- runs --------------------------------------------------------------------------------------------
    def heading(self, text: str, level: int | None = None, page: int = 1) -> None:
        self.close_flows()
        self.pending_title = None
        case_level, cases = self.md_cases
        if case_level and level is not None and level <= case_level:  # a Markdown part: a case, or not
            name = text if text in cases else None
            self.part, self.trust, self.section = ("case study", name, None) if name else ("document", None, text)
            if name:
                self.trusts.append(TrustInfo(name, page, ()))
            return
        key = text.lower()
        if key in PARTS and not self.generic:
            self.part, self.trust = PARTS[key], None
        self.section = text
        if key == "trust rating changes":
            self.table = self._new("sidebar", title=text)

    def start_trust(self, run: list[Line], name: str, d: int) -> None:
        self.close_flows()
        self.part, self.trust, self.section = "case study", name, None
        self.pending_title = self.pending_quote = None
        self.trusts.append(TrustInfo(name=name, page=run[0].page, ratings=parse_ratings(run[d:])))
        self.flow = self._new("intro")  # the title and rating history open the intro, as their own paragraph
        self.flow.paras.append(list(run))
        self.flow.break_next = True

    def add_run(self, run: list[Line]) -> None:
        if run[0].new_page and not self.generic:
            title = trust_title(run)
            if title:
                self.start_trust(run, *title)
                return
        start = 0
        for i, line in enumerate(run):
            if is_heading(line, run, i, self.generic):
                if i > start:
                    self.add_segment(run[start:i])
                level = len(line.text) - len(line.text.lstrip("#")) if MARKDOWN_HEADING.match(line.text) else None
                self.heading(line.text.lstrip("#").strip(), level, line.page)
                start = i + 1
        if start < len(run):
            self.add_segment(run[start:])

    def add_segment(self, seg: list[Line]) -> None:
        if self.table is not None:
            self.table.paras.append(seg)
            if any(line.text.startswith(("Source:", "* See page")) for line in seg):
                self.drafts.append(self.table)
                self.table = None
            return
        text = " ".join(line.text for line in seg)
        if self.pending_quote is not None and len(seg) <= 3 and not seg[0].text.startswith(QUOTE_OPEN):
            speaker = parse_attribution(text, self.aliases)
            if speaker is not None:
                self.pending_quote.paras.append(seg)
                self.pending_quote.speaker = speaker
                self.pending_quote = None
                return
        if seg[0].text.startswith(QUOTE_OPEN) and self.add_quote(seg):
            return
        if self.paged and sum(len(line) <= NARROW for line in seg) >= 0.8 * len(seg) and not seg[0].bullet:
            if text in self.aliases.values():
                return  # a photo caption naming a trust
            self.add_box(seg)
            return
        self.add_body(seg)

    def add_quote(self, seg: list[Line]) -> bool:
        found = split_attribution(seg, self.aliases)
        if found and found[0] == 0:
            _, i, speaker = found
            draft = self._new("quote")
            draft.paras = [seg[: i + 1], seg[i + 1 :]]
            draft.speaker = speaker
            self.drafts.append(draft)
            return True
        closes = sum(line.text.count("”") for line in seg)
        closes_at_end = _CLOSES.search(seg[-1].text) and closes == 1
        if found is None and closes_at_end and len(seg) <= 30:
            draft = self._new("quote")
            draft.paras = [seg]
            self.drafts.append(draft)
            self.pending_quote = draft
            return True
        return False

    def add_box(self, seg: list[Line]) -> None:
        def title_like(line: Line) -> bool:
            return len(line) <= TITLE_MAX and not line.terminal and not line.text.startswith((*QUOTE_OPEN, "‘"))

        n = 0
        while n < min(4, len(seg)) and title_like(seg[n]) and "," not in seg[n].text:
            n += 1
        caption = parse_attribution(" ".join(line.text for line in seg), self.aliases) is not None
        if caption or (n and is_name(seg[0].text)):
            n = 0  # a name and role under a photo, not a box
            self.pending_title = None
        if n == len(seg):  # a title printed apart from its text
            self.pending_title = " ".join(line.text for line in seg)
            return
        page = seg[0].page
        if n:
            title = " ".join(line.text for line in seg[:n])
        elif self.pending_title:
            title, self.pending_title = self.pending_title, None
        elif self.last_box and page - self.last_box[1] <= 1 and not caption:
            title = self.last_box[0]
        else:
            title = None
        body = seg[n:]
        draft = self._new("sidebar", title=title)
        for line in body:
            if not draft.paras or line.bullet or (draft.paras[-1][-1].terminal and line.text[:1].isupper()):
                draft.paras.append([line])
            else:
                draft.paras[-1].append(line)
        found = split_attribution(body, self.aliases)
        if found:
            j, i, speaker = found
            draft.attributed = (body[j], body[i], speaker)
            if j == 0:
                draft.speaker = speaker
        self.drafts.append(draft)
        if title:
            self.last_box = (title, page)


def build_blocks(
    runs: list[list[Line]], md_cases: tuple[int, frozenset[str]] = (0, frozenset())
) -> tuple[list[Block], list[TrustInfo], list[Draft]]:
    """Blocks in reading order, the trusts with rating histories, and the drafts (for speaker attribution).
    `md_cases`: a Markdown document's case headings (`ingest.cases`), used when it has no case-study openings."""
    names = [t[0] for run in runs if run[0].new_page and (t := trust_title(run))]
    aliases = {alias: name for name in names for alias in trust_aliases(name)}
    if not names and md_cases[0]:
        aliases = {name: name for name in md_cases[1]}
    builder = Builder(aliases=aliases, generic=not names, paged=any(line.page > 1 for run in runs for line in run),
                      md_cases=md_cases if not names else (0, frozenset()))
    for run in runs:
        builder.add_run(run)
    builder.close_flows()
    if builder.table is not None:
        builder.drafts.append(builder.table)
    drafts = [d for d in builder.drafts if d.paras]
    return [d.to_block() for d in drafts], builder.trusts, drafts
