"""Shared fixtures. The real report is ingested once per test session (it takes ~0.3 s)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SOURCE = ROOT / "data" / "driving-improvement-mental-health-trusts.txt"


@pytest.fixture(scope="session")
def source_path() -> str:
    return str(SOURCE)


@pytest.fixture(scope="session")
def doc(source_path):
    from ingest import ingest_file

    return ingest_file(source_path)
