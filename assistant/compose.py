"""The answer's markdown: how the question was read, extracts grouped by trust and quoted with their citations,
what was not found.

All report text is quoted verbatim; the only words of our own are the labels ("Read as", "Trusts covered") and
the reasons for an abstention. Markdown-significant characters are not escaped here: the UI escapes everything
it renders (see ui_parts/render.py); the CLI prints to a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assistant.records import Extract

REPORT_LEVEL = "The report's key themes"


def group(extracts: Sequence[Extract]) -> list[tuple[str, list[Extract]]]:
    """(group title, extracts): report-level material first, then trusts in order of their best extract."""
    groups: dict[str, list[Extract]] = {}
    for e in extracts:
        groups.setdefault(e.trust or REPORT_LEVEL, []).append(e)
    keys = sorted(groups, key=lambda k: (k != REPORT_LEVEL, -max(e.score for e in groups[k])))
    return [(k, groups[k]) for k in keys]


def quote_block(e: Extract) -> str:
    body = e.text.replace("\n", "\n> ")
    return f"> {body}\n>\n> — {e.citation()}"


def compose(
    extracts: Sequence[Extract],
    *,
    abstained: bool,
    reason: str = "",
    read_as: str | None = None,
    lead: str | None = None,
    about_trusts: bool = False,
    covered: Sequence[str] = (),
    missing: Sequence[str] = (),
    short: Callable[[str], str] = lambda t: t,
) -> str:
    lines: list[str] = []
    if read_as:
        lines.append(f"_{read_as}_\n")
    if not extracts:
        lines.append(f"**The report does not seem to answer this.** {reason}".strip())
        return "\n".join(lines).strip() + "\n"
    if abstained:
        lines.append(f"**The report does not seem to answer this.** {reason} The closest material it has:".strip())
    elif lead:
        lines.append(lead)
    grouped = about_trusts or len({e.trust for e in extracts}) > 1
    for title, items in group(extracts):
        if grouped:
            lines.append(f"\n**{short(title) if title != REPORT_LEVEL else title}**")
        lines.extend(quote_block(e) + "\n" for e in items)
    if about_trusts and not abstained:
        lines.append("Trusts covered: " + (", ".join(short(t) for t in covered) or "none") + ".")
    if missing and not abstained:
        lines.append("No relevant material found for: " + ", ".join(short(t) for t in missing) + ".")
    return "\n".join(lines).strip() + "\n"


def who_lead(extracts: Sequence[Extract], short: Callable[[str], str] = lambda t: t) -> str | None:
    """`**Rob Webster**, Chief Executive (South West Yorkshire):` for the first speaker shown, if any."""
    s = next((s for e in extracts for s in (e.speakers or ((e.speaker,) if e.speaker else ()))), None)
    if s is None:
        return None
    where = f" ({short(s.trust)})" if s.trust else ""
    return f"**{s.name}**{', ' + s.role if s.role else ''}{where}:"
