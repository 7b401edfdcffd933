"""Crash safety: a build killed with SIGKILL part-way leaves the previous index loadable and byte-identical.

The build runs in a child process with a fake embedder that announces itself and then stalls, so the kill
lands at a known phase: while embedding, or after the new folder is written but before it is swapped in.
The swap itself is tested by recreating what a crash inside it would leave, and on the fallback path.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import ROOT, SYNTHETIC_REPORT, ParagraphChunker

from index import FakeEmbedder, build, load_or_build
from index.fsutil import aside_path

CHILD = """
import sys, time, pathlib
sys.path[:0] = [{root!r}, {tests!r}]
from conftest import ParagraphChunker
import index.pipeline
from index import FakeEmbedder, IndexConfig, build

mark = pathlib.Path({mark!r})

def put(text):  # atomically: the parent never reads a half-written mark
    tmp = mark.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(mark)

class Stalling(FakeEmbedder):
    def encode_documents(self, texts, progress=False):
        if {phase!r} == "embedding":
            put("embedding")
            time.sleep(600)
        return super().encode_documents(texts, progress)

real_swap = index.pipeline.swap_in
def stalling_swap(new, target):
    put("swap")
    time.sleep(600)
    real_swap(new, target)
index.pipeline.swap_in = stalling_swap

config = IndexConfig(source={source!r}, out_dir={out!r})
build(config, embedder=Stalling(name="slow"), chunker=ParagraphChunker())
"""


def build_fake(config):
    return build(config, embedder=FakeEmbedder(), chunker=ParagraphChunker())


def load(config, rebuild: bool = False):
    return load_or_build(config, rebuild=rebuild, embedder=FakeEmbedder(), chunker=ParagraphChunker())


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("phase", ["embedding", "swap"])
def test_sigkill_mid_build_leaves_previous_index(index_config, tmp_path, phase):
    build(index_config, embedder=FakeEmbedder(), chunker=ParagraphChunker())
    folder = index_config.out_path
    before = snapshot(folder)
    mark = tmp_path / "mark"
    script = textwrap.dedent(CHILD).format(
        root=str(ROOT), tests=str(ROOT / "tests"), mark=str(mark), phase=phase,
        source=str(index_config.source_path), out=str(folder),
    )
    child = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not mark.exists():
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else "child exited"
            assert time.monotonic() < deadline, "the child build never reached the phase"
            time.sleep(0.02)
        assert mark.read_text() == phase
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    assert snapshot(folder) == before
    leftovers = [p.name for p in folder.parent.iterdir() if p.name.startswith(".index.tmp-")]
    assert bool(leftovers) == (phase == "swap")  # the folder is made only after embedding
    idx = load_or_build(index_config, rebuild=False, embedder=FakeEmbedder(), chunker=ParagraphChunker())
    assert len(idx.chunks) == 8
    # the next build clears what the dead one left behind
    build(index_config, embedder=FakeEmbedder(), chunker=ParagraphChunker())
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".index.tmp-")]


def test_crash_between_renames_is_recovered(index_config):
    build_fake(index_config)
    folder = index_config.out_path
    before = snapshot(folder)
    folder.rename(aside_path(folder))  # as if killed after renaming the old index aside
    leftover = folder.with_name(f".{folder.name}.tmp-dead")
    leftover.mkdir()
    idx = load(index_config)
    assert snapshot(folder) == before and not aside_path(folder).exists() and not leftover.exists()
    assert len(idx.chunks) == 8


def test_fallback_swap_without_rename_exchange(index_config, monkeypatch):
    import index.fsutil as fsutil

    monkeypatch.setattr(fsutil, "_exchange", lambda a, b: False)
    build_fake(index_config)
    index_config.source_path.write_text(SYNTHETIC_REPORT.replace("six", "five"), encoding="utf-8")
    load(index_config, rebuild=True)
    load(index_config)
    assert sorted(p.name for p in index_config.out_path.parent.iterdir()) == [
        ".index.lock", "index", "report.txt"
    ]
