"""Security: the chat opens no door on the machine it runs on.

- It listens on 127.0.0.1 only and never opens a share link, even when GRADIO_SERVER_NAME / GRADIO_SHARE say so.
- Gradio is pinned at a release with no known advisories; nothing in the project unpickles (np.load is always
  called with allow_pickle=False; no pickle, dill, joblib, shelve, marshal or torch.load).
- Gradio's file routes refuse /etc/passwd, `../` and %2f-encoded traversal, the project's own files, the feedback
  log and the index; the proxy and the URL-fetching file route refuse loopback (SSRF).
- A stranger's Origin is not echoed in Access-Control-Allow-Origin.
- Feedback is JSON lines that stay one object per line whatever the question held; log lines quote user text.

The served app wraps the assistant over the real report with the fake embedder (no model).
"""

from __future__ import annotations

import ast
import contextlib
import http.client
import inspect
import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import tokenize
import tomllib
import uuid
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(1)>\x00\nsecond line\r\n\u2028third\u0085fourth"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def feedback_path(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("feedback") / "feedback.jsonl"


@pytest.fixture(scope="module")
def demo(fake_assistant, feedback_path):
    import ui

    return ui.build_app(fake_assistant, feedback_path=feedback_path)


@pytest.fixture(scope="module")
def served(demo) -> Iterator[tuple[str, int]]:
    import ui

    port = free_port()
    served = ui.launch(demo, "127.0.0.1", port, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", port
    finally:
        served.close()


def get_raw(port: int, path: str, method: str = "GET", headers: dict[str, str] | None = None,
            body: str | None = None) -> tuple[int, Any, bytes]:
    """One request with `path` sent exactly as written (no client-side normalisation of `..` or `%2f`)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


# -- local only, no share link -------------------------------------------------------------------------------------
def test_defaults_are_loopback_and_no_share_link():
    import ui

    args = ui.parse_args([])
    assert ui.DEFAULT_HOST == args.host == "127.0.0.1" and args.share is False
    launch = inspect.signature(ui.launch).parameters
    assert launch["host"].default == "127.0.0.1" and launch["share"].default is False


def test_the_page_sends_no_analytics(demo):
    assert demo.analytics_enabled is False


def listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp*) with a socket listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def outward_address() -> str | None:
    """This machine's address on its default route (no packet is sent), or None without a network."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))
            address = s.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_served_ui_listens_on_loopback_only_even_if_the_environment_asks_otherwise(tmp_path):
    from index import IndexConfig, load_or_build

    load_or_build(IndexConfig(out_dir=tmp_path / "index", model="fake"))
    port = free_port()
    env = {**os.environ, "DI_MODEL": "fake", "DI_INDEX_DIR": str(tmp_path / "index"),
           "GRADIO_SERVER_NAME": "0.0.0.0", "GRADIO_SHARE": "True", "GRADIO_ANALYTICS_ENABLED": "True"}
    log = (tmp_path / "ui.log").open("w+")
    proc = subprocess.Popen([sys.executable, "ui.py", "--port", str(port), "--feedback", str(tmp_path / "fb.jsonl")],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not listening_addresses(port):
            assert proc.poll() is None, (tmp_path / "ui.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the UI did not start listening within 120 s"
            time.sleep(0.2)
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and nothing else (no 0.0.0.0, no IPv6)
        status, _, body = get_raw(port, "/")
        assert status == 200 and b"<html" in body.lower()
        other = outward_address()
        if other is not None:
            with socket.socket() as s, pytest.raises(OSError):
                s.settimeout(5)
                s.connect((other, port))
        time.sleep(1)  # a share link would be announced right after startup
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    output = (tmp_path / "ui.log").read_text()
    assert "gradio.live" not in output and "public URL" not in output.lower(), output[-3000:]


# -- pinned Gradio, no pickle -----------------------------------------------------------------------------------------
MIN_GRADIO = (6, 20)  # older 6.x releases have published advisories (file access, SSRF); see the README


def release(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


def test_gradio_is_pinned_at_a_release_without_known_advisories():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = dict(re.match(r"([A-Za-z0-9_.-]+)==(\S+)$", d).groups() for d in project["dependencies"])
    dev = dict(re.match(r"([A-Za-z0-9_.-]+)==(\S+)$", d).groups() for d in project["optional-dependencies"]["dev"])
    assert release(pins["gradio"]) >= MIN_GRADIO
    assert version("gradio") == pins["gradio"], "the installed Gradio is not the pinned one"
    assert version("gradio_client") == dev["gradio_client"]


FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"}


def project_python_files() -> list[Path]:
    skip = {".venv", ".git", "tests", "build", "__pycache__", ".hypothesis", ".pytest_cache", ".ruff_cache"}
    return [p for p in sorted(ROOT.rglob("*.py")) if not skip & set(p.relative_to(ROOT).parts)]


def code_names(path: Path) -> list[str]:
    """The names used in `path`'s code (comments and strings, docstrings included, left out)."""
    with path.open("rb") as f:
        return [t.string for t in tokenize.tokenize(f.readline) if t.type == tokenize.NAME]


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else "?"


def test_no_pickle_anywhere_in_the_project():
    files = project_python_files()
    assert {"assistant/core.py", "index/store.py", "ui.py"} <= {p.relative_to(ROOT).as_posix() for p in files}
    problems, np_loads = [], 0
    for path in files:
        where = path.relative_to(ROOT).as_posix()
        names = set(code_names(path))
        problems += [f"{where}: uses {n}" for n in sorted(names & FORBIDDEN_MODULES)]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            called = dotted(node.func)
            keywords = {k.arg: k.value for k in node.keywords}
            if called in ("torch.load", "load") and "torch" in names:
                problems.append(f"{where}:{node.lineno}: torch.load")
            if "allow_pickle" in keywords and not (
                isinstance(keywords["allow_pickle"], ast.Constant) and keywords["allow_pickle"].value is False
            ):
                problems.append(f"{where}:{node.lineno}: allow_pickle is not False")
            if called in ("np.load", "numpy.load"):
                np_loads += 1
                if "allow_pickle" not in keywords:
                    problems.append(f"{where}:{node.lineno}: np.load without allow_pickle=False")
    assert not problems, problems
    assert np_loads >= 2  # index/store.py and assistant/sentences.py load arrays: the check above saw them


def test_bm25_files_are_read_without_pickle():
    import bm25s

    assert inspect.signature(bm25s.BM25.load).parameters["allow_pickle"].default is False


# -- file routes ------------------------------------------------------------------------------------------------------
def traversal_paths() -> list[str]:
    up = "..%2f" * 8
    return [
        "/gradio_api/file=/etc/passwd",
        "/file=/etc/passwd",
        "/gradio_api/file/etc/passwd",
        "/file/etc/passwd",
        "/gradio_api/file=%2fetc%2fpasswd",
        "/gradio_api/file=%2F%2Fetc%2Fpasswd",
        "/gradio_api/file=//etc/passwd",
        f"/gradio_api/file={up}etc%2fpasswd",
        "/gradio_api/file=../../../../../../../../etc/passwd",
        "/gradio_api/file=%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/gradio_api/file=%252e%252e%252f%252e%252e%252f%252e%252e%252fetc%252fpasswd",
        "/gradio_api/file=..\\..\\..\\..\\..\\..\\etc\\passwd",
        "/gradio_api/file=/etc/passwd%00.png",
        "/gradio_api/file=file:///etc/passwd",
        "/gradio_api/file=/tmp/gradio/../../etc/passwd",
        "/gradio_api/file=/proc/self/environ",
        "/static/../../../../../../../../etc/passwd",
        f"/static/{up}etc%2fpasswd",
        "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        f"/assets/{up}etc%2fpasswd",
        f"/svelte/{up}etc%2fpasswd",
        f"/gradio_api/custom_component/x/client/js/{up}etc%2fpasswd",
        f"/gradio_api/run-history/records/a/b/assets/{up}etc%2fpasswd",
    ]


@pytest.mark.parametrize("path", traversal_paths())
def test_file_routes_refuse_traversal(served, path):
    assert b"root:" in Path("/etc/passwd").read_bytes()  # so "root:" in a body would mean the file leaked
    status, _, body = get_raw(served[1], path)
    assert 400 <= status < 500, (status, body[:200])
    assert b"root:" not in body


def test_file_routes_refuse_the_projects_own_files(served, feedback_path, fake_assistant):
    index_dir = Path(fake_assistant.index.dir)
    secrets = [ROOT / "ui.py", ROOT / "pyproject.toml", ROOT / "data" / "driving-improvement-mental-health-trusts.txt",
               ROOT / ".git" / "config", index_dir / "manifest.json", index_dir / "chunks.jsonl"]
    feedback_path.parent.mkdir(parents=True, exist_ok=True)
    with feedback_path.open("a", encoding="utf-8") as f:
        f.write(json.dumps({"question": "a private question", "vote": "up"}) + "\n")
    for path in [*secrets, feedback_path]:
        assert path.is_file(), path
        for asked in (str(path), os.path.relpath(path, ROOT)):
            status, _, body = get_raw(served[1], f"/gradio_api/file={asked}")
            assert 400 <= status < 500, (asked, status)
            assert path.read_bytes()[:64] not in body


def test_file_and_proxy_routes_refuse_to_fetch_loopback_urls(served):
    _, port = served
    for path in (f"/gradio_api/file=http://127.0.0.1:{port}/config", f"/gradio_api/file=http://localhost:{port}/config",
                 f"/gradio_api/proxy=http://127.0.0.1:{port}/config", "/gradio_api/file=http://169.254.169.254/latest"):
        status, _, body = get_raw(port, path)
        assert 400 <= status < 500, (path, status, body[:200])


def test_monitoring_does_not_reveal_its_key(served):
    status, _, body = get_raw(served[1], "/monitoring")
    assert b"/monitoring/" not in body and status in (200, 403, 404)


# -- CORS --------------------------------------------------------------------------------------------------------------
EVIL = "https://evil.example"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/config"), ("GET", "/gradio_api/info"), ("OPTIONS", "/gradio_api/queue/join"),
     ("OPTIONS", "/gradio_api/call/ask"), ("OPTIONS", "/gradio_api/upload"), ("POST", "/gradio_api/call/ask")],
)
@pytest.mark.parametrize("origin", [EVIL, "null", "http://127.0.0.1.evil.example"])
def test_a_strangers_origin_is_not_allowed(served, method, path, origin):
    _, port = served
    headers = {"Origin": origin, "Content-Type": "application/json"}
    if method == "OPTIONS":
        headers["Access-Control-Request-Method"] = "POST"
    status, response, _ = get_raw(port, path, method, headers, body='{"data": []}' if method == "POST" else None)
    allowed = response.get("Access-Control-Allow-Origin")
    assert allowed not in (origin, "*"), (status, allowed)


def test_a_strangers_page_cannot_store_files_through_the_upload_route(served):
    import httpx

    url, _ = served
    response = httpx.post(f"{url}gradio_api/upload", headers={"Origin": EVIL}, timeout=30,
                          files={"files": ("x.html", b"<script>alert(1)</script>" + b" " * 1_000_000, "text/html")})
    if response.status_code == 200:
        for stored in map(Path, response.json()):  # leave nothing behind in Gradio's cache
            stored.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                stored.parent.rmdir()
    assert 400 <= response.status_code < 500, response.status_code


def test_the_pages_own_origin_is_allowed(served):
    """The control for the test above: the header is there when it should be, so its absence means something."""
    _, port = served
    origin = f"http://127.0.0.1:{port}"
    _, response, _ = get_raw(port, "/config", headers={"Origin": origin})
    assert response.get("Access-Control-Allow-Origin") == origin


# -- feedback and logs ----------------------------------------------------------------------------------------------
def queue_call(url: str, session: str, fn_index: int, data: list[Any], event_data: Any = None,
               trigger_id: int | None = None) -> dict[str, Any]:
    """One event through the queue, as the page itself sends it; returns the completion message."""
    import httpx

    body = {"data": data, "fn_index": fn_index, "session_hash": session, "event_data": event_data,
            "trigger_id": trigger_id}
    # json.dumps escapes lone surrogates, as a browser's JSON.stringify does (httpx's json= would refuse them)
    joined = httpx.post(f"{url}gradio_api/queue/join", content=json.dumps(body), timeout=30,
                        headers={"Content-Type": "application/json"})
    assert joined.status_code == 200, joined.text
    event_id, buffer = joined.json()["event_id"], ""
    with httpx.stream("GET", f"{url}gradio_api/queue/data", params={"session_hash": session}, timeout=60) as stream:
        for text in stream.iter_text():
            buffer += text
            while "\n" in buffer:  # split on "\n" only: the data may hold U+2028, which iter_lines would split on
                line, buffer = buffer.split("\n", 1)
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("msg") == "process_completed" and message.get("event_id") == event_id:
                        return message
    raise AssertionError("the event never completed")


def fn_index(demo, name: str) -> tuple[int, Any]:
    for i, fn in demo.fns.items():
        if fn.api_name == name or (fn.fn is not None and fn.fn.__name__ == name):
            return i, fn
    raise LookupError(name)


def test_feedback_on_a_hostile_question_stays_one_json_object_per_line(served, demo, feedback_path):
    url, _ = served
    question = HOSTILE
    session = uuid.uuid4().hex[:12]
    chat, _ = fn_index(demo, "chat")
    like, like_fn = fn_index(demo, "on_like")
    before = feedback_path.read_bytes().count(b"\n") if feedback_path.exists() else 0
    asked = queue_call(url, session, chat, [question, None, [], [], True, True])
    assert asked["success"], asked
    shown = asked["output"]["data"][0]
    assert len(shown) == 2 and "<script" not in json.dumps(shown)
    chatbot_id = like_fn.targets[0][0]
    for liked in (True, False):
        voted = queue_call(url, session, like, [None], {"index": 1, "value": None, "liked": liked}, chatbot_id)
        assert voted["success"], voted
    raw = feedback_path.read_bytes()
    lines = raw.decode("utf-8").split("\n")
    assert lines[-1] == "" and len(lines) - 1 == before + 1  # the changed vote replaced the first
    rows = [json.loads(line) for line in lines[before:-1]]
    assert all(isinstance(row, dict) for row in rows)
    assert [row["vote"] for row in rows] == ["down"]
    assert rows[0]["question"] == question  # kept as typed, and only as data
    assert rows[0]["chunk_ids"] and all(isinstance(i, str) for i in rows[0]["chunk_ids"])
    assert b"\x00" not in raw and b"\r" not in raw  # control characters are escaped by json.dumps


def test_a_vote_on_a_question_with_a_lone_surrogate_is_saved(fake_assistant, tmp_path):
    # a browser sends a lone surrogate escaped ("\ud800" in JSON.stringify's output); the server gets it as text
    from assistant.records import Filters
    from ui_parts.chat import Session, respond
    from ui_parts.feedback import FeedbackLog, save_vote

    session = respond(fake_assistant, Session(), "how did oxleas fix bed occupancy? \ud800", Filters())
    assert session.exchanges[-1].answer is not None
    _, level, _ = save_vote(FeedbackLog(tmp_path / "feedback.jsonl"), session, 1, True)
    assert level == "info"
    (line,) = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").split("\n")[:-1]
    assert json.loads(line)["question"].startswith("how did oxleas fix bed occupancy?")


class Failing:
    """An assistant that fails with a message echoing the question, as a careless library might."""

    sections = ("Governance",)

    def ask(self, question, conversation=None, filters=None):
        raise RuntimeError(f"boom on {question}")

    def ask_history(self, question, history=(), filters=None):
        raise RuntimeError(f"boom on {question}")


def test_log_lines_quote_user_text_and_the_page_shows_no_traceback(caplog):
    from assistant.records import Filters
    from ui_parts.chat import Session, api_answer, respond

    with caplog.at_level(logging.ERROR):
        session = respond(Failing(), Session(), HOSTILE, Filters())
        record = api_answer(Failing(), HOSTILE, [], Filters())
    shown = session.messages()[-1]["content"]
    assert "Traceback" not in shown and "boom" not in shown and "boom" not in record["answer"]
    assert caplog.records, "the failure was not logged"
    for entry in caplog.records:
        message = entry.getMessage()
        assert "\n" not in message and "\x00" not in message and "\u2028" not in message, message
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    for entry in caplog.records:
        handler.emit(logging.makeLogRecord({**entry.__dict__, "exc_info": None, "exc_text": None}))
    assert buffer.getvalue().count("\n") == len(caplog.records)  # one line each: a question cannot forge log lines
