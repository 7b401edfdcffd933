"""`python -m index build | info | search`: the index stage's command line, and the only place it prints.

Library errors (errors.AssistantError) become one line on stderr and exit code 2; `info` exits 1 when the
index is damaged or stale. Heavy libraries are imported inside the commands, so `--help` stays instant.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from errors import AssistantError


def _positive(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def _config_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", "--corpus", dest="source", type=Path,
                   help="a report (PDF, text or Markdown) or a folder of them, indexed together (default: the "
                        "bundled CQC report)")
    p.add_argument(
        "--out", type=Path, help="index folder (default: $DI_INDEX_DIR, else ~/.cache/driving-improvement/index for "
                                 "the report and index-<hash> beside it for any other source)"
    )
    p.add_argument(
        "--model", help="sentence-transformers name or local path (default: $DI_MODEL or bundled MiniLM)"
    )
    p.add_argument("--vectors", choices=("flat", "hnsw"), help="FAISS index kind (default: flat, exact)")
    p.add_argument("--no-stem", action="store_true", help="BM25 without stemming")
    p.add_argument("--batch-size", type=_positive, help="embedding batch size (default: 32)")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m index", description="Build, inspect and query the index.")
    sub = p.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build the index (only what changed is embedded again)")
    _config_flags(build)
    build.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    info = sub.add_parser("info", help="show an index's manifest and verify its files")
    info.add_argument("dir", nargs="?", type=Path, help="index folder (default: as for build)")
    info.add_argument("--corpus", type=Path, help="the index of this report or folder (default: the bundled report)")
    search = sub.add_parser("search", help="print the best chunks for a query as JSON lines")
    search.add_argument("query")
    search.add_argument("-k", type=_positive, default=10, help="number of hits (default: 10)")
    search.add_argument("--mode", choices=("dense", "bm25", "hybrid"), default="hybrid")
    search.add_argument("--trust", help="only chunks about this trust (exact name)")
    search.add_argument("--no-rebuild", action="store_true", help="fail instead of rebuilding a stale index")
    search.add_argument("--embedder", choices=("auto", "onnx", "torch"),
                        help="how the query is embedded (default: $DI_EMBEDDER or auto)")
    _config_flags(search)
    return p


def _config(args: argparse.Namespace) -> Any:
    from index.config import IndexConfig

    # paths typed on the command line are relative to the working directory (the library's, to the project)
    flags = {"source": args.source and args.source.absolute(), "out_dir": args.out and args.out.absolute(),
             "model": args.model, "vectors": args.vectors, "batch_size": args.batch_size,
             "query_embedder": getattr(args, "embedder", None)}
    config = replace(IndexConfig(), **{k: v for k, v in flags.items() if v is not None})
    return replace(config, stem=False) if args.no_stem else config


def cmd_build(args: argparse.Namespace) -> int:
    from index import build, load_or_build

    config = _config(args)
    idx = build(config, progress=True) if args.force else load_or_build(config, progress=True)
    b = idx.manifest["build"]
    if not idx.built:
        print(f"{len(idx.chunks)} chunks in {idx.dir}: up to date (built {b['built_at']}); --force rebuilds")
        return 0
    print(f"{len(idx.chunks)} chunks in {idx.dir}: built, embedded {b['embedded']}, reused {b['reused']} "
          f"({b['seconds']} s)")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from index import verify
    from index.config import IndexConfig
    from index.store import read_manifest

    folder = args.dir or (IndexConfig(source=args.corpus.absolute()) if args.corpus else IndexConfig()).out_path
    manifest, _ = read_manifest(folder)
    problems = []
    if manifest is not None:
        try:
            rows = _summary(folder, manifest)
        except (KeyError, TypeError, ValueError) as e:  # a valid checksum over a manifest of another shape
            rows = []
            problems.append(f"the manifest lacks an expected entry ({e})")
        for label, value in rows:
            print(f"{label:<9} {value}")
    problems += verify(folder)
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    verdict = f"{len(problems)} problem(s); `python -m index build` rebuilds it" if problems else "OK"
    print(f"status    {verdict}")
    return 1 if problems else 0


def _summary(folder: Path, m: dict[str, Any]) -> list[tuple[str, str]]:
    sections = ("source", "chunker", "model", "vectors", "bm25", "counts", "build")
    src, ch, model, vec, bm, n, b = (m[k] for k in sections)
    stem = "stemmed" if bm["stem"] else "unstemmed"
    return [
        ("index", f"{folder} (format {m['format_version']}, built {b['built_at']} in {b['seconds']} s)"),
        ("source", f"{src['path']} ({src['bytes']:,} bytes, sha256 {src['sha256'][:16]}…)"),
        *[("document", f"{d['file']}: {d['title']} ({d['pages']} pages, {d['chunks']} chunks, "
                       f"sha256 {d['sha256'][:16]}…)") for d in m.get("documents", [])],
        ("chunker", f"{ch['version']} {json.dumps(ch['settings'], ensure_ascii=False)}"),
        ("model", f"{model['id']} ({model['dim']} dims, normalised={model['normalize']}, "
                  f"weights sha256 {str(model['weights_sha256'])[:16]}…)"),
        ("vectors", f"FAISS {vec['kind']}, {vec['metric']}"),
        ("bm25", f"{bm['method']} k1={bm['k1']} b={bm['b']}, {stem}, stopwords {bm['stopwords']}"),
        ("counts", f"{n['chunks']} chunks, {n['vectors']} vectors, {n['bm25_docs']} BM25 documents, "
                   f"{n['sentences']} sentence vectors (embedded {b['embedded']}, reused {b['reused']} from the "
                   "cache)"),
        ("versions", ", ".join(f"{k} {v}" for k, v in m["versions"].items())),
        ("files", ", ".join(m["files"])),
    ]


def cmd_search(args: argparse.Namespace) -> int:
    from index import load_or_build

    idx = load_or_build(_config(args), rebuild=not args.no_rebuild, progress=True)
    among = idx.where(lambda c: c.trust == args.trust) if args.trust else None
    for hit in idx.search(args.query, k=args.k, mode=args.mode, among=among):
        c = hit.chunk
        row = {"rank": hit.rank, "id": c.id, "score": round(hit.score, 6), "document": c.document, "trust": c.trust,
               "section": c.section, "page": c.page, "text": c.text}
        print(json.dumps(row, ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    command = {"build": cmd_build, "info": cmd_info, "search": cmd_search}[args.command]
    try:
        return command(args)
    except BrokenPipeError:  # `| head` closed the pipe: not an error
        sys.stderr.close()
        return 0
    except AssistantError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
