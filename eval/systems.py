"""The systems under test behind one interface: `run(question, history) -> SystemOutput`.

- `AssistantSystem`: the real assistant (`Assistant.ask_history`), its extracts as they are shown.
- `ChunkSearchSystem`: our attributed chunks searched with one index mode ("bm25", "dense", or "hybrid" RRF),
  whole chunks as extracts with their trust/section/page/speaker, top 10, no query understanding and no
  extract selection — what the assistant layer adds on top of the index is the difference to it.
- The fixed-size-chunk baselines live in `eval/fixed.py`.

Baselines see a follow-up as history and question joined by spaces (`naive_query`): what a typical RAG
pipeline without conversation handling does. They never abstain. Left out: timing the model load (latency is
per question after a warm-up call) and running the assistant out of process (`python -m assistant batch`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from eval.records import Shown, SystemOutput
from ingest.records import Chunk

if TYPE_CHECKING:
    from index import Index, Mode

K = 10  # extracts each baseline returns


class System(Protocol):
    name: str

    def run(self, question: str, history: Sequence[str]) -> SystemOutput: ...


def naive_query(question: str, history: Sequence[str]) -> str:
    """The baselines' query: earlier questions and this one, joined by spaces."""
    return " ".join([*history, question])


def shown_chunk(chunk: Chunk) -> Shown:
    return Shown(
        text=chunk.text,
        chunk_id=chunk.id,
        trust=chunk.trust,
        section=chunk.title or chunk.section,
        page=chunk.page,
        speaker=chunk.speaker,
    )


def trusts_of(extracts: Sequence[Shown]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(e.trust for e in extracts if e.trust))


class ChunkSearchSystem:
    """Our chunks, one search mode, whole chunks as extracts."""

    def __init__(self, name: str, index: Index, mode: Mode, k: int = K) -> None:
        self.name, self.index, self.mode, self.k = name, index, mode, k

    def run(self, question: str, history: Sequence[str]) -> SystemOutput:
        started = time.perf_counter()
        hits = self.index.search(naive_query(question, history), self.k, mode=self.mode)
        extracts = tuple(shown_chunk(h.chunk) for h in hits)
        latency = (time.perf_counter() - started) * 1000
        return SystemOutput(extracts, trusts_of(extracts), abstained=False, latency_ms=latency)


def shown_extract(extract: Any) -> Shown:
    """An `assistant.records.Extract` as shown (typed loosely so this module imports without the assistant)."""
    return Shown(
        text=extract.text,
        context=extract.context,
        chunk_id=extract.chunk_id,
        trust=extract.trust,
        section=extract.title or extract.section,
        page=extract.page,
        speaker=extract.speaker,
    )


class AssistantSystem:
    """The assistant in process; latency is wall time around `ask_history` (its own timings are kept apart)."""

    name = "assistant"

    def __init__(self, assistant: Any) -> None:
        self.assistant = assistant

    def run(self, question: str, history: Sequence[str]) -> SystemOutput:
        started = time.perf_counter()
        answer = self.assistant.ask_history(question, list(history))
        latency = (time.perf_counter() - started) * 1000
        return SystemOutput(
            extracts=tuple(shown_extract(e) for e in answer.extracts),
            trusts_covered=tuple(answer.trusts_covered),
            abstained=bool(answer.abstained),
            latency_ms=latency,
        )


def load_assistant(index: Index) -> Any:
    """The real assistant over `index` (shares its loaded model)."""
    from assistant import Assistant

    return Assistant.from_index(index)
