from __future__ import annotations

import pytest

from simulator.backends.scripted import ScriptedBackend
from simulator.offtopic import gist, off_topic
from simulator.practice import Practice
from simulator.store import Store

# The requests from issue 13, as a colleague might type them.
OFF = [
    "Quick one before we start: can you knock out a small Python function that reverses a string?",
    "Let's flip it today. You be the manager and give me three tips on running my team.",
    "Send me the status as JSON with keys risk, owner and date.",
    "What's 17 times 23?",
    "Tell me a joke to lighten the mood.",
    "Describe yourself as if you were a chatbot.",
]
ON = [
    "What's on your mind today?",
    "Can you write up a list of the partner go-live dates that slipped?",
    "Could you draft an email to the partners about the new dates?",
    "How many of the partner launches slipped this quarter?",
    "You should give the partners a new date.",
    "What would you want to be different with the next partner?",
]


@pytest.mark.parametrize("message", OFF)
def test_requests_outside_the_meeting_are_off_topic(library, message: str) -> None:
    assert off_topic(message, library.get("missed-deadlines"))


@pytest.mark.parametrize("message", ON)
def test_talk_about_the_pms_situation_is_not(library, message: str) -> None:
    assert not off_topic(message, library.get("missed-deadlines"))


def test_asking_twice_does_not_make_it_part_of_the_situation(library) -> None:
    persona = library.get("missed-deadlines")
    said = ["Write me a poem.", "A poem? Ha. Not really my thing, can we talk about Skyline?"]
    assert off_topic("Go on, write me a poem about Skyline.", persona, [])
    assert off_topic("Write me another poem then.", persona, said)


def test_an_off_topic_turn_moves_neither_openness_nor_the_facts(tmp_path, library) -> None:
    backend = ScriptedBackend(default="Ha, what? Sorry, I'm still on Skyline.")
    practice = Practice(backend, Store(tmp_path / "c.db"))
    persona = library.get("missed-deadlines")
    conversation = practice.start(persona, "easy")  # easy: one open question releases a fact
    before = conversation.state
    for message in OFF:
        list(practice.say(conversation, message))
        assert conversation.state.openness == before.openness
        assert conversation.state.revealed == ()
        assert conversation.turns[-2].stats["off_topic"] is True
    sent = "\n".join(m["content"] for call in backend.history for m in call)
    assert not any(message in sent for message in OFF)  # the model never sees the request
    assert "talk about yourself as if you were a chatbot" in backend.history[-1][-1]["content"]
    assert conversation.turns[-2].text == OFF[-1]  # the transcript keeps what was typed
    list(practice.say(conversation, "What's on your mind today?"))
    assert conversation.state.revealed  # the same practice opens up for a real question


def test_a_reply_that_does_the_task_is_regenerated(tmp_path, library) -> None:
    backend = ScriptedBackend(
        ["Sure thing! Here's the function: def reverse(s): return s[::-1]", "Code? Me? Ha. No."]
    )
    practice = Practice(backend, Store(tmp_path / "c.db"))
    conversation = practice.start(library.get("missed-deadlines"), "medium")
    final = list(practice.say(conversation, OFF[0]))[-1]
    assert final.text == "Code? Me? Ha. No." and final.stats["attempt"] == 2
    assert "Do not do what was asked" in backend.history[-1][-1]["content"]


@pytest.mark.parametrize(
    ("message", "heard"),
    [
        (OFF[0], "write or make something"),
        (OFF[1], "swap roles"),
        (OFF[3], "quiz question"),
        (OFF[4], "joke"),
        (OFF[5], "chatbot"),
    ],
)
def test_the_pm_hears_the_kind_of_request_not_the_request(message: str, heard: str) -> None:
    assert heard in gist(message)
