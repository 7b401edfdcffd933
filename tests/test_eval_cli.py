"""`python -m eval`: fast help, the feedback converter, and one real run under the model marker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from eval.__main__ import QUICK_STEP
from eval.feedback import candidates, is_up
from eval.gold import load_gold, split_path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "eval", *args], cwd=ROOT, capture_output=True, text=True, input=stdin, timeout=600
    )


def test_help_is_fast_and_imports_nothing_heavy() -> None:
    code = "import sys, eval.__main__ as m; m.run_parser(); m.feedback_parser(); print(sorted(" \
           "k for k in ('torch', 'sentence_transformers', 'faiss', 'matplotlib') if k in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr
    assert "--quick" in _run("--help").stdout


def test_unknown_system_is_refused() -> None:
    out = _run("--system", "nope")
    assert out.returncode == 2 and "invalid choice" in out.stderr


@pytest.mark.parametrize(("vote", "up"), [("up", True), (1, True), (True, True), ("down", False), (-1, False),
                                          (None, False), ("👍", True)])
def test_votes(vote, up: bool) -> None:
    assert is_up(vote) is up


def test_feedback_becomes_candidate_gold_items(doc) -> None:
    chunks = {c.id: c for c in doc.chunks}
    first, second = doc.chunks[40], doc.chunks[41]
    lines = [
        json.dumps({"question": "q1", "history": [], "answer": "a", "chunk_ids": [first.id, "gone"], "vote": "up",
                    "time": "2025-01-01T00:00:00"}),
        "",
        json.dumps({"question": "q2", "history": ["h"], "answer": "b", "chunk_ids": [second.id], "vote": "down",
                    "time": "2025-01-01T00:00:01"}),
    ]
    got = candidates(lines, chunks)
    assert got.skipped == 1 and got.unknown == ["gone"]
    (cand,) = got.items
    assert cand["id"] == "f001" and cand["type"] == "feedback" and cand["question"] == "q1"
    assert cand["relevant"] == [" ".join(first.text.split()[:30])]
    assert cand["trusts"] == ([first.trust] if first.trust else [])
    assert set(cand) == {"id", "type", "question", "history", "relevant", "trusts", "speaker", "answer"}
    broken = candidates(["{not json", lines[0], '{"question": "half a line', ""], chunks)
    assert broken.bad == (1, 3) and len(broken.items) == 1  # bad lines are counted and skipped, not fatal


def test_feedback_command(doc, tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    row = {"question": "q", "history": [], "answer": "a", "chunk_ids": [doc.chunks[0].id], "vote": "up", "time": "t"}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    out = _run("feedback", str(path))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["relevant"] == [" ".join(doc.chunks[0].text.split()[:30])]
    assert _run("feedback", str(tmp_path / "missing.jsonl")).returncode == 2


@pytest.mark.model
def test_quick_bm25_run_writes_the_report_twice_the_same(tmp_path: Path) -> None:
    fingerprints = []
    for name in ("a", "b"):
        out = _run("--quick", "--split", "dev", "--system", "bm25", "--out", str(tmp_path / name))
        assert out.returncode == 0, out.stderr
        for f in ("report.md", "results.json", "chart.png"):
            assert (tmp_path / name / f).stat().st_size > 0
        data = json.loads((tmp_path / name / "results.json").read_text(encoding="utf-8"))["dev"]
        wanted = [i.id for i in load_gold(split_path("dev"))[::QUICK_STEP]]
        assert list(data["results"]) == ["bm25"] and data["questions"] == wanted
        fingerprints.append(data["fingerprint"])
    assert fingerprints[0] == fingerprints[1]
    assert "| bm25 |" in (tmp_path / "a" / "report.md").read_text(encoding="utf-8")
