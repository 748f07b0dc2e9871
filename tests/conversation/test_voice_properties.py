"""The voice checks see model and manager text: each returns quickly on adversarial input."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from simulator.conversation import fidelity, guard
from simulator.conversation.offtopic import answers, meeting_words, off_topic, reacts
from tests.test_properties import BUNDLED, SETTINGS, TEXT

# Near-misses of the patterns, repeated: what makes a backtracking regex slow.
PIECES = st.sampled_from(
    [
        "1. ", "first, ", "second, ", "def ", "(", ")", "{", '"a": ', "|", " times ", "17",
        " equals ", "why did the ", "here are ", "sure", "! ", "write ", "python ", "you be ",
        "\n", "    ", "Marco ", "three percent", "-", "'", "’", "  ", "a" * 30,
    ]
)  # fmt: skip
HOSTILE = st.one_of(TEXT, st.lists(PIECES, max_size=400).map("".join))
LIMIT_S = 0.5
meeting_words()  # read once from the corpus: a load, not the per-turn cost this test bounds


@SETTINGS
@given(HOSTILE, st.sampled_from(BUNDLED))
def test_voice_checks_are_quick_on_any_text(text: str, persona) -> None:  # type: ignore[no-untyped-def]
    fact = persona.hidden_facts[0]
    started = time.perf_counter()
    guard.problems(text, [text[:200]], persona.name, note=text[:100], manager=text[:300])
    guard.repair(text, [text[:200]], persona.name)
    fidelity.missing(text, fact, persona)
    fidelity.quote(text, fact)
    off_topic(text, persona, [text[:500]])
    answers(text, text[:300], persona, [text[:500]])
    reacts(text)
    assert time.perf_counter() - started < LIMIT_S
