"""Case studies: a trust's title page (its name, then dated rating lines) and the short forms of its name.

A case study opens on a new page with the trust's full name (one or two lines, ending "Trust", containing "NHS")
followed by lines such as `March 2017` / `Rated as good`. Left out: ratings printed anywhere else (the front
matter's table is kept as text, not parsed).
"""

from __future__ import annotations

import re

from ingest.layout import Line
from ingest.records import Rating

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
DATE_RE = re.compile(rf"^(?:{_MONTH}(?:/{_MONTH})? )?\d{{4}}$")
_RATED = re.compile(r"rated as (requires improvement|good|outstanding|inadequate)", re.I)

def trust_aliases(name: str) -> list[str]:
    """Short forms of a trust name: `Oxleas NHS Foundation Trust` → [`Oxleas NHS Foundation Trust`, `Oxleas`]."""
    words = name.split()
    short: list[str] = []
    for w in words:
        if w in ("Partnership", "Combined", "Health", "NHS"):
            break
        short.append(w)
    return [name] + ([" ".join(short)] if short and " ".join(short) != name else [])


def trust_title(run: list[Line]) -> tuple[str, int] | None:
    """(trust name, index of its first date line) when a run opens a case study."""
    for d in range(1, min(4, len(run))):
        if DATE_RE.match(run[d].text):
            name = " ".join(line.text for line in run[:d])
            if "NHS" in name and name.endswith("Trust"):
                return name, d
            return None
    return None


def parse_ratings(lines: list[Line]) -> tuple[Rating, ...]:
    entries: list[tuple[str, list[str]]] = []
    for line in lines:
        if DATE_RE.match(line.text):
            entries.append((line.text, []))
        elif entries:
            entries[-1][1].append(line.text)
    out = []
    for date, texts in entries:
        text = " ".join(texts)
        m = _RATED.search(text)
        if m:
            rating = m.group(1).capitalize()
        elif text.lower().startswith("not rated"):
            rating = "Not rated"
        else:
            rating = text.split(".")[0]
        out.append(Rating(date=date, rating=rating, text=text))
    return tuple(out)
