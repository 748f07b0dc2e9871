"""Deeply nested YAML or JSON in a user's file is refused with an error naming the file, never an
uncaught RecursionError (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.backends.scripted import ScriptedBackend
from simulator.conversation.practice import Practice
from simulator.conversation.transcript import read_transcript
from simulator.errors import InputError, PersonaError
from simulator.personas.library import PersonaLibrary, load_persona_file
from simulator.personas.studio import SKELETON
from simulator.rounds.facilitator import FacilitatorGate
from simulator.scoring.rubric import RubricError, load_rubric_file
from simulator.ui.practice_handlers import PracticeHandlers
from simulator.ui.studio_handlers import StudioHandlers

DEEP_JSON = ["[" * 100_000, '{"a":' * 100_000, "[" * 60 + "]" * 60]
DEEP_YAML = [
    "[" * 60_000,  # under the studio's 64 KB limit
    "- " * 5000 + "1",
    "a:\n" + "".join(f"{' ' * n}a:\n" for n in range(1, 60)),
]


@pytest.fixture
def studio(tmp_path: Path, store) -> tuple[StudioHandlers, str]:  # type: ignore[no-untyped-def]
    gate = FacilitatorGate("pw")
    handlers = PracticeHandlers(
        Practice(ScriptedBackend(), store), PersonaLibrary(user_folder=tmp_path / "u")
    )
    return StudioHandlers(gate, handlers, handlers), gate.unlock("pw")


@pytest.mark.parametrize("text", DEEP_YAML)
def test_the_studio_validator_says_nested_too_deeply(studio, text: str) -> None:
    handlers, token = studio
    errors, preview = handlers.check(token, text)
    assert errors.startswith("**Not valid yet:**") and "nested too deeply" in errors
    assert preview == ""
    with pytest.raises(PersonaError, match="nested too deeply"):
        handlers.save(token, text)


@pytest.mark.parametrize("text", DEEP_JSON)
def test_a_deep_character_card_is_refused_naming_the_file(studio, tmp_path, text: str) -> None:
    handlers, token = studio
    card = tmp_path / "deep.card.json"
    card.write_text(text)
    with pytest.raises(PersonaError, match=r"deep\.card\.json: nested too deeply"):
        handlers.import_card(token, str(card))


LOADERS = [
    *((load_persona_file, PersonaError, "deep.yaml", text) for text in DEEP_YAML),
    *((load_rubric_file, RubricError, "deep.yaml", text) for text in DEEP_YAML),
    *((read_transcript, InputError, "deep.json", text) for text in DEEP_JSON),
]


@pytest.mark.parametrize(("load", "error", "name", "text"), LOADERS)
def test_the_loaders_name_the_file(tmp_path: Path, load, error, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(error, match=name.replace(".", r"\.") + ": nested too deeply"):
        load(path)


def test_ordinary_nesting_still_loads(studio) -> None:
    handlers, token = studio
    data = yaml.safe_load(SKELETON)
    data["extensions"] = {"tool": {"deeper": {"still": [1, [2, [3]]]}}}
    errors, _ = handlers.check(token, yaml.safe_dump(data))
    assert errors.startswith("✓"), errors
