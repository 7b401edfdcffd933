"""Load test of the chat UI: concurrent gradio_client sessions asking questions, with latency and rejections.

    .venv/bin/python benchmarks/load_ui.py [--sessions 25] [--questions 10] [--endpoint chat|ask] [--in-process]
                                          [--fake] [--timeout 600] [--queue-size N] [--hostile N]

By default it starts `python ui.py` as a child process on a free port on 127.0.0.1 (what `make run` serves: the
real model, the index in $DI_INDEX_DIR or the cache folder, the app's own queue settings) and waits for it to
answer. `--in-process` builds the app here instead (client and server then share one interpreter; `--fake` uses
the fake embedder, `--queue-size` overrides the queue's limit, e.g. to see rejections). Each session is its own
`gradio_client.Client`, so its own conversation; it asks its questions one after another, each waiting for the
previous answer, as a person would. Questions come from the eval gold set, a different run of 10 per session.

The run is bounded: sessions x questions calls at most, and a global timeout after which unfinished calls count
as timed out; it then stops the server it started and exits by itself. Reports: calls answered, errors (goal 0),
queue-full rejections, timeouts, latency p50/p95/p99/max per call (client side: queue wait + answer + transport)
and throughput; exit code 0 only when every call was answered. `--hostile N` runs the same load twice, first
alone, then while N threads at another loopback address (127.0.0.2) send the largest requests the limits allow to
/ask (a 2,000-character question, 20 earlier questions of 2,000 characters, 50 trust names) as fast as they are
accepted, and prints the normal users' p50/p95 for both beside each other. Left out: browser rendering.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gold_questions() -> list[str]:
    lines = (ROOT / "eval" / "gold" / "dev.jsonl").read_text(encoding="utf-8").split("\n")
    return [json.loads(line)["question"] for line in lines if line.strip()]


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # anything but an answer (rejections and timeouts excluded)
    rejected: int = 0  # queue full
    timed_out: int = 0
    not_started: int = 0  # calls never made because the global timeout had passed
    sessions_failed: int = 0  # the client could not even connect

    def add(self, kind: str, value: Any = None) -> None:
        with self.lock:
            if kind == "ok":
                self.latencies_ms.append(value)
            elif kind == "rejected":
                self.rejected += 1
            elif kind == "timeout":
                self.timed_out += 1
            elif kind == "not started":
                self.not_started += value
            elif kind == "session":
                self.sessions_failed += 1
                self.errors.append(value)
            else:
                self.errors.append(value)


def check_reply(endpoint: str, result: Any, turn: int) -> str | None:
    """None when `result` looks like an answer; otherwise what is wrong with it."""
    if endpoint == "chat":
        messages, box = result
        if box != "" or len(messages) != 2 * turn:
            return f"chat reply has {len(messages)} messages after {turn} questions"
        return None
    if not isinstance(result, dict) or "extracts" not in result:
        return f"ask reply is not a record: {str(result)[:120]}"
    return None


def session(url: str, endpoint: str, questions: list[str], clock: dict[str, float], results: Results,
            start: threading.Barrier) -> None:
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
    except Exception as e:  # counted and reported, never raised: a load test reports
        results.add("session", f"cannot connect: {type(e).__name__}: {e}")
        start.wait()
        return
    start.wait()  # every session begins at once, when all are connected; that sets the deadline
    deadline = clock["deadline"]
    answered = 0  # questions this session's conversation holds (a rejected one is not in it)
    for turn, question in enumerate(questions, start=1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            results.add("not started", len(questions) - turn + 1)
            return
        t0 = time.perf_counter()
        try:
            if endpoint == "chat":
                job = client.submit(question, api_name="/chat")
            else:
                job = client.submit(question, [], api_name="/ask")
            result = job.result(timeout=remaining)
        except TimeoutError:
            results.add("timeout")
            results.add("not started", len(questions) - turn)
            return
        except Exception as e:
            text = f"{type(e).__name__}: {e}"
            results.add("rejected" if "queue is full" in text.lower() else "error", text)
            continue
        elapsed = (time.perf_counter() - t0) * 1e3
        problem = check_reply(endpoint, result, answered + 1)
        if problem:
            results.add("error", problem)
        else:
            results.add("ok", elapsed)
            answered += 1


def wait_until_serving(url: str, proc: subprocess.Popen | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"the UI exited with code {proc.returncode} before serving")
        try:
            with urllib.request.urlopen(url + "config", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"the UI did not answer within {timeout:.0f} s")
        time.sleep(0.5)


def start_subprocess(port: int, feedback: Path, startup_timeout: float) -> subprocess.Popen:
    log = open(feedback.parent / "ui.log", "w")  # noqa: SIM115 -- the child writes to it until we stop it
    proc = subprocess.Popen([sys.executable, "ui.py", "--port", str(port), "--feedback", str(feedback)], cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/", proc, startup_timeout)
    except BaseException:
        stop(proc)
        print((feedback.parent / "ui.log").read_text()[-3000:], file=sys.stderr)
        raise
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # the child's own process group (start_new_session): only what we started
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=25, help="concurrent sessions (default 25)")
    parser.add_argument("--questions", type=int, default=10, help="questions per session (default 10)")
    parser.add_argument("--endpoint", choices=("chat", "ask"), default="chat",
                        help="the page's /chat (per-session conversation; default) or the stateless /ask")
    parser.add_argument("--in-process", action="store_true", help="serve the app in this process")
    parser.add_argument("--fake", action="store_true", help="with --in-process: the fake embedder (no model)")
    parser.add_argument("--queue-size", type=int, help="with --in-process: the queue's max size (app default 64)")
    parser.add_argument("--timeout", type=float, default=600, help="global timeout for the load, seconds")
    parser.add_argument("--startup-timeout", type=float, default=300, help="seconds to wait for the UI to start")
    parser.add_argument("--hostile", type=int, default=0, metavar="N",
                        help="run the load alone, then again beside N hostile threads (see above)")
    args = parser.parse_args()
    if (args.fake or args.queue_size) and not args.in_process:
        parser.error("--fake and --queue-size need --in-process")

    questions = gold_questions()
    plan = [[questions[(s * 10 + i) % len(questions)] for i in range(args.questions)] for s in range(args.sessions)]
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    workdir = Path(tempfile.mkdtemp(prefix="load-ui-"))
    proc = served = None
    t = time.perf_counter()
    if args.in_process:
        import ui
        from assistant import Assistant
        from index import IndexConfig

        config = IndexConfig(model="fake", out_dir=workdir / "index") if args.fake else IndexConfig()
        asst = Assistant.load(config)
        asst.ask(ui.WARM_UP_QUESTION)
        options = {"queue_size": args.queue_size} if args.queue_size else {}
        demo = ui.build_app(asst, feedback_path=workdir / "feedback.jsonl", **options)
        served = ui.launch(demo, "127.0.0.1", port, quiet=True)
        wait_until_serving(url, None, args.startup_timeout)
    else:
        proc = start_subprocess(port, workdir / "feedback.jsonl", args.startup_timeout)
    startup = time.perf_counter() - t
    server = "in-process" + (" (fake embedder)" if args.fake else "") if args.in_process else f"ui.py (pid {proc.pid})"
    print(f"serving {url} from {server}; ready in {startup:.1f} s", flush=True)

    try:
        if args.hostile:
            quiet = run_load(url, plan, args)
            stop_flag = threading.Event()
            counts: dict[int, int] = {}
            hostiles = [threading.Thread(target=hostile, args=(port, stop_flag, counts), daemon=True)
                        for _ in range(args.hostile)]
            for h in hostiles:
                h.start()
            loud = run_load(url, plan, args)
            stop_flag.set()
            q, lo = quiet[0].latencies_ms, loud[0].latencies_ms
            print(f"normal users alone:          p50 {pct(q, 50):.0f} ms  p95 {pct(q, 95):.0f} ms  "
                  f"({len(q)} answered, {len(quiet[0].errors)} errors)")
            print(f"with a hostile client ({args.hostile} threads): p50 {pct(lo, 50):.0f} ms  "
                  f"p95 {pct(lo, 95):.0f} ms  ({len(lo)} answered, {len(loud[0].errors)} errors); "
                  f"hostile calls by status: {counts}")
            results, wall, stuck = loud
        else:
            results, wall, stuck = run_load(url, plan, args)
    finally:
        if proc is not None:
            stop(proc)
        if served is not None:
            served.close()
    report(results, wall, stuck, args)
    return 0 if ok(results, args) else 1


def hostile(port: int, stop_flag: threading.Event, counts: dict[int, int]) -> None:
    """The largest requests the limits allow, from 127.0.0.2, until told to stop; counts replies by status."""
    import http.client

    data = ["how did trusts involve patients? " * 60, ["how did oxleas fix bed occupancy? " * 58] * 20,
            ["Oxleas NHS Foundation Trust"] * 50, [], []]
    body = json.dumps({"data": data})
    while not stop_flag.is_set():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120, source_address=("127.0.0.2", 0))
        try:
            conn.request("POST", "/gradio_api/call/ask", body=body, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            reply = r.read()
            counts[r.status] = counts.get(r.status, 0) + 1
            if r.status == 200:  # wait for the answer, as a client would
                conn.request("GET", f"/gradio_api/call/ask/{json.loads(reply)['event_id']}")
                conn.getresponse().read()
            else:
                time.sleep(0.05)
        except OSError:
            counts[0] = counts.get(0, 0) + 1
        finally:
            conn.close()


def run_load(url: str, plan: list[list[str]], args: argparse.Namespace) -> tuple[Results, float, int]:
    results = Results()
    clock: dict[str, float] = {}
    start = threading.Barrier(args.sessions + 1,
                              action=lambda: clock.update(deadline=time.monotonic() + args.timeout))
    threads = [
        threading.Thread(target=session, args=(url, args.endpoint, plan[s], clock, results, start), daemon=True)
        for s in range(args.sessions)
    ]
    for th in threads:
        th.start()
    start.wait(timeout=args.startup_timeout)
    t0 = time.perf_counter()
    for th in threads:
        th.join(timeout=max(0.0, clock["deadline"] - time.monotonic()) + 30)
    return results, time.perf_counter() - t0, sum(th.is_alive() for th in threads)


def ok(results: Results, args: argparse.Namespace) -> bool:
    calls = args.sessions * args.questions
    return not results.errors and not results.rejected and not results.timed_out and len(results.latencies_ms) == calls


def report(results: Results, wall: float, stuck: int, args: argparse.Namespace) -> None:
    calls = args.sessions * args.questions
    lat = results.latencies_ms
    print(f"sessions: {args.sessions} x {args.questions} questions = {calls} calls to /{args.endpoint}, "
          f"global timeout {args.timeout:.0f} s")
    print(f"answered: {len(lat)}   errors: {len(results.errors)} (goal 0)   queue-full rejections: "
          f"{results.rejected}   timed out: {results.timed_out}   not started: {results.not_started}"
          + (f"   sessions still running at the end: {stuck}" if stuck else ""))
    if lat:
        print(f"latency per call (ms): p50 {pct(lat, 50):.0f}  p95 {pct(lat, 95):.0f}  p99 {pct(lat, 99):.0f}  "
              f"max {max(lat):.0f}  mean {sum(lat) / len(lat):.0f}")
    print(f"wall time: {wall:.1f} s   throughput: {len(lat) / wall:.2f} answers/s")
    for e in sorted(set(results.errors))[:10]:
        print(f"error: {e[:300]} (x{results.errors.count(e)})")


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # do not wait for stuck daemon threads or the client's heartbeat threads
