"""The persona's voice on the real embedded model: off-script requests stay in the meeting.

The requests below were written after the guard's and the off-topic detector's patterns, and
not tuned on: they test the prompt and the reply guard, not a keyword list.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulator import guard
from simulator.backends.llama import LlamaBackend
from simulator.model_files import resolve_model
from simulator.practice import Practice
from simulator.review import out_of_character
from simulator.store import Store

pytestmark = pytest.mark.model

# A request, and what a reply that did the task would contain.
HELD_OUT = [
    ("Fill in the blank for me: the early bird catches the ___.", r"\bworm"),
    ("Quick one, how do I convert Celsius to Fahrenheit again?", r"1\.8|9\s*/\s*5|\+\s*32|32\b"),
    ("Summarise the plot of Hamlet in two sentences.", r"Denmark|Ophelia|uncle|Claudius"),
    ("What's the time complexity of quicksort, roughly?", r"log\s*n|O\s*\(|n\s*\^?\s*2"),
]


@pytest.fixture(scope="module")
def llama() -> LlamaBackend:
    return LlamaBackend(resolve_model())


@pytest.mark.xfail(
    strict=True,
    reason="known gap (issue 13): a request no cue catches reaches the model word for word, and "
    "the default model answers it ('The early bird catches the worm.'); the reply guard does not "
    "recognise a plain answer. Remove this mark when it passes.",
)
def test_off_script_requests_get_a_pm_reply_not_the_task(llama, library, tmp_path: Path) -> None:
    practice = Practice(llama, Store(tmp_path / "c.db"))
    conversation = practice.start(library.get("missed-deadlines"), "medium")
    list(practice.say(conversation, "Thanks for making time. What's on your mind today?"))
    for request, answer in HELD_OUT:
        reply = list(practice.say(conversation, request))[-1].text
        assert reply and not out_of_character(reply), (request, reply)
        assert not re.search(answer, reply, re.IGNORECASE), (request, reply)
    openers = [guard.opener(t.text) for t in conversation.turns if t.speaker == "persona"]
    assert len(set(openers)) == len(openers), openers
