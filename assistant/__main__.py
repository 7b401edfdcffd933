"""`python -m assistant ask|chat|batch`: the assistant for people (markdown) and for scripts (JSON lines).

batch reads one JSON object per line on stdin, `{"id", "question", "history": [earlier user questions]}`, and
writes one line per input on stdout, in the same order:
`{"id", "answer", "extracts": [...], "trusts_covered", "abstained", "latency_ms", ...}` (the keys of
`assistant.wire.answer_record`, which `ask --json` prints too); a line it cannot use (not
JSON, not UTF-8, blank, no question) gets `{"id", "error"}` and the others are still answered. Output is strict
JSON (no NaN or Infinity).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from assistant.wire import answer_record
from errors import AssistantError


def _filters(args: argparse.Namespace):
    from assistant.records import Filters

    return Filters(
        trusts=tuple(args.trust or ()),
        sections=tuple(args.section or ()),
        kinds=tuple(args.kind or ()),
        documents=tuple(args.document or ()),
    )


def _load(args: argparse.Namespace):
    from dataclasses import replace

    from assistant import Assistant
    from index import IndexConfig

    config = IndexConfig()
    if getattr(args, "corpus", None):
        config = replace(config, source=Path(args.corpus).absolute())
    if args.index:
        config = replace(config, out_dir=args.index)
    if args.embedder:
        config = replace(config, query_embedder=args.embedder)
    return Assistant.load(config, rebuild=not args.no_rebuild, progress=sys.stderr.isatty())


def batch_record(asst, obj: Any) -> dict[str, Any]:
    """One batch output line for one parsed input line (never raises for bad input)."""
    if not isinstance(obj, dict):
        return {"id": None, "error": "each line must be a JSON object"}
    qid = obj.get("id")
    if "question" not in obj:
        return {"id": qid, "error": "no \"question\" field (each line: {\"id\", \"question\", \"history\"})"}
    question = obj.get("question")
    history = obj.get("history", [])
    start = time.perf_counter()
    try:
        answer = asst.ask_history(question, history if history is not None else [])
    except AssistantError as e:
        return {"id": qid, "error": str(e)}
    return {"id": qid, **answer_record(answer), "latency_ms": round((time.perf_counter() - start) * 1e3, 2)}


def _parse(line: str | bytes) -> Any:
    """The JSON value on one input line; ValueError saying why when there is none."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ValueError(f"not UTF-8 text (bad byte at offset {e.start})") from None
    try:
        return json.loads(line, parse_constant=_not_json, parse_float=_finite)
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON: {e.msg}") from None
    except RecursionError:  # json's parser recurses once per level of nesting
        raise ValueError("not valid JSON: nested too deeply to read") from None


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"not valid JSON: the number {text[:20]} is too large")
    return value


def _not_json(name: str) -> Any:
    """json.loads calls this for NaN, Infinity and -Infinity, which JSON does not have."""
    raise ValueError(f"not valid JSON: {name} is not a JSON value")


def run_batch(asst, lines, out) -> int:
    """Answer every line (str, or bytes to be read as UTF-8), one output line per input line, blank lines
    included (they get an error record); returns how many lines got an error record."""
    errors = 0
    for n, line in enumerate(lines, start=1):
        line = line[:-1] if line[-1:] in (b"\n", "\n") else line
        if not line.strip():
            record: dict[str, Any] = {"id": None, "line": n, "error": "empty line: each line must be a JSON object"}
            errors += 1
            out.write(json.dumps(record) + "\n")
            out.flush()
            continue
        try:
            obj = _parse(line)
        except ValueError as e:
            record = {"id": None, "line": n, "error": str(e)}
        else:
            record = batch_record(asst, obj)
        errors += "error" in record
        text = json.dumps(record, ensure_ascii=False, allow_nan=False)  # strict JSON out, always
        if _has_surrogates(text):  # "\ud800" is valid JSON but not UTF-8: write it escaped, as it came in
            text = json.dumps(record)
        out.write(text + "\n")
        out.flush()
    return errors


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


PROMPT = "you> "  # not ">", which starts the quoted lines of an answer
HELP = ("Ask about the report. Commands: 'new' starts a new chat, 'export FILE' saves this chat "
        "(FILE.md as Markdown, FILE.json as JSON), an empty line or Ctrl-D ends.")


def chat(asst, filters, read=input, write=print) -> None:
    """The terminal chat; `read` and `write` are swapped in tests."""
    from datetime import UTC, datetime

    from assistant.export import Asked
    from assistant.records import Conversation

    conversation = Conversation()
    asked: list[Asked] = []
    write(HELP)
    while True:
        try:
            question = read("\n" + PROMPT)
        except EOFError:
            break
        command = question.strip()
        if not command:
            break
        if command.lower() == "new":
            conversation, asked = Conversation(), []
            write("(new chat)")
            continue
        if command.lower() == "export" or command.lower().startswith("export "):
            write(export_chat(asked, command[len("export"):].strip(), asst.title))
            continue
        at = datetime.now(UTC)
        try:
            answer, conversation = asst.ask(question, conversation, filters)
        except AssistantError as e:
            asked.append(Asked(question, at, None, str(e)))
            write(f"Sorry: {e}")
            continue
        asked.append(Asked(question, at, answer))
        write("\n" + answer.text)


def export_chat(asked, target: str, report: str) -> str:
    """Write the chat to `target` (.md or .json) and say what happened; never raises for a bad file name."""
    from pathlib import Path

    from assistant.export import dumps, to_json, to_markdown

    if not target:
        return "Give a file name: export chat.md (Markdown) or export chat.json (JSON)."
    path = Path(target).expanduser()
    kind = path.suffix.lower()
    if kind not in (".md", ".json"):
        return f"Cannot export to {target!r}: the name must end in .md (Markdown) or .json (JSON)."
    if not asked:
        return "Nothing to export yet: ask a question first."
    text = to_markdown(asked, report) if kind == ".md" else dumps(to_json(asked, report))
    if path.exists() and path.is_dir():
        return f"Cannot export to {target!r}: it is a folder."
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        return f"Cannot export to {target!r}: {e.strerror or e}."
    n = len(asked)
    return f"Saved {n} question{'s' * (n != 1)} to {path} ({'Markdown' if kind == '.md' else 'JSON'})."


def _common_options(parser: argparse.ArgumentParser, default: Any = None) -> None:
    parser.add_argument("--index", default=default, help="index folder (default: $DI_INDEX_DIR or the cache folder)")
    parser.add_argument("--corpus", default=default, metavar="PATH",
                        help="answer from this report or folder of reports (PDF, text, Markdown) instead of the "
                             "bundled one; its index is built on first use")
    parser.add_argument("--no-rebuild", action="store_true", default=default or False,
                        help="fail instead of rebuilding a stale index")
    parser.add_argument("--embedder", choices=("auto", "onnx", "torch"), default=default,
                        help="how questions are embedded: the index's ONNX export, or sentence-transformers "
                             "(torch); default $DI_EMBEDDER or auto (ONNX when the index has it)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant", description=__doc__.splitlines()[0])
    _common_options(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON (the keys batch writes)")
    for p in (ask, sub.add_parser("chat", help="an interactive chat in the terminal")):
        p.add_argument("--trust", action="append", help="only this trust (full or short name); repeatable")
        p.add_argument("--section", action="append", help="only this section; repeatable")
        p.add_argument("--document", action="append",
                       help="only this document of a corpus (file name or title); repeatable")
        p.add_argument("--kind", action="append", choices=["body", "sidebar", "quote", "bullets", "intro"])
    sub.add_parser("batch", help="JSON lines in on stdin, JSON lines out on stdout")
    for p in sub.choices.values():  # the common options may also follow the command
        _common_options(p, argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        asst = _load(args)
        if args.command == "batch":
            # JSON lines are UTF-8 whatever the locale; stdin is read as bytes so that a line that is not UTF-8
            # gets an error record instead of ending the batch
            if hasattr(sys.stdout, "reconfigure"):
                sys.stdout.reconfigure(encoding="utf-8")
            run_batch(asst, getattr(sys.stdin, "buffer", sys.stdin), sys.stdout)
        elif args.command == "chat":
            chat(asst, _filters(args))
        else:
            start = time.perf_counter()
            answer, _ = asst.ask(args.question, None, _filters(args))
            if args.json:
                record = {**answer_record(answer), "latency_ms": round((time.perf_counter() - start) * 1e3, 2)}
                print(json.dumps(record, ensure_ascii=False, indent=2, allow_nan=False))
            else:
                print(answer.text)
    except AssistantError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `| head` closed the pipe: not an error
        sys.stderr.close()
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
