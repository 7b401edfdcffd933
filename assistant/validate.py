"""Input checks for questions, history and filters: clean what can be cleaned, refuse the rest clearly.

Control characters, NUL, zero-width and bidirectional-override characters are removed; lone surrogates are
replaced. Anything that leaves no words, or exceeds the length cap, raises `ValidationError` with a message
meant for the person who typed it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from assistant.names import Names
from assistant.records import Filters
from errors import ValidationError
from ingest.records import DocumentInfo

KINDS = ("body", "sidebar", "quote", "bullets", "intro")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def _scrub(text: str) -> str:
    text = text.encode("utf-8", "replace").decode("utf-8") if _has_surrogates(text) else text
    text = _INVISIBLE.sub("", text)
    text = "".join(ch if ch in "\n\t" or unicodedata.category(ch) != "Cc" else " " for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def clean_question(question: object, max_chars: int) -> str:
    if not isinstance(question, str):
        raise ValidationError("The question must be text.")
    if len(question) > max_chars:
        raise ValidationError(f"The question is {len(question):,} characters long; please keep it under {max_chars:,}.")
    q = _scrub(question)
    if not q:
        raise ValidationError("Please type a question.")
    if not re.search(r"\w", q):
        raise ValidationError("Please ask the question in words.")
    return q


def clean_history(history: object, max_turns: int) -> list[str]:
    """Earlier user questions that can be replayed; unusable entries are dropped, too many is an error."""
    if history is None:
        return []
    if isinstance(history, str) or not isinstance(history, Iterable):
        raise ValidationError("The history must be a list of earlier questions.")
    items = list(history)
    if len(items) > max_turns:
        raise ValidationError(f"The history has {len(items)} turns; at most {max_turns} are used.")
    out = []
    for item in items:
        if isinstance(item, str) and len(item) <= 2000:
            cleaned = _scrub(item)
            if re.search(r"\w", cleaned):
                out.append(cleaned)
    return out


def clean_filters(
    filters: Filters | None, sections: tuple[str, ...], names: Names, documents: Sequence[DocumentInfo] = ()
) -> Filters:
    """Filters with every trust and section named as the report names it, and documents by their keys;
    ValidationError for unknown ones."""
    if filters is None:
        return Filters()
    keys: list[str] = []
    for d in filters.documents:
        wanted = d.strip().lower() if isinstance(d, str) else None
        found = [x.key for x in documents if wanted in (x.key, x.file.lower(), x.title.lower(), x.sha256)]
        if not found:
            known = "; ".join(f"{x.title} ({x.file})" for x in documents)
            raise ValidationError(f"Unknown document {str(d)[:100]!r}. Documents: {known}.")
        keys.extend(found)
    trusts: list[str] = []
    for name in filters.trusts:
        if not isinstance(name, str):
            raise ValidationError("Trust filters must be names.")
        if name in names.cases:
            trusts.append(name)
            continue
        found = {m.trust for m in names.find(name)}
        if len(found) != 1:
            raise ValidationError(f"Unknown trust {name[:100]!r}. Known trusts: " + "; ".join(names.cases) + ".")
        trusts.append(found.pop())
    by_lower = {s.lower(): s for s in sections}
    chosen_sections = []
    for s in filters.sections:
        if not isinstance(s, str) or s.lower() not in by_lower:
            shown = s[:100] if isinstance(s, str) else s
            raise ValidationError(f"Unknown section {shown!r}. Sections: " + "; ".join(sections) + ".")
        chosen_sections.append(by_lower[s.lower()])
    for k in filters.kinds:
        if k not in KINDS:
            raise ValidationError(f"Unknown kind {k!r}. Kinds: " + ", ".join(KINDS) + ".")
    return Filters(trusts=tuple(dict.fromkeys(trusts)), sections=tuple(chosen_sections), kinds=filters.kinds,
                   documents=tuple(dict.fromkeys(keys)))
