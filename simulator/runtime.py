"""Build what the commands and the app share: personas, store, backend."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from simulator.backends.base import ChatBackend
from simulator.backends.registry import build, options_model
from simulator.conversation.practice import Practice
from simulator.personas.library import PersonaLibrary
from simulator.scoring.rubric import RubricLibrary
from simulator.storage.paths import PERSONAS_DIR, data_dir
from simulator.storage.store import Store

# Shared command-line flags that are really options of some backend: each goes to the chosen
# backend only if it declares an option of that name (--model to llama, --base-url to openai).
BACKEND_FLAGS = ("model", "base_url", "api_key", "model_name")


@dataclass
class Settings:
    """Options shared by every command; each falls back to an environment variable."""

    model: str | None = None
    backend: str = "llama"
    base_url: str | None = None
    api_key: str | None = None
    model_name: str | None = None
    data_dir: str | None = None
    personas_dir: str | None = None
    context_size: int = 4096
    user_personas_dir: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
    backend_options: dict[str, str] = field(default_factory=dict)

    @property
    def user_personas_path(self) -> Path:
        """Where facilitators' own personas are saved and read."""
        chosen = self.user_personas_dir or os.environ.get("SIMULATOR_USER_PERSONAS_DIR")
        return Path(chosen) if chosen else data_dir(self.data_dir) / "personas"

    @property
    def personas_path(self) -> Path:
        chosen = self.personas_dir or os.environ.get("SIMULATOR_PERSONAS_DIR")
        return Path(chosen) if chosen else PERSONAS_DIR


def make_backend(settings: Settings) -> ChatBackend:
    """The backend the settings name, built through the registry. The shared flags (--model,
    --base-url, ...) fill the options of the same name that the chosen backend declares;
    --backend-option KEY=VALUE sets any of its options and is checked against them."""
    declared = options_model(settings.backend).model_fields
    values: dict[str, object] = {
        name: getattr(settings, name)
        for name in BACKEND_FLAGS
        if name in declared and getattr(settings, name) is not None
    }
    values.update(settings.backend_options)
    return build(settings.backend, values, settings.context_size)


def make_store(settings: Settings) -> Store:
    return Store(data_dir(settings.data_dir) / "simulator.db")


def make_rubrics(settings: Settings) -> RubricLibrary:
    """The bundled rubrics and the facilitator's own, saved in the data folder's `rubrics/`."""
    return RubricLibrary(user_folder=data_dir(settings.data_dir) / "rubrics")


def make_library(settings: Settings) -> PersonaLibrary:
    return PersonaLibrary(settings.personas_path, settings.user_personas_path)


def make_practice(settings: Settings) -> Practice:
    return Practice(make_backend(settings), make_store(settings))
