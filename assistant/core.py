"""`Assistant`: a question (and the conversation so far) in, an `Answer` of cited verbatim extracts out.

The assistant holds only read-only state (the loaded index, sentence vectors, vocabulary), so one instance
serves many threads and users; each conversation is a value the caller passes in and gets back.
Left out: generating text. Every word shown from the report is the report's own.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.answerable import check
from assistant.compose import compose
from assistant.conversation import Resolved, resolve
from assistant.extracts import Vocabulary, make_extract, span_breaks, terms
from assistant.records import Answer, Conversation, Extract, Filters, Turn
from assistant.retrieval import RetrievalConfig, score_all, select
from assistant.sentences import SentenceBank
from assistant.understanding import ALL_TRUSTS, TRUST_ALIASES, Understanding, people_index, understand
from assistant.validate import clean_filters, clean_history, clean_question
from ingest.pipeline import read_source


@dataclass(frozen=True)
class AssistantConfig:
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    # abstain when the best chunk is weak on both signals (calibrated on the eval set's unanswerable questions)
    min_dense: float = 0.2
    min_bm25: float = 3.0
    closest_shown: int = 3  # extracts shown as "closest material" when abstaining
    # extract sizes (words; a neighbour joins when it scores this share of the best sentence): longer for a focused
    # question, shorter across trusts so one screen covers every trust — both chosen on the eval set
    focused_extract: dict = field(default_factory=lambda: {"max_words": 100, "min_words": 40, "neighbour_ratio": 0.5})
    cross_extract: dict = field(default_factory=lambda: {"max_words": 80, "min_words": 30, "neighbour_ratio": 0.6})
    max_question_chars: int = 2000
    max_history: int = 20


class Assistant:
    def __init__(self, index, config: AssistantConfig | None = None, sentence_cache: Path | None = None):
        self.index = index
        self.config = config or AssistantConfig()
        self.chunks = index.chunks
        raw = index.dense.index.reconstruct_n(0, index.dense.index.ntotal)
        self._vectors = raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-12)
        self.bank = SentenceBank.build(self.chunks, index.embedder, sentence_cache)
        self.vocab = Vocabulary.build(self.chunks)
        self.people = people_index(self.chunks)
        self.sections = tuple(dict.fromkeys(c.section for c in self.chunks if c.section))
        source, _ = read_source(index.manifest["source"]["path"])
        # chunk position -> offsets in its text where the source was interrupted (shown as " … " in extracts)
        self.breaks = [span_breaks(c, source) for c in self.chunks]

    @classmethod
    def from_index(cls, index, config: AssistantConfig | None = None) -> Assistant:
        """The assistant over an index already loaded (sentence vectors cached beside it)."""
        return cls(index, config, sentence_cache=Path(index.dir).parent / "sentences")

    @classmethod
    def load(
        cls, index_config=None, *, rebuild: bool = True, progress: bool = False, config: AssistantConfig | None = None
    ) -> Assistant:
        from index import load_or_build

        return cls.from_index(load_or_build(index_config, rebuild=rebuild, progress=progress), config)

    # -- public API ----------------------------------------------------------------------------------------
    def ask(
        self, question: str, conversation: Conversation | None = None, filters: Filters | None = None
    ) -> tuple[Answer, Conversation]:
        """Answer `question` in the context of `conversation`; returns the answer and the extended conversation."""
        start = time.perf_counter()
        q = clean_question(question, self.config.max_question_chars)
        filters = clean_filters(filters, self.sections)
        conversation = conversation or Conversation()
        resolved = resolve(q, conversation)
        if resolved.mode == "who" and resolved.previous is not None:
            answer = self._who(q, resolved)
        else:
            answer = self._answer(q, resolved, filters, start)
        return answer, conversation.add(Turn(question=q, answer=answer))

    def ask_history(
        self, question: str, history: list[str] | tuple[str, ...] = (), filters: Filters | None = None
    ) -> Answer:
        """Answer `question` after replaying `history` (earlier user questions, oldest first)."""
        conversation = Conversation()
        for earlier in clean_history(history, self.config.max_history):
            conversation = self.ask(earlier, conversation, filters)[1]
        return self.ask(question, conversation, filters)[0]

    # -- internals -----------------------------------------------------------------------------------------
    def _allowed(self, trusts: tuple[str, ...], filters: Filters, exclude: frozenset[str]) -> np.ndarray:
        keep = np.ones(len(self.chunks), dtype=bool)
        for i, c in enumerate(self.chunks):
            if (
                (trusts and c.trust not in trusts)
                or c.id in exclude
                or (filters.sections and c.section not in filters.sections)
                or (filters.kinds and c.kind not in filters.kinds)
            ):
                keep[i] = False
        return keep

    def _key_themes_naming(self, trusts: tuple[str, ...]) -> np.ndarray:
        names = [a for a, t in TRUST_ALIASES.items() if t in trusts and len(a) > 4]
        pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")", re.I)
        return np.array([c.part == "key themes" and bool(pattern.search(c.text)) for c in self.chunks])

    def _answer(self, q: str, resolved: Resolved, filters: Filters, start: float) -> Answer:
        t0 = time.perf_counter()
        u = understand(resolved.query, self.people)
        trusts = filters.trusts or u.trusts or resolved.inherited_trusts
        cross = len(trusts) > 1 or (
            not trusts and (u.cross_trust or (not u.people and _asks_about_trusts(resolved.query)))
        )
        allowed = self._allowed(trusts, filters, resolved.exclude)
        if len(trusts) > 1:  # a comparison: the key themes compare trusts too, when they name them
            allowed |= self._key_themes_naming(trusts) & self._allowed((), filters, resolved.exclude)
        t1 = time.perf_counter()
        qvec = np.asarray(self.index.embedder.encode_queries([resolved.query])[0], dtype=np.float32)
        qvec = qvec / max(float(np.linalg.norm(qvec)), 1e-12)
        t2 = time.perf_counter()
        dense = self._vectors @ qvec
        bm25 = self.index.bm25.scores(f"{resolved.query} {resolved.extra}".strip())
        ranked = score_all(self.chunks, dense, bm25, u, self.config.retrieval, allowed)
        chosen, missing = select(ranked, cross, self.config.retrieval)
        best = ranked[0] if ranked else None
        abstained = best is None or (best.dense < self.config.min_dense and best.bm25 < self.config.min_bm25)
        if abstained:
            chosen = chosen[: self.config.closest_shown]
        t3 = time.perf_counter()
        topic = topic_terms(resolved.query, u)
        words = topic | set(terms(resolved.extra))
        overview = bool(u.sections) and len(topic - set(terms(" ".join(u.sections)))) <= 1
        extracts = [
            make_extract(
                s.pos,
                s.chunk,
                s.score,
                words,
                qvec,
                self.bank,
                self.vocab,
                u,
                overview=overview,
                shown=resolved.shown,
                breaks=self.breaks[s.pos],
                **(self.config.cross_extract if cross else self.config.focused_extract),
            )
            for s in chosen
        ]
        if not abstained and extracts:
            spoken = any(
                e.speaker and (not u.roles or any(r in (e.speaker.role or "").lower() for r in u.roles))
                for e in extracts[:3]
            )
            verdict = check(resolved.query, topic, [e.text for e in extracts[:3]], self.vocab, spoken)
            if not verdict.ok:
                abstained = True
                extracts = extracts[: self.config.closest_shown]
        covered = list(dict.fromkeys(e.trust for e in extracts if e.trust))
        if abstained:
            without: list[str] = list(trusts)
        elif cross:
            without = [t for t in ALL_TRUSTS if t not in covered and (t in missing or t not in covered)]
        else:
            without = [t for t in trusts if t not in covered]
        text = compose(
            extracts,
            abstained=abstained,
            cross_trust=cross,
            covered=covered,
            missing=without,
            who=u.who or bool(u.people),
        )
        t4 = time.perf_counter()
        timings = {
            "understand_ms": (t1 - t0) * 1e3,
            "embed_ms": (t2 - t1) * 1e3,
            "retrieve_ms": (t3 - t2) * 1e3,
            "extract_ms": (t4 - t3) * 1e3,
            "total_ms": (t4 - start) * 1e3,
        }
        return Answer(
            question=q,
            query=resolved.query,
            text=text,
            extracts=tuple(extracts),
            trusts_covered=tuple(covered),
            trusts_without_material=tuple(without),
            abstained=abstained,
            timings={k: round(v, 2) for k, v in timings.items()},
        )

    def _who(self, q: str, resolved: Resolved) -> Answer:
        prev = resolved.previous
        assert prev is not None
        spoken: list[Extract] = [e for e in prev.extracts if e.speaker]
        extracts = spoken or list(prev.extracts)
        if spoken:
            text = compose(extracts, abstained=False, cross_trust=False, covered=[], missing=[], who=True)
        else:
            text = "The extracts in the last answer are the report's own words; it names no speaker for them.\n"
        return Answer(
            question=q,
            query=prev.query,
            text=text,
            extracts=tuple(extracts),
            trusts_covered=tuple(dict.fromkeys(e.trust for e in extracts if e.trust)),
            trusts_without_material=(),
            abstained=prev.abstained,
            timings={"total_ms": 0.0},
        )


_QUESTION_WORDS = set(
    terms(
        "how many much what when which who whom whose where why date year month number rate did does do get got "
        "there their about any tell me more"
    )
)
_ALIASES = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, TRUST_ALIASES), key=len, reverse=True)) + r")\b")


def topic_terms(query: str, u: Understanding) -> set[str]:
    """The question's own subject words: not question words, not trust names, not people's names."""
    people = set(terms(" ".join(u.people)))
    return set(terms(_ALIASES.sub(" ", query.lower()))) - _QUESTION_WORDS - people


_PLURAL_SUBJECT = re.compile(
    r"\b(?:trusts|organisations|ceos|chief executives|chairs|boards|leaders|medical directors|nursing directors)\b"
)


def _asks_about_trusts(query: str) -> bool:
    return bool(_PLURAL_SUBJECT.search(query.lower()))
