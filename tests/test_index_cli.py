"""`python -m index`: build / info / search on the real report with the fake model, exit codes, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SOURCE

from index.__main__ import main

pytest.importorskip("ingest.chunker", reason="the ingest stage is not available")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli_index(tmp_path, capsys) -> list[str]:
    """Flags for an index of the real report built with the fake model in a temp folder (built here)."""
    flags = ["--source", str(SOURCE), "--out", str(tmp_path / "idx"), "--model", "fake"]
    code, out, err = run(capsys, "build", *flags)
    assert code == 0, err
    assert "chunks in" in out and "built, embedded" in out
    return flags


def test_build_info_search(cli_index, capsys, tmp_path):
    code, out, err = run(capsys, "info", str(tmp_path / "idx"))
    assert code == 0, err
    assert "status    OK" in out and "fake-hashed-bow-64" in out and "driving-improvement" in out
    code, out, _ = run(capsys, "search", "bed occupancy", "-k", "3", "--mode", "bm25", "--no-rebuild", *cli_index)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 3 and [r["rank"] for r in rows] == [1, 2, 3]
    assert set(rows[0]) == {"rank", "id", "score", "document", "trust", "section", "page", "text"}
    assert any("bed" in r["text"].lower() for r in rows)
    code, out, _ = run(capsys, "build", *cli_index)  # up to date: nothing embedded
    assert code == 0 and "up to date" in out
    code, out, _ = run(capsys, "build", "--force", *cli_index)
    assert code == 0 and "embedded 0, reused" in out


def test_info_names_damage_and_exits_nonzero(cli_index, capsys, tmp_path):
    folder = tmp_path / "idx"
    (folder / "vectors.faiss").write_bytes(b"\0" * 10)
    code, out, err = run(capsys, "info", str(folder))
    assert code == 1
    assert "vectors.faiss" in err and "problem" in out
    code, out, err = run(capsys, "search", "beds", "--no-rebuild", *cli_index)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "vectors.faiss" in err and err.count("\n") == 1
    code, out, err = run(capsys, "search", "beds", "-k", "1", *cli_index)  # rebuilds, then answers
    assert code == 0 and len(out.splitlines()) == 1


def test_errors_are_one_line(capsys, tmp_path):
    code, out, err = run(capsys, "build", "--source", str(tmp_path / "missing.txt"), "--out", str(tmp_path / "i"),
                         "--model", "fake")
    assert code == 2 and out == "" and err.count("\n") == 1 and "missing.txt" in err
    code, _, err = run(capsys, "info", str(tmp_path / "nothing"))
    assert code == 1 and "no index at" in err
    with pytest.raises(SystemExit):
        main(["search", "x", "-k", "0"])


def test_help_imports_nothing_heavy():
    probe = (
        "import sys\n"
        "from index.__main__ import parser\n"
        "parser().format_help()\n"
        "heavy = {'torch', 'faiss', 'bm25s', 'sentence_transformers', 'transformers', 'Stemmer'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    help_text = subprocess.run([sys.executable, "-m", "index", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert help_text.returncode == 0 and "build" in help_text.stdout and "search" in help_text.stdout


def test_relative_paths_are_relative_to_the_working_directory(capsys, tmp_path, monkeypatch):
    (tmp_path / "r.txt").write_text("Bed occupancy was high.\n\nStaff morale improved.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "build", "--source", "r.txt", "--out", "idx", "--model", "fake")
    assert code == 0, err
    assert (Path(tmp_path) / "idx" / "manifest.json").is_file()
