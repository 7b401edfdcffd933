"""Thumbs up/down on answers, appended as JSON lines (one line per vote; nothing is ever rewritten).

A line: {"question", "history" (earlier questions), "answer" (markdown), "chunk_ids", "vote" ("up" | "down" |
"cleared" when a thumb is taken back), "time" (ISO 8601, UTC)}; eval/feedback.py turns up-votes into candidate
gold items. A line is written whole or not at all: writers (threads or processes) take an exclusive lock on the
file, a line left half-written by a failed write (a full disk) is cut off before the next one is added, and a
write that fails is rolled back to where the file ended. `FeedbackLog.append` raises `OSError`; `save_vote`
turns that into a notice for the page.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ui_parts.chat import Exchange, Session, Vote, vote

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_path() -> Path:
    """`$DI_FEEDBACK`, else feedback/feedback.jsonl in the project (git-ignored)."""
    env = os.environ.get("DI_FEEDBACK")
    return Path(env).expanduser() if env else PROJECT_ROOT / "feedback" / "feedback.jsonl"


def feedback_line(exchange: Exchange, choice: Vote, now: datetime | None = None) -> dict[str, Any]:
    answer = exchange.answer
    return {
        "question": exchange.question,
        "history": list(exchange.history),
        "answer": answer.text if answer else "",
        "chunk_ids": [e.chunk_id for e in answer.extracts] if answer else [],
        "vote": choice,
        "time": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
    }


class FeedbackLog:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, line: dict[str, Any]) -> None:
        # backslashreplace: a lone surrogate is written as its JSON escape, never fails the write
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)  # other processes writing the same file wait
                end = _whole_lines_end(fd)
                if end != os.fstat(fd).st_size:
                    os.ftruncate(fd, end)  # a line half-written by an earlier failure: cut it off
                try:
                    while data:  # one write in practice; loop in case the OS takes less
                        data = data[os.write(fd, data) :]
                    os.fsync(fd)
                except OSError:
                    os.ftruncate(fd, end)  # nothing of this line stays behind
                    raise
            finally:
                os.close(fd)  # closing releases the lock


def _whole_lines_end(fd: int) -> int:
    """The file's size up to and including its last newline (0 if it has none)."""
    size = os.fstat(fd).st_size
    pos = size
    while pos > 0:
        start = max(0, pos - 4096)
        block = os.pread(fd, pos - start, start)
        cut = block.rfind(b"\n")
        if cut >= 0:
            return start + cut + 1
        pos = start
    return 0


Level = Literal["info", "warning"]


def save_vote(log: FeedbackLog, session: Session, index: Any, liked: Any) -> tuple[Session, Level, str]:
    """Record a thumb on chatbot message `index` in `session` and in `log`; a write error becomes a warning."""
    session, exchange, choice = vote(session, index, liked)
    if exchange is None:
        return session, "info", "Feedback is recorded for answers only."
    try:
        log.append(feedback_line(exchange, choice))
    except OSError as e:
        return session, "warning", f"Sorry, your feedback could not be saved ({e.strerror or e}). The chat still works."
    return session, "info", "Thank you: your feedback was saved." if choice != "cleared" else "Feedback withdrawn."
