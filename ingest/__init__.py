"""Ingest: the report's text → attributed chunks (trust, section, page, speaker, source spans)."""

from ingest.chunker import CHUNKER_VERSION
from ingest.pipeline import ingest_file, ingest_text, is_pdf, read_source
from ingest.records import Block, Chunk, Document, DocumentInfo, Quote, Rating, Speaker, TrustInfo
from ingest.text import is_verbatim, normalise_ws

DEFAULT_SOURCE = "data/driving-improvement-mental-health-trusts.txt"

__all__ = [
    "CHUNKER_VERSION",
    "DEFAULT_SOURCE",
    "Block",
    "Chunk",
    "Document",
    "DocumentInfo",
    "Quote",
    "Rating",
    "Speaker",
    "TrustInfo",
    "ingest_file",
    "ingest_text",
    "is_pdf",
    "is_verbatim",
    "normalise_ws",
    "read_source",
]
