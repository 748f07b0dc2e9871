"""What the persona was holding back, and how much of it the manager surfaced."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from simulator.coder import code_turn
from simulator.personas import Persona
from simulator.state import DIFFICULTIES, advance, initial_state
from simulator.transcript import TranscriptTurn


class FactDebrief(BaseModel):
    id: str
    text: str
    surfaced: bool
    turn: int | None = None


class Debrief(BaseModel):
    persona: str
    name: str
    big_agenda: str
    worries: list[str]
    facts: list[FactDebrief]
    own_idea: str
    idea_reached: bool
    idea_turn: int | None = None


def debrief(turns: Sequence[TranscriptTurn], persona: Persona, difficulty: str) -> Debrief:
    """Replay the persona state over the manager turns (the same code the practice loop uses).

    `turn` is the index of the persona reply in which a fact came out.
    """
    level = difficulty if difficulty in DIFFICULTIES else "medium"
    state = initial_state(level)
    surfaced: dict[str, int] = {}
    idea_turn = None
    previous: str | None = None
    for index, turn in enumerate(turns):
        if turn.speaker == "persona":
            previous = turn.text
            continue
        state, fact, idea = advance(state, code_turn(turn.text, previous), persona, level)
        if fact:
            surfaced[fact.id] = index + 1
        if idea:
            idea_turn = index + 1
    return Debrief(
        persona=persona.id,
        name=persona.name,
        big_agenda=persona.big_agenda,
        worries=list(persona.worries),
        facts=[
            FactDebrief(id=f.id, text=f.text, surfaced=f.id in surfaced, turn=surfaced.get(f.id))
            for f in persona.hidden_facts
        ],
        own_idea=persona.own_idea.text,
        idea_reached=state.idea_shared,
        idea_turn=idea_turn,
    )
