"""Report facts (ingest/facts.py): short forms and acronyms are found in the text, not listed; round trip."""

from __future__ import annotations

import json

from conftest import make_chunk
from hypothesis import given
from hypothesis import strategies as st

from ingest.facts import ReportFacts, derive, short_forms, spells_initials

NAMES = ("Riverside Valley Partnership NHS Foundation Trust", "North Hillcrest Health NHS Trust")


def test_a_leading_part_counts_only_when_used_alone_where_the_case_is_discussed():
    chunks = [
        make_chunk("a", "Riverside Valley Partnership NHS Foundation Trust opened a crisis cafe.", trust=NAMES[0]),
        make_chunk("b", "Staff at Riverside Valley said the cafe helped.", trust=NAMES[0]),
        make_chunk("c", "North Hillcrest Health NHS Trust trained managers.", trust=NAMES[1]),
        make_chunk("d", "The North of the county was short of beds; the North was far.", trust=NAMES[0]),
    ]
    assert short_forms(NAMES[0], NAMES, chunks) == ("Riverside Valley",)  # "Riverside" alone is never used
    # "North" is used alone, but only where another case is discussed: a word, not this case's short form
    assert short_forms(NAMES[1], NAMES, chunks) == ()


def test_derive_collects_cases_sections_people_and_acronyms():
    chunks = [
        make_chunk("a", "Riverside Valley Partnership NHS Foundation Trust (RVPT) runs wards.", trust=NAMES[0],
                   section="Leadership"),
        make_chunk("b", "RVPT staff chose the values.", trust=NAMES[0], section="Culture"),
        make_chunk("c", "Hillcrest trained 40 managers.", trust=NAMES[1], section="Leadership", page=2),
    ]
    facts = derive(chunks)
    assert facts.trust_names == NAMES
    assert facts.case(NAMES[0]).acronyms == ("RVPT",)
    assert [(s.title, s.trusts) for s in facts.sections] == [("Leadership", NAMES), ("Culture", NAMES[:1])]
    assert ReportFacts.from_dict(json.loads(json.dumps(facts.to_dict()))) == facts


def test_the_real_report_gives_every_trust_a_short_form_and_its_ratings(doc):
    facts = derive(doc.chunks, doc.trusts)
    assert len(facts.cases) == 7
    for case in facts.cases:
        assert case.short_forms, case.name  # each trust is referred to by a shorter name somewhere
        assert case.ratings and case.rating_chunk and case.page
    by_name = {c.name: c for c in facts.cases}
    assert "SWYPT" in by_name["South West Yorkshire Partnership NHS Foundation Trust"].acronyms
    assert {p.name for p in facts.people} >= {"Jane Wells", "Rob Webster"}


LINKS = {"and", "of", "the", "for", "in", "at"}  # linking words give no letters (see spells_initials)
word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9).filter(lambda w: w not in LINKS)
words = st.lists(word, min_size=1, max_size=6)


@given(words, st.data())
def test_initials_and_leading_letters_of_the_words_in_order_spell_the_name(ws, data):
    name = " ".join(w.capitalize() for w in ws)
    cut = [data.draw(st.integers(1 if i == 0 else 0, len(w))) for i, w in enumerate(ws)]
    token = "".join(w[:n] for w, n in zip(ws, cut, strict=True))
    assert spells_initials(token, name)
    assert spells_initials(token.upper(), name)
    assert not spells_initials("q" + token, name) or ws[0].startswith("q")
