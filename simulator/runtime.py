"""Build what the commands and the app share: personas, store, backend."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from simulator.backends.base import ChatBackend
from simulator.backends.scripted import ScriptedBackend
from simulator.errors import SimulatorError
from simulator.model_files import resolve_model
from simulator.paths import PERSONAS_DIR, data_dir
from simulator.personas import PersonaLibrary
from simulator.practice import Practice
from simulator.rubric import RubricLibrary
from simulator.store import Store

SCRIPTED_LINES = (
    "Mm, fair question. I haven't really said that part out loud before.",
    "Honestly, it's been a strange couple of weeks and I'm still sorting out what I think.",
    "I guess the thing underneath is that I'm not sure people see the work I do.",
    "That's true. Let me think for a second about what I would actually want here.",
)


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

    @property
    def user_personas_path(self) -> Path:
        """Where facilitators' own personas are saved and read."""
        chosen = self.user_personas_dir or os.environ.get("SIMULATOR_USER_PERSONAS_DIR")
        return Path(chosen) if chosen else data_dir(self.data_dir) / "personas"

    @property
    def personas_path(self) -> Path:
        chosen = self.personas_dir or os.environ.get("SIMULATOR_PERSONAS_DIR")
        return Path(chosen) if chosen else PERSONAS_DIR


_last_shown: dict[str, int] = {}


def show_progress(stage: str, fraction: float) -> None:
    """Print a one-line progress bar on stderr (each whole percent once; every 10% off a TTY)."""
    step = 1 if sys.stderr.isatty() else 10
    percent = int(fraction * 100) // step * step
    if _last_shown.get(stage) == percent:
        return
    _last_shown[stage] = percent
    filled = int(fraction * 30)
    end = "" if sys.stderr.isatty() else "\n"
    sys.stderr.write(f"\r{stage}: [{'#' * filled}{'.' * (30 - filled)}] {percent:3d}%{end}")
    if fraction >= 1 and not end:
        sys.stderr.write("\n")
    sys.stderr.flush()


def scripted_backend(delay: float = 0.03) -> ScriptedBackend:
    """A model-free backend that cycles through neutral lines (for demos and UI tests)."""

    def next_line(messages: list[dict[str, str]]) -> str:
        replies_so_far = sum(1 for m in messages if m["role"] == "assistant") - 1
        return SCRIPTED_LINES[replies_so_far % len(SCRIPTED_LINES)]

    return ScriptedBackend(default=next_line, delay=delay)


def make_backend(settings: Settings) -> ChatBackend:
    """The backend the settings ask for; the model is resolved (and assembled) here."""
    choice = settings.backend
    if choice == "scripted":
        return scripted_backend(float(os.environ.get("SIMULATOR_SCRIPTED_DELAY", "0.03")))
    if choice == "openai":
        from simulator.backends.openai import OpenAIBackend

        base_url = settings.base_url or os.environ.get("SIMULATOR_BASE_URL")
        if not base_url:
            raise SimulatorError("--backend openai needs --base-url URL (or $SIMULATOR_BASE_URL)")
        return OpenAIBackend(
            base_url,
            api_key=settings.api_key or os.environ.get("SIMULATOR_API_KEY"),
            model_name=settings.model_name or os.environ.get("SIMULATOR_MODEL_NAME", "default"),
            context_size=settings.context_size,
        )
    if choice != "llama":
        raise SimulatorError(f"unknown backend '{choice}' (use llama, openai or scripted)")
    from simulator.backends.llama import LlamaBackend

    path = resolve_model(settings.model, progress=show_progress)
    sys.stderr.write(f"loading model {path.name} ...\n")
    return LlamaBackend(path, context_size=settings.context_size)


def make_store(settings: Settings) -> Store:
    return Store(data_dir(settings.data_dir) / "simulator.db")


def make_rubrics(settings: Settings) -> RubricLibrary:
    """The bundled rubrics and the facilitator's own, saved in the data folder's `rubrics/`."""
    return RubricLibrary(user_folder=data_dir(settings.data_dir) / "rubrics")


def make_library(settings: Settings) -> PersonaLibrary:
    return PersonaLibrary(settings.personas_path, settings.user_personas_path)


def make_practice(settings: Settings) -> Practice:
    return Practice(make_backend(settings), make_store(settings))
