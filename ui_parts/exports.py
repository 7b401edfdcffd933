"""The chat as files to take away: Markdown and JSON (see assistant/export.py), written for the download buttons.

Files go to a private temporary folder per export (Gradio serves them from its own cache afterwards); names say
what they are and when. Left out: keeping exports after the server stops.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from assistant.export import dumps, to_json, to_markdown
from ui_parts.chat import Session


def export_files(session: Session, report: str, now: datetime | None = None) -> tuple[str, str]:
    """(Markdown path, JSON path) of the whole chat."""
    now = now or datetime.now(UTC)
    folder = Path(tempfile.mkdtemp(prefix="di-export-"))
    stem = f"driving-improvement-chat-{now:%Y%m%d-%H%M%S}"
    md = folder / f"{stem}.md"
    js = folder / f"{stem}.json"
    asked = session.exported()
    md.write_text(to_markdown(asked, report, now), encoding="utf-8")
    js.write_text(dumps(to_json(asked, report, now)), encoding="utf-8")
    return str(md), str(js)
