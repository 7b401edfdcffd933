"""Index: chunks → dense vectors (FAISS) + BM25 (bm25s) in one verified folder on disk; search over both.

    from index import load_or_build
    idx = load_or_build()                       # verifies, rebuilds if stale
    hits = idx.search("bed occupancy", k=5)     # hybrid: dense and BM25 fused (index/fusion.py)
    s = idx.scores("bed occupancy")             # every chunk's cosine and BM25, for callers that rank themselves

Heavy libraries (torch, sentence-transformers, faiss, bm25s) are imported only when first needed.
"""

from index.audit import verify
from index.config import BUNDLED_MODEL, IndexConfig
from index.embedder import Embedder, FakeEmbedder, SentenceTransformerEmbedder, embedded_text, make_embedder
from index.fusion import Fusion, fuse
from index.pipeline import Chunker, IngestChunker, build, load_or_build
from index.records import Hit
from index.search import Index, Mode, Scores

__all__ = [
    "BUNDLED_MODEL",
    "Chunker",
    "Embedder",
    "FakeEmbedder",
    "Fusion",
    "Hit",
    "Index",
    "IndexConfig",
    "IngestChunker",
    "Mode",
    "Scores",
    "SentenceTransformerEmbedder",
    "build",
    "embedded_text",
    "fuse",
    "load_or_build",
    "make_embedder",
    "verify",
]
