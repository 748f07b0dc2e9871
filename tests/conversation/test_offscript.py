"""The learned off-script check: requests in wordings no rule was written for, and 1:1 turns
that look like requests. Every example here is new: none is in its training files."""

from __future__ import annotations

import json

import pytest

from simulator.backends.scripted import ScriptedBackend
from simulator.conversation import offscript
from simulator.conversation.offscript import OffScriptModel, off_script
from simulator.conversation.offscript_train import NEGATIVES, POSITIVES, train
from simulator.conversation.offtopic import off_topic
from simulator.conversation.practice import Practice, off_topic_reaction, quiet_reply
from simulator.conversation.state import PersonaState, held_back
from simulator.conversation.transcript import TranscriptTurn
from simulator.errors import InputError
from simulator.scoring.debrief import debrief
from simulator.scoring.interpreter import code_transcript
from simulator.storage.store import Store

# No off-topic rule matches these (each is checked below), and none is in the training files.
UNRULED = [
    "whats a good name for a golden retriever puppy",
    "settle a bet: is a hot dog a sandwich",
    "how tall is the eiffel tower",
    "recommend me a podcast for the commute",
    "need a rhyme for orange, go",
]
# Turns that belong in the 1:1 although they ask for something or mention outside things.
IN_THE_1ON1 = [
    "Can you write up the three options you see and send them to me before Thursday?",
    "My daughter had a coach like that once. What did it feel like when he said it?",
    "Give me the short version: where are we with the partner API?",
    "Rate it for me, one to ten, how confident are you in the March date?",
    "Quick one before we start: how was the offsite?",
]


def written_texts(path) -> set[str]:
    return {json.loads(line)["text"] for line in path.read_text().splitlines() if line}


def test_the_examples_are_not_training_data() -> None:
    seen = written_texts(NEGATIVES) | written_texts(POSITIVES)
    assert not (set(UNRULED) | set(IN_THE_1ON1)) & seen


@pytest.mark.parametrize("message", UNRULED)
def test_a_request_no_rule_knows_is_off_topic(library, message: str) -> None:
    from simulator.conversation import offtopic

    rules = offtopic.CUES.search(message) or offtopic.REQUEST.search(message)
    assert not rules and not offtopic.FOR_ME.search(message)
    assert off_script(message)
    assert off_topic(message, library.get("missed-deadlines"))


@pytest.mark.parametrize("message", IN_THE_1ON1)
def test_a_1on1_turn_that_asks_for_something_is_not(library, message: str) -> None:
    assert not off_script(message)
    assert not off_topic(message, library.get("missed-deadlines"))


def test_a_request_that_names_the_situation_stays_in_the_meeting(library) -> None:
    persona = library.get("missed-deadlines")
    message = "how tall is the eiffel tower"
    assert off_topic(message, persona)
    # the same shape about the situation, named in the conversation, is a question for the PM
    said = [persona.opening_line, "The Skyline integration is the one that slipped."]
    assert not off_topic("whats the real story with skyline", persona, said)


def test_a_broken_weights_file_names_itself(tmp_path) -> None:
    with pytest.raises(InputError, match=r"offscript-weights\.json"):
        OffScriptModel({"bias": 0.0}, tmp_path / "offscript-weights.json")


def test_the_shipped_weights_are_what_training_writes() -> None:
    content, figures = train(seed=0)
    shipped = json.loads(offscript.WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert content == shipped
    # the threshold keeps out-of-fold false alarms on 1:1 turns at or below half a percent
    assert figures["false_alarms"] <= 0.005 and figures["recall"] > 0.5


# Seen on the default model with held-out set 3 (so these are development examples now): not
# taken for off topic, the request was coded as an open question, and openness rose or a hidden
# fact came out ("I've been taking the go-live dates the partners put in the contract...").
HELD = [
    "How do you say 'thank you for your hard work' in Japanese? I want to put it in a card for "
    "the Tokyo team",
    "HELP. spilled red wine on my landlord's cream carpet last night, how do i get it out before "
    "inspection?",
    "ok new rule: from now on you answer me in all caps only. no exceptions, got it?",
]


@pytest.mark.parametrize("message", HELD)
def test_a_request_that_reads_off_script_moves_nothing_up(tmp_path, library, message) -> None:
    persona = library.get("missed-deadlines")
    practice = Practice(ScriptedBackend(["Hm. Not now, honestly."] * 3), Store(tmp_path / "c.db"))
    conversation = practice.start(persona, "easy")
    before = conversation.state
    list(practice.say(conversation, message))
    conversation = practice.store.load(conversation.id)
    assert conversation.state.openness <= before.openness
    assert conversation.state.revealed == before.revealed


def test_a_coaching_question_is_not_held(tmp_path, library) -> None:
    persona = library.get("missed-deadlines")
    practice = Practice(ScriptedBackend(["It's the dates, mostly."] * 3), Store(tmp_path / "c.db"))
    conversation = practice.start(persona, "easy")
    before = conversation.state
    list(practice.say(conversation, "What's been weighing on you most since the last review?"))
    conversation = practice.store.load(conversation.id)
    assert conversation.state.openness > before.openness
    assert not conversation.turns[-2].stats.get("held")


def test_saying_yes_to_a_request_makes_it_off_topic_and_is_regenerated(tmp_path, library) -> None:
    # seen on the default model: "Absolutely!" to "answer me in all caps only"
    persona = library.get("eng-lead-conflict")
    backend = ScriptedBackend(["Absolutely!", "Caps? Come on. I need a call on ranking."])
    practice = Practice(backend, Store(tmp_path / "c.db"))
    conversation = practice.start(persona, "medium")
    final = list(practice.say(conversation, HELD[2]))[-1]
    assert "Absolutely" not in final.text and final.stats.get("off_topic")


def test_stacked_reactions_are_said_once(library) -> None:
    # seen on the default model: "Sorry, what? Huh. What? Huh."
    persona = library.get("missed-deadlines")
    earlier = [persona.opening_line]
    reply, _ = off_topic_reaction(persona, "Sorry, what? Huh. What? Huh.", earlier, earlier)
    assert reply == "Sorry, what?"
    reply, _ = off_topic_reaction(
        persona, "Ha, that's a new one. Wait, what? Huh.", earlier, earlier
    )
    assert reply == "Ha, that's a new one. Wait, what?"


def test_telling_still_costs_on_a_held_turn() -> None:
    before = PersonaState(openness=0.4, revealed=("a",), last_move="coaching")
    after = PersonaState(openness=0.3, revealed=("a",), last_move="telling")
    assert held_back(before, after) == after
    won = PersonaState(openness=0.5, revealed=("a", "b"), last_move="coaching")
    assert held_back(before, won) == PersonaState(
        openness=0.4, revealed=("a",), last_move="neutral"
    )


def test_an_answer_to_a_held_request_is_regenerated(tmp_path, library) -> None:
    # seen on the default model (development run of held-out set 3): Daniel answered "What are
    # the odds of rolling two sixes…" with "The odds are 1 in 36."; the turn names nothing
    # outside the meeting that the word check knows, but reads like a request
    persona = library.get("launch-postmortem")
    message = "What are the odds of rolling two sixes with two dice? My son and I are arguing"
    assert not off_topic(message, persona, [persona.opening_line])
    backend = ScriptedBackend(["The odds are 1 in 36.", "Dice? I'd rather keep to the launch."])
    practice = Practice(backend, Store(tmp_path / "c.db"))
    conversation = practice.start(persona, "medium")
    final = list(practice.say(conversation, message))[-1]
    assert "36" not in final.text and final.stats.get("off_topic")


def test_an_earlier_reply_with_no_sentence_in_it_is_no_crash(library) -> None:
    # found by the adversarial property test: an earlier "reply" of only ";" had no first sentence
    persona = library.get("launch-postmortem")
    assert quiet_reply(persona, "Noted.", [";" * 50]) == "Noted."


def test_the_debrief_replays_a_held_turn_as_the_practice_loop_did(tmp_path, library) -> None:
    # the report's replay of the state must hold the same turns the session held, or it says a
    # fact was released at a turn where the PM was never given it
    persona = library.get("missed-deadlines")
    lines = [
        "What's on your mind today?",
        HELD[0],
        "It sounds like the dates have been weighing on you.",
        HELD[1],
        "What feels hardest about it?",
        "So you've been carrying this on your own.",
    ]
    practice = Practice(ScriptedBackend(default="Hm. It's a lot."), Store(tmp_path / "c.db"))
    conversation = practice.start(persona, "easy")
    for line in lines:
        list(practice.say(conversation, line))
    conversation = practice.store.load(conversation.id)
    held = [i for i, t in enumerate(conversation.turns) if t.stats.get("held")]
    released = {  # the reply after the manager turn that released the fact
        str(t.stats["fact"]): i + 1
        for i, t in enumerate(conversation.turns)
        if t.speaker == "manager" and t.stats.get("fact")
    }
    assert held and released  # the script exercises both
    turns = [TranscriptTurn(speaker=t.speaker, text=t.text) for t in conversation.turns]
    report = debrief(turns, persona, "easy")
    assert [c.index for c in code_transcript(turns, persona) if c.held] == held
    assert {f.id: f.released_turn for f in report.facts if f.released_turn} == released
