"""Cases from a document's structure: which of its parts are about one organisation each (for this report the
trusts; for another, practices or care homes), whatever the document's subject.

A document's parallel parts are its top-level headings that share subsection titles with a sibling (each case is
written to the same outline); a part that itself names most of the others is an overview or synthesis of them,
not a case. Used by the PDF reader (heading levels from type size) and for Markdown (levels from `#`). Left out:
cases nested under other cases, and case studies written without a common outline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Item = tuple[int | None, str]  # (heading level, 1 = top; None for running text) in reading order


def parallel_cases(items: Sequence[Item]) -> tuple[int, set[str]]:
    """(the level of the case headings, the case names); (0, empty) when the document has no parallel parts."""
    for level in sorted({lv for lv, _ in items if lv is not None}):
        tops: list[tuple[str, set[str], list[str]]] = []  # (heading, subsection titles, texts under it)
        for lv, text in items:
            if lv is not None and lv == level:
                tops.append((text, set(), []))
            elif tops and lv is not None and lv > level:
                tops[-1][1].add(text.lower())
            elif tops and lv is None:
                tops[-1][2].append(text)
            elif lv is not None and lv < level:
                tops.append(("", set(), []))  # a higher heading closes the run of siblings
        parallel = [t for t in tops if t[0] and any(len(t[1] & o[1]) >= 2 for o in tops if o is not t)]
        if len(parallel) < 2:
            continue
        words = [set(re.findall(r"\w+", t[0].lower())) for t in parallel]
        distinctive = [{w for w in ws if len(w) >= 4 and all(w not in o for o in words if o is not ws)}
                       for ws in words]
        cases = set()
        for (name, _, texts), own in zip(parallel, distinctive, strict=True):
            body = " ".join(texts).lower()
            named = sum(1 for d in distinctive if d is not own and d and any(
                re.search(rf"\b{re.escape(w)}\b", body) for w in d))
            if named < max(2, (len(parallel) - 1) / 2):
                cases.add(name)
        if len(cases) >= 2:
            return level, cases
    return 0, set()


def markdown_items(text: str) -> list[Item]:
    """A Markdown text's headings (`#` count = level) and paragraphs, in order."""
    items: list[Item] = []
    for block in re.split(r"\n\s*\n", text):
        for line in block.splitlines():
            m = re.match(r"(#{1,6}) +(\S.*?)\s*#*\s*$", line)
            if m:
                items.append((len(m.group(1)), m.group(2)))
        rest = " ".join(line for line in block.splitlines() if not line.lstrip().startswith("#")).strip()
        if rest:
            items.append((None, rest))
    return items
