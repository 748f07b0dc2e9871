from __future__ import annotations

import pytest

from simulator import guard


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        ("As an AI, I don't have feelings about roadmaps.", "assistant_speak"),
        ("Great question! How can I help you with the roadmap?", "assistant_speak"),
        ("I'm not sure.\nManager: Why not?", "speaks_for_manager"),
        ("Here's where things are:\n- dates moved\n- team upset", "list_or_markup"),
        ("Well. " * 40, "too_long"),
        ("", "empty"),
    ],
)
def test_problems_are_found(reply: str, problem: str) -> None:
    assert problem in guard.problems(reply, [])


def test_in_character_reply_passes() -> None:
    reply = "Honestly? I froze. The VP asked and I just said yes before I'd thought it through."
    assert guard.problems(reply, ["Thanks for making time today."]) == []


def test_repetition_across_turns() -> None:
    earlier = ["I think the dates are fine and the team is mostly on board with the plan."]
    again = "Like I said, the dates are fine and the team is mostly on board with the plan."
    assert "repetition" in guard.problems(again, earlier)
    assert "repetition" not in guard.problems("The team is upset, actually.", earlier)


def test_echoing_the_stage_note_is_caught() -> None:
    note = "Priya is still wary in this meeting: honest but brief, volunteering nothing extra."
    assert "echoes_note" in guard.problems(
        "I'm honest but brief, volunteering nothing extra.", [], note=note
    )


def test_repair_keeps_only_what_the_persona_would_say() -> None:
    reply = (
        "**Priya:** I think we're fine. As an AI I can't be sure. We moved the date.\n"
        "- one thing\n- another thing\nManager: Good, thanks."
    )
    fixed = guard.repair(reply, [], name="Priya Natarajan")
    assert fixed == "I think we're fine. We moved the date. one thing another thing"
    assert guard.problems(fixed, []) == []


def test_repair_shortens_to_a_few_sentences() -> None:
    reply = " ".join(f"Sentence number {n} is here." for n in range(10))
    assert len(guard.repair(reply, []).split(".")) - 1 == guard.MAX_SENTENCES


def test_refusals_count_as_assistant_speak() -> None:
    assert "assistant_speak" in guard.problems("I'm sorry, but I can't assist with that.", [])
    assert guard.problems("I'm sorry, but I can't agree with that.", []) == []


def test_parroting_the_manager_is_caught_and_cut() -> None:
    manager = "If I were you I'd just cut the scope and move on."
    reply = "If I were you I'd just cut the scope and move on. I'm not sure that's right for us."
    assert "parrots_manager" in guard.problems(reply, [], manager=manager)
    assert guard.repair(reply, [], manager=manager) == "I'm not sure that's right for us."


def test_repair_keeps_a_reply_that_only_reuses_a_phrase() -> None:
    earlier = ["I think the team needs to see me make the case with the data in the room."]
    reply = "Honestly I think the team needs to see me make the case with the data, yes."
    assert guard.repair(reply, earlier) == reply
