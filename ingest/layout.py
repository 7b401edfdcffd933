"""Lines, pages and runs: the physical layout of a PDF-to-text extraction.

Pages are marked by form feeds (pdftotext) or, in this report's extraction, by a line that begins with a single
space where no other line is indented (pages count from 1 at the top of the file; a final marker with no text
after it is not a page); a text with neither is one page — none are invented. Running headers and footers,
split-letter trust names and photo credits are dropped as noise (in a text without pages an all-capitals line is
a heading, not a running header). What is left is cut into *runs*: consecutive content lines between blank
lines, page breaks and noise. Nothing here knows about trusts, sections or speakers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TERMINAL = re.compile(r"[.?!:;][”’\")]?$|[”\"]$")
_SPLIT_LETTER = re.compile(r"\b[A-Z][a-z]? [a-z]{2,}")
BULLET_MARKER = "zz"  # how this report's bullet glyph came out of the PDF
_GLYPHS = frozenset("•●▪■◦–-")  # bullet glyphs a PDF's own text layer keeps (see ingest/pdf.py)


def only_markers(gap: str) -> bool:
    """True when source text a chunk skips between two of its spans is only whitespace and bullet markers: the
    text runs on across it (the next list item), nothing was left out."""
    return all(tok == BULLET_MARKER or set(tok) <= _GLYPHS for tok in gap.split())


@dataclass(frozen=True)
class Line:
    index: int  # 0-based line number in the file
    start: int  # source offset of the first content character
    end: int  # source offset just past the last content character
    text: str  # content, without the page marker space, the bullet marker or trailing spaces
    page: int
    new_page: bool  # the first line of a page
    bullet: bool  # the line began with the `zz` bullet marker

    def __len__(self) -> int:
        return len(self.text)

    @property
    def terminal(self) -> bool:
        """Ends like the end of a sentence or quotation."""
        return bool(_TERMINAL.search(self.text))


def page_convention(text: str) -> str:
    """How the text marks its pages: "formfeed" (pdftotext's \\f), "marker" (this extraction's: a page's first
    line starts with one space, and no other line is indented), or "none" (one page: nothing marks pages)."""
    if "\f" in text:
        return "formfeed"
    lines = [raw for raw in text.split("\n") if raw.strip()]
    markers = sum(1 for raw in lines if raw.startswith(" ") and not raw.startswith("  "))
    indented = sum(1 for raw in lines if raw.startswith(("  ", "\t")))
    return "marker" if markers >= 2 and indented <= 0.01 * len(lines) else "none"


def _starts_page(raw: str, convention: str) -> bool:
    if convention == "formfeed":
        return raw.startswith("\f")
    return convention == "marker" and raw.startswith(" ") and not raw.startswith("  ")


def is_noise(text: str, paged: bool = True) -> bool:
    """Running headers/footers and split-letter trust names printed in the margin (a text without pages has
    none: there an all-capitals line is a heading)."""
    t = text.strip()
    if not t:
        return False
    letters = [c for c in t if c.isalpha()]
    if paged and len(letters) >= 6 and all(c.isupper() for c in letters):
        return True  # KEY THEMES, FOREWORD, DRIVING IMPROVEMENT – …
    compact = t.replace(" ", "")
    return len(t) <= 80 and "NHS" in t and compact.endswith("Trust") and bool(_SPLIT_LETTER.search(t))


def read_lines(text: str) -> list[Line | None]:
    """Split the source into content lines; `None` marks a blank line or a dropped noise line."""
    out: list[Line | None] = []
    page = 0
    offset = 0
    raw_lines = text.split("\n")
    in_credit = False
    convention = page_convention(text)
    for i, raw in enumerate(raw_lines):
        line_start = offset
        offset += len(raw) + 1
        new_page = _starts_page(raw, convention)
        if new_page and raw.strip():
            page += 1
        elif page == 0 and raw.strip():
            page = 1
            new_page = True
        if new_page and not raw.strip():
            new_page = False  # a trailing marker with no text is not a page
        body = raw.rstrip()
        lead = len(body) - len(body.lstrip())
        content = body.strip()
        if not content:
            in_credit = False
            out.append(None)
            continue
        if content.startswith("Photo credit:"):
            in_credit = True
            out.append(None)
            continue
        if in_credit and not new_page and len(content) <= 40:
            out.append(None)  # continuation of a photo credit
            continue
        in_credit = False
        if is_noise(content, paged=convention != "none"):
            out.append(None)
            continue
        bullet = content == BULLET_MARKER or content.startswith(BULLET_MARKER + " ")
        if bullet:
            stripped = content[2:].lstrip()
            lead += len(content) - len(stripped)
            content = stripped
            if not content:
                out.append(None)  # an empty bullet
                continue
        out.append(
            Line(
                index=i,
                start=line_start + lead,
                end=line_start + lead + len(content),
                text=content,
                page=page,
                new_page=new_page,
                bullet=bullet,
            )
        )
    return out


def page_starts(text: str) -> tuple[int, ...]:
    """Source offset at which each page starts (index 0 is page 1)."""
    starts = [0]
    offset = 0
    convention = page_convention(text)
    for raw in text.split("\n"):
        if offset and _starts_page(raw, convention) and raw.strip():
            starts.append(offset)
        offset += len(raw) + 1
    return tuple(starts)


def runs(lines: list[Line | None]) -> list[list[Line]]:
    """Group content lines into runs, cut at blank/noise lines and at page breaks."""
    out: list[list[Line]] = []
    current: list[Line] = []
    for line in lines:
        if line is None or line.new_page:
            if current:
                out.append(current)
            current = [] if line is None else [line]
            continue
        current.append(line)
    if current:
        out.append(current)
    return out


def running_title(text: str) -> str | None:
    """The report's title as its running header prints it, in sentence case ("DRIVING IMPROVEMENT – …" →
    "Driving improvement – …"): the all-capitals line of four or more words printed on the most pages (the
    longest among equals). None when there is no such line; a text without pages has no running header, so its
    title is its Markdown `# heading`, if any."""
    convention = page_convention(text)
    if convention == "none":  # no pages, no running header: a Markdown title, if any
        heading = re.search(r"^# +(\S.*?)\s*#*\s*$", text, flags=re.M)
        return heading.group(1) if heading else None
    pages: dict[str, set[int]] = {}
    page = 0
    for raw in text.split("\n"):
        if _starts_page(raw, convention) and raw.strip():
            page += 1
        line = raw.strip()
        letters = [c for c in line if c.isalpha()]
        if len(line.split()) >= 4 and letters and all(c.isupper() for c in letters):
            pages.setdefault(line, set()).add(page)
    if not pages:
        return None
    best = max(pages, key=lambda line: (len(pages[line]), len(line)))
    return best[0] + best[1:].lower()
