"""A PDF → attributed chunks, from the page's geometry and type rather than from one report's text patterns.

Read with PyMuPDF (text lines with their boxes, font size and weight; the page's drawn rectangles):
- **pages** are the PDF's pages;
- **running headers and footers** are lines in the top or bottom margin whose text (digits aside) repeats on
  several pages, and bare page numbers there;
- **reading order**: lines that cross the page's middle divide it into bands; within a band the left column is
  read before the right;
- **kinds**: lines inside a drawn rectangle are a box (its first line is the title when bold or larger); a run
  opening with a quotation mark in a larger or italic type is a pull quote, and the short line printed under it
  its speaker; a line opening with a bullet glyph is a list item; everything else is body text, one flow per
  section that continues across columns, pages, boxes and quotes until a sentence ends;
- **headings** are lines in a type larger than the body's (or bold lines standing alone); each distinct size is
  a level;
- **cases** (the organisations a report is about — trusts, practices, homes): the top-level headings that share
  subsection titles with a sibling (the document's parallel parts), except a part that itself names most of the
  others (an overview or synthesis, not a case).

The chunks' `spans` point into the document's *reading text*: the kept lines in reading order, one per line,
pages separated by a form feed — `Document.text`. Speakers inside text, and chunking, are the text path's own
(`ingest.speakers`, `ingest.chunker`). Left out: scanned PDFs (no text layer), tables, multi-level cases, right-to-
left scripts, and columns other than one or two.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from errors import SourceError
from ingest.cases import parallel_cases
from ingest.chunker import chunk_blocks
from ingest.layout import Line
from ingest.people import parse_attribution
from ingest.records import Block, Document, Kind, Part, Speaker, TrustInfo
from ingest.speakers import attribute
from ingest.structure import Draft, split_attribution

MARGIN_BAND = 0.07  # top and bottom share of the page where running headers and footers sit
HEADING_RATIO = 1.2  # a line this much larger than the body type is a heading
QUOTE_RATIO = 1.05  # a pull quote is set at least this much larger than the body (or in italics)
BULLETS = ("•", "●", "▪", "■", "◦", "–\u00a0", "-\u00a0")
QUOTE_MARKS = ("“", '"', "‘")
_TERMINAL = re.compile(r"[.?!:;…][”’\")]?$|[”\"]$")


@dataclass
class PLine:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float
    bold: bool
    italic: bool
    box: int | None = None  # index of the drawn rectangle it sits in
    col: int = 0  # -1 spans the page's middle, 0 left column, 1 right

    @property
    def style(self) -> tuple[float, bool, bool, int | None]:
        return (round(self.size * 2) / 2, self.bold, self.italic, self.box)


def _open(raw: bytes, path: Path):
    """The PDF parsed from the bytes already read (so the file is read once)."""
    try:
        import pymupdf
    except ImportError as e:
        raise SourceError("reading PDFs needs PyMuPDF: pip install pymupdf") from e
    try:
        return pymupdf.open(stream=raw, filetype="pdf")
    except Exception as e:  # PyMuPDF raises its own FileDataError and others for damaged files
        raise SourceError(f"cannot read {path} as a PDF ({type(e).__name__}: {e})") from e


def _page_lines(page, number: int) -> list[PLine]:
    out: list[PLine] = []
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            spans = [s for s in line["spans"] if s["text"].strip()]
            if not spans:
                continue
            text = " ".join("".join(s["text"] for s in line["spans"]).split())
            main = max(spans, key=lambda s: len(s["text"]))
            chars = sum(len(s["text"]) for s in spans)
            bold = sum(len(s["text"]) for s in spans if s["flags"] & 16 or "Bold" in s["font"]) > chars / 2
            italic = sum(len(s["text"]) for s in spans if s["flags"] & 2 or "Oblique" in s["font"]
                         or "Italic" in s["font"]) > chars / 2
            x0, y0, x1, y1 = line["bbox"]
            out.append(PLine(number, x0, y0, x1, y1, text, float(main["size"]), bold, italic))
    return out


def _boxes(page) -> list[tuple[float, float, float, float]]:
    """Drawn rectangles big enough to hold text, smaller than half the page (not a page background)."""
    area = page.rect.width * page.rect.height
    out = []
    for d in page.get_drawings():
        r = d.get("rect")
        if r is None or (d.get("fill") is None and d.get("color") is None):
            continue
        if r.width >= 40 and r.height >= 14 and r.width * r.height < area / 2:
            out.append((r.x0, r.y0, r.x1, r.y1))
    return out


def _running(lines: list[PLine], heights: dict[int, float], n_pages: int) -> set[int]:
    """ids of lines that are running headers/footers or page numbers."""
    def in_margin(ln: PLine) -> bool:
        h = heights[ln.page]
        return ln.y1 < h * MARGIN_BAND or ln.y0 > h * (1 - MARGIN_BAND)

    key = {id(ln): re.sub(r"\d+", "#", ln.text.lower()) for ln in lines if in_margin(ln)}
    pages_of: dict[str, set[int]] = {}
    for ln in lines:
        if id(ln) in key:
            pages_of.setdefault(key[id(ln)], set()).add(ln.page)
    need = max(2, min(3, n_pages // 2))
    return {id(ln) for ln in lines if id(ln) in key and (len(pages_of[key[id(ln)]]) >= need
                                                         or re.fullmatch(r"#", key[id(ln)]))}


def _order(lines: list[PLine], width: float) -> list[PLine]:
    """Reading order on one page: bands divided by lines that cross the middle; left column, then right."""
    mid = width / 2
    for ln in lines:
        ln.col = -1 if ln.x0 < mid - 8 and ln.x1 > mid + 8 else (0 if ln.x1 <= mid + 8 else 1)
    spanning = sorted(ln.y0 for ln in lines if ln.col == -1)

    def key(ln: PLine) -> tuple[int, int, float, float]:
        band = sum(1 for y in spanning if y < ln.y0 - 0.5)
        return (band, 2 if ln.col == -1 else ln.col, ln.y0, ln.x0)

    return sorted(lines, key=key)


def _runs(lines: list[PLine]) -> list[list[PLine]]:
    """Consecutive lines in one style, column and box, close together."""
    runs: list[list[PLine]] = []
    for ln in lines:
        last = runs[-1][-1] if runs else None
        if (last is not None and last.page == ln.page and last.style == ln.style and last.col == ln.col
                and -ln.size * 0.6 <= ln.y0 - last.y1 <= ln.size * 0.9 and not ln.text.startswith(BULLETS)):
            runs[-1].append(ln)
        else:
            runs.append([ln])
    return runs


def _body_size(lines: list[PLine]) -> float:
    sizes: Counter[float] = Counter()
    for ln in lines:
        sizes[round(ln.size * 2) / 2] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


@dataclass
class Run:
    lines: list[PLine]
    kind: str  # heading | quote | who | box | bullet | body
    level: int = 0

    @property
    def text(self) -> str:
        return " ".join(ln.text for ln in self.lines)


def _classify(runs: list[list[PLine]], body: float, title_line: PLine | None) -> list[Run]:
    out: list[Run] = []
    for i, run in enumerate(runs):
        first, text = run[0], " ".join(ln.text for ln in run)
        size = first.size
        if first is title_line:
            continue
        if first.box is not None:
            out.append(Run(run, "box"))
        elif out and out[-1].kind == "quote" and first.style == out[-1].lines[-1].style:
            out[-1].lines.extend(run)  # the quotation goes on in the next column or page
        elif text.startswith(QUOTE_MARKS) and (size >= body * QUOTE_RATIO or first.italic) and len(run) >= 1 \
                and not (size >= body * HEADING_RATIO and len(text.split()) <= 12):
            out.append(Run(run, "quote"))
        elif out and out[-1].kind == "quote" and len(run) <= 2 and run[0].page == out[-1].lines[-1].page \
                and run[0].style != out[-1].lines[-1].style and size <= body * QUOTE_RATIO:
            out.append(Run(run, "who"))
        elif first.text.startswith(BULLETS):
            out.append(Run(run, "bullet"))
        elif (size >= body * HEADING_RATIO and len(text.split()) <= 16) or (
                first.bold and len(run) <= 2 and len(text.split()) <= 12 and not _TERMINAL.search(text)
                and i + 1 < len(runs) and not runs[i + 1][0].bold):
            out.append(Run(run, "heading"))
        else:
            out.append(Run(run, "body"))
    sizes = sorted({round(r.lines[0].size * 2) / 2 for r in out if r.kind == "heading"}, reverse=True)
    for r in out:
        if r.kind == "heading":
            r.level = sizes.index(round(r.lines[0].size * 2) / 2) + 1
    return out


def _cases(runs: list[Run]) -> set[str]:
    """The case headings (`ingest.cases.parallel_cases` over the headings and text runs)."""
    return parallel_cases([(r.level if r.kind == "heading" else None, r.text) for r in runs])[1]


class _Text:
    """The reading text being written: every kept line once, in reading order; pages split by a form feed."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.page_starts: list[int] = []
        self.n = 0

    def page(self) -> None:
        if self.page_starts:
            self.parts.append("\f")
            self.pos += 1
        self.page_starts.append(self.pos)

    def line(self, pl: PLine, new_page: bool) -> Line:
        text = pl.text
        bullet = text.startswith(BULLETS)
        if bullet:
            text = text.lstrip("".join(BULLETS)).lstrip()
            self.parts.append(pl.text[: len(pl.text) - len(text)])
            self.pos += len(pl.text) - len(text)
        line = Line(self.n, self.pos, self.pos + len(text), text, pl.page, new_page, bullet)
        self.parts.append(text + "\n")
        self.pos += len(text) + 1
        self.n += 1
        return line


def ingest_pdf(path: str | Path) -> Document:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"source file not found: {path}") from None
    except OSError as e:
        raise SourceError(f"cannot read source file {path}: {e.strerror}") from None
    pdf = _open(raw, path)
    pages: list[list[PLine]] = []
    heights: dict[int, float] = {}
    for i, page in enumerate(pdf, start=1):
        heights[i] = page.rect.height
        lines = _page_lines(page, i)
        for b, (x0, y0, x1, y1) in enumerate(_boxes(page)):
            for ln in lines:
                if x0 - 1 <= (ln.x0 + ln.x1) / 2 <= x1 + 1 and y0 - 1 <= (ln.y0 + ln.y1) / 2 <= y1 + 1:
                    ln.box = i * 1000 + b
        pages.append(_order(lines, page.rect.width))
    everything = [ln for page_lines in pages for ln in page_lines]
    if not any(ln.text.strip() for ln in everything):
        raise SourceError(f"{path} has no text layer (a scanned PDF?): nothing to ingest")
    noise = _running(everything, heights, len(pages))
    kept = [ln for ln in everything if id(ln) not in noise]
    body = _body_size(kept)
    first_page = [ln for ln in kept if ln.page == 1]
    title_line = max(first_page, key=lambda ln: ln.size) if first_page else None
    title = (pdf.metadata or {}).get("title") or (title_line.text if title_line else None)
    runs = _classify(_runs(kept), body, title_line if title_line and title_line.size > body * HEADING_RATIO
                     else None)
    cases = _cases(runs)
    blocks, trusts, text, starts = _blocks(runs, cases, _Text(), len(pages))
    chunks = chunk_blocks(attribute(blocks, {name: name for name in cases}), text)
    return Document(
        path=str(path), sha256=hashlib.sha256(raw).hexdigest(), text=text, page_starts=tuple(starts),
        trusts=tuple(trusts), chunks=tuple(chunks), title=title,
    )


def _blocks(
    runs: list[Run], cases: set[str], out: _Text, n_pages: int
) -> tuple[list[Block], list[TrustInfo], str, list[int]]:
    """Runs → blocks (the text path's `Draft`s), the cases' TrustInfo, the reading text and its page starts."""
    drafts: list[Draft] = []
    trusts: list[TrustInfo] = []
    case: str | None = None
    part: Part = "document"
    section: str | None = None
    flow: Draft | None = None
    case_level = min((r.level for r in runs if r.kind == "heading" and r.text in cases), default=0)
    page = 0

    def lines_of(run: Run) -> list[Line]:
        nonlocal page
        got = []
        for pl in run.lines:
            new_page = pl.page != page
            while page < pl.page:
                out.page()
                page += 1
            got.append(out.line(pl, new_page))
        return got

    def new(kind: Kind, title_: str | None = None) -> Draft:
        d = Draft(kind=kind, trust=case, part=part, section=section, title=title_)
        drafts.append(d)
        return d

    i = 0
    while i < len(runs):
        run = runs[i]
        if run.kind == "heading":
            lines_of(run)
            if case_level and run.level <= case_level:
                case = run.text if run.text in cases else None
                part = "case study" if case else "document"
                section = None if case else run.text
                if case:
                    trusts.append(TrustInfo(case, run.lines[0].page, ()))
            else:
                section = run.text
            flow = None
        elif run.kind == "box":
            box_id = run.lines[0].box
            group = [run]
            while i + 1 < len(runs) and runs[i + 1].lines[0].box == box_id:
                i += 1
                group.append(runs[i])
            head = group[0]
            rest_sizes = [ln.size for r in group[1:] for ln in r.lines]
            titled = len(group) > 1 and len(head.text.split()) <= 12 and (
                head.lines[0].bold or (rest_sizes and head.lines[0].size > max(rest_sizes)))
            d = new("sidebar", head.text if titled else None)
            if titled:
                lines_of(head)
            for r in group[1:] if titled else group:
                d.paras.append(lines_of(r))
            body = [ln for para in d.paras for ln in para]
            found = split_attribution(body, {c: c for c in cases})  # a quotation closed by its speaker's line
            if found:
                j, k, speaker = found
                d.attributed = (body[j], body[k], speaker)
                if j == 0:
                    d.speaker = speaker
        elif run.kind == "quote":
            d = new("quote")
            d.paras.append(lines_of(run))
            nxt = runs[i + 1] if i + 1 < len(runs) else None
            if nxt is not None and nxt.kind == "who":
                speaker = parse_attribution(nxt.text.lstrip("—–- "), {c: c for c in cases})
                if speaker is None:  # not an attribution after all: part of the quotation's block
                    d.paras[0].extend(lines_of(nxt))
                else:  # kept as printed, after the quotation (whose span the speaker's words are)
                    d.paras.append(lines_of(nxt))
                    d.speaker = Speaker(speaker.name, speaker.role, speaker.trust or case)
                i += 1
        elif run.kind == "bullet":
            d = drafts[-1] if drafts and drafts[-1].kind == "bullets" and drafts[-1].section == section else None
            d = d or new("bullets")
            d.paras.append(lines_of(run))
        else:  # body (or a stray "who" line): one flow per section, continued until a sentence ends
            lines = lines_of(run)
            if flow is None:
                flow = new("intro" if case and section is None else "body")
            if flow.paras and not flow.paras[-1][-1].terminal:
                flow.paras[-1].extend(lines)
            else:
                flow.paras.append(lines)
        i += 1
    while page < n_pages:
        out.page()
        page += 1
    blocks = [d.to_block() for d in drafts if d.paras]
    return blocks, trusts, "".join(out.parts), out.page_starts
