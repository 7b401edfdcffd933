"""Ingest: the report's text → attributed chunks (trust, section, page, speaker, source spans)."""

from ingest.records import Block, Chunk, Document, Quote, Rating, Speaker, TrustInfo
from ingest.text import is_verbatim, normalise_ws

DEFAULT_SOURCE = "data/driving-improvement-mental-health-trusts.txt"

__all__ = [
    "DEFAULT_SOURCE",
    "Block",
    "Chunk",
    "Document",
    "Quote",
    "Rating",
    "Speaker",
    "TrustInfo",
    "is_verbatim",
    "normalise_ws",
]
