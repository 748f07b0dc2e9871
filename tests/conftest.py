"""Shared fixtures: no test touches the user's own data or cache folders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.backends.scripted import ScriptedBackend
from simulator.conversation.practice import Practice
from simulator.personas.library import PersonaLibrary
from simulator.storage.store import Store

ROOT = Path(__file__).resolve().parent.parent

COACHING_SCRIPT = [
    "Thanks for coming. What's on your mind as we start?",
    "It sounds like this has been sitting heavily with you.",
    "Tell me more about what happened in the moment.",
    "So part of you wanted to speak up, and part of you held back.",
    "What matters most to you in how this turns out?",
    "You're worried about how the team sees you.",
    "What options do you see from here?",
    "What would a good outcome look like for you?",
    "How would you want to take the first step?",
    "What else comes to mind?",
]

TELLING_SCRIPT = [
    "Let's keep this quick. You should have pushed back in that meeting.",
    "Here's what you need to do: escalate to the VP and set a new date.",
    "Don't you think you should have seen this coming?",
    "Frankly, that was a mistake. Make sure it doesn't happen again.",
    "If I were you I'd just cut the scope and move on.",
    "Why didn't you raise it earlier? Did you even check?",
    "You need to be more assertive. Just tell them no.",
    "I'd push back hard next time. Make sure you bring the data.",
    "That's not good enough. Write up a plan by Friday.",
    "You always do this. Focus on shipping.",
]


@pytest.fixture(autouse=True)
def private_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SIMULATOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SIMULATOR_MODEL", raising=False)
    monkeypatch.delenv("SIMULATOR_BACKEND", raising=False)
    monkeypatch.delenv("SIMULATOR_PERSONAS_DIR", raising=False)
    yield


@pytest.fixture
def library() -> PersonaLibrary:
    return PersonaLibrary()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "conversations.db")


@pytest.fixture
def backend() -> ScriptedBackend:
    return ScriptedBackend(
        default=lambda messages: f"Reply number {len(messages)} from me, honestly."
    )


@pytest.fixture
def practice(backend: ScriptedBackend, store: Store) -> Practice:
    return Practice(backend, store)
