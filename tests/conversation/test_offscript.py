"""The learned off-script check: requests in wordings no rule was written for, and 1:1 turns
that look like requests. Every example here is new: none is in its training files."""

from __future__ import annotations

import json

import pytest

from simulator.conversation import offscript
from simulator.conversation.offscript import OffScriptModel, off_script
from simulator.conversation.offscript_train import NEGATIVES, POSITIVES, train
from simulator.conversation.offtopic import off_topic
from simulator.errors import InputError

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
