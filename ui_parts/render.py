"""Answers, sources and trust comparisons as HTML for the chat, with every piece of text escaped.

Report text and user text are never markup: `esc` turns HTML-special *and* Markdown-significant characters into
numeric character references, so the same string is inert whether the chatbot treats it as HTML or runs it
through Markdown first (an entity is not `*`, `_`, `[` or `$` to a Markdown or LaTeX parser). The only tags in
the output are the ones written here. Each message is one line of HTML with no blank lines, so the chatbot's
Markdown parser keeps it as a single HTML block.

Left out: styling beyond class names (the stylesheet is `CSS`, passed to `launch`) and any text of our own
about the report; every quoted word is the report's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.compose import group
from assistant.conversation import read_as
from assistant.records import Answer, Extract
from assistant.understanding import wanted

ELLIPSIS = " … "  # how the assistant joins the pieces of one extract (assistant.extracts.ELLIPSIS)
USER_PREVIEW_CHARS = 600  # a longer question is shown shortened in its chat bubble (it is refused anyway)

# HTML-special and Markdown/LaTeX-significant characters -> numeric character references
_ENTITIES = {ord(c): f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]()#+-.!|~$:=^@%"}


def esc(text: str) -> str:
    """`text` as inert HTML: every special character as a character reference, newlines as <br>."""
    return text.replace("\r\n", "\n").translate(_ENTITIES).replace("\n", "<br>")


def short_trust(trust: str) -> str:
    return trust.replace(" NHS Foundation Trust", "").replace(" NHS Trust", "")


def page_label(e: Extract) -> str:
    return f"p. {e.page}" if e.page == e.page_end else f"pp. {e.page}–{e.page_end}"


def highlight(context: str, extract: str) -> str:
    """The chunk `context`, escaped, with each piece of `extract` (pieces joined by " … ") in <mark>."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for piece in (p.strip() for p in extract.split(ELLIPSIS)):
        if not piece:
            continue
        at = context.find(piece, pos)
        if at < 0:
            at = context.find(piece)
        if at < 0 or (spans and at < spans[-1][1]):
            continue  # not verbatim here (should not happen) or overlapping: leave it unmarked
        spans.append((at, at + len(piece)))
        pos = at + len(piece)
    out, last = [], 0
    for a, b in spans:
        out.append(esc(context[last:a]) + '<mark class="di-mark">' + esc(context[a:b]) + "</mark>")
        last = b
    out.append(esc(context[last:]))
    return "".join(out)


def quote(e: Extract, *, closest: bool = False) -> str:
    cls = "di-quote di-closest" if closest else "di-quote"
    return f'<blockquote class="{cls}">{esc(e.text)}</blockquote><p class="di-cite">{esc(e.citation())}</p>'


def source(e: Extract) -> str:
    where = " · ".join(p for p in (e.trust or "Report-level", e.section, e.title, page_label(e)) if p)
    kind = "" if e.kind == "body" else f' <span class="di-kind">{esc(e.kind)}</span>'
    return (
        f'<div class="di-source"><p class="di-source-head">{esc(where)}{kind}</p>'
        f'<p class="di-context">{highlight(e.context, e.text)}</p></div>'
    )


def sources(extracts: Sequence[Extract]) -> str:
    if not extracts:
        return ""
    body = "".join(source(e) for e in extracts)
    n = len(extracts)
    return (
        f'<details class="di-sources"><summary>Sources: the full passage{"s" if n > 1 else ""} behind '
        f"{'these' if n > 1 else 'this'} {n} extract{'s' if n > 1 else ''}, extracts highlighted</summary>"
        f"{body}</details>"
    )


def _speaker_line(answer: Answer) -> str:
    """For "who said …?" questions: the first named speaker, up front."""
    asks_who = wanted(answer.question) == "person" or (answer.reading is not None and answer.reading.kind == "who")
    if answer.abstained or not asks_who:
        return ""
    s = next((e.speaker for e in answer.extracts if e.speaker), None)
    if s is None:
        return ""
    who = s.name + (f", {s.role}" if s.role else "") + (f" ({short_trust(s.trust)})" if s.trust else "")
    return f'<p class="di-lead">Said by <strong>{esc(who)}</strong>:</p>'


def _coverage(answer: Answer) -> str:
    lines = []
    covered = answer.trusts_covered
    if not answer.abstained and (len(covered) > 1 or answer.trusts_without_material):
        names = ", ".join(short_trust(t) for t in covered) or "none"
        lines.append(f"<strong>Trusts covered:</strong> {esc(names)}.")
    if answer.trusts_without_material:
        names = ", ".join(short_trust(t) for t in answer.trusts_without_material)
        lines.append(f"<strong>Nothing relevant found for:</strong> {esc(names)}.")
    return f'<p class="di-coverage">{"<br>".join(lines)}</p>' if lines else ""


def _reading(answer: Answer) -> str:
    """How the question was read, when not simply as typed (a follow-up, a loosely matched name)."""
    line = read_as(answer.question, answer.reading) if answer.reading is not None else None
    return f'<p class="di-reading">{esc(line)}</p>' if line else ""


def answer_html(answer: Answer) -> str:
    """One assistant message: extracts grouped by trust, each quoted and cited; coverage; sources."""
    parts = ['<div class="di-answer">', _reading(answer)]
    if answer.abstained:
        parts.append(
            '<p class="di-abstain"><strong>The report does not seem to answer this.</strong> '
            + (
                "The closest material it has is below, marked as such: it is not an answer.</p>"
                if answer.extracts
                else "Nothing in it comes close.</p>"
            )
        )
    parts.append(_speaker_line(answer))
    for title, items in group(list(answer.extracts)):
        label = short_trust(title)
        tag = ' <span class="di-tag">closest material, not an answer</span>' if answer.abstained else ""
        parts.append(f'<section class="di-group"><h4 class="di-trust">{esc(label)}{tag}</h4>')
        parts.extend(quote(e, closest=answer.abstained) for e in items)
        parts.append("</section>")
    if not answer.extracts and not answer.abstained:
        parts.append('<p class="di-notice">No extracts matched.</p>')
    parts.append(_coverage(answer))
    parts.append(sources(answer.extracts))
    parts.append("</div>")
    return "".join(parts)


def notice_html(message: str) -> str:
    """A message from us rather than the report (a refused question, an error), as text."""
    return f'<div class="di-answer"><p class="di-notice">{esc(message)}</p></div>'


def user_html(question: str) -> str:
    """The user's message as inert text; a very long one is shortened (it is refused anyway)."""
    if len(question) <= USER_PREVIEW_CHARS:
        return f'<span class="di-user">{esc(question)}</span>'
    head = esc(question[:USER_PREVIEW_CHARS])
    return f'<span class="di-user">{head} … <em>({len(question):,} characters in all)</em></span>'


@dataclass(frozen=True)
class CompareRow:
    trust: str
    best: Extract | None  # None: nothing relevant for this trust


def compare_html(query: str, rows: Sequence[CompareRow]) -> str:
    """One row per trust: its best extract and citation, or "nothing relevant"."""
    body = []
    for row in rows:
        name = f'<th scope="row" class="di-row-trust">{esc(short_trust(row.trust))}</th>'
        if row.best is None:
            cell = '<td class="di-none">Nothing relevant in the report for this trust.</td>'
        else:
            cell = f"<td>{quote(row.best)}</td>"
        body.append(f"<tr>{name}{cell}</tr>")
    found = sum(r.best is not None for r in rows)
    return (
        '<div class="di-compare"><h3 class="di-compare-title">Compare trusts</h3>'
        f'<p class="di-compare-q">The best extract from each trust for: <q>{esc(query)}</q> '
        f"({found} of {len(rows)} trusts have relevant material)</p>"
        '<table class="di-compare-table"><thead><tr><th scope="col">Trust</th>'
        '<th scope="col">Best extract</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def compare_notice_html(message: str) -> str:
    return f'<div class="di-compare"><p class="di-notice">{esc(message)}</p></div>'


CSS = """
.di-answer { line-height: 1.5; }
.di-answer .di-group { margin: 0.2em 0 0.9em 0; }
.di-answer h4.di-trust { font-size: 0.95em; font-weight: 650; margin: 0.6em 0 0.35em 0; color: #1f3a5f;
  border-bottom: 1px solid #d5dde8; padding-bottom: 0.15em; }
.di-quote { margin: 0.3em 0 0.1em 0 !important; padding: 0.35em 0.9em !important;
  border-left: 4px solid #3b6ea8 !important; background: #f4f7fb; color: #1d2430; font-style: normal;
  border-radius: 0 4px 4px 0; }
.di-quote.di-closest { border-left-color: #b9b9b9 !important; background: #f6f6f6; color: #555; }
.di-cite { font-size: 0.8em !important; color: #6b7280 !important; margin: 0.15em 0 0.7em 0.2em !important; }
.di-tag { font-size: 0.75em; font-weight: 500; color: #8a5a00; background: #fff3d6; border-radius: 3px;
  padding: 0.05em 0.4em; margin-left: 0.4em; }
.di-abstain { background: #fff8e6; border: 1px solid #f0d48a; border-radius: 4px; padding: 0.45em 0.7em; }
.di-lead { margin-bottom: 0.2em; }
.di-reading { font-size: 0.85em; color: #4b5563; font-style: italic; margin: 0 0 0.4em 0; }
.di-coverage { font-size: 0.85em; color: #374151; margin-top: 0.4em; }
.di-notice { color: #7a3e00; }
.di-sources { margin-top: 0.5em; font-size: 0.88em; }
.di-sources summary { cursor: pointer; color: #3b6ea8; }
.di-source { border: 1px solid #e3e7ee; border-radius: 4px; padding: 0.4em 0.7em; margin: 0.45em 0; background: #fff; }
.di-source-head { font-size: 0.85em; color: #6b7280; margin: 0 0 0.3em 0 !important; }
.di-kind { background: #eef1f5; border-radius: 3px; padding: 0 0.35em; margin-left: 0.3em; }
.di-context { margin: 0 !important; color: #333; }
.di-mark { background: #fff1a8; color: inherit; padding: 0 1px; }
.di-compare-title { margin: 0.2em 0 0.1em 0; }
.di-compare-q { color: #4b5563; font-size: 0.92em; }
.di-compare-table { width: 100%; border-collapse: collapse; border: 1px solid #e3e7ee !important; background: #fff; }
.di-compare-table tr { border: none !important; }
.di-compare-table th, .di-compare-table td { border: none !important; border-bottom: 1px solid #e3e7ee !important;
  padding: 0.5em 0.7em !important; text-align: left; vertical-align: top; }
.di-compare-table thead th { background: #f3f5f9; font-size: 0.88em; }
.di-row-trust { width: 14em; color: #1f3a5f; }
.di-none { color: #888; font-style: italic; }
#di-examples button { justify-content: flex-start; text-align: left; }
"""
