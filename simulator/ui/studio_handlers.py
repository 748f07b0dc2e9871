"""Plain functions behind the Studio view. Every one checks the facilitator's session token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from simulator.errors import PersonaError, SimulatorError
from simulator.personas.cards import from_card, write_card
from simulator.personas.library import Persona
from simulator.personas.studio import (
    SKELETON,
    brief_markdown,
    copy_to_edit,
    save_persona,
    to_yaml,
    validate_text,
)
from simulator.rounds.facilitator import FacilitatorGate
from simulator.scoring import rubric_studio
from simulator.storage.downloads import Downloads
from simulator.text import plain
from simulator.ui.practice_handlers import ChatHistory, PracticeHandlers, history_of


class StudioHandlers:
    def __init__(
        self,
        gate: FacilitatorGate,
        practice_handlers: PracticeHandlers,
        quick_chat: PracticeHandlers,
    ) -> None:
        self.gate = gate
        self.library = practice_handlers.library
        self.practice = practice_handlers
        self.quick = quick_chat
        self._downloads = Downloads()

    # --- rubrics -------------------------------------------------------------------------
    def rubric_choices(self, token: str | None) -> list[tuple[str, str]]:
        self.gate.check(token)
        rubrics = self.practice.rubrics
        return [
            (f"{i} ({'bundled, read-only' if rubrics.is_bundled(i) else 'yours'})", i)
            for i in rubrics.ids()
        ]

    def rubric_open(self, token: str | None, rubric_id: str | None) -> tuple[str, str]:
        """Editor text for a rubric: a copy under a new id if it is bundled."""
        self.gate.check(token)
        if not rubric_id:
            raise SimulatorError("choose a rubric to open")
        rubrics = self.practice.rubrics
        if rubrics.is_bundled(rubric_id):
            return rubric_studio.copy_to_edit(rubrics, rubric_id), (
                "Bundled rubrics are read-only: this is a copy under a new id."
            )
        return rubric_studio.rubric_text(rubrics, rubric_id), f"Editing your rubric '{rubric_id}'."

    def rubric_check(self, token: str | None, text: str) -> tuple[str, str]:
        self.gate.check(token)
        return rubric_studio.check_markdown(text, self.practice.rubrics)

    def rubric_save(self, token: str | None, text: str) -> str:
        self.gate.check(token)
        rubric_id = rubric_studio.save_rubric(text, self.practice.rubrics)
        return f"Saved rubric '{rubric_id}'. It is now offered in Practice and for new rounds."

    def unlock(self, passcode: str, client: str = "") -> str:
        return self.gate.unlock(passcode, client)

    def choices(self, token: str | None) -> list[tuple[str, str]]:
        self.gate.check(token)
        return [
            (
                f"{p.name} ({'bundled, read-only' if self.library.is_bundled(p.id) else 'yours'})",
                p.id,
            )
            for p in self.library.all()
        ]

    def new(self, token: str | None) -> str:
        self.gate.check(token)
        return SKELETON

    def open(self, token: str | None, persona_id: str | None) -> tuple[str, str]:
        """Editor text for a persona: a copy under a new id if it is bundled."""
        self.gate.check(token)
        if not persona_id:
            raise SimulatorError("choose a persona to open")
        if self.library.is_bundled(persona_id):
            return copy_to_edit(self.library, persona_id), (
                "Bundled personas are read-only: this is a copy under a new id."
            )
        return to_yaml(self.library.get(persona_id)), f"Editing your persona '{persona_id}'."

    def check(self, token: str | None, text: str) -> tuple[str, str]:
        """Live validation: (errors or 'valid', the brief preview)."""
        self.gate.check(token)
        persona, errors = validate_text(text)
        if persona is None:
            listed = "\n".join(f"- {plain(e)}" for e in errors)
            return f"**Not valid yet:**\n{listed}", ""
        note = ""
        if self.library.is_bundled(persona.id):
            note = (
                f"\n\nNote: id '{plain(persona.id)}' belongs to a bundled persona; "
                "choose a new id before saving."
            )
        return f"✓ Valid persona.{note}", brief_markdown(persona)

    def _valid(self, text: str) -> Persona:
        persona, errors = validate_text(text)
        if persona is None:
            raise PersonaError("; ".join(errors))
        return persona

    def save(self, token: str | None, text: str) -> str:
        self.gate.check(token)
        path = save_persona(self._valid(text), self.library)
        return f"Saved to {path}. It is now in the Practice view's list."

    def export_card(self, token: str | None, text: str) -> str:
        self.gate.check(token)
        persona = self._valid(text)
        path = self._downloads.new_folder() / f"{persona.id}.card.json"
        write_card(persona, path)
        return str(path)

    def import_card(self, token: str | None, upload: str | None) -> tuple[str, str]:
        """Read an uploaded card into the editor (nothing is saved until Save)."""
        self.gate.check(token)
        if not upload:
            raise SimulatorError("choose a card file (.json) to import")
        path = Path(upload)
        if path.stat().st_size > 1_000_000:
            raise PersonaError(f"{path.name}: the card is larger than 1 MB")
        persona, filled = from_card(path.read_text(encoding="utf-8", errors="replace"), path.name)
        note = f" Filled with placeholders: {', '.join(filled)}." if filled else ""
        return to_yaml(persona), f"Imported {plain(path.name)}; review and save.{note}"

    def chat_start(self, token: str | None, text: str) -> tuple[str, ChatHistory]:
        self.gate.check(token)
        persona = self._valid(text)
        conversation = self.quick.practice.start(persona, "medium")
        return conversation.id, history_of(conversation)

    def chat_send(
        self, token: str | None, conversation_id: str | None, message: str
    ) -> Iterator[tuple[ChatHistory, str]]:
        self.gate.check(token)
        yield from self.quick.send(conversation_id, message)

    def probe(self, token: str | None, text: str) -> str:
        from simulator.personas.probe import probe

        self.gate.check(token)
        result = probe(self._valid(text), self.quick.practice.backend)
        lines = [f"**Probe: {'passed' if result.passed else 'some checks warn'}**", ""]
        lines += [
            f"- {'✓ pass' if c.passed else '⚠ warn'} — {plain(c.name)}: {plain(c.detail)}"
            for c in result.checks
        ]
        return "\n".join(lines)
