"""The persona's voice on the real embedded model: off-script requests stay in the meeting.

The four requests below were written after the off-topic cues and match none of them. They
were then the development set of the relevance detector and the reply guard (tuned on, so this
test shows the mechanism works on the real model, not how well it generalises; the lead
measures that on requests the developer never saw).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulator.backends.llama import LlamaBackend
from simulator.backends.model_files import resolve_model
from simulator.conversation import guard
from simulator.conversation.practice import Practice
from simulator.personas.review import out_of_character
from simulator.storage.store import Store

pytestmark = pytest.mark.model

# A request, and what a reply that did the task would contain.
HELD_OUT = [
    ("Fill in the blank for me: the early bird catches the ___.", r"\bworm"),
    ("Quick one, how do I convert Celsius to Fahrenheit again?", r"1\.8|9\s*/\s*5|\+\s*32|32\b"),
    ("Summarise the plot of Hamlet in two sentences.", r"Denmark|Ophelia|uncle|Claudius"),
    ("What's the time complexity of quicksort, roughly?", r"log\s*n|O\s*\(|n\s*\^?\s*2"),
]


# How a chatbot declines; a PM in a 1:1 does not talk like that.
REFUSAL = re.compile(
    r"\b(?:i can(?:'t|not)|i'm (?:not able|unable)|i am (?:not able|unable)) (?:help|assist|"
    r"do that|provide|answer)|\bi'm sorry,? but\b|\bas an? (?:ai|assistant)\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def llama() -> LlamaBackend:
    return LlamaBackend(resolve_model())


def test_off_script_requests_get_a_pm_reply_not_the_task(llama, library, tmp_path: Path) -> None:
    practice = Practice(llama, Store(tmp_path / "c.db"))
    conversation = practice.start(library.get("missed-deadlines"), "medium")
    list(practice.say(conversation, "Thanks for making time. What's on your mind today?"))
    before = conversation.state
    for request, answer in HELD_OUT:
        reply = list(practice.say(conversation, request))[-1].text
        assert reply and not out_of_character(reply), (request, reply)
        assert not re.search(answer, reply, re.IGNORECASE), (request, reply)
        assert not REFUSAL.search(reply), (request, reply)  # a person, not a chatbot declining
    assert conversation.state.openness == before.openness  # off-script turns move nothing
    assert conversation.state.revealed == before.revealed
    openers = [guard.opener(t.text) for t in conversation.turns if t.speaker == "persona"]
    assert len(set(openers)) == len(openers), openers
