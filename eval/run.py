"""Running systems over the gold set: build the systems, ask every question, score, summarise.

One loaded `Index` is shared by every system (the model loads once). Each system answers one warm-up question
first, so the first question's latency is not the model's first call. Questions are asked in gold order, one
at a time. Left out: parallel runs, and retrying a question that raised (an exception stops the run).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.gold import GoldItem
from eval.metrics import by_type, summarise
from eval.records import QuestionResult
from eval.scoring import Homes, passage_homes, score
from eval.systems import AssistantSystem, ChunkSearchSystem, System, load_assistant

if TYPE_CHECKING:
    from index import Index, Mode

SYSTEM_NAMES: tuple[str, ...] = ("assistant", "bm25", "dense", "hybrid-chunks", "fixed-dense", "fixed-hybrid")
WARM_UP = "what did the trusts do to improve?"


@dataclass
class EvalRun:
    systems: list[str]
    questions: list[str]  # gold ids asked, in order
    results: dict[str, list[QuestionResult]]  # system -> one result per question, in question order
    skipped: dict[str, str] = field(default_factory=dict)  # system -> why it did not run
    unfindable: list[str] = field(default_factory=list)  # gold passages no chunk of ours holds
    seconds: dict[str, float] = field(default_factory=dict)  # stage or system -> wall seconds

    def summary(self) -> dict[str, dict[str, Any]]:
        return {name: summarise(rows) for name, rows in self.results.items()}

    def per_type(self) -> dict[str, dict[str, dict[str, Any]]]:
        return {name: by_type(rows) for name, rows in self.results.items()}

    def fingerprint(self) -> str:
        """Hash of every scored field except latency: equal across runs when the systems are deterministic."""
        scored = {name: [r.scored_part() for r in rows] for name, rows in self.results.items()}
        return hashlib.sha256(json.dumps(scored, sort_keys=True).encode()).hexdigest()[:16]


def run_system(system: System, items: Sequence[GoldItem], homes: Homes) -> list[QuestionResult]:
    system.run(WARM_UP, [])
    return [score(item, system.run(item.question, item.history), system.name, homes) for item in items]


class Factory:
    """Builds systems by name over one index; the fixed-chunk corpus is built once for both fixed systems."""

    def __init__(self, index: Index, source_text: str, cache_dir: Path | None = None) -> None:
        self.index, self.source_text, self.cache_dir = index, source_text, cache_dir
        self._fixed: Any = None
        self._built: dict[str, System] = {}

    def make(self, name: str) -> System:
        """The system called `name`, built on first use and reused after (systems hold no per-question state)."""
        if name not in self._built:
            self._built[name] = self._make(name)
        return self._built[name]

    def _make(self, name: str) -> System:
        if name == "assistant":
            return AssistantSystem(load_assistant(self.index))
        modes: dict[str, Mode] = {"bm25": "bm25", "dense": "dense", "hybrid-chunks": "hybrid"}
        if name in modes:
            return ChunkSearchSystem(name, self.index, modes[name])
        if name in ("fixed-dense", "fixed-hybrid"):
            from eval.fixed import FixedChunkSystem, FixedCorpus

            if self._fixed is None:
                self._fixed = FixedCorpus.build(self.source_text, self.index.embedder, self.cache_dir)
            return FixedChunkSystem(name, self._fixed, "dense" if name == "fixed-dense" else "hybrid")
        raise ValueError(f"unknown system {name!r}; choose from {', '.join(SYSTEM_NAMES)}")


def evaluate(
    items: Sequence[GoldItem],
    names: Sequence[str],
    index: Index,
    source_text: str,
    *,
    cache_dir: Path | None = None,
    optional: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
    make: Callable[[str], System] | None = None,
) -> EvalRun:
    """Run the named systems over `items`. A system in `optional` that cannot be built is skipped, not fatal.

    `make` builds a system from its name (default: `Factory`); tests pass fakes through it.
    """
    homes = passage_homes(items, index.chunks)
    unfindable = sorted({p for p, home in homes.items() if not home})
    run = EvalRun(systems=list(names), questions=[i.id for i in items], results={}, unfindable=unfindable)
    make = make or Factory(index, source_text, cache_dir).make
    for name in names:
        started = time.perf_counter()
        try:
            system = make(name)
        except ImportError as e:
            if name not in optional:
                raise
            run.skipped[name] = f"not available: {e}"
            continue
        run.results[name] = run_system(system, items, homes)
        run.seconds[name] = round(time.perf_counter() - started, 2)
        if progress:
            progress(f"{name}: {len(items)} questions in {run.seconds[name]:.1f} s")
    return run
