"""Records that cross the eval's boundaries: `Shown` and `SystemOutput` from a system, `QuestionResult` scored.

Every system under test — the assistant and each baseline — is reduced to the same `SystemOutput`, so one
scorer judges them all. Plain data only: running systems is in `eval/systems.py`, judging in `eval/scoring.py`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ingest.records import Speaker


@dataclass(frozen=True)
class Shown:
    """One extract as a user sees it: the words and whatever citation the system can give (None = unknown)."""

    text: str
    context: str | None = None  # the whole chunk the text was cut from, when the system cuts (None: text is all)
    chunk_id: str | None = None
    trust: str | None = None
    section: str | None = None
    page: int | None = None
    speaker: Speaker | None = None

    def citation(self) -> str:
        """`Oxleas NHS Foundation Trust · Governance · p. 13 · Ben Travis`, or `no citation`."""
        parts = [
            self.trust,
            self.section,
            f"p. {self.page}" if self.page is not None else None,
            self.speaker.name if self.speaker else None,
        ]
        return " · ".join(p for p in parts if p) or "no citation"


@dataclass(frozen=True)
class SystemOutput:
    extracts: tuple[Shown, ...]  # best first
    trusts_covered: tuple[str, ...]  # as the system reports it (informational; metrics use extract trusts)
    abstained: bool
    latency_ms: float


@dataclass(frozen=True)
class QuestionResult:
    """One system's output on one gold question, reduced to what the metrics need (see `eval/metrics.py`)."""

    id: str
    type: str
    system: str
    answerable: bool  # False for type "unanswerable"
    # everything below is judged on the returned extracts, abstention or not; eval/metrics.py applies it.
    # "shows" is the strict rule (the passage shown whole), "finds" the loose one (see eval/matching.py)
    passage_ranks: tuple[int | None, ...]  # per gold passage: rank of the first returned extract showing it whole
    context_ranks: tuple[int | None, ...]  # per gold passage: rank of the first extract whose *chunk* shows it
    budget_found: tuple[bool, ...]  # per gold passage: shown whole within the reading budget
    gold_trusts: tuple[str, ...]
    budget_trusts: tuple[str, ...]  # trusts cited by the extracts that start within the reading budget
    speaker_ok: bool | None  # attribution questions only: see `eval.scoring.speaker_ok`
    trust_right: int  # top-5 (extract, passage) finds whose extract cites a trust the passage sits in
    trust_judged: int  # all such finds (passages absent from our chunks are not judged)
    abstained: bool
    n_extracts: int  # extracts returned
    latency_ms: float
    preview: tuple[str, ...] = ()  # first extracts as "citation — text…", for reading failures
    loose_ranks: tuple[int | None, ...] = ()  # per gold passage: rank of the first extract *finding* it (loose)
    budget_loose: tuple[bool, ...] = ()  # per gold passage: found (loose) within the reading budget

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> QuestionResult:
        fields = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        keys = ("passage_ranks", "context_ranks", "budget_found", "gold_trusts", "budget_trusts", "preview",
                "loose_ranks", "budget_loose")
        for key in keys:
            fields[key] = tuple(fields.get(key, ()))
        return cls(**fields)

    def scored_part(self) -> dict[str, Any]:
        """Everything but latency: two runs of a deterministic system must agree on this exactly."""
        d = self.to_dict()
        d.pop("latency_ms")
        return d
