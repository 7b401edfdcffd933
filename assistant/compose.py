"""The answer's markdown: the answer at a glance, how the question was read, then the numbered extracts grouped by
trust, each quoted with its citation; what was not found.

At a glance: a few lines, each the single most answering sentence of one extract (`Extract.best`, verbatim), one
per trust for a question about the trusts, each ending with the marker `[n]` of its extract (a line cutting a long
quotation open ends with " …”", or begins with "“… ": it goes on in the extract); extract n is
`extracts[n-1]` everywhere (the page, exports, batch output). All report text is quoted verbatim; the only words of
our own are labels and the reasons for an abstention. Markdown-significant characters are not escaped here: the UI
escapes everything it renders (see ui_parts/render.py); the CLI prints to a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assistant.records import Extract, Filters, GlanceLine
from ingest.people import bare
from ingest.records import Speaker

REPORT_LEVEL = "The report's key themes"
NOT_ANSWERED = "The report does not seem to answer this."
FILTERS_EMPTY = "Your filters leave nothing to search."
NOT_IN_FILTERS = "Within your filters, the report does not seem to answer this."
NOTHING_BEFORE = "What does this refer to?"
ASIDE = "Nothing to look up."
CUT_QUOTE = " …”"  # ends a glance line whose quotation goes on in its extract (the only marks added to its words)
CUT_QUOTE_OPEN = "“… "  # ... and begins one whose quotation began before it
GLANCE_FOCUSED = 3  # glance lines for a question about one thing
GLANCE_BREADTH = 8  # at most, for a question about the trusts (one per trust)


def group(extracts: Sequence[Extract]) -> list[tuple[str, list[tuple[int, Extract]]]]:
    """(group title, [(number, extract)]): report-level material first, then trusts in order of their best."""
    groups: dict[str, list[tuple[int, Extract]]] = {}
    for n, e in enumerate(extracts, start=1):
        groups.setdefault(e.trust or e.report or REPORT_LEVEL, []).append((n, e))  # a corpus: by report
    # a trust shown only by its nearest passage comes after those with relevant material
    keys = sorted(groups, key=lambda k: (k != REPORT_LEVEL, all(e.nearest for _, e in groups[k]),
                                         -max(e.score for _, e in groups[k])))
    return [(k, groups[k]) for k in keys]


def _speaker(e: Extract) -> str | None:
    """Who says the glance line's words: the speaker of the quotation it is part of (never the extract's first
    speaker when the line is the report's own words about someone)."""
    s = e.best_speaker
    return None if s is None else (f"{s.name}, {s.role}" if s.role else s.name)


def glance(extracts: Sequence[Extract], about_trusts: bool) -> list[GlanceLine]:
    def line(n: int, e: Extract, group_title: str | None) -> GlanceLine:
        text = e.best or e.text.split(" … ")[0]
        if text.count("“") > text.count("”"):  # a quotation too long to show whole: marked as going on
            text += CUT_QUOTE
        elif text.count("”") > text.count("“"):  # ... or as begun before the line
            text = CUT_QUOTE_OPEN + text
        return GlanceLine(n, group_title, text, _speaker(e), e.nearest)

    if about_trusts:
        return [line(*items[0], title) for title, items in group(extracts)][:GLANCE_BREADTH]
    return [line(n, e, None) for n, e in enumerate(extracts[:GLANCE_FOCUSED], start=1)]


def glance_words(text: str) -> str:
    """A glance line's words as the report prints them: the marks of a quotation cut open taken off."""
    return text.removesuffix(CUT_QUOTE).removeprefix(CUT_QUOTE_OPEN)


def glance_markdown(lines: Sequence[GlanceLine], short: Callable[[str], str] = lambda t: t) -> list[str]:
    out = []
    for g in lines:
        where = f"**{g.group if g.group == REPORT_LEVEL else short(g.group)}**: " if g.group else ""
        who = f" — {g.speaker}" if g.speaker else ""
        weaker = f" _({NEAREST})_" if g.nearest else ""
        out.append(f"- {where}{' '.join(g.text.split())}{who}{weaker} [{g.n}]")  # a list's lines as one line
    return out


def filters_line(
    filters: Filters | None, short: Callable[[str], str] = lambda t: t, title: Callable[[str], str] = lambda d: d
) -> str | None:
    """`Filters: documents …; trusts Oxleas; sections Governance; kinds body.` when any filter is set."""
    if filters is None or filters.is_empty():
        return None
    parts = []
    if filters.documents:
        parts.append("documents " + ", ".join(title(d) for d in filters.documents))
    if filters.trusts:
        parts.append("trusts " + ", ".join(short(t) for t in filters.trusts))
    if filters.sections:
        parts.append("sections " + ", ".join(filters.sections))
    if filters.kinds:
        parts.append("kinds " + ", ".join(filters.kinds))
    return "Filters: " + "; ".join(parts) + "."


NEAREST = "less certain match"  # a trust's nearest passage, shown so that a trust with some material is not left out


def quote_block(n: int, e: Extract) -> str:
    body = e.text.replace("\n", "\n> ")
    weaker = f"({NEAREST}) " if e.nearest else ""
    return f"[{n}] {weaker}{e.citation()}\n> {body}"


def compose(
    extracts: Sequence[Extract],
    *,
    glance_lines: Sequence[GlanceLine] = (),
    abstained: bool,
    reason: str = "",
    headline: str = NOT_ANSWERED,
    read_as: str | None = None,
    lead: str | None = None,
    about_trusts: bool = False,
    covered: Sequence[str] = (),
    missing: Sequence[str] = (),
    filters: Filters | None = None,
    short: Callable[[str], str] = lambda t: t,
    title: Callable[[str], str] = lambda d: d,
) -> str:
    lines: list[str] = []
    if glance_lines:
        lines += glance_markdown(glance_lines, short)
        lines.append("")
    for note in (read_as, filters_line(filters, short, title)):
        if note:
            lines.append(f"_{note}_")
    if not extracts:
        lines.append(f"**{headline}** {reason}".strip())
        return "\n".join(lines).strip() + "\n"
    if abstained:
        lines.append(f"**{headline}** {reason} The closest material it has:".strip())
    elif lead:
        lines.append(lead)
    grouped = about_trusts or len({e.trust for e in extracts}) > 1
    for title, items in group(extracts):
        if grouped:
            lines.append(f"\n**{short(title) if title != REPORT_LEVEL else title}**")
        lines.extend(quote_block(n, e) + "\n" for n, e in items)
    if about_trusts and not abstained:
        weaker = {e.trust for e in extracts if e.nearest} - {e.trust for e in extracts if not e.nearest}
        sure = [short(t) for t in covered if t not in weaker]
        unsure = f" ({NEAREST}: {', '.join(short(t) for t in covered if t in weaker)})" if weaker & set(covered) else ""
        lines.append("Trusts covered: " + (", ".join(sure) or "none") + unsure + ".")
    if missing and not abstained:
        lines.append("No relevant material found for: " + ", ".join(short(t) for t in missing) + ".")
    return "\n".join(lines).strip() + "\n"


def who_lead(
    extracts: Sequence[Extract], short: Callable[[str], str] = lambda t: t, narrated: bool = False
) -> str | None:
    """Everyone quoted in `extracts`, with the numbers of the extracts holding their words:
    `- **Rob Webster**, Chief Executive (South West Yorkshire) [1, 3]`. `narrated`: some lines of the last answer
    were the report's own words (and are not credited to anyone). Whoever says an extract's best line comes first."""
    found: dict[str, tuple[Speaker, list[int]]] = {}
    for e in extracts:  # the speakers of the lines that answered, first (in the order of their extracts)
        if e.best_speaker is not None:
            found.setdefault(e.best_speaker.name, (e.best_speaker, []))
    for n, e in enumerate(extracts, start=1):
        for s in e.speakers or ((e.speaker,) if e.speaker else ()):
            found.setdefault(s.name, (s, []))[1].append(n)
    found = {name: row for name, row in found.items() if row[1]}
    if not found:
        return None
    head = "Quoted in the last answer" + (" (its other lines are the report's own words)" if narrated else "") + ":"
    first = extracts[0]
    if first.best and first.best_speaker is None and not (first.speaker and bare(first.speaker.name) in first.best):
        cut = first.best if len(first.best) <= 90 else first.best[:90].rsplit(" ", 1)[0] + " …"
        head = f"Its first line, “{cut}”, is the report's own words, credited to no one. {head}"
    rows = [f"- **{s.name}**{', ' + s.role if s.role else ''}{f' ({short(s.trust)})' if s.trust else ''} "
            f"[{', '.join(map(str, ns))}]" for s, ns in found.values()]
    return "\n".join([head, *rows]) + "\n"
