"""The answer at a glance over every eval question (dev and test), with the real model: each glance line is a
verbatim substring of the extract its marker names, markers and extracts agree in the markdown, the JSON record
and the page's HTML, and an abstention has no glance.

This checks form, not quality: whether the glance lines *answer* is what `python -m eval` measures.
"""

from __future__ import annotations

import re

import pytest
from test_ui_support import real_assistant

from assistant.compose import CUT_QUOTE, CUT_QUOTE_OPEN, NEAREST, glance_words
from assistant.wire import answer_record
from eval.gold import SPLITS, load_gold, split_path
from ui_parts.render import answer_html

pytestmark = pytest.mark.model

QUESTIONS = [item for split in SPLITS for item in load_gold(split_path(split))]
MARKER = re.compile(r"\[(\d+)\]$")


@pytest.fixture(scope="module")
def answers():
    asst = real_assistant()
    return [(item, asst.ask_history(item.question, list(item.history))) for item in QUESTIONS]


def test_every_eval_question_is_checked(answers):
    assert len(answers) == len(QUESTIONS) >= 300
    assert sum(bool(a.glance) for _, a in answers) >= 0.8 * len(answers)  # most questions do get a glance


def test_each_glance_line_is_verbatim_from_the_extract_its_marker_names(answers):
    for item, answer in answers:
        if answer.abstained:
            assert not answer.glance, item.id
            continue
        assert answer.glance or not answer.extracts or answer.reading.kind == "who", item.id  # who: a list instead
        for g in answer.glance:
            assert 1 <= g.n <= len(answer.extracts), (item.id, g.n)
            extract = answer.extracts[g.n - 1]
            words = glance_words(g.text)  # a quotation going on in the extract is marked so
            assert words and words in extract.text, (item.id, g.n, g.text)
            opened, closed = words.count("“") > words.count("”"), words.count("”") > words.count("“")
            assert g.text.endswith(CUT_QUOTE) == opened, (item.id, g.text)  # marked exactly when cut open
            assert g.text.startswith(CUT_QUOTE_OPEN) == closed, (item.id, g.text)
            if g.group:  # grouped by trust: the line speaks for its extract's trust
                assert g.group in (extract.trust, "The report's key themes"), (item.id, g.group)
        assert len({g.n for g in answer.glance}) == len(answer.glance), item.id  # one line per extract at most


def test_a_glance_line_credits_only_the_speaker_of_its_own_words(answers):
    """A line is credited to a person only when it lies inside their quotation in its chunk; and no line is just a
    printed "Name, Role" attribution."""
    asst = real_assistant()
    chunks = {c.id: c for c in asst.chunks}
    credited = 0
    for item, answer in answers:
        for g in answer.glance:
            chunk = chunks[answer.extracts[g.n - 1].chunk_id]
            pieces = glance_words(g.text).split(" … ")  # a line a page break cut: the break marked
            at, end = chunk.text.find(pieces[0]), chunk.text.find(pieces[-1])
            assert at >= 0 and end >= at, (item.id, g.text)
            inside = [q for q in chunk.quotes if q.start < end + len(pieces[-1]) and q.end > at]
            if g.speaker:
                credited += 1
                assert g.speaker.split(",")[0] in {q.name for q in inside}, (item.id, g.text, g.speaker)
            else:
                assert not inside, (item.id, g.text)
            names = {q.name for q in chunk.quotes}
            assert not (not inside and len(g.text.split()) <= 15
                        and any(g.text.startswith(n) or g.text.rstrip(" .,").endswith(n) for n in names)
                        and not any(m in g.text for m in "“”\"")), (item.id, g.text)
    assert credited >= 50


def test_markers_agree_in_the_markdown_the_json_and_the_page(answers):
    for item, answer in answers:
        lines = answer.text.splitlines()
        glance = lines[: len(answer.glance)]
        assert [int(MARKER.search(line).group(1)) for line in glance] == [g.n for g in answer.glance], item.id
        assert all(" ".join(g.text.split()) in line for g, line in zip(answer.glance, glance, strict=True)), item.id
        # extract n is quoted under "[n] citation", in order within its group, each number once
        quoted = [int(m) for m in re.findall(r"^\[(\d+)\] ", answer.text, flags=re.M)]
        assert sorted(quoted) == list(range(1, len(answer.extracts) + 1)), item.id
        for n, e in enumerate(answer.extracts, start=1):
            weaker = f"({NEAREST}) " if e.nearest else ""
            assert f"[{n}] {weaker}{e.citation()}\n" in answer.text, (item.id, n)
        record = answer_record(answer)
        assert [g["n"] for g in record["glance"]] == [g.n for g in answer.glance]
        assert all(glance_words(g["text"]) in record["extracts"][g["n"] - 1]["text"]
                   for g in record["glance"]), item.id
        html = answer_html(answer, turn=7)
        targets = re.findall(r'class="di-marker" href="#di-a7-x(\d+)"', html)
        assert [int(t) for t in targets] == [g.n for g in answer.glance], item.id
        assert all(f'id="di-a7-x{n}"' in html for n in range(1, len(answer.extracts) + 1)), item.id
