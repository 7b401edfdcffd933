"""`python -m eval [--split dev|test] [--quick] [--system NAME]... [--out DIR]` and `python -m eval feedback FILE`.

The first runs the systems over the gold splits (both by default: `test` is reported first and never tuned on)
and writes report.md, chart.png and results.json (default: into `eval/`); the second prints candidate gold
items from UI feedback. This is the only eval module that prints.
Project errors become one line on stderr and exit code 2. Heavy imports wait until a command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from errors import AssistantError

EVAL_DIR = Path(__file__).resolve().parent
QUICK_STEP = 4  # --quick asks every 4th gold question


def run_parser() -> argparse.ArgumentParser:
    from eval.run import SYSTEM_NAMES

    p = argparse.ArgumentParser(
        prog="python -m eval",
        description="Run the assistant and the baselines over the gold questions and write a report.",
        epilog="Also: `python -m eval feedback FILE` turns UI feedback into candidate gold items.",
    )
    p.add_argument("--quick", action="store_true", help=f"every {QUICK_STEP}th gold question only")
    p.add_argument("--system", action="append", choices=SYSTEM_NAMES, metavar="NAME",
                   help=f"run only this system (repeatable): {', '.join(SYSTEM_NAMES)}")
    p.add_argument("--out", type=Path, default=EVAL_DIR, help="folder for report.md, chart.png, results.json")
    p.add_argument("--split", choices=("dev", "test"), action="append",
                   help="run only this split (repeatable; default: both)")
    p.add_argument("--gold", type=Path, help="a gold file to run instead of the splits (reported as 'custom')")
    p.add_argument("--no-chart", action="store_true", help="skip the PNG chart")
    p.add_argument("--corpus", type=Path, metavar="DIR",
                   help="answer from an index of this folder (the report with other documents beside it) to see "
                        "whether they get in the way; the gold questions stay this report's")
    return p


def feedback_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval feedback",
                                description="Print candidate gold items (JSON lines) from a UI feedback file.")
    p.add_argument("file", type=Path, help="feedback JSON lines (question, history, answer, chunk_ids, vote, time)")
    return p


def run(args: argparse.Namespace) -> int:
    from eval import report
    from eval.gold import DEFAULT_SOURCE, SPLITS, load_gold, split_path
    from eval.run import SYSTEM_NAMES, Factory, evaluate
    from index import IndexConfig, load_or_build

    started = time.perf_counter()
    if args.gold:
        items = {"custom": load_gold(args.gold)}
    else:
        items = {s: load_gold(split_path(s)) for s in (args.split or SPLITS)}
    if args.quick:
        items = {s: rows[::QUICK_STEP] for s, rows in items.items()}
    names = list(dict.fromkeys(args.system or SYSTEM_NAMES))
    config = IndexConfig(source=args.corpus.absolute()) if args.corpus else IndexConfig()
    index = load_or_build(config, progress=bool(args.corpus))
    loaded = time.perf_counter() - started
    sizes = ", ".join(f"{s} {len(rows)}" for s, rows in items.items())
    print(f"index ready in {loaded:.1f} s ({len(index.chunks)} chunks); questions: {sizes}", file=sys.stderr)
    source = DEFAULT_SOURCE.read_text(encoding="utf-8")
    factory = Factory(index, source, config.out_path.parent / "eval-cache")  # systems built once, for every split
    runs = {}
    for split, rows in items.items():
        split_started = time.perf_counter()
        run = evaluate(
            rows, names, index, source,
            optional=() if args.system else ("assistant",),  # the full run goes on without an assistant
            progress=lambda line, s=split: print(f"[{s}] {line}", file=sys.stderr),
            make=factory.make,
        )
        run.seconds = {"index load": round(loaded, 2), **run.seconds,
                       "total": round(time.perf_counter() - split_started, 2)}
        runs[split] = run
    for path in report.write(runs, items, args.out, with_chart=not args.no_chart):
        print(path)
    for split, run in runs.items():
        for name, why in run.skipped.items():
            print(f"[{split}] skipped {name}: {why}", file=sys.stderr)
        print(f"[{split}] fingerprint {run.fingerprint()}", file=sys.stderr)
    print(f"done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


def feedback(args: argparse.Namespace) -> int:
    from eval.feedback import candidates
    from eval.gold import DEFAULT_SOURCE
    from ingest import ingest_file

    chunks = {c.id: c for c in ingest_file(DEFAULT_SOURCE).chunks}
    try:
        with args.file.open(encoding="utf-8") as fh:
            found = candidates(fh, chunks)
    except OSError as e:
        print(f"error: cannot read {args.file}: {e.strerror or e}", file=sys.stderr)
        return 2
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for item in found.items:
        print(json.dumps(item, ensure_ascii=False))
    print(f"{len(found.items)} candidates, {found.skipped} lines not up-voted, "
          f"{len(found.unknown)} unknown chunk ids, {len(found.bad)} malformed lines skipped"
          + (f" (lines {', '.join(map(str, found.bad[:10]))})" if found.bad else ""), file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] == ["feedback"]:
            return feedback(feedback_parser().parse_args(argv[1:]))
        return run(run_parser().parse_args(argv))
    except AssistantError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
