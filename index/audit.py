"""`verify(dir)`: is an index folder intact, and up to date with the inputs its manifest names?

Unlike `load_or_build`, which compares an index with the config asked for, this checks an index against its
own recorded settings (the source path and model it names, today's chunker), so `info` can judge any folder.
It only reads: it never repairs, rebuilds or loads a model.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from errors import AssistantError, IndexStale
from index import store
from index.config import IndexConfig
from index.embedder import make_embedder
from index.pipeline import Chunker, IngestChunker


def verify(dir: str | Path, *, chunker: Chunker | None = None) -> list[str]:
    """Problems found in the index at `dir`; empty when it is intact and fresh (`chunker`: default ingest)."""
    folder = Path(dir)
    manifest, problems = store.read_manifest(folder)
    if manifest is None:
        return problems
    try:
        config = replace(IndexConfig.from_resolved(manifest["config"]), out_dir=folder)
    except (KeyError, TypeError, ValueError) as e:
        return [f"{store.MANIFEST} has no usable config ({e})"]
    want: dict = {}
    for name, probe in (
        ("source", lambda: {"source_sha256": store.source_sha256(config.source_path)}),
        ("chunker", lambda: {"chunker_version": (chunker or IngestChunker()).version}),
        ("model", lambda: {"model": _model(config)}),
    ):
        try:
            want.update(probe())
        except AssistantError as e:
            problems.append(f"cannot check the {name}: {e}")
    try:
        store.read(folder, store.Expected(**want))
    except IndexStale as e:
        problems.extend(e.reasons)
    return problems


def _model(config: IndexConfig) -> tuple[str, str | None]:
    embedder = make_embedder(config)
    return embedder.id, embedder.weights_sha256
