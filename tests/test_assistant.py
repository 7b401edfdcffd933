"""The assistant's mechanisms, fast (no model): names from facts, reading questions, follow-ups, choosing, extracts,
checks, ratings, and the assistant end to end over the real report with the FakeEmbedder.

Mechanisms are tested on small synthetic facts and chunks — an invented report with invented trusts — so that
nothing here passes because of how this report happens to be written; end-to-end tests check properties that
must hold for any question (verbatim extracts, no trust both shown and "without material", values not state).
"""

from __future__ import annotations

import io
import itertools
import json
from dataclasses import replace

import numpy as np
import pytest
from conftest import make_chunk, without_markers

from assistant import Assistant
from assistant.answerable import (
    covered,
    holds_answer,
    names_year,
    quotes_sayer,
    role_at_body,
    still_to_come,
    strong_enough,
)
from assistant.config import AssistantConfig
from assistant.conversation import resolve
from assistant.extracts import ELLIPSIS, make_extract, span_breaks
from assistant.names import Names
from assistant.ratings import answer_cases, rating_question
from assistant.records import Answer, Conversation, Extract, Filters, GlanceLine, Reading, Turn
from assistant.retrieval import Scored, repeats, select
from assistant.sentences import SentenceBank
from assistant.text import Vocabulary, terms
from assistant.understanding import understand
from errors import ValidationError
from index import FakeEmbedder
from ingest.facts import derive
from ingest.layout import only_markers
from ingest.records import Quote, Rating, Speaker, TrustInfo

RIVER = "Riverside Valley Partnership NHS Foundation Trust"
HILL = "North Hillcrest Health NHS Trust"
TEXTS = [
    ("Riverside Valley Partnership NHS Foundation Trust (RVPT) runs wards across the valley.", RIVER),
    ("At Riverside Valley the chief executive Ann Moss opened a crisis cafe in 2016.", RIVER),
    ("North Hillcrest Health NHS Trust trained 40 managers.", HILL),
    ("Staff at North Hillcrest chose new values; Medical Director Dr Raj Patel led the work.", HILL),
]


@pytest.fixture(scope="module")
def synthetic():
    chunks = [make_chunk(f"c{i}", t, trust=trust, page=i + 1) for i, (t, trust) in enumerate(TEXTS)]
    chunks.append(make_chunk("q1", "“We listened to patients every week,” says Ann Moss.", trust=RIVER,
                             quotes=(Quote(0, 34, "Ann Moss", "Chief Executive", RIVER),)))
    chunks.append(make_chunk("q2", "“Values matter,” says Raj Patel.", trust=HILL,
                             quotes=(Quote(0, 16, "Raj Patel", "Medical Director", HILL),)))
    chunks += [make_chunk("i1", f"{RIVER} 2017 Rated as good 2015 Rated as requires improvement", trust=RIVER,
                          kind="intro"),
               make_chunk("i2", f"{HILL} 2018 Rated as outstanding 2016 Rated as good", trust=HILL, kind="intro")]
    ratings = [
        TrustInfo(RIVER, 1, (Rating("2017", "Good", "Rated as good"), Rating("2015", "Requires improvement",
                                                                                "Rated as requires improvement"))),
        TrustInfo(HILL, 3, (Rating("2018", "Outstanding", "Rated as outstanding"), Rating("2016", "Good",
                                                                                          "Rated as good"))),
    ]
    facts = derive(chunks, ratings)
    vocab = Vocabulary.build(chunks, facts.trust_names, [r for p in facts.people for r in p.roles])
    return facts, vocab, Names(facts, vocab.surface, common=vocab.common)


# -- names: from the facts, read loosely only where the report's own words are not --------------------------------
@pytest.mark.parametrize(
    ("typed", "trust", "how"),
    [
        ("what did Riverside Valley do", RIVER, "name"),
        ("rvpt wards", RIVER, "name"),  # an acronym the report prints
        ("RVPFT wards", RIVER, "acronym"),  # one it does not: the initials of the name, in order
        ("rivval crisis cafe", RIVER, "acronym"),  # leading letters of the words
        ("hillcrests training", HILL, "abbreviation"),  # the distinctive word of a short form, inflected
        ("what did Hillcrest do", HILL, "abbreviation"),  # ... or alone
        ("north hillcrst managers", HILL, "spelling"),
        ("how did the valley partnership trust do it", RIVER, "abbreviation"),  # words from inside one name
    ],
)
def test_names_are_matched_from_the_facts_and_loose_readings_are_noted(synthetic, typed, trust, how):
    _, _, names = synthetic
    (m,) = names.find(typed)
    assert (m.trust, m.how) == (trust, how)
    assert (m.note() is None) == (how == "name")
    if m.note():
        assert m.typed in m.note() and trust in m.note()


@pytest.mark.parametrize("typed", ["how did staff feel", "the valley wards", "who sat on the board", "crisis cafe",
                                   "which nhs trust trained managers",  # words every name has are no one's
                                   "what did north valleys do"])  # another case's word before it: another place
def test_the_reports_own_words_are_not_read_as_names(synthetic, typed):
    _, _, names = synthetic
    assert names.find(typed) == []


def test_people_are_matched_by_full_name_surname_or_unique_first_name(synthetic):
    _, _, names = synthetic
    assert names.find_people("what did Ann Moss say") == ("Ann Moss",)
    assert names.find_people("what did moss say about patients") == ("Ann Moss",)


def test_two_peoples_names_typed_as_one_are_someone_the_report_does_not_name(fake_assistant):
    names = fake_assistant.names  # Sarah Browning and Laura Jones are both quoted in the report
    assert names.mixed("what did dr sarah jones say about restraint") == (("sarah", "jones"),)
    assert names.find_people("what did dr sarah jones say about restraint") == ()
    assert names.find_people("what did laura jones say") == ("Laura Jones",)
    assert names.mixed("what did sarah browning, laura jones say") == ()  # a list, not one name
    answer, _ = fake_assistant.ask("what did dr sarah jones say about restraint?")
    assert answer.abstained and "no one called" in answer.text


# -- reading a question ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("how many managers were trained?", "number"),
        ("when did the cafe open", "date"),
        ("how much did the cafe cost?", "money"),
        ("who is the chief executive?", "person"),
        ("what did staff choose?", "any"),
        ("what did the new cafe cost?", "money"),
        ("what did the 12 beds from the valley cost them?", "money"),  # up to seven words before "cost"
        ("what did they spend on the cafe?", "money"),
        ("what is the staff turnover rate at the cafe", "number"),
        ("what is hillcrest's current bed occupancy rate", "number"),  # five words between
        ("what's the budget for the cafe", "money"),  # a contraction
        ("which trust can work out what each patient's care costs?", "any"),  # the question is "which trust"
        ("who paid for the cafe?", "person"),
        ("which year did the cafe open?", "date"),
        ("what is the cafe's rating", "any"),
        ("what did they do so families could visit (weekend trips, covering costs?)", "any"),  # costs: not asked
        # typed as the name of a figure, with no question word: it asks for the figure
        ("staff turnover rate at the cafe after the inspection", "number"),
        ("restraint numbers per month before vs after", "number"),
        ("cafe deficit or budget 2017/18", "money"),
        ("how did the cafe lift its response rate?", "any"),  # asks how, not for the rate
        ("staff survey results at the cafe", "any"),  # results: not a figure's name
        ("did the cafe cover families' costs to visit?", "any"),  # a yes/no question, not a figure's name
    ],
)
def test_the_kind_of_answer_wanted(synthetic, question, want):
    _, vocab, names = synthetic
    assert understand(question, names, vocab).want == want


def test_who_holds_a_role_is_told_from_who_does_something(synthetic):
    _, vocab, names = synthetic
    assert understand("who's the chief executive?", names, vocab).roles == ("execut",)
    doing = understand("who's working on the chief executive's cafe?", names, vocab)
    assert doing.want == "person" and doing.roles == ()
    said = understand("what did staff say about the cafe?", names, vocab)
    assert "cafe" in said.topic and "say" in said.content and "say" not in said.topic and not said.said_only
    assert understand("who said that?", names, vocab).said_only
    named = understand("what's the name of the chief executive?", names, vocab)
    assert named.want == "person" and named.roles == ("execut",)
    assert understand("what's the name of the cafe?", names, vocab).want == "any"


def test_names_years_and_words_outside_the_report_are_collected(synthetic):
    _, vocab, names = synthetic
    u = understand("what did Greenfield Health NHS Trust do in 2021?", names, vocab)
    assert u.foreign == ("Greenfield Health",) and u.years == ("2021",) and u.trusts == ()
    inside = understand("what did Riverside Valley do in 2016?", names, vocab)
    assert inside.foreign == () and inside.years == () and inside.trusts == (RIVER,)
    assert understand("did it work?", names, vocab).pronoun
    lower = understand("how did greenfield and marsh county health nhs trust improve?", names, vocab)
    assert lower.foreign == ("greenfield and marsh county",)  # unknown words a few words before an organisation word
    assert understand("how do the CEOs see staff?", names, vocab).foreign == ()  # an acronym is not a place
    assert understand("what did greenfield and marsh do?", names, vocab).foreign == ("greenfield and marsh",)
    assert understand("what did the chief exec quietly fix?", names, vocab).foreign == ()  # not joined, no trust
    assert understand("what did greenfield nhs trust do?", names, vocab).foreign == ("greenfield",)
    assert understand("what did the fastest trust do?", names, vocab).foreign == ()
    # one unknown word before a word styling a case's name (not its place, not a word all the names share)
    assert understand("what was greenfield partnership rated?", names, vocab).foreign == ("greenfield",)
    # a name is told as typed, accents and all ("cómo", not "c mo")
    assert understand("¿cómo mejoró Peñalta Health?", names, vocab).foreign == ("cómo mejoró Peñalta Health",)


# -- follow-ups: a general test, not phrases --------------------------------------------------------------------
def _answer(question: str, trusts=(), extracts=()) -> Answer:
    return Answer(question, question, "", tuple(extracts), trusts, (), False, reading=Reading("new", question, trusts))


def _conv(question: str, trusts=()) -> Conversation:
    return Conversation((Turn(question, _answer(question, trusts)),))


def test_a_follow_up_to_an_answer_going_through_the_trusts_is_about_all_of_them(synthetic):
    _, vocab, names = synthetic
    first = Extract("Riverside Valley runs a crisis cafe.", "", "c1", RIVER, None, 1, 1, "body", None, None, 1.0)
    shown = (first, replace(first, chunk_id="c2"), replace(first, chunk_id="c3"))  # its top three: one trust's
    q0, q = "which trusts run crisis cafes?", "which of them was rated outstanding?"
    one_by_one = replace(_answer(q0, extracts=shown), glance=(GlanceLine(1, RIVER, first.text, None, False),))
    focused = _answer(q0, extracts=shown)
    for last, scope in ((one_by_one, ()), (focused, (RIVER,))):
        r = resolve(q, understand(q, names, vocab), Conversation((Turn(q0, last),)), names, lambda *_: (0.2, 0.0),
                    AssistantConfig())
        assert r.reading.kind == "continue" and r.reading.trusts == scope


def test_a_follow_up_to_a_follow_up_follows_on_from_the_latest_question_too(synthetic):
    _, vocab, names = synthetic
    q0, q1, q = "who is ann moss?", "what did she say about the crisis cafe?", "how often did it open?"
    first = Answer(q1, q1, "", (), (RIVER,), (), False, reading=Reading("continue", q0, (RIVER,)))
    conv = Conversation((Turn(q0, _answer(q0, (RIVER,))), Turn(q1, first)))
    r = resolve(q, understand(q, names, vocab), conv, names, lambda *_: (0.2, 0.0), AssistantConfig())
    assert r.reading.kind == "continue" and r.reading.topic == f"{q0}; {q1}" and "crisis cafe" in r.query
    old = resolve(q, understand(q, names, vocab), conv, names, lambda *_: (0.2, 0.0), AssistantConfig(chain_topics=0))
    assert old.reading.topic == q0 and "crisis cafe" not in old.query  # (anchored on the chain's first question)
    long = Answer(q1, q1, "", (), (RIVER,), (), False, reading=Reading("continue", "a; b; c", (RIVER,)))
    r = resolve(q, understand(q, names, vocab), Conversation((Turn(q1, long),)), names, lambda *_: (0.2, 0.0),
                AssistantConfig(chain_topics=3))
    assert r.reading.topic == f"b; c; {q1}"  # the last three questions of the chain, not all of it


def test_who_said_words_of_its_own_stands_alone_and_who_said_that_asks_the_last_answer(synthetic):
    _, vocab, names = synthetic
    conv = _conv("how did Riverside Valley open a crisis cafe?", (RIVER,))
    weak = lambda *_: (0.2, 0.0)  # noqa: E731 -- retrieving weakly alone, as a follow-up would
    q = "who said they were proud of the crisis cafe"
    assert resolve(q, understand(q, names, vocab), conv, names, weak, AssistantConfig()).reading.kind == "new"
    off = resolve(q, understand(q, names, vocab), conv, names, weak, AssistantConfig(own_words_stand=False))
    assert off.reading.kind != "new"
    for q in ("who said that?", "who said that about the cafe?"):
        assert resolve(q, understand(q, names, vocab), conv, names, weak, AssistantConfig()).reading.kind != "new", q


def test_a_new_question_naming_no_trust_leans_on_the_conversations_trust_and_says_so(synthetic):
    _, vocab, names = synthetic
    conv = _conv("how did Riverside Valley open a crisis cafe?", (RIVER,))
    q = "how did frontline staff and managers feel about the new values programme?"  # stands alone: strong, long
    r = resolve(q, understand(q, names, vocab), conv, names, lambda *_: (0.9, 0.0), AssistantConfig())
    assert r.reading.kind == "new" and r.query == q and r.reading.trusts == ()  # not restricted ...
    assert r.leaning == (RIVER,) and any("first" in n for n in r.reading.notes)  # ... but its passages first
    for other in (q.replace("frontline", "hillcrest frontline"), "how did trusts feel about values?"):
        r = resolve(other, understand(other, names, vocab), conv, names, lambda *_: (0.9, 0.0), AssistantConfig())
        assert r.leaning == ()  # it names a trust, or speaks of the trusts in general
    off = resolve(q, understand(q, names, vocab), conv, names, lambda *_: (0.9, 0.0), AssistantConfig(context_boost=0))
    assert off.leaning == () and off.reading.notes == ()


def test_another_trust_and_nothing_else_asks_the_last_topic_of_it(synthetic):
    _, vocab, names = synthetic
    q = "and what about hillcrest?"
    r = resolve(q, understand(q, names, vocab), _conv("how did Riverside Valley train managers?", (RIVER,)), names,
                lambda *_: pytest.fail("a switch needs no probe"), AssistantConfig())
    assert r.reading.kind == "switch" and r.reading.trusts == (HILL,)
    assert r.query == "how did North Hillcrest train managers?"
    for q in ("did hillcrest do anything like that?", "same question for hillcrest"):  # words for the last topic
        r = resolve(q, understand(q, names, vocab), _conv("how did Riverside Valley train managers?", (RIVER,)),
                    names, lambda *_: pytest.fail("a switch needs no probe"), AssistantConfig())
        assert r.reading.kind == "switch" and r.query == "how did North Hillcrest train managers?", q


@pytest.mark.parametrize(
    ("question", "probe", "kind"),
    [
        ("by how much?", (0.9, 0.0), "continue"),  # no subject words of its own: always leans
        ("did it work?", (0.2, 0.0), "continue"),  # a pronoun, and weak on its own
        ("what happened to the crisis cafe next?", (0.2, 0.0), "new"),  # too many words of its own...
        ("did the cafe work?", (0.7, 0.0), "new"),  # strong on its own
        ("and the managers?", (0.2, 0.3), "continue"),  # very short and weak on its own
        ("and the managers?", (0.7, 0.3), "new"),
        ("were wards and managers trained?", (0.2, 0.95), "continue"),  # its best match was just shown
        ("were wards and managers trained?", (0.2, 0.3), "new"),
        ("were wards and managers trained?", (0.1, 0.3), "continue"),  # alone it finds nothing at all
        ("what did Ann Moss say?", (0.1, 0.0), "continue"),  # a person, and nothing else to go on
        ("what did Ann Moss say about cafe funding?", (0.3, 0.1), "new"),
        ("did Riverside Valley train managers?", (0.1, 0.0), "new"),  # names the trust it is about
        ("who said that?", (0.1, 0.0), "who"),
        ("what has it improved?", (0.7, 0.0), "continue"),  # "it" stands for nothing in the question itself
        ("how did trusts improve their wards?", (0.7, 0.0), "new"),  # "their" is the trusts'
        ("what did inspectors do that helped?", (0.7, 0.0), "new"),  # "that" is not a personal pronoun
        # "those <something>": what was just named, in other words, however strong and long the question
        ("what problems did one of those staff walkarounds find on the wards?", (0.7, 0.0), "continue"),
        ("how did these trusts train managers?", (0.7, 0.0), "new"),  # ... but "these trusts" are the trusts
        ("who was involved in that?", (0.1, 0.0), "continue"),  # asks who took part, not who said it
        ("thanks", (0.1, 0.0), "aside"),  # asks nothing, points back to nothing, and alone finds nothing
        ("thanks?", (0.1, 0.0), "continue"),  # ... a question mark asks something
    ],
)
def test_a_question_leans_on_the_last_only_when_it_cannot_stand_alone(synthetic, question, probe, kind):
    _, vocab, names = synthetic
    conv = _conv("how did Riverside Valley open a crisis cafe?", (RIVER,))
    r = resolve(question, understand(question, names, vocab), conv, names, lambda *_: probe,
                AssistantConfig(follow_max_words=3))
    assert r.reading.kind == kind
    if kind in ("continue", "who"):
        assert r.reading.topic == "how did Riverside Valley open a crisis cafe?" and r.reading.trusts == (RIVER,)
        assert r.previous is conv.turns[-1].answer
    else:
        assert r.query == question and r.previous is None


def test_an_aside_leaves_the_conversations_topic_as_it_was(synthetic):
    _, vocab, names = synthetic
    q = "how did Riverside Valley open a crisis cafe?"
    cafe = Extract("The crisis cafe was run with volunteers.", "", "c1", RIVER, None, 1, 1, "body", None, None, 1.0)
    conv = Conversation((Turn(q, _answer(q, (RIVER,), (cafe,))),))
    aside = resolve("thanks", understand("thanks", names, vocab), conv, names, lambda *_: (0.1, 0.0), AssistantConfig())
    assert aside.reading.kind == "aside"
    thanked = Answer("thanks", "thanks", "", (), (), (), True, reading=aside.reading)
    conv = conv.add(Turn("thanks", thanked))
    q = "by how much?"
    r = resolve(q, understand(q, names, vocab), conv, names, lambda *_: (0.1, 0.0), AssistantConfig())
    assert r.reading.kind == "continue" and r.reading.topic == "how did Riverside Valley open a crisis cafe?"
    # a word the last answer showed is a follow-up, however weak alone
    shown = "volunteers"
    assert resolve(shown, understand(shown, names, vocab), conv, names, lambda *_: (0.1, 0.0),
                   AssistantConfig()).reading.kind != "aside"


def test_a_follow_up_about_the_other_trusts_widens_the_last_topic_to_all_of_them(synthetic):
    _, vocab, names = synthetic
    conv = _conv("how did Riverside Valley open a crisis cafe?", (RIVER,))
    wide = resolve("and the other trusts?", understand("and the other trusts?", names, vocab), conv, names,
                   lambda *_: (0.2, 0.0), AssistantConfig())
    assert wide.reading.kind == "continue" and wide.reading.trusts == ()
    assert "Riverside" not in wide.query and "crisis cafe" in wide.query
    assert wide.reading.topic == "how did the trusts open a crisis cafe?"  # the name read as "the trusts"
    q = "which trusts did they visit?"  # "they": still the last trust's
    kept = resolve(q, understand(q, names, vocab), conv, names, lambda *_: (0.2, 0.0), AssistantConfig())
    assert kept.reading.trusts == (RIVER,)


# -- choosing: breadth across trusts by one rule ------------------------------------------------------------------
def _scored(pos: int, trust: str | None, score: float, part="case study") -> Scored:
    return Scored(pos, make_chunk(f"c{pos}", f"text {pos} {trust}", trust=trust, part=part), score, 0.5, 1.0)


def test_a_focused_answer_ranks_a_passage_that_says_it_in_one_sentence_above_a_closer_chunk_that_does_not():
    ranked = [_scored(0, "A", 0.60), _scored(1, "A", 0.55), _scored(2, "A", 0.50)]
    evidence = {0: 0.3, 1: 0.8, 2: 0.35}  # chunk 1's best sentence answers; chunk 0 is merely near as a whole
    on = select(ranked, evidence, AssistantConfig(focused_evidence_weight=0.5, focused_cut=0.0), scope=("A",))
    assert [s.pos for s in on.chosen] == [1, 0, 2]
    off = select(ranked, evidence, AssistantConfig(focused_evidence_weight=0.0, focused_cut=0.0), scope=("A",))
    assert [s.pos for s in off.chosen] == [0, 1, 2]


def test_a_question_about_the_trusts_gets_each_relevant_trust_before_a_second_from_one():
    ranked = [_scored(0, "A", 0.9), _scored(1, "A", 0.88), _scored(2, "B", 0.8), _scored(3, None, 0.7, "key themes"),
              _scored(4, "C", 0.6), _scored(5, "D", 0.5)]
    evidence = {0: 1.0, 1: 0.95, 2: 0.9, 3: 0.85, 4: 0.8, 5: 0.2}
    cfg = AssistantConfig(relevance_cut=0.7, breadth_trusts=3, diversity=0.5)
    sel = select(ranked, evidence, cfg, scope=())
    assert sel.about_trusts and set(sel.material) == {"A", "B", "C"}
    order = [s.pos for s in sel.chosen]
    assert order[0] == 3  # the report's key themes open the answer where they speak to it
    assert order.index(2) < order.index(1) and order.index(4) < order.index(1)  # B and C before A's second
    assert 5 not in order  # D's best sentence is far below the best: not relevant
    focused = select(ranked, evidence, cfg, scope=("A",))
    assert not focused.about_trusts and [s.pos for s in focused.chosen][:2] == [0, 1]


def test_a_question_about_one_unnamed_trust_in_the_singular_is_answered_as_a_focused_one(synthetic):
    _, vocab, names = synthetic
    assert understand("which trust opened a crisis cafe?", names, vocab).one_case
    assert not understand("which trusts opened a crisis cafe?", names, vocab).one_case
    each = understand("how big is each trust - staff numbers", names, vocab)  # all of them, one at a time
    assert each.about_cases and not each.one_case
    ranked = [_scored(0, "A", 0.9), _scored(1, "A", 0.88), _scored(2, "B", 0.8), _scored(3, "C", 0.6)]
    evidence = {0: 1.0, 1: 0.95, 2: 0.9, 3: 0.85}  # material in three trusts
    assert select(ranked, evidence, AssistantConfig(breadth_trusts=3), scope=()).about_trusts
    one = select(ranked, evidence, AssistantConfig(breadth_trusts=3), scope=(), single=True)
    assert not one.about_trusts and [s.pos for s in one.chosen][:2] == [0, 1]  # the best passages, as ranked


def test_a_focused_answer_keeps_the_passages_under_a_heading_the_question_names():
    def chunk(pos, section, score):
        return Scored(pos, make_chunk(f"c{pos}", f"text {pos}", trust="A", section=section), score, 0.5, 1.0)

    ranked = [chunk(0, "Culture", 0.9), chunk(1, "Culture", 0.8), chunk(2, "Governance", 0.7), chunk(3, "Culture", 0.6)]
    evidence = {0: 1.0, 1: 0.2, 2: 0.3, 3: 0.1}  # "calderstones culture": the section's words rarely say "culture"
    cfg = AssistantConfig(focused_cut=0.4)
    assert [s.pos for s in select(ranked, evidence, cfg, scope=("A",)).chosen] == [0]
    kept = select(ranked, evidence, cfg, scope=("A",), named=frozenset({"Culture"})).chosen
    assert [s.pos for s in kept] == [0, 1, 3]  # the whole section, not Governance


def test_a_trust_below_the_cut_but_above_the_floor_gives_its_nearest_passage_only():
    ranked = [_scored(0, "A", 0.9), _scored(1, "A", 0.88), _scored(2, "B", 0.8), _scored(3, "C", 0.7),
              _scored(4, "C", 0.65), _scored(5, "D", 0.6), _scored(6, "E", 0.55), _scored(7, "F", 0.5)]
    evidence = {0: 1.0, 1: 0.95, 2: 0.9, 3: 0.6, 4: 0.62, 5: 0.4, 6: 0.8, 7: 0.75}  # C: below 0.7, above 0.55
    sel = select(ranked, evidence, AssistantConfig(relevance_cut=0.7, case_floor=0.55), scope=(), plural=True)
    chosen = [s.pos for s in sel.chosen]
    assert set(sel.strong) == {"A", "B", "E", "F"} and set(sel.material) == {"A", "B", "C", "E", "F"}
    assert 4 in chosen and 3 not in chosen  # C's nearest passage (its best evidence), and only that one
    assert chosen.index(4) > chosen.index(2)  # after the trusts with relevant material
    assert 5 not in chosen  # D is below the floor
    off = select(ranked, evidence, AssistantConfig(relevance_cut=0.7, case_floor=0.7), scope=(), plural=True)
    assert set(off.material) == {"A", "B", "E", "F"} and 4 not in [s.pos for s in off.chosen]


def test_a_nearest_passage_is_labelled_where_it_is_quoted_and_in_the_coverage_line():
    from assistant.compose import NEAREST, compose, glance

    def ext(trust: str, nearest: bool) -> Extract:
        return Extract(text=f"What {trust} did.", context=f"What {trust} did.", chunk_id=trust, trust=trust,
                       section="S", page=1, page_end=1, kind="body", title=None, speaker=None, score=0.5,
                       best=f"What {trust} did.", nearest=nearest)

    extracts = [ext("Near", True), ext("Sure", False)]
    lines = glance(extracts, about_trusts=True)
    assert [g.group for g in lines] == ["Sure", "Near"] and [g.nearest for g in lines] == [False, True]
    text = compose(extracts, glance_lines=lines, abstained=False, about_trusts=True, covered=("Sure", "Near"))
    assert f"[1] ({NEAREST}) Near · S · p. 1" in text and "[2] Sure · S · p. 1" in text
    assert f"Trusts covered: Sure ({NEAREST}: Near)." in text
    assert f"What Near did. _({NEAREST})_ [1]" in text


def test_a_shared_heading_naming_the_whole_subject_gives_each_trust_its_passage_under_it():
    theme = "Involving patients"

    def chunk(pos, trust, section):
        return Scored(pos, make_chunk(f"c{pos}", f"text {pos}", trust=trust, section=section), 0.5, 0.5, 1.0)

    ranked = [chunk(0, "A", theme), chunk(1, "B", "Culture"), chunk(2, "C", "Governance"), chunk(3, "C", theme),
              chunk(4, "D", "Culture")]
    evidence = {0: 0.9, 1: 0.8, 2: 0.3, 3: 0.2, 4: 0.1}
    plain = select(ranked, evidence, AssistantConfig(), scope=(), plural=True)
    assert set(plain.material) == {"A", "B"}
    themed = select(ranked, evidence, AssistantConfig(), scope=(), plural=True, theme=frozenset({theme}))
    assert set(themed.material) == {"A", "B", "C"} and 3 in [s.pos for s in themed.chosen]  # C's under the heading
    assert 2 not in [s.pos for s in themed.chosen[:3]] and "D" not in themed.material
    only_c = [s for s in ranked if s.chunk.trust == "C"]
    # one trust: ranked as usual
    focused = select(only_c, evidence, AssistantConfig(), scope=("C",), theme=frozenset({theme}))
    assert [s.pos for s in focused.chosen] == [2, 3]


def test_a_heading_near_the_question_in_meaning_adds_the_trusts_without_material_after_the_answer():
    near = "Relationship with CQC"

    def chunk(pos, trust, section):
        return Scored(pos, make_chunk(f"c{pos}", f"text {pos}", trust=trust, section=section), 0.5, 0.5, 1.0)

    ranked = [chunk(0, "A", near), chunk(1, "B", "Culture"), chunk(2, "A", "Culture"), chunk(3, "C", "Governance"),
              chunk(4, "C", near), chunk(5, "D", "Culture"), chunk(6, "E", "Culture")]
    evidence = {0: 0.9, 1: 0.8, 2: 0.75, 3: 0.3, 4: 0.2, 5: 0.1, 6: 0.05}
    plain = select(ranked, evidence, AssistantConfig(), scope=(), plural=True)
    assert set(plain.material) == {"A", "B"}
    meant = select(ranked, evidence, AssistantConfig(), scope=(), plural=True, meant=frozenset({near}))
    assert set(meant.material) == {"A", "B", "C"} and "C" not in meant.strong  # shown as less certain
    assert meant.chosen[:5] == plain.chosen  # the answer as before; C's passage under the heading is in it
    short = select(ranked[:4] + ranked[5:] + [ranked[4]], {**evidence, 4: 0.0}, AssistantConfig(focused_extracts=3),
                   scope=(), plural=True, meant=frozenset({near}))
    assert [s.pos for s in short.chosen] == [0, 1, 2, 4]  # or, when the answer is full, after it (not C's nearer 3)


def test_a_focused_answer_is_not_padded_with_passages_that_hardly_bear_on_it():
    ranked = [Scored(i, make_chunk(f"c{i}", f"text {i}", trust="A"), 1.0 - i / 10, 0.5, 1.0) for i in range(6)]
    evidence = {0: 0.8, 1: 0.5, 2: 0.31, 3: 0.2, 4: 0.1}
    chosen = select(ranked, evidence, AssistantConfig(focused_cut=0.4), scope=("A",)).chosen
    assert [s.pos for s in chosen] == [0, 1]  # 0.31 < 0.4 × 0.8
    padded = select(ranked, evidence, AssistantConfig(focused_cut=0.0), scope=("A",)).chosen
    assert len(padded) == AssistantConfig().focused_extracts
    alone = select(ranked, {0: 0.8}, AssistantConfig(focused_cut=0.4), scope=("A",)).chosen
    assert [s.pos for s in alone] == [0]  # passages never scored count as not bearing on it


def test_a_pull_quote_reprinting_the_running_text_gives_its_place_to_that_text():
    said = "At the board, Ann Moss said, “We listened to patients every single week, on every ward we ran.” Then"
    quote = make_chunk("q", "“We listened to patients every single week, on every ward we ran.”\nAnn Moss",
                       trust="A", kind="quote")
    body = make_chunk("b", said, trust="A")
    other = make_chunk("o", "Something else entirely was done about the car park.", trust="B")
    ranked = [Scored(0, quote, 0.9, 0.5, 1.0), Scored(1, other, 0.5, 0.5, 1.0), Scored(2, body, 0.4, 0.5, 1.0)]
    evidence = {0: 0.9, 1: 0.5, 2: 0.4}
    reprints = repeats([quote, other, body])
    assert reprints[0] == {2}
    chosen = select(ranked, evidence, AssistantConfig(), scope=("A",), repeated=reprints).chosen
    assert [s.chunk.id for s in chosen] == ["b", "o"] and chosen[0].score == 0.9  # at the quote's place
    kept = select(ranked, evidence, AssistantConfig(prefer_running_text=False), scope=("A",), repeated=reprints)
    assert [s.chunk.id for s in kept.chosen] == ["q", "o"]


# -- extracts: answer-complete, verbatim, never a quotation cut open -----------------------------------------------
def _extract(text: str, question: str, cfg=None, **chunk_fields) -> Extract:
    chunk = make_chunk("x", text, trust=RIVER, **chunk_fields)
    embedder = FakeEmbedder()
    bank = SentenceBank.build((chunk,), embedder)
    vocab = Vocabulary.build([chunk], [RIVER])
    facts = derive([chunk])
    u = understand(question, Names(facts, vocab.surface), vocab)
    qvec = embedder.encode_queries([question])[0]
    return make_extract(0, chunk, 1.0, set(u.content), qvec, bank, vocab, u, cfg or AssistantConfig())


def test_a_question_the_report_asks_is_not_the_best_line_of_an_answer():
    text = "We asked each trust: What were the obstacles to improvement?\nStaff said the obstacles were old wards."
    question = "what obstacles to improvement did trusts face"
    plain = _extract(text, question, AssistantConfig(asking_penalty=0.0))
    assert plain.best.endswith("obstacles to improvement?")  # it holds more of the question's words ...
    assert _extract(text, question, AssistantConfig(asking_penalty=0.5)).best.startswith("Staff said")  # ... but asks


def test_a_best_line_cut_by_a_page_break_is_shown_whole_with_the_break_marked():
    text = "Mock inspections gave feedback so that teams could\nget on with fixing the wards quickly. Other news came."
    chunk = make_chunk("x", text, trust=RIVER)
    embedder = FakeEmbedder()
    bank = SentenceBank.build((chunk,), embedder)
    vocab = Vocabulary.build([chunk], [RIVER])
    question = "how did teams get on with fixing wards after mock inspections"
    u = understand(question, Names(derive([chunk]), vocab.surface), vocab)
    e = make_extract(0, chunk, 1.0, set(u.content), embedder.encode_queries([question])[0], bank, vocab, u,
                     AssistantConfig(), breaks=(text.index("get on"),))
    assert "could … get on" in e.text  # the page break, marked in the extract
    assert e.best.startswith("Mock inspections") and e.best.endswith("wards quickly.") and e.best in e.text


def test_bullet_markers_between_spans_are_no_break_and_an_interruption_is():
    source = "Four areas to focus on:\nzz improving data\nzz safe care.\nSIDEBAR TEXT\nThe plan worked."
    pieces = ["Four areas to focus on:", "improving data", "safe care.", "The plan worked."]
    spans = tuple((source.index(p), source.index(p) + len(p)) for p in pieces)
    chunk = replace(make_chunk("x", "\n".join(pieces)), spans=spans)
    assert span_breaks(chunk, source) == (chunk.text.index("The plan"),)  # only where the sidebar was left out


def test_no_list_in_the_report_is_shown_as_cut_at_its_bullets(doc):
    def gaps(c):
        return [doc.text[b:a] for (_, b), (a, _) in itertools.pairwise(c.spans)]

    listed = [c for c in doc.chunks if any(only_markers(g) and g.strip() for g in gaps(c))]
    assert len(listed) >= 3  # the report has lists inside chunks
    for c in listed:  # a break is marked at every real interruption and at no bullet
        assert len(span_breaks(c, doc.text)) == sum(not only_markers(g) for g in gaps(c))


def test_a_list_whose_lead_in_answers_is_shown_whole_even_in_a_short_answer():
    items = [f"What did team {n} learn about the wards and the visits this year?" for n in range(1, 8)]
    text = "We asked every interviewee these questions:\n" + "\n".join(items)
    chunk = make_chunk("x", text, trust=RIVER, kind="bullets")
    embedder = FakeEmbedder()
    bank = SentenceBank.build((chunk,), embedder)
    vocab = Vocabulary.build([chunk], [RIVER])
    question = "which questions did you ask every interviewee"
    u = understand(question, Names(derive([chunk]), vocab.surface), vocab)

    def shown(cfg: AssistantConfig) -> str:  # as one trust's passage among seven (max_words: a short answer's)
        return make_extract(0, chunk, 1.0, set(u.content), embedder.encode_queries([question])[0], bank, vocab, u,
                            cfg, max_words=20).text

    cfg = AssistantConfig(whole_chunk_words=0)  # no chunk is short enough to be shown whole as such
    assert shown(cfg).startswith("We asked") and all(i in shown(cfg) for i in items)  # the list is the answer
    assert shown(replace(cfg, whole_paragraph_words=20)) == "We asked every interviewee these questions:"  # too long


def test_a_best_line_pointing_back_takes_the_sentence_it_points_to():
    text = "Ann Moss became chief executive in 2015. She is confident the crisis cafe works for patients at night."
    e = _extract(text, "is the crisis cafe working for patients at night")
    assert e.best == text  # not "She is confident …" alone


def test_bearing_paragraphs_are_shown_whole_and_others_left_out():
    text = ("The cafe opened in the town centre. Volunteers staff it at night.\n"
            "Board papers were shortened. Meetings moved to the wards.\n"
            "The cafe halved admissions at night. Patients said it felt safe.")
    e = _extract(text, "what did the crisis cafe do", AssistantConfig(whole_chunk_words=0, whole_paragraph_words=200,
                                                                    bearing_ratio=0.6))
    assert "Board papers" not in e.text and e.text.count(ELLIPSIS) == 1
    assert e.text.startswith("The cafe opened in the town centre. Volunteers staff it at night.")
    assert all(p in text for p in e.text.split(ELLIPSIS))
    assert e.best in e.text and all(e.text[a:b] in text for a, b in e.highlights)


def test_a_chunk_within_the_whole_chunk_size_is_shown_whole_with_its_bearing_sentences_highlighted():
    text = ("The cafe opened in the town centre. Volunteers staff it at night.\n"
            "Board papers were shortened. Meetings moved to the wards.\n"
            "The cafe halved admissions at night. Patients said it felt safe.")
    cfg = AssistantConfig(bearing_ratio=0.6)
    e = _extract(text, "what did the crisis cafe do", replace(cfg, whole_chunk_words=len(text.split())))
    assert e.text == text and ELLIPSIS not in e.text
    highlighted = " ".join(e.text[a:b] for a, b in e.highlights)
    assert "cafe" in highlighted and "Board papers" not in highlighted
    shorter = replace(cfg, whole_chunk_words=len(text.split()) - 1)
    assert ELLIPSIS in _extract(text, "what did the crisis cafe do", shorter).text


def test_a_long_passage_loses_only_sentences_that_do_not_bear_and_never_cuts_a_quotation():
    text = ("Budgets were discussed at length. “The cafe changed everything. It was open every night. People came "
            "back.” The roof was repaired. The car park was resurfaced.")
    e = _extract(text, "how did the cafe change things", AssistantConfig(whole_chunk_words=0, whole_paragraph_words=5,
                                                                      bearing_ratio=0.9))
    assert "“The cafe changed everything. It was open every night. People came back.”" in e.text
    assert "car park" not in e.text


def test_a_pull_quote_is_shown_whole_with_its_attribution_and_its_speaker_cited():
    text = "“We listened to patients every week.”\nAnn Moss, Chief Executive"
    q = Quote(0, 38, "Ann Moss", "Chief Executive", RIVER)
    e = _extract(text, "listening to patients", kind="quote", quotes=(q,),
                 speaker=Speaker("Ann Moss", "Chief Executive", RIVER))
    assert e.text == text and e.speaker.name == "Ann Moss"


def test_every_speaker_in_an_extract_is_cited_the_best_sentences_first():
    text = "“Beds were full,” says Ann Moss. “We bought more beds from the next trust,” says Raj Patel."
    quotes = (Quote(0, 17, "Ann Moss", "Chief Executive", RIVER), Quote(33, 75, "Raj Patel", "Medical Director", RIVER))
    e = _extract(text, "who bought beds from the next trust", quotes=quotes)
    assert [s.name for s in e.speakers] == ["Raj Patel", "Ann Moss"] and e.speaker.name == "Raj Patel"
    assert "Raj Patel" in e.citation() and "Ann Moss" in e.citation()


def test_a_best_line_retelling_a_quoted_persons_view_is_cited_to_them_first():
    from assistant.extracts import with_reported

    moss, patel = Speaker("Ann Moss", "Chair", RIVER), Speaker("Dr Raj Patel", "Medical Director", RIVER)
    people = {"Ann Moss": moss, "Raj Patel": patel}
    text = "“It was a shock,” said Ann Moss. And while Dr Raj Patel thought it harsh, he felt it was fair."
    best = text[text.index("And while"):]
    e = Extract(text, text, "c1", RIVER, None, 2, 2, "body", None, moss, 1.0, (moss,), best=best)
    cited = with_reported(e, people)
    assert cited.speaker == patel and cited.speakers == (patel, moss)
    assert cited.citation().index("Raj Patel") < cited.citation().index("Ann Moss")
    # her own quotation as the best line, someone the report never quotes, or no verb of saying: unchanged
    assert with_reported(replace(e, best="“It was a shock,”", best_speaker=moss), people) == replace(
        e, best="“It was a shock,”", best_speaker=moss)
    assert with_reported(replace(e, best="Then Tom Hill thought it harsh."), people).speaker == moss
    assert with_reported(replace(e, best="Dr Raj Patel joined in 2015."), people).speaker == moss
    assert with_reported(replace(e, best="It was fair, according to Dr Raj Patel."), people).speaker == patel


def test_initials_of_a_name_the_report_prints_in_full_are_read_as_that_name():
    from assistant.spelling import Acronyms

    texts = ["Staff visited East London NHS Foundation Trust and the Royal College of Psychiatrists.",
             "The Care Quality Commission (CQC) came back. Red Apple Group met Royal Ash Grove.",
             "The National Skills Board agreed."]
    acr = Acronyms(texts, known=lambda w: w in {"cqc", "the"})
    assert acr.expand("what did ELFT do?") == ("what did East London NHS Foundation Trust do?",
                                               ("read “ELFT” as East London NHS Foundation Trust",))
    assert acr.expand("elnft")[0] == "East London NHS Foundation Trust"  # with the NHS's initial too
    assert acr.expand("rcp standards")[0] == "Royal College of Psychiatrists standards"
    assert acr.expand("cqc visits") == ("cqc visits", ())  # a word the report uses is its own word
    assert acr.expand("rag ratings") == ("rag ratings", ())  # two names share the initials: neither
    assert acr.expand("nsb")[0] == "National Skills Board"  # a sentence's opening "The" is not part of the name
    assert acr.expand("ELFT", protected=[(0, 4)]) == ("ELFT", ())  # a name already matched is left alone
    # an all-capital word kept whole ("nhsi"); the small words' initials too ("salt"), typed in capitals when the
    # initials are a word of the language
    more = ["Pete Burnett works at NHS Improvement.", "Sarah Browning, Speech and Language Therapist, spoke."]
    acr = Acronyms(more, known=lambda w: w in {"salt"}, reports=lambda w: False)
    assert acr.expand("what did nhsi say")[0] == "what did NHS Improvement say"
    assert acr.expand("what did the SALT say")[0] == "what did the Speech and Language Therapist say"
    assert acr.expand("salt on the roads")[1] == ()  # the word, typed as a word
    assert "Speech and Language Therapist" in acr.printed and "NHS Improvement" not in acr.printed


# -- checks ----------------------------------------------------------------------------------------------------------
def test_a_person_question_needs_someone_in_the_role_it_asks_about(synthetic):
    _, vocab, names = synthetic
    moss = Speaker("Ann Moss", "Chief Executive", RIVER)
    e = Extract("“We listened,” says Ann Moss.", "", "q1", RIVER, None, 1, 1, "body", None, moss, 1.0, (moss,))
    nobody = lambda text: []  # noqa: E731
    u = understand("who is the chief exec?", names, vocab)
    assert holds_answer(u.want, u, [e], nobody).ok
    u = understand("who is the medical director?", names, vocab)
    assert u.roles and not holds_answer(u.want, u, [e], nobody).ok
    patel = Speaker("Raj Patel", "Medical Director", HILL)
    assert holds_answer(u.want, u, [e], lambda text: [patel]).ok  # a named person in that role will do
    # "who is <someone the report names but never quotes>?": a sentence naming them says who they are
    about = Extract("Professor Tim Kendall, National Clinical Director.", "", "c3", None, None, 3, 3, "body", None,
                    None, 1.0)
    u = understand("who is tim kendall?", names, vocab)
    assert holds_answer("who is tim kendall?", u, [about], nobody).ok
    u = understand("how many managers were trained?", names, vocab)
    plain = Extract("Managers were trained.", "", "c2", HILL, None, 3, 3, "body", None, None, 1.0)
    tim = understand("who is tim kendall?", names, vocab)
    assert not holds_answer("who is tim kendall?", tim, [plain], nobody).ok  # nothing naming him, nobody cited
    assert not holds_answer("how many managers were trained?", u, [plain], nobody).ok
    # asked of a trust, someone of that trust in the role
    u = understand("who is the chief exec?", names, vocab)
    assert holds_answer(u.want, u, [e], nobody, scope=(RIVER,)).ok
    assert not holds_answer(u.want, u, [e], nobody, scope=(HILL,)).ok


def test_a_rate_asked_for_must_be_a_figure_of_what_it_is_asked_of(synthetic):
    _, vocab, names = synthetic
    nobody = lambda text: []  # noqa: E731
    q = "what is the bed occupancy rate?"
    u = understand(q, names, vocab)
    assert {"bed", "occup"} <= set(u.figure_of)

    def shown(text: str) -> Extract:
        return Extract(text, text, "c1", RIVER, None, 2, 2, "body", None, None, 1.0)

    other = shown("Ward staff were rated highly. 40 staff were trained in 2016.")  # a figure, of something else
    assert not holds_answer(q, u, [other], nobody).ok
    assert holds_answer(q, u, [shown("Bed occupancy fell to 85% in 2016.")], nobody).ok
    # typed as the figure's name, it still asks for the figure; a name that merely ends a longer question does not
    for typed in ("riverside bed occupancy rate", "patient survey engagement score?"):
        assert understand(typed, names, vocab).want == "number", typed
        assert not holds_answer(typed, understand(typed, names, vocab), [other], nobody).ok, typed
    assert understand("how did the wards bring down their bed occupancy rate", names, vocab).want == "any"
    # a figure noun a few words after "what" asks for it, however long the name of the figure
    assert understand("what were the 2017 national inpatient survey engagement scores", names, vocab).want == "number"


def test_a_figure_is_of_what_is_measured_and_a_date_of_the_person_named(synthetic):
    _, vocab, names = synthetic
    nobody = lambda text: []  # noqa: E731

    def shown(text: str) -> Extract:
        return Extract(text, text, "c1", RIVER, None, 2, 2, "body", None, None, 1.0)

    # the trust a figure is asked of is where to look, not what is measured: its name next to a number is no answer
    q = "riverside valley bed occupancy rate"
    u = understand(q, names, vocab)
    assert u.trusts == (RIVER,) and set(u.figure_of) == {"bed", "occup"}
    assert not holds_answer(q, u, [shown("Riverside Valley has 3 sites. Ward staff were rated highly.")], nobody).ok
    # the word right before the word for the figure is what it measures: "staff survey response rate"
    q = "riverside valley staff survey response rate"
    u = understand(q, names, vocab)
    assert u.figure_head == "respons"
    assert not holds_answer(q, u, [shown("The staff survey showed a 26% rise in staff feeling informed.")], nobody).ok
    assert holds_answer(q, u, [shown("The staff survey response rate rose to 60%.")], nobody).ok
    # how often something happens is not when
    q = "when did ann moss start the crisis cafe?"
    u = understand(q, names, vocab)
    assert u.want == "date" and u.people
    assert not holds_answer(q, u, [shown("Ann Moss ran the crisis cafe meeting every two weeks.")], nobody).ok
    assert holds_answer(q, u, [shown("Ann Moss opened the crisis cafe within a year.")], nobody).ok
    assert not holds_answer(q, u, [shown("Ann Moss visits the crisis cafe a couple of times a week.")], nobody).ok
    # the question's own number is not its answer
    waits = "how many children waited over 18 weeks at riverside valley?"
    asked = understand(waits, names, vocab)
    assert not holds_answer(waits, asked, [shown("Children waiting over 18 weeks are reviewed.")], nobody).ok
    assert holds_answer(waits, asked, [shown("Some 40 children waited over 18 weeks.")], nobody).ok
    # ... or in one quoting them, though it names them by first name only
    moss = Speaker("Ann Moss", "Chief Executive", RIVER)
    said = replace(shown("Ann agrees, saying, “The crisis cafe opened within a year.”"), speaker=moss, speakers=(moss,))
    assert holds_answer(q, u, [said], nobody).ok
    assert not holds_answer(q, u, [replace(said, speaker=None, speakers=())], nobody).ok
    # a date in a sentence naming the person asked about, whatever verb it uses ("start" asked, "joined" printed)
    assert holds_answer(q, u, [shown("Ann Moss, who joined in May 2016, is the chief executive.")], nobody).ok
    # a figure of "employees" is one of what the trust "employs" (one stem beginning the other)
    staff = "number of employees at riverside valley"
    asked = understand(staff, names, vocab)
    assert holds_answer(staff, asked, [shown("The trust employs around 2,600 staff.")], nobody).ok
    assert not holds_answer(staff, asked, [shown("The trust has 12 wards.")], nobody).ok
    # a figure asked of something the report names only as a name is in a passage naming it
    beds = "how many beds does hillcrest lodge have?"
    asked = replace(understand(beds, names, vocab), content=("bed", "lodg"))
    named = lambda t: t != "lodg"  # noqa: E731 -- as if the report printed "Lodge" only as a name
    assert not holds_answer(beds, asked, [shown("Riverside Valley bought 12 beds.")], nobody, (), named).ok
    assert holds_answer(beds, asked, [shown("Riverside Valley bought 12 beds.")], nobody).ok  # (as before)
    assert holds_answer(beds, asked, [shown("The Lodge has 12 beds.")], nobody, (), named).ok
    # words the report never uses ("ppl") are not looked for next to its figures; a stem may begin another ("serv")
    ppl = "how many ppl does riverside valley serve"
    asked = understand(ppl, names, vocab)
    served = [shown("It provides services for around 718,800 people.")]
    assert holds_answer(ppl, asked, served, nobody, known=lambda t: t in vocab.idf).ok
    assert not holds_answer(ppl, asked, served, nobody).ok  # (every word looked for)
    # "how much of his time": time, not money; "at least half" is a figure
    spend = "how much of his time does he spend outside the trust?"
    assert understand(spend, names, vocab).want == "number"
    assert holds_answer(spend, understand(spend, names, vocab),
                        [shown("He spends at least half his time outside the trust.")], nobody).ok
    # "who's running it?" may be answered by a body, not a person
    body = understand("who's running the programme?", names, vocab)
    led = [shown("It is jointly led by NHS Improvement.")]
    assert not holds_answer("who's running the programme?", body, led, nobody).ok
    assert holds_answer("who's running the programme?", body, led, nobody,
                        bodies=lambda text: "NHS Improvement" in text).ok
    # a date for the person the question names is in a passage that names them
    assert not holds_answer(q, u, [shown("The crisis cafe opened in March 2016.")], nobody).ok
    assert holds_answer(q, u, [shown("Ann Moss opened the crisis cafe in March 2016.")], nobody).ok


def test_the_rating_of_an_organisation_outside_the_cases_must_be_given_to_it_in_the_evidence(synthetic):
    from assistant.answerable import gives_rating
    from assistant.ratings import cue_stems, rating_sought

    facts, vocab, names = synthetic
    cues, other = cue_stems(facts), ("Greenfield Partnership NHS Trust",)

    def shown(text: str) -> Extract:
        return Extract(text, text, "c1", RIVER, None, 2, 2, "body", None, None, 1.0)

    q = "what rating did greenfield partnership get from cqc?"
    u, values = understand(q, names, vocab), rating_sought(q, facts)
    assert values and "good" in values
    visit = shown("Staff went to Greenfield Partnership NHS Trust to observe good practice.")  # not a rating
    assert not gives_rating(u, [visit], values, cues, other).ok
    assert not gives_rating(u, [shown("The wards were rated as good.")], values, cues, other).ok  # not its rating
    rated = shown("Greenfield Partnership NHS Trust was rated as outstanding.")
    assert gives_rating(u, [visit, rated], values, cues, other).ok
    # how or whether a rating was taken, or who called it something, is not asking for one
    for asked in ("how did greenfield react to its rating?", "did the poorly rated trusts have uncaring staff?",
                  "who called the rating a springboard?"):
        assert rating_sought(asked, facts) == (), asked


def test_a_year_asked_about_must_be_in_the_evidence_where_it_bears_on_the_question(synthetic):
    _, vocab, names = synthetic
    cafe = "At Riverside Valley the chief executive Ann Moss opened a crisis cafe in 2016. Wards were rated in 2017."
    e = Extract(cafe, cafe, "c1", RIVER, None, 2, 2, "body", None, None, 1.0, highlights=((0, 78),))

    def check(question: str):
        return names_year(question, understand(question, names, vocab), [e])

    assert check("what happened to the cafe in 2016?").ok  # in a sentence that bears on it
    assert check("how were wards rated in 2017?").ok  # in a sentence sharing its words
    missing = check("what happened to the crisis cafe in 2015?")
    assert not missing.ok and "2015" in missing.reason
    assert not check("what did staff surveys show in 2017?").ok  # 2017 is there, but said of something else
    assert check("what happened to the crisis cafe?").ok  # no year asked: nothing to check


def test_an_outcome_the_evidence_tells_only_as_still_to_come_is_not_given(synthetic):
    _, vocab, names = synthetic
    told = ("Local staff surveys during 2016 showed big gains. The trust has high hopes for its national staff "
            "survey when the results are released in May. Our latest inspection results are imminent.")
    e = Extract(told, told, "c1", RIVER, None, 2, 2, "body", None, None, 1.0)

    def check(question: str):
        return still_to_come(question, understand(question, names, vocab), [e])

    pending = check("what were riverside's national staff survey results?")
    assert not pending.ok and "released in May" in pending.reason  # the best-matching sentence: still to come
    assert not check("what were the results of the latest inspection?").ok
    # a sentence matching as well that tells what happened answers it
    assert check("what were the results of the local staff surveys?").ok
    assert check("how did staff survey results change?").ok
    assert check("what does the trust hope the survey results will show?").ok  # asks about the hope itself
    assert check("what did staff say about the survey results?").ok  # asks about words said
    assert check("what happened to the national staff survey?").ok  # no outcome asked for
    assert check("when will the national staff survey results be released?").ok  # asks when: it says so
    assert check("when are the national staff survey results out?").ok
    past = "The rating was not what it had hoped for, due to staffing."  # hoped, due to: not the future
    e2 = Extract(past, past, "c3", RIVER, None, 4, 4, "body", None, None, 1.0)
    assert still_to_come("how did they take the rating?", understand("how did they take the rating?", names, vocab),
                         [e2]).ok
    done = "The national staff survey results showed the best scores in the region."
    shown = Extract(done, done, "c2", RIVER, None, 3, 3, "body", None, None, 1.0)
    assert still_to_come("what were the national staff survey results?",
                         understand("what were the national staff survey results?", names, vocab), [e, shown]).ok


def test_rating_questions_are_answered_from_the_histories(synthetic):
    facts, _, _ = synthetic
    ask = rating_question("which trusts went from requires improvement to good?", facts)
    assert ask is not None and ask.values == ("requires improvement", "good") and ask.change
    assert [c.name for c in answer_cases(facts, ask, ())[0]] == [RIVER]
    none = rating_question("which trusts went from inadequate to good?", facts)
    assert none.unmatched == "inadequate" and answer_cases(facts, none, ())[1] is False
    assert rating_question("which trusts are rated outstanding?", facts).values == ("outstanding",)
    assert rating_question("what was the vacancy rate?", facts) is None  # the bare word is not the cue
    assert rating_question("who called the rating a springboard?", facts) is None  # no rating value named
    # the rating as the whole subject: the histories (the question's subject words given)
    _, vocab, names = synthetic
    for q in ("what rating did riverside valley get?", "riverside valley rating history"):
        bare = rating_question(q, facts, understand(q, names, vocab).topic)
        assert bare is not None and bare.values == () and [c.name for c in answer_cases(facts, bare, (RIVER,))[0]]
    q = "who called the rating a springboard?"
    assert rating_question(q, facts, understand(q, names, vocab).topic) is None  # asks for a person
    for q in ("which trusts were not surprised by their rating?", "what did staff think about the rating?"):
        assert rating_question(q, facts, understand(q, names, vocab).topic) is None, q  # the rating as an object
    assert rating_question("what rating did riverside valley get?", facts) is None  # without the subject: as before
    for q in ("how did riverside valley react to its rating?", "why did riverside valley's rating change?"):
        assert rating_question(q, facts, understand(q, names, vocab).topic) is None  # asks what it did, or why
    q = "how was riverside valley rated?"
    assert rating_question(q, facts, understand(q, names, vocab).topic) is not None  # asks for the rating
    for q in ("which trusts were rated inadequate?", "which trusts were rated as inadequate?"):  # no history's value
        ask = rating_question(q, facts, understand(q, names, vocab).topic)
        assert ask is not None and ask.unmatched == "inadequate" and answer_cases(facts, ask, ())[1] is False, q
    assert rating_question("which trusts were rated in 2016?", facts, ()).unmatched is None  # no value asked for


# -- the assistant end to end (real report, fake embedder) ---------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "Please type a question"),
        ("   \n\t ", "Please type a question"),
        ("?!…", "in words"),
        ("x" * 100_000, "characters long"),
        (None, "must be text"),
        ("\u200b\u200f\u202e", "Please type a question"),
    ],
)
def test_bad_questions_get_a_clear_message(fake_assistant, question, message):
    with pytest.raises(ValidationError, match=message):
        fake_assistant.ask(question)


@pytest.mark.parametrize(
    "question",
    [
        "bed\x00 occupancy\x07 oxleas",
        "bed occupancy \ud800 oxleas",
        "\u202ebed occupancy\u202c",
        "bed 🛏️ occupancy",
        "<img src=x onerror=alert(1)> beds",
        "ما هو bed occupancy",
    ],
)
def test_odd_questions_are_cleaned_and_answered(fake_assistant, question):
    answer, conv = fake_assistant.ask(question)
    assert answer.extracts
    assert "\x00" not in answer.question and "\ud800" not in answer.question and "\u202e" not in answer.question
    assert len(conv.turns) == 1


def test_unknown_filters_are_refused(fake_assistant):
    with pytest.raises(ValidationError, match="Unknown trust"):
        fake_assistant.ask("beds", filters=Filters(trusts=("Devon Partnership NHS Trust",)))
    with pytest.raises(ValidationError, match="Unknown section"):
        fake_assistant.ask("beds", filters=Filters(sections=("Finance",)))
    with pytest.raises(ValidationError, match="Unknown kind"):
        fake_assistant.ask("beds", filters=Filters(kinds=("table",)))


def test_filters_restrict_trust_section_and_kind(fake_assistant):
    lincs = fake_assistant.trusts[2]
    answer, _ = fake_assistant.ask("staff", filters=Filters(trusts=("lincs",), sections=("Culture",)))
    assert answer.extracts and all(e.trust == lincs and e.section == "Culture" for e in answer.extracts)
    quotes, _ = fake_assistant.ask("leadership", filters=Filters(kinds=("quote",)))
    assert quotes.extracts and all(e.kind == "quote" for e in quotes.extracts)
    empty, _ = fake_assistant.ask("staff", filters=Filters(trusts=("lincs",), sections=("Our purpose",)))
    assert empty.abstained and not empty.extracts and "filters leave nothing" in empty.text
    assert empty.headline == "Your filters leave nothing to search." and "does not seem to answer" not in empty.text
    unfiltered, _ = fake_assistant.ask("what did the trust spend on parking in 1987?")
    assert unfiltered.abstained and unfiltered.headline == "The report does not seem to answer this."
    # told apart: with filters set, an abstention says it is within them
    within, _ = fake_assistant.ask("what did the trust spend on parking in 1987?", filters=Filters(kinds=("body",)))
    assert within.abstained and within.headline.startswith("Within your filters") and "Clearing" in within.text


QUESTIONS = ["how did trusts involve patients?", "bed occupancy", "who said hard to reach", "governance at somerset",
             "which trusts changed their board?", "what did sheffield do about restraint?", "lincs recruitment"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_answers_hold_for_any_question(fake_assistant, doc, question):
    source = without_markers(doc.text)
    answer, _ = fake_assistant.ask(question)
    for e in answer.extracts:
        for piece in e.text.split(ELLIPSIS):
            assert piece in e.context and without_markers(piece) in source
        assert e.best in e.text and all(0 <= a < b <= len(e.text) for a, b in e.highlights)
    shown = {e.trust for e in answer.extracts}
    assert not shown & set(answer.trusts_without_material)  # never "nothing relevant" for a trust shown
    assert set(answer.trusts_covered) == {t for t in shown if t}


def test_naming_one_trust_answers_from_that_trust(fake_assistant):
    answer, _ = fake_assistant.ask("what did sheffield do about restraint?")
    sheffield = fake_assistant.trusts[-1]
    assert answer.extracts and answer.extracts[0].trust == sheffield
    # its own pages, or the report's own text where it names it (`report_mentions`), never another trust's
    assert all(e.trust == sheffield or (e.trust is None and "Sheffield" in e.context) for e in answer.extracts)


def test_a_question_about_a_trust_also_finds_the_reports_own_text_naming_it(fake_assistant):
    lincs = fake_assistant.trusts[2]
    question = "what programme did lincolnshire sign up to for culture and leadership?"
    answer, _ = fake_assistant.ask(question)
    assert all(e.trust == lincs or (e.trust is None and "Lincolnshire" in e.context) for e in answer.extracts)
    assert any(e.trust is None for e in answer.extracts)  # the key themes: "Lincolnshire signed up to …"
    own = [e for e in answer.extracts if e.trust == lincs]
    assert own and answer.extracts.index(own[0]) < min(i for i, e in enumerate(answer.extracts) if e.trust is None)
    strict = type(fake_assistant)(fake_assistant.index, replace(fake_assistant.config, report_mentions=False))
    assert {e.trust for e in strict.ask(question)[0].extracts} == {lincs}


def test_a_question_naming_a_part_of_the_report_is_answered_within_it(fake_assistant):
    answer, _ = fake_assistant.ask("what does the foreword say about leadership?")
    assert answer.extracts and all(e.section == "Foreword" and e.trust is None for e in answer.extracts)
    assert "Within the report's foreword." in answer.text
    plain, _ = fake_assistant.ask("what do the case studies say about leadership?")  # words other chunks use too
    assert "Within the report's" not in plain.text and any(e.trust for e in plain.extracts)


def test_a_misspelt_trust_is_read_and_the_reading_is_shown(fake_assistant):
    answer, _ = fake_assistant.ask("lincolnshre recruitment")
    lincs = fake_assistant.trusts[2]
    assert {e.trust for e in answer.extracts} == {lincs}
    assert answer.reading.notes and "lincolnshre" in answer.text and lincs in answer.text


def test_an_organisation_the_report_does_not_cover_is_told_which_it_covers(fake_assistant):
    answer, _ = fake_assistant.ask("what did Leeds and York Partnership NHS Foundation Trust do about restraint?")
    assert answer.abstained and not answer.extracts
    assert "Leeds" in answer.text and all(t in answer.text for t in fake_assistant.trusts)


def test_conversations_are_values_not_shared_state(fake_assistant):
    _, conv_a = fake_assistant.ask("how did oxleas fix bed occupancy?")
    _, conv_b = fake_assistant.ask("what did sheffield do about restraint?")
    a2, conv_a2 = fake_assistant.ask("and what about Lincolnshire?", conv_a)
    assert len(conv_a.turns) == 1 and len(conv_a2.turns) == 2 and len(conv_b.turns) == 1
    lincs = fake_assistant.trusts[2]
    assert a2.reading.kind == "switch" and "bed occupancy" in a2.query and a2.reading.trusts == (lincs,)
    assert a2.extracts[0].trust == lincs and "Read as" in a2.text
    assert all(e.trust == lincs or (e.trust is None and "Lincolnshire" in e.context) for e in a2.extracts)


def test_who_is_quoted_lists_everyone_with_the_extracts_holding_their_words():
    from assistant.compose import who_lead

    moss, patel = Speaker("Ann Moss", "Chair", RIVER), Speaker("Raj Patel", None, None)
    a = Extract("“x,” said Ann Moss.", "", "c1", RIVER, None, 1, 1, "body", None, moss, 1.0, (moss, patel))
    b = Extract("“y,” said Ann Moss.", "", "c2", RIVER, None, 2, 2, "body", None, moss, 1.0, (moss,))
    lead = who_lead([a, b], short=lambda t: "River", narrated=True)
    assert lead is not None and lead.splitlines() == [
        "Quoted in the last answer (its other lines are the report's own words):",
        "- **Ann Moss**, Chair (River) [1, 2]",
        "- **Raj Patel** [1]",
    ]
    plain = replace(a, speaker=None, speakers=())
    assert who_lead([plain]) is None
    said = replace(b, best_speaker=patel, speakers=(moss, patel))  # its best line is Raj Patel's: he comes first
    assert [row.split("**")[1] for row in who_lead([a, said]).splitlines()[1:]] == ["Raj Patel", "Ann Moss"]
    # the line that answered first is the report's own: said so, before whoever is quoted elsewhere in the answer
    told = Extract("Waiting times fell to two weeks.", "", "c3", RIVER, None, 3, 3, "body", None, None, 1.0,
                   best="Waiting times fell to two weeks.")
    lead = who_lead([told, b])
    assert lead.startswith("Its first line, “Waiting times fell to two weeks.”, is the report's own words")
    assert lead.splitlines()[1].endswith("Chair (Riverside Valley Partnership NHS Foundation Trust) [2]")  # as numbered


def test_who_said_that_returns_speakers_of_the_last_answer(fake_assistant):
    _, conv = fake_assistant.ask("hard to reach banned phrases")
    who, _ = fake_assistant.ask("who said that?", conv)
    assert who.reading.kind == "who" and who.extracts and who.extracts[0].speaker is not None
    assert who.extracts[0].speaker.name in who.text and who.extracts[0].speaker.name in who.lead
    assert "(to “hard to reach banned phrases”)" in who.text  # the last answer it reads, by its question
    last = conv.turns[-1].answer
    assert [e.chunk_id for e in who.extracts] == [e.chunk_id for e in last.extracts]  # "[2]" means what it meant
    assert not who.glance  # the lead, not the last answer's lines again


def test_what_else_did_he_say_gives_that_speakers_other_words(fake_assistant):
    first, conv = fake_assistant.ask("who said 'hard to reach' was a banned phrase?")
    speaker = next(e.speaker for e in first.extracts if e.speaker)
    more, _ = fake_assistant.ask("what else did he say?", conv)
    assert not more.abstained and more.extracts
    assert f"read as {speaker.name}" in more.text  # the pronoun, and whom it was read as
    assert not {e.chunk_id for e in more.extracts} & {e.chunk_id for e in first.extracts}  # nothing shown again
    assert all(speaker.name in {s.name for s in e.speakers} for e in more.extracts)  # his words


def test_ratings_come_from_the_histories_cited_to_their_page(fake_assistant):
    answer, _ = fake_assistant.ask("which trusts were rated outstanding?")
    assert answer.extracts and not answer.abstained
    for e in answer.extracts:
        case = next(c for c in fake_assistant.facts.cases if c.name == e.trust)
        assert any(r.rating == "Outstanding" for r in case.ratings)
        assert e.chunk_id == case.rating_chunk and e.text in e.context and "outstanding" in e.text.lower()
    several, _ = fake_assistant.ask("which trusts went from requires improvement to good?")
    assert len(several.extracts) > 3 and [g.n for g in several.glance] == list(range(1, len(several.extracts) + 1))


def test_the_rating_of_an_organisation_the_report_names_but_does_not_rate_is_searched(fake_assistant):
    for q in ("which trusts were rated outstanding?", "was oxleas nhs foundation trust rated good?"):
        assert fake_assistant.ask(q)[0].lead.startswith("Rating histories"), q  # its own trusts: the histories
    for q in ("had elft been rated outstanding?", "was east london nhs foundation trust rated outstanding?"):
        answer, _ = fake_assistant.ask(q)
        assert not answer.lead and any("East London" in e.context for e in answer.extracts), q
    # named by the words its printed name opens with: searched, and refused when none of it rates the organisation
    answer, _ = fake_assistant.ask("what rating did cornwall partnership get?")
    assert not answer.lead and answer.abstained and "no rating for Cornwall Partnership" in answer.text


def test_a_rating_asked_for_a_year_no_history_prints_is_not_answered(fake_assistant):
    years = {r.date[-4:] for c in fake_assistant.facts.cases for r in c.ratings}
    missing = str(max(int(y) for y in years) + 3)
    case = next(c for c in fake_assistant.facts.cases if c.ratings)
    short = fake_assistant.names.short(case.name)
    answer, _ = fake_assistant.ask(f"what rating did {short} get at its {missing} inspection?")
    assert answer.abstained and missing in answer.reason and answer.extracts  # the histories shown as closest
    answer, _ = fake_assistant.ask(f"what rating did {short} get in {case.ratings[0].date[-4:]}?")
    assert not answer.abstained and answer.extracts[0].trust == case.name


def test_who_said_something_about_a_rating_is_searched_not_rated(fake_assistant):
    rated = fake_assistant.ask("which trusts were rated outstanding?")[0]
    said = fake_assistant.ask("who said the outstanding rating of another service was a motivator?")[0]
    rating_chunks = {c.rating_chunk for c in fake_assistant.facts.cases}
    assert all(e.chunk_id in rating_chunks for e in rated.extracts)
    assert not all(e.chunk_id in rating_chunks for e in said.extracts)


def test_a_question_naming_a_shared_heading_gets_every_trust_with_a_section_under_it(fake_assistant):
    facts = fake_assistant.facts
    shared = [sec for sec in facts.sections if len(sec.trusts) >= 2]
    assert shared
    for sec in shared:
        answer, _ = fake_assistant.ask(f"what did the trusts say about {sec.title.lower()}?")
        shown = {e.trust for e in answer.extracts}
        assert set(sec.trusts) <= shown, sec.title
        assert not set(answer.trusts_without_material) & shown
        compared = fake_assistant.compare(f"how did trusts handle {sec.title.lower()}?")
        assert all(e is not None for t, e in compared.rows if t in sec.trusts), sec.title


def test_what_a_person_said_with_nothing_else_asked_is_their_own_words(fake_assistant):
    quoted = {}
    for c in fake_assistant.chunks:
        for q in c.quotes:
            quoted[q.name] = quoted.get(q.name, 0) + 1
    for name in [n for n, k in sorted(quoted.items(), key=lambda kv: -kv[1])[:5]]:
        answer, _ = fake_assistant.ask(f"what did {name.lower()} say")
        assert answer.extracts and not answer.abstained
        assert all(name in {s.name for s in e.speakers} for e in answer.extracts), name


def test_the_last_topic_moved_to_a_trust_with_nothing_on_it_is_refused_with_the_closest_material(fake_assistant):
    facts = fake_assistant.facts
    shared = next(sec for sec in facts.sections if 2 <= len(sec.trusts) < len(facts.trust_names))
    inside, outside = shared.trusts[0], next(t for t in facts.trust_names if t not in shared.trusts)
    short = fake_assistant.names.short
    _, conversation = fake_assistant.ask(f"what did {short(inside)} say about {shared.title.lower()}?")
    moved, _ = fake_assistant.ask(f"and {short(shared.trusts[1])}?", conversation)
    assert not moved.abstained  # it has a section under that heading
    _, conversation = fake_assistant.ask("how did oxleas buy beds from east london?")
    away, _ = fake_assistant.ask(f"what about {short(outside)}?", conversation)
    assert away.reading.kind == "switch" and away.abstained and short(outside) in away.reason
    assert away.extracts and all(e.trust == outside for e in away.extracts)  # the closest there, shown as such


def test_words_quoted_from_outside_the_filters_are_located_not_answered_from_inside(fake_assistant):
    from assistant.compose import NOT_IN_FILTERS

    chunks = fake_assistant.chunks
    for c in chunks:
        said = c.text[c.quotes[0].start : c.quotes[0].end].split() if c.quotes and c.trust else []
        phrase = " ".join(said[2:7]).strip("“”\"‘’,.")
        if len(said) > 9 and sum(phrase.lower() in d.text.lower() for d in chunks) == 1:
            break
    other = next(t for t in fake_assistant.trusts if t != c.trust)
    answer, _ = fake_assistant.ask(f"who said '{phrase}'?", filters=Filters(trusts=(other,)))
    assert answer.abstained and answer.headline == NOT_IN_FILTERS and not answer.extracts
    assert fake_assistant.names.short(c.trust) in answer.reason
    inside, _ = fake_assistant.ask(f"who said '{phrase}'?", filters=Filters(trusts=(c.trust,)))
    assert not inside.abstained and inside.extracts[0].chunk_id == c.id


def test_answer_records_are_complete(fake_assistant):
    answer, _ = fake_assistant.ask("how did trusts involve patients?")
    d = answer.to_dict()
    assert set(d) >= {"text", "extracts", "trusts_covered", "trusts_without_material", "abstained", "timings",
                      "reading"}
    assert set(d["extracts"][0]) >= {"text", "context", "chunk_id", "trust", "section", "page", "kind", "speaker",
                                     "speakers", "highlights", "best", "score"}
    json.dumps(d)


def test_history_is_checked_once_not_per_replayed_turn(fake_assistant, monkeypatch):
    import assistant.core as core

    calls = []
    real = core.clean_filters
    monkeypatch.setattr(core, "clean_filters", lambda *a: calls.append(1) or real(*a))
    fake_assistant.ask_history("and sheffield?", ["bed occupancy at oxleas"] * 5, Filters(kinds=("body",)))
    assert len(calls) == 1


def test_batch_answers_good_lines_and_flags_bad_ones(fake_assistant):
    from assistant.__main__ import run_batch

    lines = [
        json.dumps({"id": "a", "question": "bed occupancy at oxleas", "history": []}),
        "{not json",
        json.dumps({"id": "b", "question": "and what about Lincolnshire?", "history": ["bed occupancy at oxleas"]}),
        json.dumps({"id": "c", "question": ""}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "d", "question": "beds", "history": "not a list"}),
        json.dumps({"id": "e", "q": "beds"}),  # no "question" field: said so, not "must be text"
    ]
    out = io.StringIO()
    errors = run_batch(fake_assistant, lines, out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r.get("id") for r in records] == ["a", None, "b", "c", None, "d", "e"]
    assert errors == 5 and '"question" field' in records[6]["error"]
    assert records[0]["extracts"] and set(records[0]) >= {"answer", "trusts_covered", "abstained", "latency_ms", "lead"}
    assert all(e["trust"] == fake_assistant.trusts[2] for e in records[2]["extracts"])
    assert "error" in records[1] and "error" in records[3] and "error" in records[5]


def test_vectors_are_unit_length(fake_assistant):
    v = fake_assistant.index.embed("bed occupancy")
    assert abs(float(np.linalg.norm(v)) - 1.0) < 1e-5


def test_ask_json_uses_the_batch_keys(fake_assistant, monkeypatch, capsys):
    import assistant.__main__ as cli
    from assistant.__main__ import run_batch

    monkeypatch.setattr(cli, "_load", lambda args: fake_assistant)
    assert cli.main(["ask", "bed occupancy at oxleas", "--json"]) == 0
    asked = json.loads(capsys.readouterr().out)
    out = io.StringIO()
    run_batch(fake_assistant, [json.dumps({"id": "x", "question": "bed occupancy at oxleas"})], out)
    batched = json.loads(out.getvalue())
    assert set(asked) == set(batched) - {"id"}
    assert asked["answer"] == batched["answer"] and asked["extracts"] == batched["extracts"]
    # extract n is extracts[n-1], and each glance line is that extract's own words
    for g in asked["glance"]:
        assert g["text"] in asked["extracts"][g["n"] - 1]["text"]
        assert f"[{g['n']}]" in asked["answer"]


def test_terminal_chat_prompt_and_export(fake_assistant, tmp_path):
    from assistant.__main__ import PROMPT, chat

    assert not PROMPT.strip().startswith(">")  # quoted lines in answers start with ">"
    md, js = tmp_path / "chat.md", tmp_path / "chat.json"
    typed = iter(["export nothing.md", "bed occupancy at oxleas", "and what about Lincolnshire?", "export",
                  f"export {tmp_path / 'chat.txt'}", f"export {tmp_path}/no/such/folder/x.md", f"export {md}",
                  f"export {js}", "new", "", "never read"])
    prompts: list[str] = []
    said: list[str] = []

    def read(prompt: str) -> str:
        prompts.append(prompt)
        return next(typed)

    chat(fake_assistant, Filters(), read=read, write=said.append)
    assert all(p.endswith(PROMPT) for p in prompts) and len(prompts) == 10
    joined = "\n".join(said)
    assert "Nothing to export yet" in joined and "Give a file name" in joined and "must end in .md" in joined
    assert "Cannot export" in joined and "(new chat)" in joined
    text = md.read_text(encoding="utf-8")
    assert fake_assistant.title in text and "bed occupancy at oxleas" in text and "and what about Lincolnshire?" in text
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["report"] == fake_assistant.title and len(data["exchanges"]) == 2
    second = data["exchanges"][1]
    assert second["reading"]["kind"] in ("switch", "continue") and second["asked_at"]
    for g in second["glance"]:
        assert g["text"] in second["extracts"][g["n"] - 1]["text"]
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_person_outside_the_trust_filter_is_named_not_answered_from_others(fake_assistant):
    """Everyone the question names is quoted for another trust than the filter's: say so, show nothing."""
    from assistant.compose import NOT_IN_FILTERS

    person = next(p for p in fake_assistant.facts.people if p.trust and p.quotations >= 2)
    other = next(t for t in fake_assistant.trusts if t != person.trust)
    answer, _ = fake_assistant.ask(f"what did {person.name} say?", None, Filters(trusts=(other,)))
    assert answer.abstained and not answer.extracts and answer.headline == NOT_IN_FILTERS
    assert person.name in answer.text and person.trust in answer.text and "Clearing the filters" in answer.text
    answer, _ = fake_assistant.ask(f"what did {person.name} say?", None, Filters(trusts=(person.trust,)))
    assert not answer.abstained and answer.extracts


def test_a_question_with_nothing_of_its_own_needs_an_earlier_one(fake_assistant):
    from assistant.compose import NOTHING_BEFORE

    for question in ("tell me more", "who said that?"):  # nothing to search but words of saying, too
        answer, _ = fake_assistant.ask(question)
        assert answer.abstained and not answer.extracts and answer.headline == NOTHING_BEFORE
    _, conversation = fake_assistant.ask("How did Oxleas fix bed occupancy?")
    answer, _ = fake_assistant.ask("tell me more", conversation)
    assert not answer.abstained and answer.extracts
    answer, _ = fake_assistant.ask("who said that?", conversation)
    assert not answer.abstained and answer.extracts
    # "its" standing for "each trust" in the question itself leans on nothing before it
    answer, _ = fake_assistant.ask("how did each trust describe its relationship with cqc")
    assert answer.headline != NOTHING_BEFORE and answer.extracts
    assert fake_assistant.ask("what did it change")[0].headline == NOTHING_BEFORE



def test_a_misspelt_trust_name_is_searched_as_the_report_prints_it_and_the_reading_told(fake_assistant):
    from assistant.records import Conversation, Filters

    u, resolved, _ = fake_assistant._read("somserset buddy sytem", Conversation(), Filters())
    assert resolved.query.startswith("Somerset buddy ") and u.trusts == ("Somerset Partnership NHS Foundation Trust",)
    assert any("“somserset” as Somerset" in n for n in u.notes)
    off = type(fake_assistant)(fake_assistant.index, replace(fake_assistant.config, respell_names=False))
    assert off._read("somserset buddy sytem", Conversation(), Filters())[1].query.startswith("somserset buddy ")


def test_a_question_words_s_typed_without_its_apostrophe_reads_as_with_it(fake_assistant):
    plain, _ = fake_assistant.ask("whats next for each trust")
    ticked, _ = fake_assistant.ask("what's next for each trust")
    assert plain.reading.topic == "what's next for each trust"
    assert [e.chunk_id for e in plain.extracts] == [e.chunk_id for e in ticked.extracts]


def test_a_rating_printed_in_a_history_but_held_by_no_trust_is_pointed_to(fake_assistant):
    """A rating word no trust holds, but a history prints (a service's rating), is not denied outright."""
    facts = fake_assistant.facts
    held = {r.rating.lower() for c in facts.cases for r in c.ratings}
    word = next(w for w in ("inadequate", "outstanding", "good", "requires improvement") if w not in held and any(
        w in r.text.lower() for c in facts.cases for r in c.ratings))
    printed = [c.name for c in facts.cases if any(word in r.text.lower() for r in c.ratings)]
    answer, _ = fake_assistant.ask(f"which trusts went from {word} to good?")
    lead = next(line for line in answer.text.splitlines() if line.startswith("No trust"))
    assert f"“{word}”" in lead and all(fake_assistant.names.short(n) in lead for n in printed)


def test_a_weak_match_is_enough_only_for_a_question_naming_the_reports_own_trusts_or_people():
    cfg = AssistantConfig(min_dense=0.15, min_dense_unnamed=0.2, min_bm25=3.0)
    assert not strong_enough(0.17, 0.0, cfg).ok  # "hi": nothing comes close
    assert strong_enough(0.17, 0.0, cfg, named=True).ok  # "lincs outward looking": a trust of the report
    assert strong_enough(0.17, 3.5, cfg).ok and strong_enough(0.25, 0.0, cfg).ok
    assert not strong_enough(0.1, 0.0, cfg, named=True).ok


def test_a_figure_asked_of_something_the_report_never_names_is_refused(synthetic):
    _, vocab, names = synthetic
    u = understand("what is the staff turnover rate at riverside valley?", names, vocab)
    assert u.want == "number" and u.measured_unknown == ("turnover",)
    check = covered(u, (RIVER, HILL))
    assert not check.ok and "turnover" in check.reason
    assert covered(u, (RIVER, HILL), measured=False).ok
    framed = understand("by what percentage did hillcrest train more managers?", names, vocab)
    assert framed.want == "number" and framed.measured_unknown == ()  # "percentage" asks; it is not the subject
    assert understand("how did riverside valley cut turnover?", names, vocab).measured_unknown == ()  # no figure asked
    hedged = understand("roughly how many managers did hillcrest train?", names, vocab)  # "roughly" is not measured
    assert hedged.want == "number" and "roughly" in hedged.unknown and hedged.measured_unknown == ()


def test_what_someone_said_needs_someone_the_report_quotes(synthetic):
    facts, vocab, names = synthetic
    role_words = frozenset(t for p in facts.people for r in p.roles for t in terms(r))

    def quoting(*people: Speaker) -> Extract:
        return Extract(text="x", context="x", chunk_id="c", trust=RIVER, section=None, page=1, page_end=1,
                       kind="body", title=None, speaker=people[0] if people else None, score=1.0, speakers=people)

    ann, raj = Speaker("Ann Moss", "Chief Executive", RIVER), Speaker("Raj Patel", "Medical Director", HILL)
    unknown = understand("what did dr jones say about the cafe?", names, vocab)
    assert not quotes_sayer(unknown, [quoting(ann)], role_words, vocab.roles).ok  # no one called "dr jones"
    role = understand("what did the medical director say?", names, vocab)
    assert role.sayer and not quotes_sayer(role, [quoting(ann)], role_words, vocab.roles).ok
    assert quotes_sayer(role, [quoting(ann, raj)], role_words, vocab.roles).ok
    assert not quotes_sayer(role, [quoting(raj)], role_words, vocab.roles, scope=(RIVER,)).ok  # not at Riverside
    group = understand("what did staff say about the cafe?", names, vocab)
    assert quotes_sayer(group, [quoting()], role_words, vocab.roles).ok  # a group, not a role
    assert understand("what did Ann Moss say?", names, vocab).sayer == ()  # someone the report quotes


def test_a_pronoun_with_nothing_before_it_asks_what_it_refers_to(fake_assistant):
    answer, _ = fake_assistant.ask("did it work?")
    assert answer.abstained and answer.headline == "What does this refer to?" and not answer.extracts
    inside, _ = fake_assistant.ask("restraint - how did trusts reduce it?")  # "it": the restraint before it
    assert inside.extracts and inside.headline != "What does this refer to?"


def test_naming_another_person_in_a_follow_up_asks_about_that_person(fake_assistant):
    _, conv = fake_assistant.ask("what did rob webster say")
    answer, _ = fake_assistant.ask("and caroline donovan?", conv)
    first = next(e for e in answer.extracts if e.speakers)
    assert "Caroline Donovan" in {s.name for s in first.speakers}


def test_compare_is_a_word_that_asks_not_a_subject(fake_assistant):
    _, conv = fake_assistant.ask("how did swypt recruit staff?")
    answer, _ = fake_assistant.ask("how did that compare to lincs", conv)
    assert answer.reading.kind == "switch" and not answer.abstained


def test_a_misspelt_word_is_searched_as_the_reports_word_and_the_reading_told(synthetic):
    from assistant.spelling import Speller

    _, vocab, _ = synthetic
    speller = Speller(vocab, language=frozenset({"managers", "retrained", "cafes", "covid"}))
    assert speller.respell("how were the managres trained?") == (
        "how were the managers trained?", ("read “managres” as “managers”",))
    assert speller.respell("how were managers trained?") == ("how were managers trained?", ())  # its own word
    assert speller.respell("what about covid vaccines?")[1] == ()  # nothing in the report is close
    assert speller.respell("managres", protected=[(0, 8)]) == ("managres", ())  # a name's span is left alone
    assert speller.respell("were managers retrained?")[1] == ()  # a word of the language, though not the report's
    assert speller.respell("were managers untrained?")[1] == ()  # made from the report's "trained", not a typo
    # two letters swapped: one slip, though the ratio (80 for "wrads") counts it as two
    assert speller.respell("which wrads?") == ("which wards?", ("read “wrads” as “wards”",))
    assert Speller(vocab, language=frozenset(), swaps=False).respell("which wrads?")[1] == ()
    assert Speller(vocab, language=frozenset({"x"}), swaps=False).respell("which wrads?")[1] == ()
    assert Speller(vocab, language=frozenset()).respell("managres")[1] == ()  # no word list: nothing read again
    joined = Speller(vocab, language=frozenset({"managers"}), hyphenated=["re-inspect"])
    assert joined.respell("when was the cafe reinspected?") == (
        "when was the cafe re-inspected?", ("read “reinspected” as “re-inspected”",))  # printed with a hyphen


def test_a_question_using_a_word_of_the_report_is_not_small_talk(fake_assistant):
    answer, _ = fake_assistant.ask("examples of coproduction")  # a word the report uses twice, weakly matched
    assert "Nothing in the report comes close" not in answer.text


def test_a_word_the_report_never_uses_is_the_subject_even_beside_common_words(synthetic):
    _, vocab, names = synthetic
    u = understand("what did staff say about covid?", names, vocab)
    assert covered(u, (RIVER, HILL)).ok  # "staff" is a subject word the report uses
    refused = covered(u, (RIVER, HILL), common=frozenset({"staff"}))  # ... but on most of its pages
    assert not refused.ok and "covid" in refused.reason


def test_a_word_the_report_never_uses_is_read_as_the_nearest_role_title(synthetic):
    from assistant.spelling import RoleWords

    _, vocab, _ = synthetic
    axes = {"chief executive": (1, 0, 0), "ward manager": (0, 1, 0), "ceo": (0.9, 0.1, 0), "gizmo": (0.3, 0.3, 0.9)}
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        v = np.array([axes[t] for t in texts], dtype=np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    roles = ["Chief Executive", "Ward Manager", "a former service user and peer worker"]  # the last: no title
    reader = RoleWords(roles, vocab, embed, similarity=0.75)
    assert reader.titles == ["chief executive", "ward manager"]
    assert reader.read("who is the ceo at the cafe?") == (
        "who is the chief executive at the cafe?", ("read “ceo” as “chief executive”",))
    assert reader.read("what did the CEOs say")[0] == "what did the chief executive say"  # a plural, read singular
    assert reader.read("what is a gizmo")[1] == ()  # nearest title too far
    assert reader.read("who is the ceo", protected=[(11, 14)])[1] == ()  # inside a matched name: left alone
    assert reader.read("who runs the cafe")[1] == () and calls[0] == ["chief executive", "ward manager"]
    assert sum(t == ["ceo"] for t in calls) == 1  # each word embedded once


def test_a_role_asked_about_is_read_as_the_people_of_the_trust_holding_it(fake_assistant):
    answer, _ = fake_assistant.ask("who is the medical director at oxleas")
    assert answer.extracts[0].speaker.name == "Ify Okocha"
    answer = fake_assistant.ask_history("what did the nurse director say", ["tell me about oxleas"])
    assert answer.extracts[0].speaker.name == "Jane Wells"
    answer, _ = fake_assistant.ask("who is the chief executive of sheffield")
    assert answer.extracts[0].speaker.name == "Kevan Taylor"
    off = type(fake_assistant)(fake_assistant.index, replace(fake_assistant.config, role_holders=False))
    assert off.ask("who is the medical director at oxleas")[0].extracts[0].speaker.name != "Ify Okocha"
    # the title as asked (Chair) before one qualifying it (Patient Council Chair)
    assert fake_assistant.ask("who is the chair of oxleas")[0].extracts[0].speaker.name == "Andy Trotter"


def test_tell_me_more_shows_what_the_last_answer_did_not(fake_assistant):
    prev, conv = fake_assistant.ask("how did oxleas fix bed occupancy?")
    more, _ = fake_assistant.ask("tell me more", conv)
    before = [e.chunk_id for e in prev.extracts]
    now = {e.chunk_id for e in more.extracts}
    assert more.reading.kind == "continue" and len(before) >= 2
    assert not now & set(before[1:]) and now - set(before)  # its best passage may stay; the rest is new
    assert "nothing more on this" not in more.text
    same = type(fake_assistant)(fake_assistant.index, replace(fake_assistant.config, more_is_new=False))
    assert {e.chunk_id for e in same.ask("tell me more", conv)[0].extracts} & set(before[1:])  # without: repeats


def test_a_page_the_question_names_is_where_it_is_answered(fake_assistant):
    assert understand("what's on p. 12 about beds", fake_assistant.names, fake_assistant.vocab).pages == (12,)
    answer, _ = fake_assistant.ask("what's on page 30")
    assert answer.extracts and all(e.page <= 30 <= e.page_end for e in answer.extracts)
    positions = [fake_assistant.index.positions[e.chunk_id] for e in answer.extracts]
    assert positions == sorted(positions) and "Within page 30." in answer.text  # the page, in reading order
    beds, _ = fake_assistant.ask("what does page 14 say about beds")
    assert beds.extracts and all(e.page <= 14 <= e.page_end for e in beds.extracts)
    beyond, _ = fake_assistant.ask("what's on page 999")
    assert beyond.abstained and "pages run from 1 to" in beyond.text


def test_a_question_naming_only_a_part_of_the_report_outlines_it(fake_assistant):
    answer, _ = fake_assistant.ask("what are the key themes of the report")
    positions = [fake_assistant.index.positions[e.chunk_id] for e in answer.extracts]
    sections = [e.section for e in answer.extracts]
    assert answer.extracts and all(e.trust is None for e in answer.extracts)
    assert positions == sorted(positions) and len(set(sections)) == len(sections) >= 5  # a passage per section
    assert answer.lead.startswith("The report's key themes, section by section:") and "Leadership" in answer.lead
    about, _ = fake_assistant.ask("what do the key themes say about leadership")  # a subject of its own: searched
    assert not about.lead


def test_an_extract_quoting_the_person_asked_about_cites_them_first(fake_assistant):
    ann, raj = Speaker("Ann Moss", "Chief Executive", RIVER), Speaker("Raj Patel", "Medical Director", RIVER)
    e = Extract("“We listened,” says Ann Moss. Raj Patel works for a charity. “We met,” he says.", "", "c1", RIVER,
                None, 1, 1, "body", None, ann, 1.0, (ann, raj), best="Raj Patel works for a charity.")
    cited = fake_assistant._cite(e, ("Raj Patel",))  # "what did raj patel say?"
    assert cited.speaker == raj and cited.speakers == (raj, ann)  # first, and the other still cited
    assert fake_assistant._cite(e, ()).speaker == ann  # asked about no one: as the extract has it
    off = Assistant.from_index(fake_assistant.index, replace(fake_assistant.config, asked_first=False))
    assert off._cite(e, ("Raj Patel",)).speaker == ann


def test_a_follow_up_naming_a_part_of_the_report_asks_the_topic_within_it(fake_assistant):
    first, conv = fake_assistant.ask("how did calderstones involve patients?")
    assert {e.trust for e in first.extracts} == {"Calderstones Partnership NHS Foundation Trust"}
    answer, _ = fake_assistant.ask("what do the key themes say about it?", conv)
    assert answer.reading.kind == "continue" and answer.reading.trusts == ()
    assert answer.extracts and all(fake_assistant.chunks[fake_assistant._positions[e.chunk_id]].part == "key themes"
                                   for e in answer.extracts)


def test_a_role_at_an_organisation_outside_the_cases_needs_them_named_together(fake_assistant):
    assert fake_assistant._others_named("who is the ceo of mersey care") == ("Mersey Care NHS Foundation Trust",)
    assert fake_assistant._others_named("who is the chief executive of calderstones") == ()
    answer, _ = fake_assistant.ask("who is the chief executive of mersey care?")
    assert answer.abstained and "no one in that role at Mersey Care NHS Foundation Trust" in answer.text
    moss = Speaker("Ann Moss", "Chief Executive", RIVER)
    e = Extract("“We listened,” says Ann Moss.", "", "q1", RIVER, None, 1, 1, "body", None, moss, 1.0, (moss,))
    together = Extract("Ann Moss became chief executive of Greenfield Care NHS Trust.", "", "c2", None, None, 1, 1,
                       "body", None, None, 1.0)
    u = replace(understand("who is the chief executive of greenfield care?", fake_assistant.names,
                           fake_assistant.vocab), roles=("chief", "execut"), trusts=())
    far = ("Greenfield Care NHS Trust",)
    assert holds_answer("who is the chief executive of greenfield care?", u, [e], lambda t: []).ok  # as before
    assert not holds_answer("who is the chief executive of greenfield care?", u, [e], lambda t: [], far).ok
    assert holds_answer("who is the chief executive of greenfield care?", u, [e, together], lambda t: [], far).ok
    # a body it names (printed in capitals, "CQC"): the role and the body named together in one sentence
    assert fake_assistant._bodies_named("who is the chief executive of cqc") == ("cqc",)
    answer, _ = fake_assistant.ask("who is the chief executive of cqc?")
    assert answer.abstained and "no one in that role at CQC" in answer.text
    off = type(fake_assistant)(fake_assistant.index, replace(fake_assistant.config, role_at_body=False))
    assert not off.ask("who is the chief executive of cqc?")[0].abstained
    cqc = understand("who is the chief executive of cqc?", fake_assistant.names, fake_assistant.vocab)
    named = Extract("Ann Moss is the chief executive of CQC.", "", "c3", None, None, 1, 1, "body", None, None, 1.0)
    assert role_at_body(cqc, [named], ("cqc",)).ok and not role_at_body(cqc, [together], ("cqc",)).ok


def test_a_run_of_typed_words_the_report_prints_once_is_read_as_a_phrase(fake_assistant):
    assert fake_assistant._typed_phrases("what is listening into action") == ("listening into action",)
    assert fake_assistant._typed_phrases("how did the trusts involve patients") == ()  # printed in many passages
    from assistant.retrieval import rank

    q, index, cfg = "what is listening into action", fake_assistant.index, fake_assistant.config
    scores = index.scores(q, vector=index.embed(q))
    allowed = np.ones(len(fake_assistant.chunks), dtype=bool)
    u = understand(q, fake_assistant.names, fake_assistant.vocab)
    plain = {s.chunk.id: s.score for s in rank(index, scores, allowed, u, cfg)}
    boosted = {s.chunk.id: s.score for s in rank(index, scores, allowed, u, cfg, phrases=("listening into action",))}
    risen = [i for i in plain if boosted[i] > plain[i]]
    (one,) = risen
    assert "Listening into Action" in fake_assistant.chunks[fake_assistant._positions[one]].text
    assert boosted[one] - plain[one] == pytest.approx(cfg.typed_phrase_boost)
