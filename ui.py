"""`python ui.py`: the chat over CQC's "Driving improvement" report, served on http://127.0.0.1:7860.

Loads the index (building it first if it is missing, with a progress bar in the terminal), warms the embedding
model up, and serves the page. Never shares a public link unless `--share` is given. Gradio and the assistant
are imported inside functions, so `--help` is instant. The page itself lives in ui_parts/ (see its docstring);
`build_app(asst)` builds it around an assistant you already have (tests use a small or fake one).
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
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


class Served:
    """A running server: its URL, and `close()` to stop it (waits for the server thread)."""

    def __init__(self, url: str, server: Any = None, thread: Any = None, demo: Any = None) -> None:
        self.url, self._server, self._thread, self._demo = url, server, thread, demo

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C stops it)."""
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(0.5)
        except KeyboardInterrupt:
            self.close()

    def close(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(10)
        if self._demo is not None:
            self._demo.close()


def launch(
    demo: Any,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    share: bool = False,
    allow_hosts: tuple[str, ...] = (),
    limits: Any = None,
    quiet: bool = False,
) -> Served:
    """Serve `demo` behind the edge guard (ui_parts/edge.py) on host:port, in a background thread.

    With `share`, Gradio's own launcher opens a public link (the guard then also admits *.gradio.live).
    """
    import uvicorn
    from fastapi import FastAPI
    from starlette.middleware import Middleware

    from ui_parts.app import launch_options
    from ui_parts.edge import EdgeGuard, EdgeLimits, HeadTimeoutH11, allowed_hosts

    limits = limits or EdgeLimits()
    hosts = allowed_hosts(host, allow_hosts)
    if share:
        guard = Middleware(EdgeGuard, hosts=(*hosts, "*.gradio.live"), port=None, limits=limits)
        _, local, shared = demo.launch(server_name=host, server_port=port, share=True, prevent_thread_lock=True,
                                       quiet=quiet, app_kwargs={"middleware": [guard]}, **launch_options())
        return Served(shared or local, demo=demo)
    import gradio as gr

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    gr.mount_gradio_app(app, demo, path="", server_name=host, server_port=port, **launch_options())
    guarded = EdgeGuard(app, hosts=hosts, port=port, limits=limits)
    HeadTimeoutH11.head_timeout = limits.head_timeout
    config = uvicorn.Config(guarded, host=host, port=port, http=HeadTimeoutH11, proxy_headers=limits.behind_proxy,
                            server_header=False, log_config=None, log_level="warning" if quiet else "info",
                            timeout_keep_alive=5, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="chat-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise OSError(f"the server did not start on {host}:{port}")
        time.sleep(0.02)
    shown = f"[{host}]" if ":" in host else host
    return Served(f"http://{shown}:{port}/", server, thread)


def load_assistant(
    index_dir: str | None = None, *, rebuild: bool = True, progress: bool = True, embedder: str | None = None,
    corpus: str | None = None,
):
    """The assistant over the index in `index_dir` ($DI_INDEX_DIR or the cache folder), built if missing;
    `embedder` is how queries are embedded (auto/onnx/torch, default $DI_EMBEDDER or auto); `corpus` a report or
    folder of reports to answer from instead of the bundled one."""
    from dataclasses import replace

    from assistant import Assistant
    from index import IndexConfig

    config = IndexConfig()
    if corpus:
        config = replace(config, source=Path(corpus).absolute())
    if index_dir:
        config = replace(config, out_dir=Path(index_dir))
    if embedder:
        config = replace(config, query_embedder=embedder)
    return Assistant.load(config, rebuild=rebuild, progress=progress)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)  # on stderr, beside the index build's progress bar


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python ui.py", description="Serve the chat over CQC's report.")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link (off by default)")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="also answer requests addressed to this host name (repeatable; loopback names always)")
    parser.add_argument("--behind-proxy", action="store_true",
                        help="trust X-Forwarded-* headers (only behind a proxy you run)")
    parser.add_argument(
        "--feedback",
        help="JSON lines file for thumbs up/down (default: $DI_FEEDBACK or feedback/feedback.jsonl)",
    )
    parser.add_argument("--index", help="index folder (default: $DI_INDEX_DIR or ~/.cache/driving-improvement/index)")
    parser.add_argument("--no-rebuild", action="store_true", help="fail instead of rebuilding a missing/stale index")
    parser.add_argument("--corpus", metavar="PATH",
                        help="serve a chat over this report or folder of reports (PDF, text, Markdown) instead of "
                             "the bundled one")
    parser.add_argument("--embedder", choices=("auto", "onnx", "torch"),
                        help="how questions are embedded: the index's ONNX export (auto: when it has one) or "
                             "sentence-transformers/torch (default: $DI_EMBEDDER or auto)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from errors import AssistantError

    say("Loading the index (it is built first if missing: up to a minute, with a progress bar)…")
    start = time.perf_counter()
    try:
        asst = load_assistant(args.index, rebuild=not args.no_rebuild, progress=True, embedder=args.embedder,
                              corpus=args.corpus)
        say(f"Index ready: {len(asst.chunks)} passages ({time.perf_counter() - start:.1f} s). Loading the model…")
        asst.ask(WARM_UP_QUESTION)  # the first question loads the embedding model; pay that before anyone waits
    except AssistantError as e:
        say(f"error: {e}")
        return 1
    from ui_parts.feedback import default_path

    feedback = Path(args.feedback) if args.feedback else default_path()
    say(f"Ready in {time.perf_counter() - start:.1f} s. Feedback is appended to {feedback}.")
    demo = build_app(asst, feedback_path=feedback)
    from ui_parts.edge import EdgeLimits, RepeatFilter

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RepeatFilter())  # a flood of identical errors is counted, not written out
    try:
        served = launch(demo, args.host, args.port, share=args.share, allow_hosts=tuple(args.allow_host),
                        limits=EdgeLimits(behind_proxy=args.behind_proxy))
    except OSError as e:
        say(f"error: cannot serve on {args.host}:{args.port}: {e}")
        return 1
    say(f"Serving {served.url} (Ctrl-C stops it).")
    served.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
