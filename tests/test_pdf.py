"""PDF ingest (ingest/pdf.py) on PDFs made here with reportlab (tests/pdfgen.py), and plain documents that are not
this report: pages, kinds, cases and speakers from geometry and structure, never from this report's patterns.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pymupdf
import pytest
from pdfgen import PRACTICES, practices_pdf, report_pdf

from errors import SourceError
from eval.layout import agreement
from ingest import ingest_file, is_verbatim, normalise_ws
from ingest.pdf import ingest_pdf

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def report(doc, tmp_path_factory):
    path = report_pdf(doc, tmp_path_factory.mktemp("pdf") / "report.pdf")
    return path, ingest_pdf(path)


@pytest.fixture(scope="module")
def practices(tmp_path_factory):
    path = practices_pdf(tmp_path_factory.mktemp("pdf") / "practices.pdf")
    return path, ingest_pdf(path)


def test_the_pdf_of_this_report_gets_the_text_extractions_attribution(doc, report):
    result = agreement(doc, report[1])
    print("\nPDF vs text extraction, sentence by sentence:\n  " + "\n  ".join(result.lines()))
    assert result.matched >= 0.93 * result.reference
    assert result.agree["trust"] >= 0.98 and result.agree["kind"] >= 0.97
    assert result.agree["page"] >= 0.95 and result.agree["section"] >= 0.95
    assert result.quoted >= 150 and result.agree["speaker"] >= 0.95


def test_pages_come_from_the_pdf_and_running_lines_are_dropped(doc, report):
    path, pdf_doc = report
    assert len(pdf_doc.page_starts) == len(pymupdf.open(path)) == len(doc.page_starts)
    running = (doc.title or "").upper()
    assert running and not any(running in c.text for c in pdf_doc.chunks)
    assert all(c.text.strip() not in {str(n) for n in range(1, 40)} for c in pdf_doc.chunks)
    assert {c.trust for c in pdf_doc.chunks if c.trust} == {t.name for t in doc.trusts}
    assert pdf_doc.title == doc.title


def test_every_chunk_is_verbatim_from_the_reading_text(report, practices):
    for _, d in (report, practices):
        flat = normalise_ws(d.text)
        for c in d.chunks:
            assert all(is_verbatim(d.text[a:b], flat) for a, b in c.spans), c.id
            assert is_verbatim(c.text, flat) or " … " in c.text or "\n" in c.text
            assert 1 <= c.page <= c.page_end <= len(d.page_starts)


def test_a_differently_built_report_gets_its_own_cases(practices):
    _, d = practices
    assert [t.name for t in d.trusts] == PRACTICES  # not the overview or the appendix: they are not cases
    by_case = {c.trust for c in d.chunks}
    assert by_case == {*PRACTICES, None}
    overview = [c for c in d.chunks if c.trust is None and c.section == "What we found"]
    assert overview, "the overview's text is kept, under no case"
    quotes = [c for c in d.chunks if c.kind == "quote"]
    assert len(quotes) == len(PRACTICES) and all(c.speaker and c.speaker.trust == c.trust for c in quotes)
    boxes = [c for c in d.chunks if c.kind == "sidebar"]
    assert len(boxes) == len(PRACTICES) and all(c.title == "In brief" for c in boxes)
    assert {c.kind for c in d.chunks if c.trust and c.section is None} == {"intro"}


def test_ingest_file_reads_a_pdf_by_its_bytes_whatever_its_name(practices, tmp_path):
    renamed = tmp_path / "report-without-suffix"
    renamed.write_bytes(practices[0].read_bytes())
    assert [c.text for c in ingest_file(renamed).chunks] == [c.text for c in practices[1].chunks]


def test_bad_pdfs_get_a_clear_message(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4)
    with pytest.raises(SourceError, match=r"cannot read .* as a PDF"):
        ingest_pdf(broken)
    blank = tmp_path / "blank.pdf"
    pdf = pymupdf.open()
    pdf.new_page()
    pdf.save(blank)
    with pytest.raises(SourceError, match="no text layer"):
        ingest_pdf(blank)
    with pytest.raises(SourceError, match="not found"):
        ingest_pdf(tmp_path / "missing.pdf")


def test_the_cli_prints_stats_for_a_pdf(practices):
    out = subprocess.run([sys.executable, "-m", "ingest", str(practices[0]), "--stats"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"over {len(practices[1].page_starts)} pages" in out.stdout and "Riverside Medical Practice" in out.stdout


# -- plain documents that are not this report ----------------------------------------------------------------

LICENCE = """                    A SMALL PUBLIC LICENCE
                       Version 1, 2026

 Copyright (C) 2026 Nobody in particular.
 Everyone may copy this text.

                            Preamble

  This licence is about sharing. It is written to test
documents whose paragraphs are indented and whose lines are short.

  Some lines here begin with a single space and are not pages.

                       TERMS AND CONDITIONS

  0. Definitions.

  "This Licence" refers to this text. "You" means the
reader, who may be
short of time.

  1. Source Code.

  The source is the preferred form of a work for making changes
to it. Object code means any other form.
"""

MARKDOWN = """# Notes on a ward

An opening paragraph that says what these notes are about, long enough to be a paragraph.

## Staffing

Staff rotas were changed in May. Short lines like this one
are still body text.

## Patients

Patients asked for quieter nights.
- fewer checks after midnight
- softer doors
"""


def test_a_plain_text_document_gets_one_page_its_headings_and_no_boxes(tmp_path):
    path = tmp_path / "licence.txt"
    path.write_text(LICENCE, encoding="utf-8")
    d = ingest_file(path)
    assert len(d.page_starts) == 1 and {c.page for c in d.chunks} == {1}
    assert {c.kind for c in d.chunks} == {"body"}
    sections = {c.section for c in d.chunks}
    assert {"Preamble", "0. Definitions.", "1. Source Code."} <= sections
    assert not any(c.trust for c in d.chunks)


def test_markdown_headings_are_sections(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    d = ingest_file(path)
    assert len(d.page_starts) == 1
    assert [c.section for c in d.chunks if c.section in ("Staffing", "Patients")] and \
        {c.section for c in d.chunks} >= {"Staffing", "Patients"}
    assert not any(c.kind == "sidebar" for c in d.chunks)
    assert not any(c.text.startswith("#") for c in d.chunks)


def test_form_feeds_are_pages(tmp_path):
    path = tmp_path / "pdftotext.txt"
    path.write_text("First page text that is long enough to count.\n\fSecond page text.\n\fThird page.\n",
                    encoding="utf-8")
    d = ingest_file(path)
    assert len(d.page_starts) == 3
    assert [c.page for c in d.chunks] == [1, 2, 3]


HOMES = ["Oakfield House", "Brookside Lodge", "Millbrook Court"]


def care_homes_markdown() -> str:
    parts = ["# Care homes that improved", "", "Three homes, one outline: what we found and what changed.", "",
             "## Overview", ""]
    for sub in ("What we found", "What changed"):
        parts += [f"### {sub}", "", " ".join(f"At {h}, staff reviewed the medicines round." for h in HOMES), ""]
    for i, home in enumerate(HOMES):
        parts += [f"## {home}", "", f"{home} is a home for 40 older people.", ""]
        for sub in ("What we found", "What changed", "What residents said"):
            parts += [f"### {sub}", "",
                      f"The manager said, “We started with the medicines round and kept going.” Staff at {home} "
                      f"changed the handover in month {i + 1}.", ""]
    parts += ["## Appendix", "", "We visited each home twice and read its inspection reports.", ""]
    return "\n".join(parts)


def test_a_markdown_report_gets_its_cases_from_its_outline(tmp_path):
    path = tmp_path / "care-homes.md"
    path.write_text(care_homes_markdown(), encoding="utf-8")
    d = ingest_file(path)
    assert [t.name for t in d.trusts] == HOMES  # not the overview (it names them all) nor the appendix
    assert {c.trust for c in d.chunks} == {*HOMES, None}
    assert {c.section for c in d.chunks if c.trust == "Brookside Lodge"} >= {"What we found", "What changed"}
    assert all(c.trust is None for c in d.chunks if c.section in ("Overview", "Appendix"))
    assert d.title == "Care homes that improved" and len(d.page_starts) == 1
