"""The assistant's logic with the FakeEmbedder (fast): understanding, follow-ups, validation, extracts, batch."""

from __future__ import annotations

import io
import json

import pytest

from assistant.conversation import resolve
from assistant.records import Answer, Conversation, Extract, Filters, Turn
from assistant.understanding import find_trusts, understand
from errors import ValidationError
from ingest import normalise_ws

OXLEAS = "Oxleas NHS Foundation Trust"
LINCS = "Lincolnshire Partnership NHS Foundation Trust"
SWYPT = "South West Yorkshire Partnership NHS Foundation Trust"
NSTAFFS = "North Staffordshire Combined Healthcare NHS Trust"
CALDER = "Calderstones Partnership NHS Foundation Trust"
SHEFF = "Sheffield Health and Social Care NHS Foundation Trust"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what did LPFT do", (LINCS,)),
        ("lincs vacancy rate", (LINCS,)),
        ("SWYPT and the football club", (SWYPT,)),
        ("what did the Yorkshire trust do?", (SWYPT,)),
        ("north staffs police cells", (NSTAFFS,)),
        ("Combined Healthcare finance", (NSTAFFS,)),
        ("mersey care restraint", (CALDER,)),
        ("SHSC microsystems", (SHEFF,)),
        ("oxleas vs calderstones", (OXLEAS, CALDER)),
        ("how did trusts involve patients?", ()),
        ("staff engagement", ()),  # "staff" is not "staffs"
    ],
)
def test_trust_short_forms(text, expected):
    assert find_trusts(text) == expected


def test_understanding_themes_roles_people():
    people = {"rob webster": "Rob Webster", "webster": "Rob Webster", "rob": "Rob Webster"}
    u = understand("How did the chief executives involve patients? what did Rob Webster say?", people)
    assert "Involving patients and people who use services" in u.sections
    assert "chief executive" in u.roles
    assert u.people == ("Rob Webster",)
    assert understand("how did trusts involve patients?", {}).cross_trust
    assert not understand("how did oxleas involve patients?", {}).cross_trust
    assert understand("who said 'hard to reach' was a banned phrase?", {}).who
    assert understand("who said 'hard to reach' was a banned phrase?", {}).quoted == ("hard to reach",)


def _answer(query: str, trust: str | None = None, speaker=None) -> Answer:
    from ingest.records import Speaker

    extract = Extract(
        text="t",
        context="t",
        chunk_id="c1",
        trust=trust,
        section=None,
        page=1,
        page_end=1,
        kind="body",
        title=None,
        speaker=Speaker(*speaker) if speaker else None,
        score=1.0,
    )
    return Answer(
        question=query,
        query=query,
        text="",
        extracts=(extract,),
        trusts_covered=(),
        trusts_without_material=(),
        abstained=False,
    )


def _conv(query: str, trust: str | None = None, speaker=None) -> Conversation:
    return Conversation(turns=(Turn(query, _answer(query, trust, speaker)),))


def test_follow_up_another_trust():
    r = resolve("and what about Lincolnshire?", _conv("how did oxleas fix bed occupancy?", OXLEAS))
    assert r.mode == "ask"
    assert r.query == "how did Lincolnshire fix bed occupancy?"
    assert find_trusts(r.query) == (LINCS,)


def test_follow_up_another_trust_when_the_first_question_named_none():
    r = resolve("what about SWYPT?", _conv("how did trusts involve patients?"))
    assert find_trusts(r.query) == (SWYPT,)
    assert "involve patients" in r.query


def test_follow_up_who_said_that_more_and_did_it_work():
    conv = _conv("how did oxleas fix bed occupancy?", OXLEAS)
    assert resolve("who said that?", conv).mode == "who"
    more = resolve("tell me more", conv)
    assert more.mode == "more" and more.query == "how did oxleas fix bed occupancy?" and more.shown == ("t",)
    worked = resolve("did it work?", conv)
    assert worked.query == "how did oxleas fix bed occupancy?" and "result" in worked.extra
    assert worked.inherited_trusts == (OXLEAS,)
    much = resolve("by how much?", conv)
    assert "how much" in much.query and "bed occupancy" in much.query


def test_follow_up_pronoun_carries_topic_trust_and_person():
    conv = _conv("who was the chief exec at calderstones?", CALDER, ("Mark Hindle", "Chief Executive", CALDER))
    r = resolve("what did he change first?", conv)
    assert "Mark Hindle" in r.query and r.inherited_trusts == (CALDER,)
    r2 = resolve("were patients involved in that?", _conv("how did oxleas fix bed occupancy?", OXLEAS))
    assert "bed occupancy" in r2.query and r2.inherited_trusts == (OXLEAS,)


def test_new_question_is_not_a_follow_up():
    r = resolve(
        "How did North Staffordshire reduce the number of people taken to police cells?",
        _conv("how did oxleas fix bed occupancy?", OXLEAS),
    )
    assert r.mode == "ask" and r.previous is None and r.query.startswith("How did North")
    assert resolve("hello there", None).previous is None


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
    answer, _ = fake_assistant.ask("staff", filters=Filters(trusts=("lincs",), sections=("Culture",)))
    assert answer.extracts
    assert all(e.trust == LINCS and e.section == "Culture" for e in answer.extracts)
    quotes, _ = fake_assistant.ask("leadership", filters=Filters(kinds=("quote",)))
    assert quotes.extracts and all(e.kind == "quote" for e in quotes.extracts)


def test_extracts_are_verbatim_pieces_of_their_chunk_and_of_the_report(fake_assistant, doc):
    source = normalise_ws(doc.text)
    for q in ["how did trusts involve patients?", "bed occupancy", "who said hard to reach", "governance at somerset"]:
        answer, _ = fake_assistant.ask(q)
        for e in answer.extracts:
            for piece in e.text.split(" … "):
                assert piece in e.context
                assert normalise_ws(piece) in source


def test_naming_one_trust_answers_from_that_trust(fake_assistant):
    answer, _ = fake_assistant.ask("what did sheffield do about restraint?")
    assert {e.trust for e in answer.extracts} == {SHEFF}


def test_conversations_are_values_not_shared_state(fake_assistant):
    _, conv_a = fake_assistant.ask("how did oxleas fix bed occupancy?")
    _, conv_b = fake_assistant.ask("what did sheffield do about restraint?")
    a2, conv_a2 = fake_assistant.ask("and what about Lincolnshire?", conv_a)
    assert len(conv_a.turns) == 1 and len(conv_a2.turns) == 2 and len(conv_b.turns) == 1
    assert "bed occupancy" in a2.query and find_trusts(a2.query) == (LINCS,)
    assert all(e.trust == LINCS for e in a2.extracts)


def test_who_said_that_returns_speakers_of_the_last_answer(fake_assistant):
    _, conv = fake_assistant.ask("hard to reach banned phrases")
    who, _ = fake_assistant.ask("who said that?", conv)
    assert who.extracts and who.extracts[0].speaker is not None
    assert who.extracts[0].speaker.name in who.text


def test_answer_records_are_complete(fake_assistant):
    answer, _ = fake_assistant.ask("how did trusts involve patients?")
    d = answer.to_dict()
    assert set(d) >= {"text", "extracts", "trusts_covered", "trusts_without_material", "abstained", "timings"}
    assert set(d["extracts"][0]) >= {
        "text",
        "context",
        "chunk_id",
        "trust",
        "section",
        "page",
        "kind",
        "speaker",
        "score",
    }
    assert set(answer.trusts_covered).isdisjoint(answer.trusts_without_material)
    json.dumps(d)


def test_batch_answers_good_lines_and_flags_bad_ones(fake_assistant):
    from assistant.__main__ import run_batch

    lines = [
        json.dumps({"id": "a", "question": "bed occupancy at oxleas", "history": []}),
        "{not json",
        json.dumps({"id": "b", "question": "and what about Lincolnshire?", "history": ["bed occupancy at oxleas"]}),
        json.dumps({"id": "c", "question": ""}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "d", "question": "beds", "history": "not a list"}),
    ]
    out = io.StringIO()
    errors = run_batch(fake_assistant, lines, out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r.get("id") for r in records] == ["a", None, "b", "c", None, "d"]
    assert errors == 4
    assert records[0]["extracts"] and set(records[0]) >= {"answer", "trusts_covered", "abstained", "latency_ms"}
    assert all(e["trust"] == LINCS for e in records[2]["extracts"])
    assert "error" in records[1] and "error" in records[3] and "error" in records[5]
