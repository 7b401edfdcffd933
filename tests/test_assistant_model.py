"""The assistant with the real bundled model: properties over every eval question and over the report's own data.

No test here pins the answer to a named gold question: questions are generated from the report's data (its
speaker table, its trusts) or are checked for properties every answer must have.
"""

from __future__ import annotations

import random

import pytest
from conftest import without_markers

from eval.gold import SPLITS, load_gold, load_speaker_table, split_path
from eval.scoring import names_match
from ingest import normalise_ws

pytestmark = pytest.mark.model


def test_every_eval_question_gets_verbatim_cited_extracts(real_assistant, doc):
    source = without_markers(doc.text)
    items = [i for s in SPLITS for i in load_gold(split_path(s))]
    checked = 0
    for item in items:
        answer = real_assistant.ask_history(item.question, list(item.history))
        for e in answer.extracts:
            for piece in e.text.split(" … "):
                assert without_markers(piece) in source, (item.id, piece)
                checked += 1
            assert e.page >= 1 and e.chunk_id and e.best in e.text
            assert e.trust is None or e.trust in real_assistant.trusts
        assert not {e.trust for e in answer.extracts} & set(answer.trusts_without_material), item.id
    print(f"\n{len(items)} questions, {checked} verbatim extract pieces checked")
    assert checked > len(items)


def test_asking_who_said_a_quotation_cites_its_speaker(real_assistant):
    rows = random.Random(7).sample(load_speaker_table(), 30)
    right = 0
    for row in rows:
        answer, _ = real_assistant.ask(f"who said “{row['quote']}”?")
        finder = next((e for e in answer.extracts if normalise_ws(row["quote"]) in normalise_ws(e.text)), None)
        right += finder is not None and any(names_match(row["name"], s.name) for s in finder.speakers[:1])
    print(f"\nspeaker of a quoted phrase cited first: {right}/{len(rows)}")
    assert right >= 0.9 * len(rows)


def test_what_did_someone_say_opens_with_their_own_words_or_a_line_naming_them(real_assistant):
    people = [p for p in real_assistant.facts.people if p.quotations]
    theirs = 0
    for p in people:
        answer, _ = real_assistant.ask(f"what did {p.name.lower()} say?")
        first = answer.extracts[0] if answer.extracts else None
        surname = p.name.split()[-1]
        theirs += first is not None and (
            (first.best_speaker is not None and first.best_speaker.name.endswith(surname)) or surname in first.best)
    print(f"\n'what did X say?' opening with X: {theirs}/{len(people)}")  # 57/68 without the sentence bonus
    assert len(people) >= 30 and theirs >= 0.95 * len(people)


def test_a_question_about_the_trusts_spreads_across_them(real_assistant):
    answer, _ = real_assistant.ask("how did trusts involve patients and carers in improvement?")
    assert len(answer.trusts_covered) >= 3
    assert set(answer.trusts_covered).isdisjoint(answer.trusts_without_material)
    assert "Trusts covered:" in answer.text


def test_a_higher_bearing_share_shortens_breadth_extracts(real_assistant):
    from dataclasses import replace

    from assistant import Assistant

    question = "how did the trusts use quality improvement methods?"
    tight, _ = real_assistant.ask(question)
    loose_cfg = replace(real_assistant.config, breadth_bearing_ratio=real_assistant.config.bearing_ratio)
    loose, _ = Assistant(real_assistant.index, loose_cfg).ask(question)
    assert real_assistant.config.breadth_bearing_ratio > loose_cfg.breadth_bearing_ratio
    by_chunk = {e.chunk_id: e for e in loose.extracts}
    both = [(e, by_chunk[e.chunk_id]) for e in tight.extracts if e.chunk_id in by_chunk]
    assert len(both) >= 3
    # (one extract may grow: a paragraph that fits once fewer sentences bear is shown whole)
    assert sum(len(t.text) for t, _ in both) < 0.9 * sum(len(lo.text) for _, lo in both)


def test_a_follow_up_naming_another_trust_keeps_the_topic(real_assistant):
    _, conv = real_assistant.ask(f"how did {real_assistant.names.short(real_assistant.trusts[0])} improve "
                                     "governance?")
    other = real_assistant.trusts[3]
    second, conv = real_assistant.ask(f"and what about {real_assistant.names.short(other)}?", conv)
    assert second.reading.kind == "switch" and "governance" in second.query
    assert second.extracts and all(e.trust == other for e in second.extracts)


@pytest.mark.parametrize(
    "question",
    [
        "what did Leeds and York Partnership NHS Foundation Trust do about restraint?",
        "how did the trusts handle the 2021 inspections?",
        "who is the chief finance officer at {trust}?",
        "how much did {trust} pay for its new building?",
        "asdkjh qwe",  # typing noise: no word of the report, and nothing close
        "what did dr smith from {trust} say?",  # no one the report quotes
    ],
)
def test_questions_the_report_cannot_answer_abstain(real_assistant, question):
    answer, _ = real_assistant.ask(question.format(trust=real_assistant.names.short(real_assistant.trusts[1])))
    assert answer.abstained and "does not seem to answer" in answer.text
    assert len(answer.extracts) <= real_assistant.config.closest_shown


def test_typos_are_read_as_the_reports_words_but_real_words_are_not(real_assistant):
    speller = real_assistant.speller  # the model's tokenizer gives the word list
    assert speller is not None and "employees" in speller.language
    fixed, notes = speller.respell("what did calderstones do about restrant for employees?")
    assert fixed == "what did calderstones do about restraint for employees?" and notes
    answer, _ = real_assistant.ask("what did calderstones do about restrant?")
    assert "read “restrant” as “restraint”" in answer.text.lower() and "restraint" in answer.extracts[0].text.lower()


def test_a_role_typed_as_users_do_is_read_and_its_holder_answers(real_assistant):
    answer, _ = real_assistant.ask("who is the ceo of swypt")
    assert "read “ceo” as “chief executive”" in answer.text.lower() and answer.extracts[0].speaker.name == "Rob Webster"
    history = ["tell me about oxleas", "what did the nurse director say"]
    assert real_assistant.ask_history(history[1], history[:1]).extracts[0].speaker.name == "Jane Wells"
    assert real_assistant.ask_history("and the medical director?", history).extracts[0].speaker.name == "Ify Okocha"


def test_tell_me_more_says_when_the_last_answer_showed_everything(real_assistant):
    answer = real_assistant.ask_history("tell me more", ["what is the 15 steps challenge"])
    assert "nothing more on this than the last answer showed" in answer.text and len(answer.extracts) == 1
