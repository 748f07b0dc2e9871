from __future__ import annotations

import pytest

from simulator.coding.elements import said_feedback
from simulator.coding.rules import code_turn, code_turn_rules


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
    assert code_turn_rules(text).question == question
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
    assert code_turn_rules(text).reflection == reflection
    # The learned coder splits simple from complex its own way; whether there is one holds.
    assert (code_turn(text).reflection == "none") == (reflection == "none")


def test_echo_of_the_persona_counts_as_a_simple_reflection() -> None:
    previous = "The migration is at seventy percent and the dunning emails shipped Tuesday."
    bare = "Seventy percent on the migration, dunning emails shipped."
    assert code_turn_rules(bare, previous).reflection == "none"  # the rules want a stem
    assert code_turn(bare, previous).reflection == "simple"  # people do not (corpus guide)
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
    assert code_turn_rules(text).advice
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
    assert code_turn_rules(text).judgement
    assert code_turn(text).judgement


# Textbook lines the corpus has few of: a high-precision rule decides them over the model.
@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("That's on you.", "judgement"),
        ("Honestly, you never follow through.", "judgement"),
        ("It was a bad call, frankly.", "judgement"),
        ("Maybe just ask Marco for ten minutes tomorrow.", "advice"),
        ("You might want to run it past legal first.", "advice"),
        ("If I were you, I'd wait a week.", "advice"),
    ],
)
def test_textbook_telling_and_judging_hold_over_the_model(text: str, field: str) -> None:
    assert getattr(code_turn(text, PREVIOUS), field)


@pytest.mark.parametrize("text", ["Tell me more.", "Go on.", "Walk me through the call."])
def test_invitations_are_not_advice(text: str) -> None:
    code = code_turn(text, PREVIOUS)
    assert code.question == "open" and not code.advice and not code.judgement


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
    for code in (code_turn_rules(text), code_turn(text)):
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


# The failure classes of issue 12, in examples written for the issue (not from the corpus).
PREVIOUS = (
    "I went into the roadmap review with the drop-off numbers and Marco just said no. "
    "I agreed on the spot and moved autocomplete to Q3."
)


@pytest.mark.parametrize(
    "text",
    [
        "Right. Uh, so how would that work if legal says no",
        "How do you think the team read it?",
        "yeah ok and what happened after that",
        "Tell me more.",
        "so uh what, um, what did you make of it",
    ],
)
def test_questions_behind_fillers_and_without_marks_are_open(text: str) -> None:
    assert code_turn(text, PREVIOUS).question == "open"


@pytest.mark.parametrize(
    "text",
    [
        "josh. so, uh, have you seen the tripadvisor thing",
        "ok quick one, did the date move",
        "and the review, is it done",
        pytest.param(
            "and the budget line, has finance signed it off",
            # A known miss of the coder retrained with fresh5 (the rules say closed, the model
            # none); strict, so the day it is coded right this test says so.
            marks=pytest.mark.xfail(strict=True, reason="the learned layer overrules the rule"),
        ),
        "you're taking the vendor call tomorrow, right",
        "that's the second slip this month, isn't it",
        "priya you got five minutes",
        "so the copy goes out friday yeah",
    ],
)
def test_spoken_closed_questions_without_a_mark(text: str) -> None:
    assert code_turn(text, PREVIOUS).question == "closed"


@pytest.mark.parametrize(
    "text",
    [
        "stuck how",
        "ok before I jump in what's your read on it",
        "so the handover, what happened from your side",
    ],
)
def test_spoken_open_questions_inside_a_sentence(text: str) -> None:
    assert code_turn(text, PREVIOUS).question == "open"


@pytest.mark.parametrize(
    "text",
    [
        "do it tonight, and send me the screenshot",
        "Send it to the whole team today.",
        "when you rang her back on the landline, that was the right call",
        "I know what's going on with the vendor.",
    ],
)
def test_statements_said_quickly_are_not_questions(text: str) -> None:
    assert code_turn(text, PREVIOUS).question == "none"


@pytest.mark.parametrize(
    "text",
    [
        "So you agreed on the spot and moved autocomplete.",
        "and nobody backed you up.",
        "Which stung more than the review itself.",
    ],
)
def test_reflections_without_a_stem(text: str) -> None:
    code = code_turn(text, PREVIOUS)
    assert code.reflection != "none" and code.question == "none"


@pytest.mark.parametrize(
    "text",
    [
        "One option is to ask Marco for a second review with the numbers.",
        "You might want to loop in finance before the next review.",
        "Honestly, just send him the drop-off numbers tonight.",
    ],
)
def test_advice_without_the_usual_words(text: str) -> None:
    assert code_turn(text, PREVIOUS).advice


@pytest.mark.parametrize(
    "text", ["Have you mentioned that to Andrea?", "so um have you talked to marco about it"]
)
def test_a_suggestion_shaped_as_a_question_is_closed_leading_advice(text: str) -> None:
    code = code_turn(text, PREVIOUS)
    assert (code.question, code.advice, code.leading) == ("closed", True, True)
    assert not code_turn("did you tell ops", PREVIOUS).advice  # checks what happened


def test_an_invitation_to_talk_is_not_advice() -> None:
    assert not code_turn("Tell me more about the review.", PREVIOUS).advice


def test_a_feedback_moment_in_natural_phrasing() -> None:
    text = (
        "In Tuesday's pricing review, when the CFO asked for your number, you showed the survey "
        "slides instead, and the room moved on without a decision."
    )
    feedback = code_turn(text, "How do you think I did this week?").feedback
    assert feedback.given and feedback.moment and feedback.behaviour
    assert not code_turn("Great job lately.", PREVIOUS).feedback.moment


@pytest.mark.parametrize(
    "text",
    [
        "so thursday, the handover. when the night nurse asked about bed six you just said ask "
        "pete and walked off, and she ended up paging the registrar at two",
        "and honestly the start of your pitch was great, you put the one customer quote up and "
        "waited, and the whole panel leaned in",
        "The part where Jon pushed on cost: you had the breakdown ready and walked him through "
        "it in two minutes. He stopped arguing after that.",
    ],
)
def test_feedback_moments_without_the_usual_words(text: str) -> None:
    assert code_turn(text, "ok, what did you think?").feedback.given


def test_the_said_feedback_cues_need_a_moment_and_what_the_person_did() -> None:
    assert said_feedback("On Monday you sent the deck late, which cost us the slot.") == (
        True,
        True,
        True,
    )
    assert said_feedback("Great job lately, keep it up.") == (False, False, False)
    assert said_feedback("You need to be more assertive.")[:2] == (False, False)


@pytest.mark.parametrize(
    "text",
    [
        "Your goal is to get autocomplete back on the roadmap by Friday.",
        "I want you to send the VP the data tonight.",
        "Let's set a target of three percent less drop-off by June.",
    ],
)
def test_a_plan_handed_down_is_told(text: str) -> None:
    plan = code_turn(text, PREVIOUS).plan
    assert plan.parts() and not plan.asked


@pytest.mark.parametrize(
    ("text", "previous", "reflection"),
    [
        ("Panicky. Tell me about the panic.", "Kind of panicky, honestly.", True),
        ("the slowest one. what makes you say that", "I feel like the slowest one here.", True),
        ("Panicky?", "Kind of panicky, honestly.", False),  # said back as a question
        ("Thursday works.", "Can we do Thursday?", False),  # a word of mine in it
        ("…and still nothing from legal.", "I chased legal twice.", True),
        ("and nobody told you?", "I found out on the call.", False),
    ],
)
def test_the_rules_hear_their_words_said_back(text: str, previous: str, reflection: bool) -> None:
    assert (code_turn_rules(text, previous).reflection != "none") is reflection


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("but the log wasn't filled in, was it.", "closed"),  # a tag, then a typed full stop
        ("I wanted to grab you about Saturday. that alright", "closed"),
        ("ok. which one", "closed"),
        ("I know it was late. That was it.", "none"),  # no tag: a statement
        ("so the review went fine, it was.", "none"),
    ],
)
def test_closed_questions_asked_by_a_tag_or_an_afterthought(text: str, question: str) -> None:
    assert code_turn_rules(text).question == question
