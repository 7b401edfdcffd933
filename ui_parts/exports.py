"""The chat as files to take away: Markdown and JSON (see assistant/export.py), written for the download buttons.

All exports live in one private folder per server, one subfolder per chat: a chat's new export replaces its
previous one, and the subfolders of chats idle longer than `max_age_s` are removed whenever an export is written,
so the folder holds at most one pair of files per live chat. (Gradio copies what it serves into its own cache,
which `build_app` has Gradio sweep on the same schedule.) Left out: keeping exports after the server stops.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from assistant.export import dumps, to_json, to_markdown
from ui_parts.chat import Session

STEM = "driving-improvement-chat"


class ExportFolder:
    def __init__(self, root: Path | str | None = None, max_age_s: float = 3600.0) -> None:
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="di-export-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_age_s = max_age_s
        self._lock = threading.Lock()

    def write(self, session: Session, report: str, now: datetime | None = None) -> tuple[str, str]:
        """(Markdown path, JSON path) of the whole chat, replacing this chat's earlier export."""
        if not session.key:
            raise ValueError("a chat is exported once it has a question (and with it a key)")
        now = now or datetime.now(UTC)
        asked = session.exported()
        md_text = to_markdown(asked, report, now)
        js_text = dumps(to_json(asked, report, now))
        stem = f"{STEM}-{now:%Y%m%d-%H%M%S}"
        with self._lock:
            self._sweep()
            folder = self.root / session.key
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            md, js = folder / f"{stem}.md", folder / f"{stem}.json"
            md.write_text(md_text, encoding="utf-8")
            js.write_text(js_text, encoding="utf-8")
        return str(md), str(js)

    def _sweep(self) -> None:
        cutoff = time.time() - self.max_age_s
        for folder in self.root.iterdir():
            try:
                if folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder, ignore_errors=True)
            except FileNotFoundError:
                continue
