from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.backends.scripted import ScriptedBackend
from simulator.conversation.practice import Practice
from simulator.errors import PersonaError
from simulator.personas.library import PersonaLibrary
from simulator.personas.studio import (
    SKELETON,
    brief_markdown,
    copy_to_edit,
    save_persona,
    validate_text,
)
from simulator.rounds.facilitator import AccessDenied, FacilitatorGate
from simulator.storage.paths import PERSONAS_DIR
from simulator.ui.practice_handlers import PracticeHandlers
from simulator.ui.studio_handlers import StudioHandlers


@pytest.fixture
def mine(tmp_path: Path) -> PersonaLibrary:
    return PersonaLibrary(user_folder=tmp_path / "mine")


def edited(**changes: object) -> str:
    data = yaml.safe_load(SKELETON)
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return yaml.safe_dump(data)


def test_skeleton_is_a_valid_persona() -> None:
    persona, errors = validate_text(SKELETON)
    assert persona is not None and errors == []


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("id: x\nname: [unclosed\n", "not valid YAML"),
        ("- a\n- list\n", "not a persona file"),
        (edited(favourite_food="toast"), "field favourite_food: Extra inputs are not permitted"),
        (edited(opening_line=None), "field opening_line: Field required"),
        (edited(hidden_facts=None), "field hidden_facts: Field required"),
        (edited(hidden_facts=[]), "field hidden_facts: List should have at least 2 items"),
        ("x: " + "y" * 70_000, "larger than"),
    ],
)
def test_validation_errors_name_the_field(text: str, named: str) -> None:
    persona, errors = validate_text(text)
    assert persona is None and any(named in e for e in errors), errors


def test_save_goes_to_the_users_folder_and_bundled_stay_read_only(mine) -> None:
    path = save_persona(validate_text(SKELETON)[0], mine)
    assert path.parent == mine.user_folder and "my-new-persona" in mine.ids()
    assert path.read_text().startswith("# yaml-language-server: $schema=")
    bundled = mine.get("roadmap-gave-in")
    with pytest.raises(PersonaError, match="read-only"):
        save_persona(bundled, mine)
    copy, _ = validate_text(copy_to_edit(mine, "roadmap-gave-in"))
    assert copy is not None and copy.id == "roadmap-gave-in-copy"
    assert copy.hidden_facts == bundled.hidden_facts


def test_a_broken_file_in_the_users_folder_never_breaks_the_library(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "broken.yaml").write_text("id: broken\n")
    (folder / "roadmap-gave-in.yaml").write_text(
        (PERSONAS_DIR / "roadmap-gave-in.yaml").read_text()
    )
    library = PersonaLibrary(user_folder=folder)
    assert len(library.ids()) == 8
    assert any("broken.yaml" in p for p in library.problems)
    assert any("already used" in p for p in library.problems)


def test_authored_markup_is_shown_as_text() -> None:
    persona, _ = validate_text(edited(name="<script>alert(1)</script> {{ 7 * 7 }}"))
    assert persona is not None
    brief = brief_markdown(persona)
    assert "<script>" not in brief and "&lt;script&gt;" in brief and "49" not in brief


def test_gate_is_off_without_a_passcode() -> None:
    with pytest.raises(AccessDenied, match="are off"):
        FacilitatorGate(None).unlock("")


def test_every_studio_action_needs_the_passcode(mine, store) -> None:
    practice = PracticeHandlers(Practice(ScriptedBackend(), store), mine)
    studio = StudioHandlers(FacilitatorGate("sesame"), practice, practice)
    for call in (
        lambda t: studio.choices(t),
        lambda t: studio.new(t),
        lambda t: studio.save(t, SKELETON),
        lambda t: studio.check(t, SKELETON),
        lambda t: studio.export_card(t, SKELETON),
        lambda t: studio.probe(t, SKELETON),
        lambda t: studio.chat_start(t, SKELETON),
    ):
        for bad in (None, "", "forged-token"):
            with pytest.raises(AccessDenied):
                call(bad)
    token = studio.unlock("sesame")
    errors, preview = studio.check(token, edited(opening_line=None))
    assert "opening\\_line: Field required" in errors and preview == ""
    errors, preview = studio.check(token, SKELETON)
    assert errors.startswith("✓") and "Full Name" in preview
    assert "Saved to" in studio.save(token, SKELETON)
    assert ("Full Name (yours)", "my-new-persona") in studio.choices(token)
    card = studio.export_card(token, SKELETON)
    text, note = studio.import_card(token, card)
    assert validate_text(text)[0] == validate_text(SKELETON)[0] and "review and save" in note
    cid, history = studio.chat_start(token, SKELETON)
    assert history[0]["content"].startswith("The PM's first words")
    assert list(studio.chat_send(token, cid, "What's up?"))[-1][1] == "Saved."


@pytest.mark.parametrize("bad_id", ["../../evil", "/etc/passwd", "a/b", "..", "C:\\\\x", ".hidden"])
def test_persona_ids_cannot_escape_the_personas_folder(mine, bad_id: str) -> None:
    persona, errors = validate_text(edited(id=bad_id))
    assert persona is None and any(e.startswith("field id:") for e in errors), errors
    with pytest.raises(PersonaError, match="no persona with id"):
        mine.get(bad_id)
    sneaked = validate_text(SKELETON)[0].model_copy(update={"id": bad_id})  # skips validation
    with pytest.raises(PersonaError):
        save_persona(sneaked, mine)
    outside = [p for p in mine.user_folder.parent.rglob("*") if p.suffix in (".yaml", ".partial")]
    assert outside == []


def test_an_oversized_card_upload_is_refused_before_reading(mine, store, tmp_path: Path) -> None:
    gate = FacilitatorGate("pw")
    token = gate.unlock("pw")
    handlers = PracticeHandlers(Practice(ScriptedBackend(), store), mine)
    studio = StudioHandlers(gate, handlers, handlers)
    big = tmp_path / "big.json"
    big.write_bytes(b"{" + b" " * 1_100_000 + b"}")
    with pytest.raises(PersonaError, match="larger than 1 MB"):
        studio.import_card(token, str(big))


def test_the_skeleton_shows_every_voice_field_with_an_explanation() -> None:
    persona, errors = validate_text(SKELETON)
    assert errors == [] and persona is not None
    assert all(fact.line and fact.keywords for fact in persona.hidden_facts)
    assert [mood for mood, _ in persona.voice.samples()] == [
        "guarded", "warming", "candid", "told_what_to_do", "puzzled"
    ]  # fmt: skip
    for word in ("line", "keywords", "voice", "reaction_to_telling", "avoid_phrases"):
        assert f"`{word}`" in SKELETON or f"\n{word}:" in SKELETON or f" {word}:" in SKELETON
    assert "keep the hidden facts out of them" in SKELETON
