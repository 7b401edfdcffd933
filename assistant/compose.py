"""The answer's markdown: extracts grouped by trust, each quoted with its citation; what was not found.

All report text is quoted verbatim. Markdown-significant characters are not escaped here: the UI escapes
everything it renders (see ui.py); the CLI prints to a terminal.
"""

from __future__ import annotations

from assistant.records import Extract

REPORT_LEVEL = "The report's key themes"


def _short(trust: str) -> str:
    return trust.replace(" NHS Foundation Trust", "").replace(" NHS Trust", "")


def group(extracts: list[Extract]) -> list[tuple[str, list[Extract]]]:
    """(group title, extracts) with report-level material first, then trusts in order of their best extract."""
    groups: dict[str, list[Extract]] = {}
    for e in extracts:
        groups.setdefault(e.trust or REPORT_LEVEL, []).append(e)
    keys = sorted(groups, key=lambda k: (k != REPORT_LEVEL, -max(e.score for e in groups[k])))
    return [(k, groups[k]) for k in keys]


def quote_block(e: Extract) -> str:
    body = e.text.replace("\n", "\n> ")
    return f"> {body}\n>\n> — {e.citation()}"


def compose(
    extracts: list[Extract],
    *,
    abstained: bool,
    cross_trust: bool,
    covered: list[str],
    missing: list[str],
    who: bool = False,
) -> str:
    if not extracts:
        return "The report does not seem to answer this, and nothing in it comes close."
    lines: list[str] = []
    if abstained:
        lines.append("**The report does not seem to answer this.** The closest material it has:")
    elif who:
        speakers = []
        for e in extracts:
            if e.speaker and e.speaker.name not in [s.name for s in speakers]:
                speakers.append(e.speaker)
        if speakers:
            s = speakers[0]
            where = f" ({_short(s.trust)})" if s.trust else ""
            lines.append(f"**{s.name}**{', ' + s.role if s.role else ''}{where}:")
    for title, items in group(extracts):
        lines.append(f"\n**{title}**" if cross_trust or len(extracts) > 1 else "")
        lines.extend(quote_block(e) + "\n" for e in items)
    if cross_trust and not abstained:
        lines.append("Trusts covered: " + (", ".join(_short(t) for t in covered) or "none") + ".")
        if missing:
            lines.append("No relevant material found for: " + ", ".join(_short(t) for t in missing) + ".")
    return "\n".join(line for line in lines if line is not None).strip() + "\n"
