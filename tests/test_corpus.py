"""A corpus: a folder of reports (text, PDF, Markdown) as one index — documents in the manifest, chunks that know
their document, incremental rebuilds that embed only the changed document, citations and filters that name it.
Uses the fake embedder (no model); the ingest is the real one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from pdfgen import PRACTICES, practices_pdf

from assistant import Assistant
from assistant.records import Filters
from assistant.wire import answer_record
from errors import SourceError, ValidationError
from index import FakeEmbedder, IndexConfig, load_or_build
from index.corpus import documents
from index.embedder import embedded_text
from ingest.text import split_sentences
from ui_parts.chat import api_answer
from ui_parts.render import answer_html

ROOT = Path(__file__).resolve().parents[1]
NOTES = "# Ward notes\n\nThe ward changed its night routine in May so that patients could sleep.\n"


class Recording(FakeEmbedder):
    """The fake embedder, remembering every document text it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def encode_documents(self, texts, progress=False):
        self.seen.extend(texts)
        return super().encode_documents(texts, progress)


@pytest.fixture
def corpus(tmp_path, source_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(source_path, folder / "driving-improvement.txt")
    practices_pdf(folder / "practices.pdf")
    (folder / "notes.md").write_text(NOTES, encoding="utf-8")
    (folder / ".hidden.txt").write_text("not a document", encoding="utf-8")
    (folder / "figure.png").write_bytes(b"\x89PNG not a document")
    return folder


def config(folder: Path, tmp_path: Path) -> IndexConfig:
    return IndexConfig(source=folder, out_dir=tmp_path / "index", model="fake")


def own_texts(index, key: str) -> set[str]:
    """Everything a document contributes to the embedding: its chunks (as embedded) and their sentences."""
    chunks = [c for c in index.chunks if c.document == key]
    return {embedded_text(c) for c in chunks} | {c.text[a:b] for c in chunks for a, b in split_sentences(c.text)}


def test_a_folder_becomes_one_index_that_lists_its_documents(corpus, tmp_path):
    assert [p.name for p in documents(corpus)] == ["driving-improvement.txt", "notes.md", "practices.pdf"]
    index = load_or_build(config(corpus, tmp_path), embedder=FakeEmbedder())
    listed = {d["file"]: d for d in index.manifest["documents"]}
    assert set(listed) == {"driving-improvement.txt", "notes.md", "practices.pdf"}
    assert listed["notes.md"]["title"] == "Ward notes" and listed["practices.pdf"]["pages"] == 10
    assert listed["driving-improvement.txt"]["title"].startswith("Driving improvement")
    keys = {d["key"] for d in listed.values()}
    assert {c.document for c in index.chunks} == keys
    assert len({c.id for c in index.chunks}) == len(index.chunks)
    assert sum(d["chunks"] for d in listed.values()) == len(index.chunks)
    cases = set(index.facts.trust_names)
    assert set(PRACTICES) <= cases and "Oxleas NHS Foundation Trust" in cases and len(cases) == 7 + len(PRACTICES)
    assert index.manifest["source"]["kind"] == "folder"


def test_adding_changing_and_removing_a_document_embeds_only_that_document(corpus, tmp_path):
    cfg = config(corpus, tmp_path)
    load_or_build(cfg, embedder=FakeEmbedder())
    practices_pdf(corpus / "more.pdf", seed=5, practices=["Quayside Surgery", "Larkhill Health Centre"])
    added = Recording()
    index = load_or_build(cfg, embedder=added)
    key = next(d["key"] for d in index.manifest["documents"] if d["file"] == "more.pdf")
    assert added.seen and set(added.seen) <= own_texts(index, key)  # nothing of the other documents
    assert index.manifest["build"]["embedded"] == len(set(added.seen))
    assert (index.manifest["build"]["documents_ingested"], index.manifest["build"]["documents_reused"]) == (1, 3)

    (corpus / "notes.md").write_text(NOTES + "\nA second paragraph about the night staff and their rota.\n",
                                     encoding="utf-8")
    changed = Recording()
    index = load_or_build(cfg, embedder=changed)
    key = next(d["key"] for d in index.manifest["documents"] if d["file"] == "notes.md")
    assert changed.seen and set(changed.seen) <= own_texts(index, key)
    assert index.manifest["build"]["documents_ingested"] == 1

    (corpus / "more.pdf").unlink()
    removed = Recording()
    index = load_or_build(cfg, embedder=removed)
    assert removed.seen == [] and "more.pdf" not in {d["file"] for d in index.manifest["documents"]}
    assert index.manifest["build"]["documents_ingested"] == 0
    assert not {"Quayside Surgery", "Larkhill Health Centre"} & set(index.facts.trust_names)


def test_a_rebuild_from_reused_documents_equals_a_fresh_one(corpus, tmp_path):
    cfg = config(corpus, tmp_path)
    first = load_or_build(cfg, embedder=FakeEmbedder())
    (corpus / "notes.md").write_text(NOTES + "\nOne more line.\n", encoding="utf-8")
    again = load_or_build(cfg, embedder=FakeEmbedder())  # two documents reused, one ingested
    fresh = load_or_build(replace(cfg, out_dir=tmp_path / "fresh"), embedder=FakeEmbedder())
    assert again.manifest["build"]["documents_reused"] == 2 and first.chunks != again.chunks
    assert again.chunks == fresh.chunks and again.facts == fresh.facts and again.texts == fresh.texts


def test_citations_name_the_report_in_batch_the_api_and_the_page(corpus, tmp_path):
    asst = Assistant(load_or_build(config(corpus, tmp_path), embedder=FakeEmbedder()))
    answer, _ = asst.ask("What did patients tell Riverside Medical Practice?")
    assert answer.extracts
    e = answer.extracts[0]
    assert e.trust == "Riverside Medical Practice" and e.document["file"] == "practices.pdf"
    title = e.document["title"]
    assert e.citation().startswith(title + " · Riverside Medical Practice")
    record = answer_record(answer)
    assert all(x["document"]["sha256"] and x["citation"].startswith(x["document"]["title"])
               for x in record["extracts"])
    assert f"[1] {title} · Riverside" in answer.text  # the markdown every export copies
    api = api_answer(asst, "What did patients tell Riverside Medical Practice?", [], Filters(), 2000)
    assert api["extracts"][0]["document"]["file"] == "practices.pdf"
    html = answer_html(answer, 1, None)
    assert title in html and "Show in context (" + title in html


def test_one_report_alone_keeps_its_citations_short(fake_assistant):
    answer, _ = fake_assistant.ask("How did Oxleas fix bed occupancy?")
    e = next(e for e in answer.extracts if e.trust)
    assert e.document["file"] == "driving-improvement-mental-health-trusts.txt" and e.report is None
    assert e.citation().startswith("Oxleas NHS Foundation Trust")  # no report title before the trust


def test_a_document_filter_restricts_answers_and_unknown_ones_are_named(corpus, tmp_path):
    asst = Assistant(load_or_build(config(corpus, tmp_path), embedder=FakeEmbedder()))
    answer, _ = asst.ask("How did they involve patients?", filters=Filters(documents=("practices.pdf",)))
    assert answer.extracts and {e.document["file"] for e in answer.extracts} == {"practices.pdf"}
    assert "Filters: documents Improving care in general practice" in answer.text
    with pytest.raises(ValidationError, match=r"Unknown document 'nope\.pdf'\. Documents: .*practices\.pdf"):
        asst.ask("How did they involve patients?", filters=Filters(documents=("nope.pdf",)))


def test_a_question_about_one_kind_of_case_stays_with_that_kind(corpus, tmp_path):
    """"trusts" and "practices" are the plurals of the cases' own names: each keeps to its own cases."""
    asst = Assistant(load_or_build(config(corpus, tmp_path), embedder=FakeEmbedder()))
    trusts, _ = asst.ask("How did trusts involve patients?")
    assert trusts.extracts and all(e.trust is None or e.trust.endswith("Trust") for e in trusts.extracts)
    assert not set(PRACTICES) & set(trusts.trusts_without_material)
    practices, _ = asst.ask("How did practices change appointment booking?")
    assert practices.extracts and all(e.trust in (*PRACTICES, None) for e in practices.extracts)
    assert all(e.document["file"] == "practices.pdf" for e in practices.extracts)


def test_a_folder_without_documents_or_with_a_copy_is_refused(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "image.png").write_bytes(b"\x89PNG")
    with pytest.raises(SourceError, match="holds no documents"):
        load_or_build(config(empty, tmp_path), embedder=FakeEmbedder())
    twice = tmp_path / "twice"
    twice.mkdir()
    (twice / "a.md").write_text(NOTES, encoding="utf-8")
    (twice / "b.md").write_text(NOTES, encoding="utf-8")
    with pytest.raises(SourceError, match="is a copy of another document"):
        load_or_build(config(twice, tmp_path), embedder=FakeEmbedder())


def test_the_clis_take_a_corpus(corpus, tmp_path):
    env = {"DI_MODEL": "fake", "DI_INDEX_DIR": str(tmp_path / "cli-index"), "HF_HUB_OFFLINE": "1"}
    run = lambda *a: subprocess.run([sys.executable, *a], cwd=ROOT, capture_output=True, text=True, timeout=300,  # noqa: E731
                                    env={**__import__("os").environ, **env})
    out = run("-m", "index", "build", "--corpus", str(corpus))
    assert out.returncode == 0, out.stderr
    info = run("-m", "index", "info")
    assert info.returncode == 0 and "document  practices.pdf: Improving care in general practice" in info.stdout
    ask = run("-m", "assistant", "--corpus", str(corpus), "ask", "What did patients tell Riverside Medical Practice?",
              "--json", "--document", "practices.pdf")
    assert ask.returncode == 0, ask.stderr
    record = json.loads(ask.stdout)
    assert record["extracts"] and {x["document"]["file"] for x in record["extracts"]} == {"practices.pdf"}
