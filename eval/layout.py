"""How far two ingests of the same report agree on attribution, sentence by sentence (e.g. the PDF against the
text extraction): `python -m eval.layout REFERENCE OTHER`.

Each chunk's text is split into sentences; a sentence printed once in each document is matched by its words
(whitespace aside), and its trust, page, kind, section and speaker are compared. A sentence's page is where its
words start in the document's own text; its speaker is the speaker of a quotation that covers it. Sentences
printed more than once (a pull quote that repeats the body) are left out, and counted.
"""

from __future__ import annotations

import argparse
import bisect
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ingest.records import Document
from ingest.text import normalise_ws, split_sentences

FIELDS = ("trust", "page", "kind", "section", "speaker")


@dataclass(frozen=True)
class Agreement:
    reference: int  # sentences printed once in the reference
    matched: int  # of those, found printed once in the other document
    ambiguous: int  # reference sentences printed more than once (left out)
    agree: dict[str, float]  # field -> share of matched sentences on which both agree
    quoted: int  # matched sentences inside a quotation with a speaker (in the reference)

    def lines(self) -> list[str]:
        out = [f"sentences in the reference: {self.reference} (+{self.ambiguous} printed more than once, left out)",
               f"found in the other: {self.matched} ({self.matched / max(1, self.reference):.1%})"]
        out += [f"  {f:8s} agrees on {v:.1%}" + (f" (of {self.quoted} quoted)" if f == "speaker" else "")
                for f, v in self.agree.items()]
        return out


def _sentences(doc: Document) -> dict[str, dict[str, object]]:
    """normalised sentence -> its attributes; a sentence seen twice maps to an empty dict."""
    flat, raw_at = _normalised(doc.text)
    out: dict[str, dict[str, object]] = {}
    for c in doc.chunks:
        for a, b in split_sentences(c.text):
            key = normalise_ws(c.text[a:b])
            if len(key.split()) < 4:
                continue
            if key in out:
                out[key] = {}
                continue
            where = flat.find(key)
            page = bisect.bisect_right(doc.page_starts, raw_at[where]) if where >= 0 else c.page
            speaker = next((q.name for q in c.quotes if q.start <= a and b <= q.end + 2), None)
            if speaker is None and c.kind == "quote" and c.speaker:
                speaker = c.speaker.name
            out[key] = {"trust": c.trust, "page": page, "kind": c.kind, "section": c.section, "speaker": speaker}
    return out


def _normalised(text: str) -> tuple[str, list[int]]:
    """`text` with whitespace runs collapsed, and the raw offset of each of its characters."""
    chars, at = [], []
    for m in re.finditer(r"\S+", text):
        if chars:
            chars.append(" ")
            at.append(m.start())
        chars.append(m.group())
        at.extend(range(m.start(), m.end()))
    return "".join(chars), at


def agreement(reference: Document, other: Document) -> Agreement:
    ref, oth = _sentences(reference), _sentences(other)
    once = {k: v for k, v in ref.items() if v}
    matched = {k: (v, oth[k]) for k, v in once.items() if oth.get(k)}
    agree: Counter[str] = Counter()
    quoted = 0
    for r, o in matched.values():
        for f in FIELDS[:-1]:
            agree[f] += r[f] == o[f]
        if r["speaker"]:
            quoted += 1
            agree["speaker"] += r["speaker"] == o["speaker"]
    n = max(1, len(matched))
    shares = {f: agree[f] / (max(1, quoted) if f == "speaker" else n) for f in FIELDS}
    return Agreement(len(once), len(matched), len(ref) - len(once), shares, quoted)


def main(argv: list[str] | None = None) -> int:
    from errors import AssistantError
    from ingest import ingest_file

    parser = argparse.ArgumentParser(prog="python -m eval.layout", description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path, help="e.g. the text extraction")
    parser.add_argument("other", type=Path, help="e.g. the PDF")
    args = parser.parse_args(argv)
    try:
        result = agreement(ingest_file(args.reference), ingest_file(args.other))
    except AssistantError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print("\n".join(result.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
