"""No message a participant can type makes a text check backtrack: every check that runs regular
expressions on user text finishes within a time bound on hostile messages of full length.

Python's regex engine holds the GIL while it backtracks, so a slow check freezes the server for
everyone (issue 14: one message of newlines took 126 s and blocked every other request).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.bench.adversarial import CHECKS, UNITS, cpu_seconds
from simulator.conversation.practice import MAX_MESSAGE_CHARS, Practice

BOUND_S = 0.2  # CPU seconds per call; a linear pattern takes a few milliseconds on 2,000 chars
FREEZE = "a" + "\n" * (MAX_MESSAGE_CHARS - 2) + "a"  # the red team's message


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_the_red_team_message_is_handled_within_the_bound(check: str) -> None:
    CHECKS[check]("warm up")  # loading a weights file on first use is not the pattern's cost
    seconds = cpu_seconds(CHECKS[check], FREEZE)
    assert seconds < BOUND_S, f"{check} took {seconds:.2f} s on a run of newlines"


def test_the_red_team_message_gets_a_prompt_reply_in_practice(practice: Practice, library) -> None:
    conversation = practice.start(library.get("roadmap-gave-in"), "medium")
    seconds = cpu_seconds(lambda text: list(practice.say(conversation, text)), FREEZE)
    assert seconds < 1.0  # the whole turn: checks, coding, state, prompt and the scripted reply
    assert practice.store.load(conversation.id).turns[-1].speaker == "persona"


def _hostile(units: list[str], length: int, edges: tuple[str, str]) -> str:
    pattern = "".join(units)
    body = (pattern * (length // len(pattern) + 1))[:length]
    return (edges[0] + body + edges[1])[:MAX_MESSAGE_CHARS]


# A run of one to three units (whitespace, punctuation, markup, the patterns' own prefixes such
# as "you said", "pm:", "# ") repeated up to the message limit, between two short edges.
HOSTILE = st.builds(
    _hostile,
    st.lists(st.sampled_from(UNITS) | st.text(min_size=1, max_size=4), min_size=1, max_size=3),
    st.integers(min_value=MAX_MESSAGE_CHARS // 2, max_value=MAX_MESSAGE_CHARS),
    st.tuples(st.sampled_from(["", "a", "A", "?", "you said "]), st.sampled_from(["", "a", ":"])),
)


@pytest.mark.parametrize("check", sorted(CHECKS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=HOSTILE)
def test_hostile_text_is_checked_within_the_bound(check: str, text: str) -> None:
    CHECKS[check]("warm up")
    seconds = cpu_seconds(CHECKS[check], text)
    assert seconds < BOUND_S, f"{check} took {seconds:.2f} s on {text[:40]!r}…"
