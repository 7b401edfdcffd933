"""`python -m eval.ablations [--out FILE]`: what each of the assistant's mechanisms is worth, on dev and on test.

Every row switches one mechanism off (or to its alternative) in `AssistantConfig`, everything else at its default,
and runs the assistant over both splits through the same scorer as `python -m eval`. Settings were chosen on dev;
the test columns say whether a choice holds on questions it was not chosen on. A last part compares BM25 with and
without stemming for BM25 alone, plain hybrid search and the assistant (a second index is built in a temporary
folder, about 20 s). Writes `eval/ablations.md`. Left out: interactions between mechanisms (one at a time only).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from assistant import Assistant, AssistantConfig
from eval.gold import SPLITS, load_gold, split_path
from eval.run import evaluate
from eval.systems import AssistantSystem
from index import Fusion, IndexConfig, load_or_build, make_embedder
from ingest.pipeline import read_source

METRICS = ("recall@5", "MRR", "recall@2000ch", "trust_cov", "speaker_acc", "abstain_unans", "false_abstain")
SHORT = {"recall@5": "R@5", "MRR": "MRR", "recall@2000ch": "R@2k", "trust_cov": "trust", "speaker_acc": "spkr",
         "abstain_unans": "abst", "false_abstain": "f.abst"}
OUT = Path(__file__).resolve().parent / "ablations.md"


def variants(base: AssistantConfig) -> dict[str, dict]:
    """Label -> the config fields that switch one mechanism off (or to its alternative)."""
    return {
        "fusion: reciprocal rank fusion (the index's default) instead of weighted": dict(fusion=Fusion()),
        "fusion: weighted, dense 0.7": dict(fusion=replace(base.fusion, dense_weight=0.7)),
        "no boost for a chunk quoting a person the question names": dict(person_boost=0.0),
        "'what did X say?' searches everything, not X's own words": dict(own_words=False),
        "no boost for a phrase the user quoted": dict(phrase_boost=0.0),
        "BM25 keeps the trust's own name when searching inside it": dict(strip_scope_names=False),
        "a question about a trust: not from the report's own text naming it": dict(report_mentions=False),
        "'what does the foreword say …?' searches the whole report": dict(parts_named=False),
        "no breadth: never 'about the trusts'": dict(breadth_trusts=10_000, diversity=1.0),
        "'which trust …?' (singular) answered as about the trusts when several have material": dict(
            singular_focus=False),
        "breadth without sentence evidence (every chunk relevant)": dict(relevance_cut=0.0),
        "focused answers padded to five extracts (no evidence cut)": dict(focused_cut=0.0),
        "focused answers ranked by chunk score alone (not + half their best sentence's evidence)": dict(
            focused_evidence_weight=0.0),
        "no boost for a run of typed words the report prints in one passage only": dict(typed_phrase_boost=0.0),
        "no bonus for a sentence naming or quoting the person asked about": dict(person_sentence_bonus=0.0),
        "a question the report asks ('What were the obstacles …?') scores as any sentence": dict(asking_penalty=0.0),
        "no key themes first": dict(overview_first=False),
        "no shared heading naming the subject ('Involving patients …')": dict(theme_sections=False),
        "no shared heading nearest in meaning adding the trusts without material": dict(theme_similarity=0.0),
        "no boost for a section heading the question names ('calderstones culture')": dict(heading_boost=0.0),
        "extracts: bearing sentences only, never whole paragraphs": dict(whole_paragraph_words=0, whole_chunk_words=0),
        "extracts: short chunks trimmed to their bearing paragraphs too": dict(whole_chunk_words=0),
        "extracts: breadth answers show short chunks whole too": dict(breadth_chunk_words=base.whole_chunk_words),
        "extracts: breadth answers shortened even when few trusts have material": dict(short_from_trusts=0),
        "extracts: breadth answers keep sentences at half the best (as focused ones)": dict(
            breadth_bearing_ratio=base.bearing_ratio),
        "breadth: a trust's material cut against the best anywhere (report text too)": dict(case_relative=False),
        "breadth: a trust below the cut is left out (no nearest passage above the floor)": dict(
            case_floor=base.relevance_cut),
        "an extract quoting the person asked about cites whoever is quoted first": dict(asked_first=False),
        "a best line retelling someone's view ('X thought …') cited to whoever is quoted beside it": dict(
            reported_views=False),
        "a pull quote keeps its place over the running text it reprints": dict(prefer_running_text=False),
        "no check that a year asked about is in the evidence": dict(check_years=False),
        "an outcome the evidence tells only as still to come ('results are imminent') is answered": dict(
            check_pending=False),
        "a figure asked of a word the report never uses is still answered": dict(check_measured_words=False),
        "the rating of an organisation it names but does not cover answered without one": dict(check_rating=False),
        "'what did <someone> say?' answered whoever the someone is": dict(check_sayer=False),
        "'what rating did X get?' searched, not answered from the histories": dict(bare_rating=False),
        "'what about X?' answered even when X has nothing relevant": dict(switch_cut=0.0),
        "extracts: whole paragraphs for breadth answers too": dict(breadth_paragraph_words=base.whole_paragraph_words),
        "follow-ups: only questions with no words of their own lean": dict(weak_alone=0.0, follow_coherence=99.0),
        "follow-ups: a chunk already shown sinks (novelty 0.3)": dict(novelty_penalty=0.3),
        "follow-ups: 'those <something>' stands alone when long or strong; '<trust> … like that?' is new": dict(
            pointing_leans=False),
        "follow-ups: a follow-up to a follow-up follows on from the chain's first question only": dict(chain_topics=0),
        "a role asked of a trust answered by someone of any trust in it": dict(role_in_scope=False),
        "a role at a body it names ('the chief executive of cqc') answered without the two named together": dict(
            role_at_body=False),
        "follow-ups: 'who said <words of its own>?' may lean on the last answer": dict(own_words_stand=False),
        "a new question naming no trust does not lean on the conversation's trust": dict(context_boost=0.0),
        "'what else …?' may show again what the last answer showed": dict(more_is_new=False),
        "no check that the kind of answer asked for is shown": dict(check_answer_kind=False),
        "no check for unknown words, names or years": dict(unknown_share=99.0),
        "unknown words counted against every subject word, however common ('report')": dict(common_share=1.01),
        "no evidence-strength floor": dict(min_dense=-1.0, min_bm25=-1.0),
        "no higher floor for a question naming nothing of the report": dict(min_dense_unnamed=0.0),
        "a misspelt trust name searched as typed (its reading still told)": dict(respell_names=False),
        "no loose reading of misspelt trust names": dict(name_similarity=101.0),
        "no reading of misspelt words as the report's (spelling)": dict(spelling_similarity=101.0),
        "spelling: two letters swapped read only when the ratio allows ('saftey' left as typed)": dict(
            spelling_swaps=False),
        "no reading of initials as the name the report prints ('elft')": dict(acronyms=False),
        "no reading of an unknown word as a role title ('ceo')": dict(role_similarity=2.0),
        "a role asked about ('who is the medical director?') not read as its holders": dict(role_holders=False),
    }


def row(label: str, by_split: dict[str, dict], base: dict[str, dict] | None) -> str:
    cells = []
    for split in SPLITS:
        for m in METRICS:
            v = by_split[split].get(m)
            if v is None:
                cells.append("–")
            elif base is None:
                cells.append(f"{v:.3f}")
            else:
                d = v - base[split][m]
                cells.append("0" if abs(d) < 5e-4 else f"{d:+.3f}")
    return f"| {label} | " + " | ".join(cells) + " |"


def header() -> str:
    cols = [f"{split} {SHORT[m]}" for split in SPLITS for m in METRICS]
    return "| variant | " + " | ".join(cols) + " |\n|" + "---|" * (len(cols) + 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"markdown file to write (default {OUT})")
    parser.add_argument("--no-stemming-part", action="store_true", help="skip the second index (stemming off)")
    args = parser.parse_args()
    started = time.perf_counter()
    items = {s: load_gold(split_path(s)) for s in SPLITS}
    config = IndexConfig()
    source, _ = read_source(config.source_path)
    embedder = make_embedder(config)
    index = load_or_build(config, embedder=embedder)
    base_cfg = AssistantConfig()
    asst = Assistant.from_index(index, base_cfg)

    def measure(cfg: AssistantConfig, idx=index, names=("assistant",)) -> dict[str, dict[str, dict]]:
        out: dict[str, dict[str, dict]] = {}
        # built anew for each variant: some settings (name and spelling readings) take effect when it is built
        variant = asst if cfg == base_cfg else Assistant.from_index(index, cfg)
        for split, rows in items.items():
            def make(name, a=variant):
                if name == "assistant":
                    return AssistantSystem(a)
                raise KeyError(name)

            if idx is index:
                run = evaluate(rows, names, idx, source, make=make if names == ("assistant",) else None)
            else:
                run = evaluate(rows, names, idx, source)
            for name, summary in run.summary().items():
                out.setdefault(name, {})[split] = summary
        return out

    lines = ["# Ablations", "", "Each row switches one mechanism of `AssistantConfig` off (or to its alternative), "
             "everything else at its default; cells are the change from the default. Settings were chosen on "
             f"dev; test was never tuned on. With {len(items['dev'])} (dev) and {len(items['test'])} (test) "
             "questions, changes under ~0.01 (dev) and ~0.02 (test) overall are one or two questions. Command: "
             "`python -m eval.ablations`.", "",
             "## Mechanisms (assistant)", "", header()]
    base = measure(base_cfg)["assistant"]
    lines.append(row("**default** (absolute values)", base, None))
    print("\n".join(lines), flush=True)
    for label, change in variants(base_cfg).items():
        line = row(label, measure(replace(base_cfg, **change))["assistant"], base)
        lines.append(line)
        print(line, flush=True)
    if not args.no_stemming_part:
        lines += ["", "## Stemming in BM25 (absolute values)", "", header()]
        print("\n".join(lines[-3:]), flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            plain = load_or_build(IndexConfig(out_dir=Path(tmp) / "index", stem=False), embedder=embedder)
            for stem, idx in (("on", index), ("off", plain)):
                results = measure(base_cfg, idx, ("bm25", "hybrid-chunks", "assistant"))
                for name, by_split in results.items():
                    line = row(f"{name}, stemming {stem}", by_split, None)
                    lines.append(line)
                    print(line, flush=True)
    lines += ["", f"Wall time {time.perf_counter() - started:.0f} s.", ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
