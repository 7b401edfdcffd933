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

import re
from collections.abc import Sequence

from assistant.compose import NEAREST, NOT_ANSWERED, REPORT_LEVEL, group
from assistant.conversation import read_as
from assistant.records import Answer, Comparison, Extract

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


def marked(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` escaped, with the given [start, end) spans (the sentences that bear on the question) in <mark>."""
    out, last = [], 0
    for a, b in sorted(spans):
        if a < last:
            continue
        out.append(esc(text[last:a]) + '<mark class="di-hl">' + esc(text[a:b]) + "</mark>")
        last = b
    out.append(esc(text[last:]))
    return "".join(out)


def anchor(turn: int | str, n: int) -> str:
    """The element id of extract n of answer `turn`: unique on the page, so a marker finds its own extract."""
    return f"di-a{turn}-x{n}"


def marker(turn: int | str, n: int) -> str:
    return (f'<a class="di-marker" href="#{anchor(turn, n)}">{esc(f"[{n}]")}'
            f'<span class="di-offscreen"> go to extract {n}</span></a>')


def extract_html(e: Extract, n: int, turn: int | str, *, closest: bool = False) -> str:
    """One extract: its number, the quote (bearing sentences marked), its citation, and its passage on demand."""
    cls = "di-quote di-closest" if closest else "di-quote"
    pages = f"page {e.page}" if e.page == e.page_end else f"pages {e.page}–{e.page_end}"
    where = " · ".join(p for p in (e.report, pages, e.trust or "Report-level", e.title or e.section) if p)
    nearest = f'<span class="di-tag">{esc(NEAREST)}</span> ' if e.nearest else ""
    return (
        f'<div class="di-extract" id="{anchor(turn, n)}" tabindex="-1">'
        f'<blockquote class="{cls}"><span class="di-n">{esc(f"[{n}]")}</span> '
        f"{marked(e.text, e.highlights)}</blockquote>"
        f'<p class="di-cite">{nearest}{esc(e.citation())}</p>'
        f'<details class="di-context"><summary>Show in context ({esc(where)})</summary>'
        f'<div class="di-passage">{around(e.before)}<p class="di-here">{highlight(e.context, e.text)}</p>'
        f"{around(e.after)}</div></details></div>"
    )


def around(text: str) -> str:
    """Running text printed before or after an extract's chunk, shown dimmer than the chunk itself."""
    return f'<p class="di-around">{esc(text)}</p>' if text else ""


def glance_html(answer: Answer, turn: int) -> str:
    if not answer.glance:
        return ""
    items = []
    for g in answer.glance:
        label = (g.group if g.group == REPORT_LEVEL else short_trust(g.group)) if g.group else None
        where = f"<strong>{esc(label)}</strong>: " if label else ""
        who = f' <span class="di-who">— {esc(g.speaker)}</span>' if g.speaker else ""
        weaker = f' <span class="di-tag">{esc(NEAREST)}</span>' if g.nearest else ""
        items.append(f"<li>{where}{esc(g.text)}{who}{weaker} {marker(turn, g.n)}</li>")
    return ('<div class="di-glance"><p class="di-glance-title"><strong>At a glance</strong></p>'
            f'<ul class="di-glance-list">{"".join(items)}</ul></div>')


def _reading(answer: Answer) -> str:
    """How the question was read, when not simply as typed (a follow-up, a loosely matched name)."""
    line = read_as(answer.question, answer.reading) if answer.reading is not None else None
    return f'<p class="di-reading">{esc(line)}</p>' if line else ""


def _coverage(answer: Answer) -> str:
    lines = []
    covered = answer.trusts_covered
    if not answer.abstained and (len(covered) > 1 or answer.trusts_without_material):
        weaker = {e.trust for e in answer.extracts if e.nearest} - {e.trust for e in answer.extracts if not e.nearest}
        names = ", ".join(short_trust(t) for t in covered if t not in weaker) or "none"
        unsure = ", ".join(short_trust(t) for t in covered if t in weaker)
        names += f" ({NEAREST}: {unsure})" if unsure else ""
        lines.append(f"<strong>Trusts covered:</strong> {esc(names)}.")
    if answer.trusts_without_material:
        names = ", ".join(short_trust(t) for t in answer.trusts_without_material)
        lines.append(f"<strong>Nothing relevant found for:</strong> {esc(names)}.")
    return f'<p class="di-coverage">{"<br>".join(lines)}</p>' if lines else ""


def _abstention(answer: Answer) -> str:
    reason = answer.reason.replace("The closest material it has:", "").strip()
    tail = (" The closest material it has is below, marked as such: it is not an answer." if answer.extracts
            else "" if reason else " Nothing in it comes close.")
    headline = answer.headline or NOT_ANSWERED
    return f'<p class="di-abstain"><strong>{esc(headline)}</strong> {esc((reason + tail).strip())}</p>'


def _strong(text: str) -> str:
    """Escaped `text` with its `**bold**` runs as <strong>."""
    parts = re.split(r"\*\*(.+?)\*\*", text)  # odd pieces were inside ** **
    return "".join(f"<strong>{esc(p)}</strong>" if i % 2 else esc(p) for i, p in enumerate(parts))


def lead_html(lead: str) -> str:
    """The answer's lead (who is quoted, what the histories show): its first line, then its `- ` lines as a list."""
    lines = [line for line in lead.splitlines() if line.strip()]
    items = "".join(f"<li>{_strong(line[2:])}</li>" for line in lines[1:] if line.startswith("- "))
    return f'<div class="di-lead"><p>{_strong(lines[0])}</p>{f"<ul>{items}</ul>" if items else ""}</div>'


def answer_html(answer: Answer, turn: int = 0, filters_note: str | None = None) -> str:
    """One assistant message (answer number `turn` of the chat): at a glance with markers, how it was read, the
    numbered extracts grouped by trust, each with its citation and its passage on demand; coverage."""
    parts = [f'<div class="di-answer" id="di-a{turn}" tabindex="-1">', glance_html(answer, turn), _reading(answer)]
    if filters_note:
        parts.append(f'<p class="di-filters">{esc(filters_note)}</p>')
    if answer.lead:
        parts.append(lead_html(answer.lead))
    if answer.abstained:
        parts.append(_abstention(answer))
    for title, items in group(list(answer.extracts)):
        label = short_trust(title) if title != REPORT_LEVEL else title
        tag = ' <span class="di-tag">closest material, not an answer</span>' if answer.abstained else ""
        parts.append(f'<section class="di-group"><h2 class="di-trust">{esc(label)}{tag}</h2>')
        parts.extend(extract_html(e, n, turn, closest=answer.abstained) for n, e in items)
        parts.append("</section>")
    if not answer.extracts and not answer.abstained:
        parts.append('<p class="di-notice">No extracts matched.</p>')
    parts.append(_coverage(answer))
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


def compare_html(comparison: Comparison) -> str:
    """One row per trust: its best extract, numbered as in an answer, with its citation and passage, or "nothing
    relevant". Stacks into one column on a narrow screen (see CSS)."""
    body = []
    n = 0
    for trust, best in comparison.rows:
        name = f'<th scope="row" class="di-row-trust">{esc(short_trust(trust))}</th>'
        if best is None:
            cell = '<td class="di-none">Nothing relevant in the report for this trust.</td>'
        else:
            n += 1
            cell = f"<td>{extract_html(best, n, 'c')}</td>"
        body.append(f"<tr>{name}{cell}</tr>")
    strong = sum(1 for _, best in comparison.rows if best is not None and not best.nearest)
    weaker = f"; {n - strong} more only a weaker match" if n > strong else ""
    return (
        '<div class="di-compare"><h2 class="di-compare-title">Compare trusts</h2>'
        f'<p class="di-compare-q">The best extract from each trust for: <q>{esc(comparison.query)}</q> '
        f"({strong} of {len(comparison.rows)} trusts have relevant material{weaker})</p>"
        '<table class="di-compare-table"><thead><tr><th scope="col">Trust</th>'
        '<th scope="col">Best extract</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def compare_notice_html(message: str) -> str:
    return f'<div class="di-compare"><p class="di-notice">{esc(message)}</p></div>'


CSS = """
.di-answer { line-height: 1.5; }
.di-answer .di-group { margin: 0.2em 0 0.9em 0; }
.di-answer h2.di-trust { font-size: 0.95em !important; font-weight: 650; margin: 0.6em 0 0.35em 0; color: #1f3a5f;
  border-bottom: 1px solid #d5dde8; padding-bottom: 0.15em; }
.di-quote { margin: 0.3em 0 0.1em 0 !important; padding: 0.35em 0.9em !important;
  border-left: 4px solid #3b6ea8 !important; background: #f4f7fb; color: #1d2430; font-style: normal;
  border-radius: 0 4px 4px 0; }
.di-quote.di-closest { border-left-color: #b9b9b9 !important; background: #f6f6f6; color: #404040 !important; }
#di-chat .di-cite, .di-cite { font-size: 0.8em !important; color: #4b5563 !important;
  margin: 0.15em 0 0.7em 0.2em !important; }
.di-tag { font-size: 0.75em; font-weight: 500; color: #8a5a00; background: #fff3d6; border-radius: 3px;
  padding: 0.05em 0.4em; margin-left: 0.4em; }
.di-abstain { background: #fff8e6; border: 1px solid #f0d48a; border-radius: 4px; padding: 0.45em 0.7em; }
.di-lead { margin-bottom: 0.2em; }
.di-reading { font-size: 0.85em; color: #4b5563; font-style: italic; margin: 0 0 0.4em 0; }
.di-coverage { font-size: 0.85em; color: #374151; margin-top: 0.4em; }
.di-notice { color: #7a3e00; }
.di-kind { background: #eef1f5; border-radius: 3px; padding: 0 0.35em; margin-left: 0.3em; }
.di-context { margin: 0 !important; color: #333; }
.di-mark { background: #fff1a8; color: inherit; padding: 0 1px; }
.di-compare-title { margin: 0.2em 0 0.1em 0; font-size: 1.15em !important; }
.di-compare-q { color: #4b5563; font-size: 0.92em; }
.di-compare-table { width: 100%; border-collapse: collapse; border: 1px solid #e3e7ee !important; background: #fff; }
.di-compare-table tr { border: none !important; }
.di-compare-table th, .di-compare-table td { border: none !important; border-bottom: 1px solid #e3e7ee !important;
  padding: 0.5em 0.7em !important; text-align: left; vertical-align: top; }
.di-compare-table thead th { background: #f3f5f9; font-size: 0.88em; }
.di-row-trust { width: 14em; color: #1f3a5f; }
.di-none { color: #4b5563 !important; font-style: italic; }
.di-glance { background: #f6f9fd; border: 1px solid #d5dde8; border-radius: 6px; padding: 0.4em 0.8em;
  margin: 0 0 0.7em 0; }
.di-glance-title { margin: 0 0 0.2em 0 !important; color: #1f3a5f; }
.di-glance-list { margin: 0 !important; padding-left: 1.2em !important; }
.di-glance-list li { margin: 0.15em 0; }
.di-who { color: #374151 !important; }
.di-marker { font-size: 0.85em; font-weight: 650; text-decoration: none; color: #1e40af !important; padding: 0 0.15em; }
.di-marker:focus, .di-extract:focus, .di-answer:focus { outline: 2px solid #1d4ed8; outline-offset: 2px; }
.di-n { font-weight: 650; color: #1f3a5f; margin-right: 0.2em; }
.di-hl { background: #fff1a8; color: inherit; padding: 0 1px; }
.di-extract { border-radius: 4px; transition: background 0.3s; }
.di-extract.di-target, .di-extract:target { background: #fde68a; }
.di-context summary { cursor: pointer; color: #1e40af !important; font-size: 0.85em; }
.di-passage { margin: 0.3em 0 0.6em 0 !important; padding: 0.4em 0.7em; border: 1px solid #e3e7ee;
  border-radius: 4px; background: #fff; font-size: 0.92em; }
.di-passage p { margin: 0.3em 0 !important; }
.di-around { color: #4b5563 !important; }
.di-filters { font-size: 0.85em; color: #4b5563; margin: 0 0 0.4em 0; }
.di-offscreen { position: absolute !important; left: -10000px !important; width: 1px !important;
  height: 1px !important; overflow: hidden !important; }
@media (max-width: 600px) {
  .di-compare-table, .di-compare-table thead, .di-compare-table tbody, .di-compare-table tr,
  .di-compare-table th, .di-compare-table td { display: block; width: 100% !important; box-sizing: border-box; }
  .di-compare-table thead { display: none; }
  .di-row-trust { border-bottom: none !important; padding-bottom: 0 !important; }
}
#di-chat .message-wrap .prose.chatbot.md { opacity: 1; }  /* Gradio fades messages to 0.8: too faint (WCAG AA) */
#di-examples button { justify-content: flex-start; text-align: left; }
"""
