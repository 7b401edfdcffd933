"""Thumbs up/down on answers, kept as JSON lines, one line per answer voted on.

A line: {"answer_id" (stable for one answer on the page), "question", "history" (earlier questions), "answer"
(markdown), "chunk_ids", "vote" ("up" | "down" | "cleared" when a thumb is taken back), "time" (ISO 8601, UTC)};
eval/feedback.py turns up-votes into candidate gold items. Changing a vote replaces that answer's line. The file
is rewritten whole or not at all: writers (threads or processes) take a lock file, write the new contents to a
temporary file beside it, fsync and rename it into place, so a failed write (a full disk) leaves the old file as it
was and no temporary file behind; a half line left by an older writer is dropped on the next vote. Fine for the
hundreds of votes a report gets; a much larger log would want a database. `FeedbackLog.save` raises `OSError`;
`save_vote` turns that into a notice for the page.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
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
        "answer_id": exchange.id,
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

    def save(self, line: dict[str, Any]) -> None:
        """Add `line`, replacing an earlier line with the same `answer_id` (a changed vote)."""
        # backslashreplace: a lone surrogate is written as its JSON escape, never fails the write
        new = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace")
        key = line.get("answer_id")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX)  # other processes writing the same log wait
                try:
                    old = self.path.read_bytes()
                except FileNotFoundError:
                    old = b""
                kept = [ln for ln in old.split(b"\n")[:-1] if key is None or _answer_id(ln) != key]  # [-1]: a half line
                _replace(self.path, b"".join(ln + b"\n" for ln in kept) + new)
            finally:
                os.close(lock)  # closing releases the lock


def _answer_id(line: bytes) -> Any:
    try:
        row = json.loads(line)
    except ValueError:
        return None  # a malformed line is kept as it is (the reader skips it)
    return row.get("answer_id") if isinstance(row, dict) else None


def _replace(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, fsync it, rename it over `path`; nothing is left on failure."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


Level = Literal["info", "warning"]


def save_vote(log: FeedbackLog, session: Session, index: Any, liked: Any) -> tuple[Session, Level, str]:
    """Record a thumb on chatbot message `index` in `session` and in `log`; a write error becomes a warning."""
    session, exchange, choice = vote(session, index, liked)
    if exchange is None:
        return session, "info", "Feedback is recorded for answers only."
    try:
        log.save(feedback_line(exchange, choice))
    except OSError as e:
        return session, "warning", f"Sorry, your feedback could not be saved ({e.strerror or e}). The chat still works."
    return session, "info", "Thank you: your feedback was saved." if choice != "cleared" else "Feedback withdrawn."
