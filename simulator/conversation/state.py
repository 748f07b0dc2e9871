"""How a persona's openness moves with the manager's behaviour, and when it shares what it hides.

The update reads only the coded manager turn (see `coding/rules.py`), never the model, so a script
of manager lines always produces the same states.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from simulator.coding.rules import TurnCode
from simulator.personas.library import HiddenFact, Persona

DifficultyName = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[DifficultyName, ...] = ("easy", "medium", "hard")


class Difficulty(BaseModel):
    """How guarded a persona is: where trust starts, how fast it moves, how high the bar is."""

    model_config = ConfigDict(frozen=True)

    name: DifficultyName
    start: float
    gain: float
    penalty: float
    threshold_shift: float
    manner: str


DIFFICULTY = {
    "easy": Difficulty(
        name="easy",
        start=0.35,
        gain=1.3,
        penalty=0.7,
        threshold_shift=-0.1,
        manner="You are fairly open and willing to talk, though you still won't volunteer what "
        "you are holding back until asked well.",
    ),
    "medium": Difficulty(
        name="medium",
        start=0.25,
        gain=1.0,
        penalty=1.0,
        threshold_shift=0.0,
        manner="You are polite but careful; you answer what you are asked and keep the harder "
        "things to yourself until you feel listened to.",
    ),
    "hard": Difficulty(
        name="hard",
        start=0.15,
        gain=0.75,
        penalty=1.4,
        threshold_shift=0.08,
        manner="You are guarded and a little defensive. You give short answers, deflect personal "
        "questions, and it takes real listening before you say what is going on.",
    ),
}

# How much each coded behaviour moves openness, before the difficulty's gain or penalty.
GAINS = {"open": 0.07, "simple": 0.05, "complex": 0.09, "summary": 0.04}
PENALTIES = {
    "advice": 0.10,
    "judgement": 0.12,
    "leading": 0.05,
    "stacked": 0.03,
    "lecture": 0.04,
    "closed": 0.01,
}
LECTURE_WORDS = 70


class PersonaState(BaseModel):
    """Where the persona stands after a manager turn."""

    model_config = ConfigDict(frozen=True)

    openness: float = Field(ge=0, le=1)
    revealed: tuple[str, ...] = ()
    idea_shared: bool = False
    last_move: Literal["coaching", "telling", "neutral", "start"] = "start"

    def public(self) -> dict[str, object]:
        """The state as the transcript shows it."""
        return {"openness": round(self.openness, 3), "revealed": list(self.revealed)}


def initial_state(difficulty: DifficultyName) -> PersonaState:
    return PersonaState(openness=DIFFICULTY[difficulty].start)


def openness_delta(code: TurnCode, difficulty: Difficulty) -> float:
    """The change in openness a coded manager turn causes at this difficulty."""
    up = 0.0
    if code.question == "open" and not code.leading:
        up += GAINS["open"]
    if code.reflection != "none":
        up += GAINS[code.reflection]
    if code.summary:
        up += GAINS["summary"]
    down = 0.0
    for flag in ("advice", "judgement", "leading", "stacked"):
        if getattr(code, flag):
            down += PENALTIES[flag]
    if code.words > LECTURE_WORDS and code.question == "none":
        down += PENALTIES["lecture"]
    if code.question == "closed" and code.reflection == "none":
        down += PENALTIES["closed"]
    return up * difficulty.gain - down * difficulty.penalty


def threshold(fact_threshold: float, difficulty: Difficulty) -> float:
    return min(1.0, max(0.0, fact_threshold + difficulty.threshold_shift))


def advance(
    state: PersonaState,
    code: TurnCode,
    persona: Persona,
    difficulty_name: DifficultyName,
    held: bool = False,
) -> tuple[PersonaState, HiddenFact | None, bool]:
    """Apply one manager turn. A `held` turn (it may not be about the PM: see
    `offtopic.looks_off_script`) keeps what it cost and wins nothing.

    Returns:
        The new state, the hidden fact to share in this reply (if any), and whether the persona
        reaches its own idea in this reply. At most one new thing is shared per turn, and only
        after a turn that was not telling or judging.
    """
    difficulty = DIFFICULTY[difficulty_name]
    openness = min(1.0, max(0.0, state.openness + openness_delta(code, difficulty)))
    move: Literal["coaching", "telling", "neutral"] = (
        "telling" if code.telling_move else "coaching" if code.coaching_move else "neutral"
    )
    revealed = list(state.revealed)
    fact: HiddenFact | None = None
    idea_now = False
    if move != "telling":
        pending = [f for f in persona.hidden_facts if f.id not in revealed]
        if pending and openness >= threshold(pending[0].threshold, difficulty):
            fact = pending[0]
            revealed.append(fact.id)
        elif (
            not pending
            and not state.idea_shared
            and move == "coaching"
            and openness >= threshold(persona.own_idea.threshold, difficulty)
        ):
            idea_now = True
    new_state = PersonaState(
        openness=openness,
        revealed=tuple(revealed),
        idea_shared=state.idea_shared or idea_now,
        last_move=move,
    )
    if held:
        return held_back(state, new_state), None, False
    return new_state, fact, idea_now


def held_back(before: PersonaState, after: PersonaState) -> PersonaState:
    """The state after a turn that may not be about the PM: what it cost, never what it won."""
    return PersonaState(
        openness=min(before.openness, after.openness),
        revealed=before.revealed,
        idea_shared=before.idea_shared,
        last_move="neutral" if after.last_move == "coaching" else after.last_move,
    )
