from __future__ import annotations

from simulator.coding.rules import code_turn
from simulator.conversation.state import (
    DIFFICULTY,
    advance,
    initial_state,
    openness_delta,
    threshold,
)
from tests.conftest import COACHING_SCRIPT, TELLING_SCRIPT


def play(persona, lines, difficulty="medium"):
    state = initial_state(difficulty)
    released = []
    for line in lines:
        state, fact, _idea = advance(state, code_turn(line), persona, difficulty)
        if fact:
            released.append(fact.id)
    return state, released


def test_coaching_raises_openness_and_releases_facts_in_order(library) -> None:
    for persona in library.all():
        state, released = play(persona, COACHING_SCRIPT)
        assert state.openness > initial_state("medium").openness + 0.3, persona.id
        assert released == [f.id for f in persona.hidden_facts], persona.id
        assert state.idea_shared, persona.id


def test_telling_lowers_openness_and_releases_nothing(library) -> None:
    for persona in library.all():
        state, released = play(persona, TELLING_SCRIPT)
        assert state.openness < initial_state("medium").openness, persona.id
        assert released == [] and not state.revealed and not state.idea_shared, persona.id


def test_facts_never_released_above_the_state(library) -> None:
    persona = library.get("launch-postmortem")
    state = initial_state("medium")
    for line in COACHING_SCRIPT:
        before = state
        state, fact, _ = advance(state, code_turn(line), persona, "medium")
        if fact:
            assert state.openness >= threshold(fact.threshold, DIFFICULTY["medium"])
            assert len(state.revealed) == len(before.revealed) + 1


def test_difficulty_changes_behaviour_not_only_a_label(library) -> None:
    persona = library.get("missed-deadlines")
    half = COACHING_SCRIPT[:5]
    easy, easy_released = play(persona, half, "easy")
    hard, hard_released = play(persona, half, "hard")
    assert easy.openness > hard.openness
    assert len(easy_released) > len(hard_released)
    advice = code_turn("You should just escalate it.")
    assert openness_delta(advice, DIFFICULTY["hard"]) < openness_delta(advice, DIFFICULTY["easy"])


def test_a_telling_turn_blocks_a_release_even_when_open(library) -> None:
    persona = library.get("roadmap-gave-in")
    state, _ = play(persona, COACHING_SCRIPT[:2])
    state = state.model_copy(update={"openness": 0.9})
    after, fact, idea = advance(
        state, code_turn("You should escalate to the VP."), persona, "medium"
    )
    assert fact is None and not idea
    assert after.last_move == "telling"


def test_same_script_same_states(library) -> None:
    persona = library.get("wants-promotion")
    assert play(persona, COACHING_SCRIPT) == play(persona, COACHING_SCRIPT)
