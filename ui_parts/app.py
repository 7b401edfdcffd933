"""The Gradio page and its endpoints, built around an already loaded assistant.

Endpoints for scripts (gradio_client):
- `/ask(question, history=[], trusts=[], sections=[], kinds=[]) -> dict`: stateless; `history` is the earlier user
  questions, oldest first. Returns {question, query, answer, extracts, trusts_covered, trusts_without_material,
  abstained, error}; a refused question comes back with `error` set (and as `answer`), never as an exception.
- `/compare(question, history=[]) -> list[dict]`: one {trust, extract|None} per trust, best extract first.
- `/chat(message, trusts, themes, sidebars, quotes) -> (messages, "")`: the page's own handler; its conversation
  lives in the caller's session, so one `Client` holds one conversation.

Left out: loading the assistant and command-line flags (ui.py); HTML (render.py).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import gradio as gr

from errors import AssistantError
from ui_parts.chat import (
    MAX_HISTORY,
    MAX_MESSAGE_CHARS,
    AssistantLike,
    Session,
    api_answer,
    api_filters,
    api_history,
    as_text,
    compare,
    error_record,
    make_filters,
    respond,
    theme_choices,
    too_long,
)
from ui_parts.edge import ClientSlots
from ui_parts.exports import ExportFolder
from ui_parts.feedback import FeedbackLog, default_path, save_vote
from ui_parts.render import CSS, compare_html, compare_notice_html, short_trust
from ui_parts.scripts import AFTER_ANSWER_JS, COPY_JS, PAGE_JS

log = logging.getLogger(__name__)

TITLE = "Driving improvement: ask the report"
EXAMPLES = (
    "How did trusts involve patients?",
    "Who said 'hard to reach' was a banned phrase?",
    "How did Oxleas respond to the inspection report?",
    "And what about Lincolnshire?",
    "What did boards do to become more visible?",
)
INTRO = (
    f"# {TITLE}\n"
    "CQC's *Driving improvement: case studies from seven mental health trusts*. Every answer is made of the "
    "report's own words: a few lines **at a glance** first, each with a marker like [1] that takes you to its "
    "extract, then the extracts, each cited by trust, section, page and speaker. **Show in context** under an "
    "extract opens its whole passage. Copy an answer as Markdown, or export the chat, with the buttons below it."
)


def intro_for(asst: Any) -> str:
    """The page's opening: the report's, or for a corpus the reports it holds (by title, at most 8 named)."""
    names = list(getattr(asst, "document_names", {}).values())
    if len(names) < 2:
        return INTRO
    shown = "; ".join(f"*{n}*" for n in names[:8]) + (f"; and {len(names) - 8} more" if len(names) > 8 else "")
    return (
        "# Ask the reports\n"
        f"{len(names)} reports: {shown}. Every answer is made of the reports' own words: a few lines **at a glance** "
        "first, each with a marker like [1] that takes you to its extract, then the extracts, each cited by report, "
        "case, section, page and speaker. **Show in context** under an extract opens its whole passage."
    )


SESSION_IDLE_S = 3600  # a chat untouched for an hour is dropped from memory
MAX_SESSIONS = 1000  # chats kept in memory at once (the least recently used goes first)
PLACEHOLDER = "Ask about what the seven trusts did to improve, or pick an example on the right."


def launch_options() -> dict[str, Any]:
    """Styling for `Blocks.launch` (Gradio 6 takes theme and CSS there). System fonts: no web-font downloads."""
    fonts = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
    theme = gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=fonts, font_mono=["ui-monospace", "monospace"])
    # Soft's subdued greys and light blues fall short of WCAG AA contrast (4.5:1), which axe-core checks
    theme = theme.set(
        body_text_color_subdued="*neutral_600",
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        block_label_text_color="*primary_800",
        block_title_text_color="*primary_800",
    )
    # max_file_size: the page takes no uploads; the edge guard refuses the upload route anyway (belt and braces)
    return {"css": CSS, "theme": theme, "ssr_mode": False, "max_file_size": 1, "js": PAGE_JS}


def build_app(
    asst: AssistantLike,
    *,
    feedback_path: Path | str | None = None,
    max_chars: int = MAX_MESSAGE_CHARS,
    queue_size: int = 64,
    concurrency: int = 2,
    per_client: int = 1,
) -> gr.Blocks:
    """The chat page around `asst`; queued (at most `queue_size` waiting, `concurrency` answering at once, and at
    most `per_client` of those for any one client address)."""
    choices = theme_choices(asst.sections, asst.themes)  # every label the filters may send, whatever is shown
    report = asst.title
    feedback = FeedbackLog(feedback_path or default_path())
    exports = ExportFolder(max_age_s=SESSION_IDLE_S)
    slots = ClientSlots(per_client)
    busy = "Your previous question is still being answered; please wait for it before sending another."

    def client_of(request: gr.Request | None) -> str:
        """One browser tab or API client: its address and its Gradio session (loopback users share an address)."""
        if request is None:
            return "?"
        host = request.client.host if request.client else "?"
        return f"{host}/{getattr(request, 'session_hash', None) or '-'}"

    def on_message(
        message: str, session: Session, trusts: list[str], themes: list[str], sidebars: bool, quotes: bool,
        documents: list[str] | None = None,
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> tuple[list[dict[str, str]], Session, str]:
        client = client_of(request)
        if not slots.acquire(client):
            gr.Warning(busy)
            return session.messages(), session, message if isinstance(message, str) else ""
        try:
            filters = make_filters(trusts, themes, sidebars, quotes, choices, documents)
            session = respond(asst, session, message, filters, max_chars)
        finally:
            slots.release(client)
        return session.messages(), session, ""

    def show_votes(session: Session) -> gr.Chatbot:
        # a separate step, so /chat returns plain messages to scripts
        return gr.Chatbot(feedback_value=session.feedback_value())

    def on_compare(
        session: Session, message: str, trusts: list[str], themes: list[str], sidebars: bool, quotes: bool,
        documents: list[str] | None = None,
    ) -> str:
        asked = session.last_asked()
        if isinstance(message, str) and message.strip():  # a question typed but not sent is the one to compare on
            earlier = (*asked[1], asked[0])[-MAX_HISTORY:] if asked else ()
            asked = (message.strip(), earlier)
        if asked is None:
            return compare_notice_html("Ask a question first, then compare the trusts on it.")
        question, history = asked
        problem = too_long(question, max_chars)
        if problem:
            return compare_notice_html(problem)
        try:
            result = compare(asst, question, history,
                             make_filters(trusts, themes, sidebars, quotes, choices, documents))
        except AssistantError as e:
            return compare_notice_html(str(e))
        except Exception:
            log.exception("compare for %r failed", question[:200])
            return compare_notice_html("Sorry, something went wrong while comparing. The error has been logged.")
        return compare_html(result)

    def on_like(session: Session, data: gr.LikeData) -> Session:
        session, level, text = save_vote(feedback, session, data.index, data.liked)
        if level == "warning":
            log.warning("feedback not saved to %s: %s", feedback.path, text)
            gr.Warning(text)
        else:
            gr.Info(text, duration=2)
        return session

    def on_new() -> tuple[gr.Chatbot, Session, str, str]:
        return gr.Chatbot(value=[], feedback_value=[]), Session(), "", ""

    def take_away(session: Session) -> tuple[str, Any, Any]:
        """The latest answer as Markdown (for the copy button) and the chat as Markdown and JSON files."""
        if not session.exchanges:
            off = gr.DownloadButton(value=None, interactive=False)
            return "", off, off
        md, js = exports.write(session, report)
        return (session.last_markdown(), gr.DownloadButton(value=md, interactive=True),
                gr.DownloadButton(value=js, interactive=True))

    def on_trusts(chosen: list[str] | None) -> gr.Dropdown:
        """The sections list: only sections of the chosen trusts (all when none), never the front matter."""
        return gr.Dropdown(choices=list(theme_choices(asst.section_choices(tuple(chosen or ())), asst.themes)))

    def on_clear() -> tuple[Session, str]:  # the chatbot's own bin button: forget the conversation too
        return Session(), ""

    def ask(
        question: str,
        history: list[str] | None = None,
        trusts: list[str] | None = None,
        sections: list[str] | None = None,
        kinds: list[str] | None = None,
        request: gr.Request = None,  # type: ignore[assignment]  # filled in by Gradio, not part of the API
    ) -> dict:
        """Answer `question` after the earlier user questions in `history` (oldest first); stateless."""
        try:
            filters = api_filters(trusts, sections, kinds)
        except AssistantError as e:
            return error_record(question, str(e))
        client = client_of(request)
        if not slots.acquire(client):
            return error_record(question, busy)
        try:
            return api_answer(asst, question, history, filters, max_chars)
        finally:
            slots.release(client)

    def compare_api(question: str, history: list[str] | None = None, request: gr.Request = None) -> list[dict]:  # type: ignore[assignment]
        """The best extract from each trust for `question` (after `history`); extract is null when none is relevant."""
        client = client_of(request)
        if not slots.acquire(client):
            return [{"trust": None, "extract": None, "error": busy}]
        try:
            return _compare_rows(question, history)
        finally:
            slots.release(client)

    def _compare_rows(question: Any, history: Any) -> list[dict]:
        problem = too_long(question, max_chars) if isinstance(question, str) else "The question must be text."
        if problem:
            return [{"trust": None, "extract": None, "error": problem}]
        try:
            result = compare(asst, as_text(question), api_history(history), api_filters(None, None, None))
        except AssistantError as e:
            return [{"trust": None, "extract": None, "error": str(e)}]
        return [
            {"trust": trust, "extract": {**best.to_dict(), "citation": best.citation()} if best else None}
            for trust, best in result.rows
        ]

    # Gradio copies each export it serves into its cache: swept on the schedule chats are forgotten on
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(SESSION_IDLE_S, SESSION_IDLE_S)) as demo:
        session = gr.State(Session(), time_to_live=SESSION_IDLE_S)  # an idle chat is forgotten
        gr.Markdown(intro_for(asst), elem_id="di-intro")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chatbot = gr.Chatbot(
                    label="Conversation",
                    show_label=False,
                    height=640,
                    sanitize_html=True,
                    allow_tags=False,
                    latex_delimiters=[],
                    group_consecutive_messages=False,
                    placeholder=PLACEHOLDER,
                    buttons=[],  # Gradio's copy buttons copy HTML: the page's own buttons below copy Markdown
                    autoscroll=False,  # a new answer is shown from its top (see AFTER_ANSWER_JS), not its end
                    elem_id="di-chat",
                )
                with gr.Row():
                    message = gr.Textbox(
                        show_label=False,
                        placeholder="Ask a question (up to 2,000 characters)",
                        max_length=max_chars,
                        lines=1,
                        max_lines=4,
                        scale=6,
                        elem_id="di-question",
                    )
                    ask_button = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="di-ask")
                with gr.Row():
                    compare_button = gr.Button("Compare trusts", elem_id="di-compare-button")
                    new_button = gr.Button("New chat", elem_id="di-new-chat")
                with gr.Row(elem_id="di-take-away"):
                    copy_button = gr.Button("Copy answer (Markdown)", size="sm", elem_id="di-copy")
                    export_md = gr.DownloadButton("Export chat (Markdown)", size="sm", interactive=False,
                                                  elem_id="di-export-md")
                    export_json = gr.DownloadButton("Export chat (JSON)", size="sm", interactive=False,
                                                    elem_id="di-export-json")
                last_md = gr.Textbox(show_label=False, interactive=False, container=False, elem_id="di-last-md",
                                     elem_classes=["di-offscreen"])
            with gr.Column(scale=1, min_width=300):
                gr.Markdown("**Try asking**")
                with gr.Column(elem_id="di-examples"):
                    example_buttons = [gr.Button(q, size="sm", variant="secondary") for q in EXAMPLES]
                with gr.Accordion("Filters", open=True):
                    trusts = gr.Dropdown(
                        choices=[(short_trust(t), t) for t in asst.trusts],
                        multiselect=True,
                        allow_custom_value=True,  # an unknown name is answered by the assistant, not refused by Gradio
                        label="Trusts",
                        info="Leave empty for all.",
                    )
                    themes = gr.Dropdown(
                        choices=list(theme_choices(asst.section_choices(()), asst.themes)), multiselect=True,
                        label="Sections / themes", info="Leave empty for all.", allow_custom_value=True,
                    )
                    docs = list(getattr(asst, "documents", {}).values())
                    documents = gr.Dropdown(
                        choices=[(asst.document_names[d.key], d.key) for d in docs], multiselect=True,
                        label="Reports",
                        info="Leave empty for all.", visible=len(docs) > 1,
                    )
                    sidebars = gr.Checkbox(value=True, label="Include sidebars (boxed case studies)")
                    quotes = gr.Checkbox(value=True, label="Include pull quotes")
        compare_out = gr.HTML(elem_id="di-compare-panel")

        # the reports filter joins the controls only for a corpus, so the /chat API of one report is unchanged
        controls = [trusts, themes, sidebars, quotes, *([documents] if len(docs) > 1 else [])]
        ask_inputs, ask_outputs = [message, session, *controls], [chatbot, session, message]
        after = dict(api_visibility="private", queue=False, show_progress="hidden")

        def answered(event: Any) -> None:
            event.then(show_votes, session, chatbot, **after).then(
                take_away, session, [last_md, export_md, export_json], **after
            ).then(None, None, None, js=AFTER_ANSWER_JS, **after)

        answered(gr.on([message.submit, ask_button.click], on_message, ask_inputs, ask_outputs, api_name="chat"))
        for button, question in zip(example_buttons, EXAMPLES, strict=True):
            answered(button.click(lambda q=question: q, None, message, api_visibility="private", queue=False).then(
                on_message, ask_inputs, ask_outputs, api_visibility="private"
            ))
        copy_button.click(None, [last_md], None, js=COPY_JS, **after)
        trusts.change(on_trusts, trusts, themes, **after)
        compare_button.click(
            on_compare, [session, message, *controls], compare_out, api_visibility="private", scroll_to_output=True
        )
        new_button.click(on_new, None, [chatbot, session, message, compare_out], api_visibility="private",
                         queue=False).then(take_away, session, [last_md, export_md, export_json], **after)
        chatbot.clear(on_clear, None, [session, compare_out], api_visibility="private", queue=False).then(
            take_away, session, [last_md, export_md, export_json], **after
        )
        chatbot.like(on_like, [session], [session], api_visibility="private", show_progress="hidden")
        gr.api(ask, api_name="ask")
        gr.api(compare_api, api_name="compare")

    demo.queue(max_size=queue_size, default_concurrency_limit=concurrency)
    demo.state_session_capacity = MAX_SESSIONS  # beyond this many chats in memory, the oldest is forgotten
    return demo
