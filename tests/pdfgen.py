"""Test documents made here (no other real report can be fetched): PDFs written with reportlab.

- `report_pdf`: this report's own text laid out as a two-column report — one PDF page per page of the text
  extraction, a running header, a footer with the page number and the case's name, section headings, boxes drawn
  as filled rectangles with a bold title, pull quotes in larger italics with the speaker printed below them, lists
  with bullet glyphs. It is written from the text ingest's chunks, so what it prints is the report's words.
- `practices_pdf`: a differently structured report on another topic (GP practices; one column, an overview that
  discusses every practice under the same subsection titles, an appendix), with its own cases.
- `corpus`: n generated reports of about `pages` pages each, for the benchmarks.

Left out: images, tables of figures, hyphenation, fonts other than the standard 14.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

W, H = A4
MARGIN = 42
BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=9.6, leading=11.6, spaceAfter=4)
INTRO = ParagraphStyle("intro", parent=BODY)
BULLET = ParagraphStyle("bullet", parent=BODY, leftIndent=8, bulletIndent=0)
H1 = ParagraphStyle("h1", fontName="Helvetica-Bold", fontSize=18, leading=22, spaceAfter=8)
H2 = ParagraphStyle("h2", fontName="Helvetica-Bold", fontSize=11, leading=13, spaceBefore=4, spaceAfter=3)
TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=24, leading=29, spaceAfter=12)
BOX_TITLE = ParagraphStyle("boxtitle", parent=BODY, fontName="Helvetica-Bold")
BOX = ParagraphStyle("box", parent=BODY, fontName="Helvetica", fontSize=8.6, leading=10.4)
PULL = ParagraphStyle("pull", fontName="Helvetica-Oblique", fontSize=9.5, leading=11.5, spaceBefore=4,
                      textColor=colors.HexColor("#5b2a86"))
WHO = ParagraphStyle("who", fontName="Helvetica-Bold", fontSize=6.8, leading=8.4, spaceAfter=6)


def _p(text: str, style: ParagraphStyle, **kw) -> Paragraph:
    return Paragraph(escape(" ".join(text.split())), style, **kw)


def _box(title: str | None, paras: Sequence[str], width: float) -> Table:
    cell = ([_p(title, BOX_TITLE)] if title else []) + [_p(t, BOX) for t in paras if t.strip()]
    table = Table([[cell]], colWidths=[width])
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#e4eef7")),
                               ("LEFTPADDING", (0, 0), (-1, -1), 5), ("RIGHTPADDING", (0, 0), (-1, -1), 5),
                               ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    return table


class _Doc(BaseDocTemplate):
    def __init__(self, path: Path, title: str, footers: dict[int, str], columns: int) -> None:
        super().__init__(str(path), pagesize=A4, title=title, leftMargin=MARGIN, rightMargin=MARGIN,
                         topMargin=MARGIN, bottomMargin=MARGIN)
        self.running, self.footers = title, footers
        gap = 14
        col = (W - 2 * MARGIN - gap) / 2
        body_h = H - 2 * MARGIN
        frames = [Frame(MARGIN, MARGIN, col, body_h, id="left"),
                  Frame(MARGIN + col + gap, MARGIN, col, body_h, id="right")]
        one = [Frame(MARGIN, MARGIN, W - 2 * MARGIN, body_h, id="one")]
        self.column_width = col if columns == 2 else W - 2 * MARGIN
        self.addPageTemplates([PageTemplate("cols", frames if columns == 2 else one, onPage=self._margins),
                               PageTemplate("one", one, onPage=self._margins)])

    def _margins(self, canvas, doc) -> None:
        page = canvas.getPageNumber()
        canvas.saveState()
        canvas.setFont("Helvetica", 6.5)
        if page > 1:
            canvas.drawString(MARGIN, H - 26, self.running.upper())
        canvas.drawString(MARGIN, 20, f"{page}")
        if self.footers.get(page):
            canvas.drawRightString(W - MARGIN, 20, self.footers[page])
        canvas.restoreState()


def report_pdf(doc, path: Path) -> Path:
    """`doc` (an `ingest.Document` of the text extraction) laid out as a two-column PDF, page for page."""
    from ingest.text import normalise_ws

    starts = list(doc.page_starts)

    def page_of(offset: int) -> int:
        return sum(1 for s in starts if s <= offset)

    pages: dict[int, list] = {p: [] for p in range(1, len(starts) + 1)}
    footers: dict[int, str] = {}
    layout = _Doc(path, doc.title or "Report", footers, columns=2)
    col = layout.column_width
    heading: dict[str, object] = {"trust": None, "part": None, "section": None}
    for c in doc.chunks:
        first = page_of(c.spans[0][0])
        if c.trust:
            for p in range(first, c.page_end + 1):
                footers[p] = c.trust
        if c.part != heading["part"] or c.trust != heading["trust"]:
            label = c.trust or {"foreword": "Foreword", "key themes": "Key themes"}.get(c.part)
            if label:
                pages[first].append(_p(label, H1))
            heading.update(part=c.part, trust=c.trust, section=None)
        if c.section and c.section != heading["section"] and c.section != (c.trust or "Key themes") and \
                c.section != "Foreword" and c.kind in ("body", "bullets"):
            pages[first].append(_p(c.section, H2))
            heading["section"] = c.section
        if c.kind == "sidebar":
            pages[first].append(_box(c.title, c.text.split("\n"), col))
            pages[first].append(Spacer(1, 4))
        elif c.kind == "quote":
            end = c.quotes[0].end if c.quotes else len(c.text)  # the printed attribution follows the quotation
            pages[first].append(_p(c.text[:end], PULL))
            if c.text[end:].strip():
                pages[first].append(_p(c.text[end:], WHO))
        else:  # body, intro, bullets: each span on the page its words were printed on
            by_page: dict[int, list[str]] = {}
            text = doc.text
            for a, b in c.spans:
                by_page.setdefault(page_of(a), []).append(text[a:b])
            for p, pieces in by_page.items():
                for para in normalise_ws("\n".join(pieces).replace("\n", " \u2029 ")).split("\u2029"):
                    if not para.strip():
                        continue
                    if c.kind == "bullets":
                        pages[p].append(_p(para, BULLET, bulletText="•"))
                    else:
                        pages[p].append(_p(para, INTRO if c.kind == "intro" else BODY))
    story: list = []
    for p in sorted(pages):
        if p == 1:
            story += [NextPageTemplate("one"), _p(doc.title or "Report", TITLE)]
        story += pages[p]
        if p < len(pages):
            story += [NextPageTemplate("cols"), PageBreak()]
    layout.build(story)
    return path


PRACTICES = ["Riverside Medical Practice", "Hollybank Surgery", "Marston Green Health Centre",
             "Fenwick Road Family Doctors"]
SUBSECTIONS = ["What we found", "What changed", "What patients told us"]
PEOPLE = [("Amira Okafor", "Practice Manager"), ("Tom Hendry", "Lead GP"), ("Grace Liu", "Senior Partner"),
          ("Daniel Price", "Nurse Practitioner")]
TOPICS = ["appointment booking", "repeat prescriptions", "the patient participation group", "telephone access",
          "staff training", "safeguarding reviews", "home visits", "clinical audit"]


def practices_pdf(path: Path, seed: int = 1, practices: Sequence[str] = PRACTICES, pages_each: int = 2) -> Path:
    """A one-column report about GP practices: an overview that names every practice under the same subsection
    titles the practices use, one case per practice (a box, a pull quote), and a methods appendix."""
    rng = random.Random(seed)
    title = "Improving care in general practice – what changed"
    footers: dict[int, str] = {}
    layout = _Doc(path, title, footers, columns=1)
    width = layout.column_width

    def paragraph(subject: str, n: int = 5) -> str:
        out = []
        for _ in range(n):
            topic = rng.choice(TOPICS)
            out.append(rng.choice([
                f"{subject} reviewed {topic} with its staff and agreed changes within a month.",
                f"Staff at {subject} said that {topic} had been the hardest thing to change.",
                f"The team at {subject} measured {topic} every week and shared the results.",
                f"Inspectors found that {topic} at {subject} had improved since the last visit.",
            ]))
        return " ".join(out)

    story: list = [_p(title, TITLE), _p("About this report", H2),
                   _p("This report looks at four practices that improved after an inspection. It was written by "
                      "the inspection team with the practices' staff.", BODY),
                   _p("Overview", H1)]
    for sub in SUBSECTIONS:
        story += [_p(sub, H2), _p(" ".join(paragraph(p, 1) for p in practices), BODY)]
    for i, name in enumerate(practices):
        person, role = PEOPLE[i % len(PEOPLE)]
        story += [PageBreak(), _p(name, H1), _p(paragraph(name, 3), INTRO)]
        for j, sub in enumerate(SUBSECTIONS):
            story += [_p(sub, H2)]
            for _ in range(max(1, pages_each * 2 - 1)):
                story.append(_p(paragraph(name, 6), BODY))
            if j == 0:
                story += [_box("In brief", [paragraph(name, 2)], width * 0.8), Spacer(1, 6)]
            if j == 1:
                story += [_p(f"“We changed how we handle {rng.choice(TOPICS)}, and patients noticed.”", PULL),
                          _p(f"{person}, {role}", WHO)]
    story += [PageBreak(), _p("Appendix: how we did this", H1),
              _p("We interviewed staff and patients at each practice and read the inspection reports.", BODY)]
    layout.build(story)
    return path


def corpus(folder: Path, n: int, pages_each: int = 10, seed: int = 7) -> list[Path]:
    """n generated practice reports of about `pages_each` pages (different practices and wording) in `folder`,
    for the benchmarks."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    stems = ["Oak", "Elm", "Ash", "Birch", "Cedar", "Hazel", "Rowan", "Willow", "Alder", "Maple", "Holly", "Yew"]
    kinds = ["Medical Practice", "Surgery", "Health Centre", "Family Practice"]
    out = []
    for i in range(n):
        names = [f"{rng.choice(stems)}{rng.choice(['field', 'wood', 'bank', 'lea', 'ford'])} {rng.choice(kinds)}"
                 for _ in range(4)]
        names = list(dict.fromkeys(names)) or PRACTICES
        out.append(practices_pdf(folder / f"report-{i:03d}.pdf", seed=seed + i, practices=names,
                                 pages_each=max(1, (pages_each - 6) // 2 + 1)))  # measured: 6 + 2 per step
    return out


__all__ = ["corpus", "practices_pdf", "report_pdf"]
