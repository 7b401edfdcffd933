"""Lines, pages and runs: the physical layout of a PDF-to-text extraction.

A line that begins with a single space starts a new page (pages count from 1 at the top of the file; a final
marker with no text after it is not a page). Running headers and footers, split-letter trust names and photo
credits are dropped as noise. What is left is cut into *runs*: consecutive content lines between blank lines,
page breaks and noise. Nothing here knows about trusts, sections or speakers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TERMINAL = re.compile(r"[.?!:;][”’\")]?$|[”\"]$")
_SPLIT_LETTER = re.compile(r"\b[A-Z][a-z]? [a-z]{2,}")


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


def is_noise(text: str) -> bool:
    """Running headers/footers and split-letter trust names printed in the margin."""
    t = text.strip()
    if not t:
        return False
    letters = [c for c in t if c.isalpha()]
    if len(letters) >= 6 and all(c.isupper() for c in letters):
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
    for i, raw in enumerate(raw_lines):
        line_start = offset
        offset += len(raw) + 1
        new_page = raw.startswith(" ") and not raw.startswith("  ")
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
        if is_noise(content):
            out.append(None)
            continue
        bullet = content == "zz" or content.startswith("zz ")
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
    for raw in text.split("\n"):
        if offset and raw.startswith(" ") and raw.strip():
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
    longest among equals). None when there is no such line."""
    pages: dict[str, set[int]] = {}
    page = 0
    for raw in text.split("\n"):
        if raw.startswith(" ") and not raw.startswith("  ") and raw.strip():
            page += 1
        line = raw.strip()
        letters = [c for c in line if c.isalpha()]
        if len(line.split()) >= 4 and letters and all(c.isupper() for c in letters):
            pages.setdefault(line, set()).add(page)
    if not pages:
        return None
    best = max(pages, key=lambda line: (len(pages[line]), len(line)))
    return best[0] + best[1:].lower()
