"""Judging one system output against one gold item: which passages were found where, trusts, speaker.

Definitions (the metrics in `eval/metrics.py` only average what is decided here):

- **Found** means *shown whole* (`eval.matching.shows_whole`: at least 90% of the passage's words, in runs of
  10) for the headline ranks and the reading budget; the loose rule (`finds`: any 10 words in a row) is kept
  beside it (`loose_ranks`, `budget_loose`) and decides speakers and trust attribution.
- **Returned extracts**: the first `SHOWN` (10) extracts, judged whether or not the system abstained. The
  metrics then count an abstention as showing nothing (an abstention tells the user there is no answer), and
  one metric, recall@5 of returned extracts, ignores it, to separate retrieval from abstention.
- **Context ranks**: as passage ranks, but over the whole chunk each extract was cut from; a passage whose
  chunk was retrieved but whose words were not picked for the extract shows up as the difference.
- **Reading budget**: the extracts' texts are read in order until `BUDGET_CHARS` (2,000) characters; the
  extract crossing the limit is cut there. Systems with long extracts (whole chunks) thus show fewer of them.
- **Trust coverage** uses the trusts cited by extracts that *start* within the budget (not the system's own
  `trusts_covered`, which a baseline cannot report and the assistant could over-claim).
- **Speaker**: on attribution questions, the first shown extract that finds a gold passage must cite a
  speaker whose name matches the gold name (titles dropped; same first and last name, or one side gives
  only one of them). No extract finding a passage counts as wrong.
- **Trust attribution**: every (extract in the top 5, gold passage it finds) pair is right when the extract
  cites a trust in which the passage sits — the trusts of *our* chunks that find the passage (None for
  report-level text such as the key themes). Passages absent from every chunk are not judged.

Left out: judging the answer's prose, partial credit for near-misses, and role matching for speakers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from eval.gold import GoldItem
from eval.matching import finds, first_finder, shows_whole
from eval.records import QuestionResult, Shown, SystemOutput
from ingest.records import Chunk

SHOWN = 10  # extracts a user could look at
TOP = 5  # hit@5, recall@5, trust attribution
BUDGET_CHARS = 2000  # characters of extract text a reader is assumed to read
PREVIEW = 2  # extracts kept per question for the failure list
PREVIEW_CHARS = 220

_TITLES = {"dr", "doctor", "professor", "prof", "mr", "mrs", "ms", "miss", "sir", "dame", "cllr", "revd"}

# gold passage -> trusts of our chunks that find it (None = report-level text); empty when no chunk holds it
Homes = Mapping[str, frozenset[str | None]]


def passage_homes(items: Iterable[GoldItem], chunks: Sequence[Chunk]) -> dict[str, frozenset[str | None]]:
    """Where each gold passage sits in the ingested report, by the same matching rule as everywhere else."""
    return {
        passage: frozenset(c.trust for c in chunks if finds(c.text, passage))
        for item in items
        for passage in item.relevant
    }


def _name_tokens(name: str) -> list[str]:
    return [t for t in re.findall(r"[a-z]+(?:['-][a-z]+)*", name.lower()) if t not in _TITLES]


def names_match(gold: str, got: str) -> bool:
    """Same person by name: `Dr David Fearnley` ~ `David Fearnley`; `Kim` ~ `Kim Wilson`; not `Kim Smith`."""
    a, b = _name_tokens(gold), _name_tokens(got)
    if not a or not b:
        return False
    if len(a) == 1 or len(b) == 1:
        one, other = (a, b) if len(a) == 1 else (b, a)
        return one[0] in (other[0], other[-1])
    return a[0] == b[0] and a[-1] == b[-1]


def budget_view(extracts: Sequence[Shown], budget: int = BUDGET_CHARS) -> list[tuple[Shown, str]]:
    """The extracts that start within `budget` characters, each with the part of its text that fits."""
    out: list[tuple[Shown, str]] = []
    used = 0
    for extract in extracts:
        if used >= budget:
            break
        visible = extract.text[: budget - used]
        out.append((extract, visible))
        used += len(extract.text)
    return out


def speaker_ok(item: GoldItem, shown: Sequence[Shown]) -> bool | None:
    """None unless the item names a speaker; else whether the first finding extract cites that person."""
    if item.speaker is None:
        return None
    for extract in shown:
        if any(finds(extract.text, p) for p in item.relevant):
            return extract.speaker is not None and names_match(item.speaker.name, extract.speaker.name)
    return False


def _preview(shown: Sequence[Shown]) -> tuple[str, ...]:
    out = []
    for e in shown[:PREVIEW]:
        text = " ".join(e.text.split())
        cut = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS].rstrip() + "…"
        out.append(f"{e.citation()} — {cut}")
    return tuple(out)


def score(item: GoldItem, output: SystemOutput, system: str, homes: Homes) -> QuestionResult:
    """Reduce one output on one gold item to a `QuestionResult` (definitions in the module docstring)."""
    shown = tuple(output.extracts[:SHOWN])
    texts = [e.text for e in shown]
    ranks = tuple(first_finder(texts, p, whole=True) for p in item.relevant)
    loose = tuple(first_finder(texts, p) for p in item.relevant)
    context_ranks = tuple(first_finder([e.context or e.text for e in shown], p, whole=True) for p in item.relevant)
    view = budget_view(shown)
    budget_found = tuple(any(shows_whole(visible, p) for _, visible in view) for p in item.relevant)
    budget_loose = tuple(any(finds(visible, p) for _, visible in view) for p in item.relevant)
    budget_trusts = tuple(dict.fromkeys(e.trust for e, _ in view if e.trust))
    right = judged = 0
    for extract in shown[:TOP]:
        for passage in item.relevant:
            home = homes.get(passage, frozenset())
            if home and finds(extract.text, passage):
                judged += 1
                right += extract.trust in home
    return QuestionResult(
        id=item.id,
        type=item.type,
        system=system,
        answerable=item.type != "unanswerable",
        passage_ranks=ranks,
        context_ranks=context_ranks,
        budget_found=budget_found,
        gold_trusts=item.trusts,
        budget_trusts=budget_trusts,
        speaker_ok=speaker_ok(item, shown),
        trust_right=right,
        trust_judged=judged,
        abstained=output.abstained,
        n_extracts=len(output.extracts),
        latency_ms=output.latency_ms,
        preview=_preview(output.extracts),
        loose_ranks=loose,
        budget_loose=budget_loose,
    )
