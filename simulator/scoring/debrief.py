"""What the persona was holding back, and how much of it the manager surfaced.

A fact counts as surfaced only when the PM's words carried it (see `conversation/fidelity.py`), not
when the state released it: the manager can only learn from what was said.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from simulator.conversation.fidelity import carries, quote
from simulator.conversation.state import DIFFICULTIES, advance, initial_state
from simulator.conversation.transcript import TranscriptTurn
from simulator.personas.library import Persona
from simulator.scoring.interpreter import CodedTurn, code_transcript


class FactDebrief(BaseModel):
    id: str
    text: str
    surfaced: bool
    turn: int | None = None
    quote: str = ""  # the PM's words that carried it
    released_turn: int | None = None  # the reply in which the PM was ready to share it
    released_unsaid: bool = False  # the PM was ready to say it, but the reply did not carry it


class Debrief(BaseModel):
    persona: str
    name: str
    big_agenda: str
    worries: list[str]
    facts: list[FactDebrief]
    own_idea: str
    idea_reached: bool
    idea_turn: int | None = None


def debrief(
    turns: Sequence[TranscriptTurn],
    persona: Persona,
    difficulty: str,
    coded: Sequence[CodedTurn] | None = None,
) -> Debrief:
    """Replay the persona state over the coded manager turns (the same code the practice loop
    uses; `coded` as the report coded them, else coded here), then look for each released fact
    in the PM's replies from its release on.

    `turn` is the index of the persona reply in which a fact came out.
    """
    level = difficulty if difficulty in DIFFICULTIES else "medium"
    state = initial_state(level)
    released: dict[str, int] = {}
    idea_turn = None
    for manager in coded if coded is not None else code_transcript(turns, persona):
        if manager.skipped:  # not about the PM's situation: the practice loop moved nothing
            continue
        state, fact, idea = advance(state, manager.code, persona, level, held=manager.held)
        if fact:
            released[fact.id] = manager.index + 1
        if idea:
            idea_turn = manager.index + 1
    facts = []
    for fact in persona.hidden_facts:
        start = released.get(fact.id)
        carried = None
        if start is not None:
            carried = next(
                (
                    i
                    for i in range(start, len(turns))
                    if turns[i].speaker == "persona" and carries(turns[i].text, fact, persona)
                ),
                None,
            )
        facts.append(
            FactDebrief(
                id=fact.id,
                text=fact.text,
                surfaced=carried is not None,
                turn=carried,
                quote=quote(turns[carried].text, fact) if carried is not None else "",
                released_turn=start,
                released_unsaid=start is not None and carried is None,
            )
        )
    return Debrief(
        persona=persona.id,
        name=persona.name,
        big_agenda=persona.big_agenda,
        worries=list(persona.worries),
        facts=facts,
        own_idea=persona.own_idea.text,
        idea_reached=state.idea_shared,
        idea_turn=idea_turn,
    )
