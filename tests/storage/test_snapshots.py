"""Saved conversations keep a snapshot of their persona; schema changes must not strand them."""

from __future__ import annotations

import json
import sqlite3

import pytest

from simulator.conversation.practice import Practice
from simulator.errors import SimulatorError
from simulator.personas.library import PersonaLibrary
from simulator.storage.store import Store
from simulator.ui.practice_handlers import PracticeHandlers


def rewrite_snapshot(store: Store, conversation_id: str, change) -> None:  # type: ignore[no-untyped-def]
    with sqlite3.connect(store.path) as db:
        (raw,) = db.execute(
            "SELECT persona_json FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        data = json.loads(raw)
        change(data)
        db.execute(
            "UPDATE conversations SET persona_json = ? WHERE id = ?",
            (json.dumps(data), conversation_id),
        )


def test_snapshot_with_fields_the_schema_no_longer_has_still_loads(
    practice: Practice, library: PersonaLibrary
) -> None:
    conversation = practice.start(library.get("roadmap-gave-in"), "medium")

    def older_schema(data: dict) -> None:  # type: ignore[type-arg]
        data["mood_at_start"] = "tense"  # a field an older version had
        data["hidden_facts"][0]["emotion"] = "shame"  # nested too
        data["brief"]["length_minutes"] = 30

    rewrite_snapshot(practice.store, conversation.id, older_schema)
    loaded = practice.store.load(conversation.id)
    assert loaded.persona.id == "roadmap-gave-in"
    assert loaded.persona.hidden_facts[0].id == conversation.persona.hidden_facts[0].id


def test_snapshot_that_cannot_load_names_the_conversation(
    practice: Practice, library: PersonaLibrary
) -> None:
    conversation = practice.start(library.get("roadmap-gave-in"), "medium")
    rewrite_snapshot(practice.store, conversation.id, lambda data: data.pop("name"))
    with pytest.raises(SimulatorError) as caught:
        practice.store.load(conversation.id)
    message = str(caught.value)
    assert conversation.id in message and "name" in message
    assert "Traceback" not in message


def test_resume_of_a_broken_snapshot_is_a_message_in_the_app(
    practice: Practice, library: PersonaLibrary
) -> None:
    handlers = PracticeHandlers(practice, library)
    conversation = practice.start(library.get("roadmap-gave-in"), "medium", owner="me")
    rewrite_snapshot(practice.store, conversation.id, lambda data: data.pop("hidden_facts"))
    with pytest.raises(SimulatorError, match=conversation.id):
        list(handlers.resume(conversation.id, "me"))
    assert handlers.saved_choices("me"), "the broken conversation is still listed, not lost"


def test_store_is_untouched_by_a_failed_load(practice: Practice, library: PersonaLibrary) -> None:
    conversation = practice.start(library.get("launch-postmortem"), "easy")
    rewrite_snapshot(practice.store, conversation.id, lambda data: data.update(name=""))
    with pytest.raises(SimulatorError):
        practice.store.load(conversation.id)
    with sqlite3.connect(practice.store.path) as db:
        (raw,) = db.execute(
            "SELECT persona_json FROM conversations WHERE id = ?", (conversation.id,)
        ).fetchone()
    assert json.loads(raw)["id"] == "launch-postmortem"


def test_snapshot_from_before_the_voice_fields_still_loads_and_plays(
    practice: Practice, library: PersonaLibrary
) -> None:
    conversation = practice.start(library.get("roadmap-gave-in"), "medium")

    def before_voice(data: dict) -> None:  # type: ignore[type-arg]
        for key in ("voice", "reaction_to_telling", "avoid_phrases"):
            data.pop(key)
        for fact in data["hidden_facts"]:
            fact.pop("line")
            fact.pop("keywords")

    rewrite_snapshot(practice.store, conversation.id, before_voice)
    loaded = practice.store.load(conversation.id)
    assert loaded.persona.voice.samples() == [] and loaded.persona.hidden_facts[0].line == ""
    assert loaded.persona.reaction_to_telling == "goes_quiet"
    for line in ("What's on your mind?", "Tell me more about that."):
        assert list(practice.say(loaded, line))[-1].done
