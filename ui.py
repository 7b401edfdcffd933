"""`python ui.py`: the chat over CQC's "Driving improvement" report, served on http://127.0.0.1:7860.

Loads the index (building it first if it is missing, with a progress bar in the terminal), warms the embedding
model up, and serves the page. Never shares a public link unless `--share` is given. Gradio and the assistant
are imported inside functions, so `--help` is instant. The page itself lives in ui_parts/ (see its docstring);
`build_app(asst)` builds it around an assistant you already have (tests use a small or fake one).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_HOST = "127.0.0.1"  # local only; pass --host 0.0.0.0 to serve other machines
DEFAULT_PORT = 7860
WARM_UP_QUESTION = "How did trusts involve patients?"


def build_app(asst: Any, **options: Any):
    """The Gradio Blocks for `asst` (see ui_parts.app.build_app for the options)."""
    from ui_parts.app import build_app as build

    return build(asst, **options)


def launch(demo: Any, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, share: bool = False, **kwargs: Any):
    """`demo.launch` with the page's theme and stylesheet; returns what Gradio returns (app, local url, share url)."""
    from ui_parts.app import launch_options

    return demo.launch(server_name=host, server_port=port, share=share, **launch_options(), **kwargs)


def load_assistant(index_dir: str | None = None, *, rebuild: bool = True, progress: bool = True):
    """The assistant over the index in `index_dir` ($DI_INDEX_DIR or the cache folder), built if missing."""
    from dataclasses import replace

    from assistant import Assistant
    from index import IndexConfig

    config = IndexConfig()
    if index_dir:
        config = replace(config, out_dir=Path(index_dir))
    return Assistant.load(config, rebuild=rebuild, progress=progress)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)  # on stderr, beside the index build's progress bar


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python ui.py", description="Serve the chat over CQC's report.")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link (off by default)")
    parser.add_argument(
        "--feedback",
        help="JSON lines file for thumbs up/down (default: $DI_FEEDBACK or feedback/feedback.jsonl)",
    )
    parser.add_argument("--index", help="index folder (default: $DI_INDEX_DIR or ~/.cache/driving-improvement/index)")
    parser.add_argument("--no-rebuild", action="store_true", help="fail instead of rebuilding a missing/stale index")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from errors import AssistantError

    say("Loading the index (it is built first if missing: up to a minute, with a progress bar)…")
    start = time.perf_counter()
    try:
        asst = load_assistant(args.index, rebuild=not args.no_rebuild, progress=True)
        say(f"Index ready: {len(asst.chunks)} passages ({time.perf_counter() - start:.1f} s). Loading the model…")
        asst.ask(WARM_UP_QUESTION)  # the first question loads the embedding model; pay that before anyone waits
    except AssistantError as e:
        say(f"error: {e}")
        return 1
    from ui_parts.feedback import default_path

    feedback = Path(args.feedback) if args.feedback else default_path()
    say(f"Ready in {time.perf_counter() - start:.1f} s. Feedback is appended to {feedback}.")
    demo = build_app(asst, feedback_path=feedback)
    try:
        launch(demo, args.host, args.port, share=args.share)
    except OSError as e:
        say(f"error: cannot serve on {args.host}:{args.port}: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
