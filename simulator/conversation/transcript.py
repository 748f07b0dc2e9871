"""A conversation as data: turns, states, and the JSON transcript format."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from simulator.conversation.state import DifficultyName, PersonaState
from simulator.errors import InputError
from simulator.personas.library import Persona
from simulator.storage.datafiles import load_json

Speaker = Literal["manager", "persona"]


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Turn(BaseModel):
    """One thing said. Manager turns keep the exact text sent to the model (`prompt_text`), so
    the prompt prefix stays byte-identical from one turn to the next."""

    speaker: Speaker
    text: str
    prompt_text: str | None = None
    state: PersonaState | None = None
    stats: dict[str, Any] = Field(default_factory=dict)
    created_at: str = Field(default_factory=now)


class Conversation(BaseModel):
    """A practice conversation with one persona at one difficulty."""

    id: str
    persona: Persona
    difficulty: DifficultyName
    model: str = ""
    turns: list[Turn] = Field(default_factory=list)
    trim_from: int = 0
    created_at: str = Field(default_factory=now)
    updated_at: str = Field(default_factory=now)
    owner: str = Field(default="", exclude=True)  # the secret of the browser that started it

    @property
    def state(self) -> PersonaState:
        for turn in reversed(self.turns):
            if turn.state is not None:
                return turn.state
        raise ValueError("conversation has no persona turn yet")

    @property
    def awaiting_reply(self) -> bool:
        """True when the last turn is the manager's (a reply was cut off or never made)."""
        return bool(self.turns) and self.turns[-1].speaker == "manager"

    def transcript(self) -> dict[str, Any]:
        """The shared transcript format: persona id, difficulty and turns with persona states."""
        turns: list[dict[str, Any]] = []
        for turn in self.turns:
            item: dict[str, Any] = {"speaker": turn.speaker, "text": turn.text}
            if turn.speaker == "persona" and turn.state is not None:
                item["state"] = turn.state.public()
            turns.append(item)
        return {
            "persona": self.persona.id,
            "difficulty": self.difficulty,
            "conversation": self.id,
            "turns": turns,
        }


class TranscriptTurn(BaseModel):
    speaker: Speaker
    text: str


class TranscriptFile(BaseModel):
    """The part of a transcript file the tools read; other keys are allowed."""

    turns: list[TranscriptTurn]
    persona: str | None = None
    difficulty: str = "medium"


def read_transcript(path: Path) -> TranscriptFile:
    """Load a transcript JSON file; errors name the file and the turn."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    data = load_json(raw, str(path), InputError)
    try:
        return TranscriptFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise InputError(
            f"{path}: not a transcript: {where}: {err['msg']} (expected "
            '{"turns": [{"speaker": "manager"|"persona", "text": "..."}, ...]})'
        ) from None
