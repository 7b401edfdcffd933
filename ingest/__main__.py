"""`python -m ingest PATH [--stats | --trusts]`: chunks as JSON lines, a readable summary, or the trusts."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from errors import AssistantError
from ingest.pipeline import ingest_file
from ingest.records import Document


def stats(doc: Document) -> str:
    chunks = doc.chunks
    lines = [f"{doc.path}: {len(chunks)} chunks over {len(doc.page_starts)} pages (sha256 {doc.sha256[:12]}…)"]

    def table(title: str, counter: Counter) -> None:
        lines.append(f"\n{title}")
        for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            lines.append(f"  {n:4d}  {key}")

    table("Chunks per trust", Counter(c.trust or f"({c.part})" for c in chunks))
    table("Chunks per section", Counter(c.section or "(intro)" for c in chunks))
    table("Chunks per kind", Counter(c.kind for c in chunks))
    speakers: dict[tuple[str, str | None, str | None], int] = Counter()
    for c in chunks:
        for q in c.quotes:
            speakers[(q.name, q.role, q.trust)] += 1
    lines.append(f"\nSpeakers found ({len({k[0] for k in speakers})} people, {sum(speakers.values())} quotations)")
    for (name, role, trust), n in sorted(speakers.items(), key=lambda kv: (kv[0][2] or "", kv[0][0])):
        lines.append(f"  {n:3d}  {name}, {role or '(role not given)'} — {trust or '(report)'}")
    pages: dict[int, int] = Counter(c.page for c in chunks)
    lines.append("\nChunks per page: " + " ".join(f"{p}:{n}" for p, n in sorted(pages.items())))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    parser.add_argument("path", help="a PDF, or a text or Markdown file (UTF-8)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--stats", action="store_true", help="print a readable summary instead of chunks")
    group.add_argument("--trusts", action="store_true", help="print the trusts and rating histories as JSON")
    args = parser.parse_args(argv)
    try:
        doc = ingest_file(args.path)
    except AssistantError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.stats:
        print(stats(doc))
    elif args.trusts:
        print(json.dumps([t.to_dict() for t in doc.trusts], indent=2, ensure_ascii=False))
    else:
        try:
            for chunk in doc.chunks:
                sys.stdout.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
        except BrokenPipeError:  # `| head` closed the pipe: not an error
            sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
