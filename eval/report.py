"""Writing an `EvalRun` out: `report.md` (tables, failures), `chart.png` (via `eval/chart.py`), `results.json`.

Rendering is a pure function of the run and the gold items, so it is tested without any model. Left out: HTML,
comparisons between two runs (diff two `results.json` files), and significance tests.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval.gold import GoldItem
from eval.matching import MIN_RUN
from eval.metrics import METRICS, failed
from eval.run import EvalRun
from eval.scoring import BUDGET_CHARS, SHOWN, TOP

HEADLINE = tuple(METRICS)
CHART_METRICS = ("hit@5", "recall@5", "MRR", "recall@2000ch", "trust_cov", "speaker_acc", "trust_attr")
TYPE_COLUMNS = ("hit@5", "recall@5", "MRR", "recall@2000ch", "chunk_recall@5", "trust_cov", "speaker_acc",
                "abstain_unans", "false_abstain")


def fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def best_baseline(summary: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The baseline with the highest recall@5, ties by MRR (None when only the assistant ran)."""
    names = [n for n in summary if n != "assistant"]
    if not names:
        return None
    return max(names, key=lambda n: (summary[n]["recall@5"] or 0.0, summary[n]["MRR"] or 0.0))


def headline_table(summary: Mapping[str, Mapping[str, Any]]) -> str:
    header = ["system", *HEADLINE, "p50 ms", "p95 ms"]
    rows = [
        [name, *(fmt(s[m]) for m in HEADLINE), ms(s["latency_p50_ms"]), ms(s["latency_p95_ms"])]
        for name, s in summary.items()
    ]
    return table(header, rows)


def type_table(per_type: Mapping[str, Mapping[str, Any]]) -> str:
    header = ["type", "n", *TYPE_COLUMNS, "p50 ms"]
    rows = [[t, str(s["questions"]), *(fmt(s[m]) for m in TYPE_COLUMNS), ms(s["latency_p50_ms"])]
            for t, s in per_type.items()]
    return table(header, rows)


def across_table(per_type: Mapping[str, Mapping[str, Mapping[str, Any]]], metric: str) -> str:
    """One metric, question types down, systems across."""
    systems = list(per_type)
    types = list(dict.fromkeys(t for name in systems for t in per_type[name]))
    rows = [[t, *(fmt(per_type[name].get(t, {}).get(metric)) for name in systems)] for t in types]
    return table(["type", *systems], rows)


def failures_section(run: EvalRun, system: str, items: Mapping[str, GoldItem]) -> str:
    out = []
    for r in run.results[system]:
        reasons = failed(r)
        if not reasons:
            continue
        item = items[r.id]
        asked = " → ".join([*item.history, item.question])
        out.append(f"- **{r.id}** ({r.type}) “{asked}” — {'; '.join(reasons)}")
        if item.speaker:
            out.append(f"  - wanted speaker: {item.speaker.name}")
        shown = r.preview or ("(nothing returned)",)
        out += [f"  - {i}. {p}" for i, p in enumerate(shown, start=1)]
        if r.abstained:
            out.append("  - (abstained)")
    if not out:
        return "No failed questions."
    return "\n".join(out)


def render(run: EvalRun, items: Sequence[GoldItem], chart: str | None = "chart.png") -> str:
    """The whole report as markdown."""
    by_id = {i.id: i for i in items}
    summary, per_type = run.summary(), run.per_type()
    lines = ["# Retrieval evaluation", ""]
    lines += [
        f"{len(run.questions)} gold questions, systems: {', '.join(run.results) or 'none'}. "
        f"Deterministic fingerprint (all scored fields, latency excluded): `{run.fingerprint()}`.",
        "",
        f"A gold passage is *found* by an extract sharing ≥ min({MIN_RUN}, passage length) consecutive words "
        "(lowercased, punctuation and quote style ignored, never across a ` … ` join; see `eval/matching.py`). "
        f"hit@{TOP} / recall@{TOP} look at the top {TOP} extracts, MRR at the first of the top {SHOWN} that finds "
        f"any passage, recall@2000ch at the first {BUDGET_CHARS:,} characters of extract text (fair to systems "
        "with short extracts), trust_cov (cross-trust questions) at the trusts cited by extracts starting within "
        "that budget, speaker_acc at the first extract finding a passage, trust_attr at the top-5 finds. "
        "Abstentions show nothing, except in recall@5_returned (retrieval alone); chunk_recall@5 credits the "
        "whole chunk each top-5 extract was cut from, so chunk_recall@5 − recall@5_returned is what extract "
        "selection dropped. Baselines join history and question into one query and never abstain; "
        "fixed-chunk baselines cite no trust, page or speaker, and whole-chunk baselines carry their chunk's "
        "trust by construction (so trust_attr only tells apart systems that cut or re-cite text). "
        "With ~100 questions (9–18 per type), differences under ~5 points overall or ~15 points per type are "
        "noise. Latency is wall time per question after a warm-up, on whatever else the machine is doing.",
        "",
        "## Headline",
        "",
        headline_table(summary),
        "",
    ]
    if chart:
        lines += [f"![main metrics per system]({chart})", ""]
    if run.skipped:
        lines += ["Skipped: " + "; ".join(f"{n} ({why})" for n, why in run.skipped.items()), ""]
    best = best_baseline(summary)
    for name in [n for n in ("assistant", best) if n and n in per_type]:
        label = "the assistant" if name == "assistant" else f"the best baseline, {name} (by recall@5)"
        lines += [f"## Per question type: {label}", "", type_table(per_type[name]), ""]
    if len(per_type) > 1:
        lines += ["## recall@2000ch per question type, every system", "", across_table(per_type, "recall@2000ch"),
                  ""]
    focus = "assistant" if "assistant" in run.results else best
    if focus:
        lines += [f"## Failed questions: {focus}", "",
                  "Failed = no gold passage in the top 5, abstained wrongly, answered an unanswerable question, "
                  "wrong speaker, or cross-trust coverage under 50%. First two extracts with their citations:",
                  "", failures_section(run, focus, by_id), ""]
    lines += ["## Diagnostics", ""]
    if run.unfindable:
        lines.append("Gold passages that no chunk of ours holds (no chunk-based system can find them):")
        lines += [f"- {p[:120]}" for p in run.unfindable]
    else:
        lines.append("Every gold passage is held by at least one of our chunks.")
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in run.seconds.items())
    lines += ["", f"Wall time: {timing}.", ""]
    return "\n".join(lines)


def results_json(run: EvalRun) -> dict[str, Any]:
    return {
        "fingerprint": run.fingerprint(),
        "questions": run.questions,
        "summary": run.summary(),
        "per_type": run.per_type(),
        "skipped": run.skipped,
        "unfindable": run.unfindable,
        "seconds": run.seconds,
        "results": {name: [r.to_dict() for r in rows] for name, rows in run.results.items()},
    }


def write(run: EvalRun, items: Sequence[GoldItem], out: Path, with_chart: bool = True) -> list[Path]:
    """Write report.md, results.json and (if asked) chart.png into `out`; return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    chart_name = None
    if with_chart and run.results:
        from eval.chart import draw

        chart_name = "chart.png"
        draw(run.summary(), CHART_METRICS, out / chart_name)
        written.append(out / chart_name)
    (out / "report.md").write_text(render(run, items, chart_name), encoding="utf-8")
    (out / "results.json").write_text(json.dumps(results_json(run), indent=1, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    return [*written, out / "report.md", out / "results.json"]
