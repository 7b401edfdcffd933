"""Small text helpers shared by every stage: whitespace normalisation, verbatim checks, sentences.

Left out: any sentence splitting smarter than punctuation followed by a capital (the report has few
abbreviations).
"""

import re

_WS = re.compile(r"\s+")
_BOUNDARY = re.compile(r"(?<=[.?!…])[”’)]?\s+(?=[A-Z“‘\[])|\n+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, white space trimmed; a closing quote mark stays with its sentence.
    A line break always ends a sentence (paragraphs and list items are separate)."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.start() + len(m.group(0)) - len(m.group(0).lstrip("”’)"))
        if text[start:end].strip():
            out.append((start, end))
        start = m.end()
    if text[start:].strip():
        out.append((start, len(text)))
    return [
        (a + len(text[a:b]) - len(text[a:b].lstrip()), b - (len(text[a:b]) - len(text[a:b].rstrip()))) for a, b in out
    ]


def normalise_ws(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return _WS.sub(" ", text).strip()


def is_verbatim(piece: str, normalised_source: str) -> bool:
    """True when `piece` occurs in the (already normalised) source, whitespace aside."""
    return normalise_ws(piece) in normalised_source
