"""Writing an `EvalRun` out: `report.md` (tables, failures), `chart.png` (via `eval/chart.py`), `results.json`.

Rendering is a pure function of the runs (one per split) and the gold items, so it is tested without any model.
Left out: HTML, and comparisons between two code versions (diff two `results.json` files).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval.gold import GoldItem
from eval.matching import MIN_RUN, WHOLE
from eval.metrics import METRICS, failed, summarise
from eval.run import EvalRun
from eval.scoring import BUDGET_CHARS, SHOWN, TOP
from eval.stats import metric_interval, paired

HEADLINE = tuple(METRICS)
INTERVAL_METRICS = ("hit@5", "recall@5", "MRR", "recall@2000ch", "trust_cov", "speaker_acc", "abstain_unans",
                    "false_abstain")
SECONDARY = ("recall@5_loose", "recall@2000ch_loose", "recall@5_returned", "chunk_recall@5", "trust_attr")
SIDE_BY_SIDE = ("hit@5", "recall@5", "MRR", "recall@2000ch", "recall@5_loose", "trust_cov", "speaker_acc",
                "abstain_unans", "false_abstain")
PAIRED_METRICS = ("hit@5", "recall@5", "MRR", "recall@2000ch", "recall@5_loose", "trust_cov", "speaker_acc")
CHART_METRICS = ("hit@5", "recall@5", "MRR", "recall@2000ch", "trust_cov", "speaker_acc", "trust_attr")
TYPE_COLUMNS = ("hit@5", "recall@5", "MRR", "recall@2000ch", "recall@5_loose", "chunk_recall@5", "trust_cov",
                "speaker_acc", "abstain_unans", "false_abstain")


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


def headline_table(summary: Mapping[str, Mapping[str, Any]], metrics: Sequence[str] = HEADLINE) -> str:
    header = ["system", *metrics, "p50 ms", "p95 ms"]
    rows = [
        [name, *(fmt(s[m]) for m in metrics), ms(s["latency_p50_ms"]), ms(s["latency_p95_ms"])]
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


def interval_table(run: EvalRun, metrics: Sequence[str]) -> str:
    """Each system's headline metrics as `mean [low, high]` (95% bootstrap over questions)."""
    header = ["system", *metrics, "p50 ms"]
    rows = []
    for name, results in run.results.items():
        cells = []
        for m in metrics:
            iv = metric_interval(METRICS[m][0], results)
            cells.append("–" if iv is None else str(iv))
        rows.append([name, *cells, ms(summarise(results)["latency_p50_ms"])])
    return table(header, rows)


def side_by_side(runs: Mapping[str, EvalRun], systems: Sequence[str], metrics: Sequence[str]) -> str:
    header = ["system", "split", "questions", *metrics]
    rows = []
    for name in systems:
        for split, run in runs.items():
            if name in run.results:
                s = summarise(run.results[name])
                rows.append([name, split, str(s["questions"]), *(fmt(s[m]) for m in metrics)])
    return table(header, rows)


def paired_table(run: EvalRun, a: str, b: str, metrics: Sequence[str]) -> str:
    rows = []
    for m in metrics:
        iv = paired(METRICS[m][0], run.results[a], run.results[b])
        if iv is None:
            continue
        verdict = "better" if iv.low > 0 else "worse" if iv.high < 0 else "within noise"
        rows.append([m, f"{iv.mean:+.3f}", f"[{iv.low:+.3f}, {iv.high:+.3f}]", str(iv.n), verdict])
    return table(["metric", f"{a} − {b}", "95% interval", "questions", "reading"], rows)


def render(
    runs: Mapping[str, EvalRun], items: Mapping[str, Sequence[GoldItem]], chart: str | None = "chart.png"
) -> str:
    """The whole report as markdown, for one or more splits (test first when present)."""
    order = [s for s in ("test", "dev") if s in runs] + [s for s in runs if s not in ("test", "dev")]
    runs = {s: runs[s] for s in order}
    first = next(iter(runs.values()))
    lines = ["# Retrieval evaluation", ""]
    sizes = ", ".join(f"{s}: {len(r.questions)} questions (fingerprint `{r.fingerprint()}`)" for s, r in runs.items())
    lines += [
        f"Splits — {sizes}. Systems: {', '.join(first.results) or 'none'}. `test` was written from the report by "
        "writers who never saw the code or the other questions, and nothing is tuned on it; `dev` is what settings "
        "are chosen on. Fingerprints hash every scored field except latency: two runs of the same code agree.",
        "",
        f"**Rule.** A gold passage counts as *found* when one extract shows it whole: at least {WHOLE:.0%} of its "
        f"words, in runs of ≥ min({MIN_RUN}, passage length) consecutive words (lowercased, punctuation and quote "
        "style ignored, never across a ` … ` join; see `eval/matching.py`). The `_loose` columns use the older "
        f"rule (any {MIN_RUN} words in a row). hit@{TOP} / recall@{TOP} look at the top {TOP} extracts, MRR at the "
        f"first of the top {SHOWN} that finds any passage, recall@2000ch at the first {BUDGET_CHARS:,} characters "
        "of extract text (fair to systems with short extracts), trust_cov (cross-trust questions) at the trusts "
        "cited by extracts starting within that budget, speaker_acc at the first extract finding a passage "
        "(loose rule). Abstentions show nothing, except in recall@5_returned; chunk_recall@5 credits the whole "
        "chunk each top-5 extract was cut from. Baselines join history and question into one query and never "
        "abstain; fixed-chunk baselines cite no trust, page or speaker. Intervals are 95% bootstrap intervals "
        "over questions (`eval/stats.py`). Latency is wall time per question after a warm-up.",
        "",
    ]
    for split, run in runs.items():
        label = "never tuned on" if split == "test" else "tuned on" if split == "dev" else split
        lines += [f"## Headline: {split} ({label})", "", interval_table(run, INTERVAL_METRICS), "",
                  "Other figures:", "", headline_table(run.summary(), SECONDARY), ""]
        if split == order[0] and chart:
            lines += [f"![main metrics per system, {split}]({chart})", ""]
        if run.skipped:
            lines += ["Skipped: " + "; ".join(f"{n} ({why})" for n, why in run.skipped.items()), ""]
    best = best_baseline(first.summary())
    if "assistant" in first.results and best:
        lines += ["## Dev and test side by side", "", side_by_side(runs, ["assistant", best], SIDE_BY_SIDE), ""]
        for split, run in runs.items():
            if "assistant" in run.results and best in run.results:
                lines += [f"## Paired: assistant vs {best} on {split}", "",
                          "Per-question differences, resampled; *better*/*worse* when the interval excludes 0.", "",
                          paired_table(run, "assistant", best, PAIRED_METRICS), ""]
    for split, run in runs.items():
        per_type = run.per_type()
        for name in [n for n in ("assistant", best) if n and n in per_type]:
            label = "the assistant" if name == "assistant" else f"the best baseline, {name} (by recall@5)"
            lines += [f"## Per question type, {split}: {label}", "", type_table(per_type[name]), ""]
    if len(first.results) > 1:
        lines += [f"## recall@2000ch per question type, every system ({order[0]})", "",
                  across_table(first.per_type(), "recall@2000ch"), ""]
    for split, run in runs.items():
        focus = "assistant" if "assistant" in run.results else best
        if focus:
            by_id = {i.id: i for i in items[split]}
            lines += [f"## Failed questions, {split}: {focus}", "",
                      "Failed = no gold passage shown whole in the top 5, abstained wrongly, answered an unanswerable "
                      "question, wrong speaker, or cross-trust coverage under 50%. First two extracts:",
                      "", failures_section(run, focus, by_id), ""]
    lines += ["## Diagnostics", ""]
    for split, run in runs.items():
        if run.unfindable:
            lines.append(f"Gold passages ({split}) that no chunk of ours holds (no chunk-based system can find them):")
            lines += [f"- {p[:120]}" for p in run.unfindable]
        else:
            lines.append(f"Every {split} gold passage is held by at least one of our chunks.")
        timing = ", ".join(f"{k} {v:.1f} s" for k, v in run.seconds.items())
        lines += ["", f"Wall time ({split}): {timing}.", ""]
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


def write(
    runs: Mapping[str, EvalRun], items: Mapping[str, Sequence[GoldItem]], out: Path, with_chart: bool = True
) -> list[Path]:
    """Write report.md, results.json and (if asked) chart.png into `out`; return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    chart_name = None
    main = runs.get("test") or next(iter(runs.values()))
    if with_chart and main.results:
        from eval.chart import draw

        chart_name = "chart.png"
        draw(main.summary(), CHART_METRICS, out / chart_name)
        written.append(out / chart_name)
    (out / "report.md").write_text(render(runs, items, chart_name), encoding="utf-8")
    data = {split: results_json(run) for split, run in runs.items()}
    (out / "results.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return [*written, out / "report.md", out / "results.json"]
