"""Does an extract contain a gold passage? A rule that does not care how either side was chunked.

The rule, precisely:

1. **Tokens.** Text is NFKC-normalised, lowercased, curly quotes and apostrophes (‘ ’ “ ” ′) become straight
   ones, and the tokens are the maximal runs of letters and digits, allowing an inner apostrophe (`what's`,
   `people's`). Everything else — punctuation, dashes, quote marks, `%`, the `,` in `3,800` — separates tokens
   and is dropped. So case, typography and punctuation never decide a match. The text's bullet marker (`zz`,
   how the report's bullet glyph came out of the PDF) is not a word either: a gold passage copied with it is
   found in an extract that shows the list without it, as our chunks do.
2. **Pieces.** An extract's text is split on the assistant's join marker `" … "` (space, ellipsis, space). A run
   of words never crosses a join, because the words either side of it are not adjacent in the report.
3. **Found.** A passage is found by an extract when the longest run of consecutive tokens that the passage
   shares with one piece of the extract is at least `min(MIN_RUN, number of passage tokens)`, MIN_RUN = 10.
   Ten words in a row mean the same sentence, yet an extract holding only part of a long passage (or a chunk
   that starts mid-passage) still counts. Why not 8: on this report 8 gave false matches — the stock phrase
   "mental health and learning disability services for around" (8 tokens) matched one trust's intro to
   another's, and a "Name, Director of Strategy and Corporate Affairs" byline matched a chunk that only
   mentions the person. At 10 every chunk that finds a gold passage shares at least half of it (tested), and
   gold passages have at least 10 words, so every one can still be found whole.
4. **One extract at a time.** A passage split across two extracts is found only if one of them alone holds a
   long enough run; coverage is not pooled. Rank metrics need *one* extract to credit, and pooling would let a
   list of fragments score like a quotation. A passage cut in two still counts whenever one side has 10
   tokens (always so from 20 tokens up); our chunks and the 200-character overlap of the fixed chunks hold
   almost every gold passage whole anyway.

5. **Whole (the strict rule, the headline).** A passage is *shown whole* by an extract when the passage's
   tokens that lie in shared runs of at least `min(MIN_RUN, passage tokens)` with the extract's pieces make up
   at least `WHOLE` (90%) of the passage. Runs may come from different pieces of the same extract, so a
   passage shown on both sides of a page break still counts; a passage whose middle sentence was left out, or
   whose first half only was shown, does not. The 10% slack absorbs a word the chunker joined differently at a
   line break. Gold passages are answers, so showing a tenth of one is not showing the answer: this is the
   rule the headline metrics use; the loose rule above is reported beside it.

Left out: fuzzy or semantic matching (a paraphrase of a passage is not found), and stemming.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from ingest.layout import BULLET_MARKER

MIN_RUN = 10  # consecutive shared tokens that make a passage "found"
WHOLE = 0.9  # share of a passage's tokens an extract must show for the passage to count as shown whole
JOIN = " … "  # how the assistant joins verbatim pieces of one chunk into an extract

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‛": "'", "′": "'", "`": "'", "“": '"', "”": '"', "„": '"'})
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


@lru_cache(maxsize=65536)
def tokens(text: str) -> tuple[str, ...]:
    """Lowercased word tokens of `text`, punctuation and quote style ignored (see the module docstring)."""
    norm = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return tuple(t for t in _TOKEN.findall(norm) if t != BULLET_MARKER)


def pieces(extract_text: str) -> tuple[str, ...]:
    """The verbatim pieces of an extract (one piece when it has no join marker)."""
    return tuple(extract_text.split(JOIN))


def longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest run of consecutive tokens that occurs in both `a` and `b`."""
    if not a or not b:
        return 0
    best = 0
    prev = [0] * (len(b) + 1)  # prev[j + 1]: length of the common run ending at a[i - 1] and b[j]
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b):
            if x == y:
                cur[j + 1] = prev[j] + 1
                if cur[j + 1] > best:
                    best = cur[j + 1]
        prev = cur
    return best


def threshold(passage: str, min_run: int = MIN_RUN) -> int:
    """Tokens that must be shared in a row for `passage` to count as found (0 for a passage without words)."""
    return min(min_run, len(tokens(passage)))


@lru_cache(maxsize=262144)
def finds(extract_text: str, passage: str, min_run: int = MIN_RUN) -> bool:
    """True when one piece of the extract shares a long enough run of consecutive words with the passage."""
    need = threshold(passage, min_run)
    if need == 0:
        return False  # a passage with no words cannot be found (and is rejected by the gold checker)
    # a shared run of >= need tokens exists iff the two sides share a need-gram: linear, not quadratic
    wanted = _grams(tokens(passage), need)
    return any(not wanted.isdisjoint(_grams(tokens(piece), need)) for piece in pieces(extract_text))


@lru_cache(maxsize=262144)
def coverage(extract_text: str, passage: str, min_run: int = MIN_RUN) -> float:
    """Share of the passage's tokens lying in runs of >= min(min_run, len) tokens shared with the extract."""
    ptoks = tokens(passage)
    need = threshold(passage, min_run)
    if need == 0:
        return 0.0
    starts: dict[tuple[str, ...], list[int]] = {}
    for i in range(len(ptoks) - need + 1):
        starts.setdefault(ptoks[i : i + need], []).append(i)
    covered = bytearray(len(ptoks))
    for piece in pieces(extract_text):
        for gram in _grams(tokens(piece), need):
            for i in starts.get(gram, ()):
                covered[i : i + need] = b"\x01" * need
    return sum(covered) / len(ptoks)


def shows_whole(extract_text: str, passage: str, min_run: int = MIN_RUN) -> bool:
    """True when the extract shows at least WHOLE of the passage (see rule 5 in the module docstring)."""
    return coverage(extract_text, passage, min_run) >= WHOLE


def _grams(toks: tuple[str, ...], n: int) -> set[tuple[str, ...]]:
    return {toks[i : i + n] for i in range(len(toks) - n + 1)}


def first_finder(
    extract_texts: Sequence[str], passage: str, min_run: int = MIN_RUN, *, whole: bool = False
) -> int | None:
    """1-based rank of the first extract that finds `passage` (or, with `whole`, shows it whole), or None."""
    test = shows_whole if whole else finds
    for rank, text in enumerate(extract_texts, start=1):
        if test(text, passage, min_run):
            return rank
    return None
