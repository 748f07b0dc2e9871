from __future__ import annotations

import pytest

from simulator.coder import code_turn


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("What's on your mind this week?", "open"),
        ("How did the review feel from where you sat?", "open"),
        ("Tell me more about that.", "open"),
        ("Before the dates, how are you feeling about it?", "open"),
        ("Could you walk me through what happened?", "open"),
        ("Did you ship it on time?", "closed"),
        ("Is the launch still on for Friday?", "closed"),
        ("How many requests are in the backlog?", "closed"),
        ("When is the next review?", "closed"),
        ("Okay.", "none"),
        ("I hear that.", "none"),
    ],
)
def test_question_types(text: str, question: str) -> None:
    assert code_turn(text).question == question


@pytest.mark.parametrize(
    ("text", "reflection"),
    [
        ("It sounds like you feel caught between Dana and the team.", "complex"),
        ("You're worried the team sees you as someone who folds.", "complex"),
        ("So you agreed to move the date.", "simple"),
        ("That sounds like it's been weighing on you.", "complex"),
        ("What did you agree to?", "none"),
        ("You should talk to Dana.", "none"),
    ],
)
def test_reflections(text: str, reflection: str) -> None:
    assert code_turn(text).reflection == reflection


def test_echo_of_the_persona_counts_as_a_simple_reflection() -> None:
    previous = "The migration is at seventy percent and the dunning emails shipped Tuesday."
    code = code_turn("Seventy percent on the migration, dunning emails shipped.", previous)
    assert code.reflection == "none"  # no 'you'/'so' stem: a bare echo is not coded
    code = code_turn("So the migration is at seventy percent, emails shipped.", previous)
    assert code.reflection == "simple"


@pytest.mark.parametrize(
    "text",
    [
        "You should just push back on the VP.",
        "If I were you I'd escalate this today.",
        "My advice is to cut the scope.",
        "Just tell them no.",
        "Have you considered talking to Aisha first?",
        "Make sure you bring the data next time.",
        "I'd push back hard in the next review.",
    ],
)
def test_advice(text: str) -> None:
    assert code_turn(text).advice


@pytest.mark.parametrize(
    "text",
    [
        "You should have pushed back in that meeting.",
        "Frankly, that was a mistake.",
        "Why didn't you escalate earlier?",
        "I'm disappointed in how this went.",
        "You always overcommit.",
    ],
)
def test_judgement(text: str) -> None:
    assert code_turn(text).judgement


@pytest.mark.parametrize(
    "text",
    [
        "Don't you think you should have pushed back?",
        "Wouldn't it be better to cut scope?",
        "You'll talk to her first, right?",
        "Have you tried asking for more time?",
    ],
)
def test_leading_questions_are_closed(text: str) -> None:
    code = code_turn(text)
    assert code.leading
    assert code.question == "closed"


def test_stacked_questions() -> None:
    assert code_turn("What happened? Who was there? How did it go?").stacked
    assert not code_turn("What happened next?").stacked


def test_plain_coaching_turn_has_no_telling_flags() -> None:
    code = code_turn("What would a good outcome look like for you?")
    assert code.coaching_move and not code.telling_move
    assert not (code.advice or code.judgement or code.leading)


def test_summary_and_word_count() -> None:
    code = code_turn("Let me summarise: you have the launch, the hiring, and Dana on your plate.")
    assert code.summary and code.reflection != "none"
    assert code.words == 14
