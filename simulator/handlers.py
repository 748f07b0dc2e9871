"""Plain functions behind the Practice view. The Gradio app only wires these up."""

from __future__ import annotations

import html
from collections.abc import Iterator

from simulator.errors import SimulatorError
from simulator.personas import Persona, PersonaLibrary
from simulator.practice import Practice
from simulator.state import DIFFICULTIES
from simulator.transcript import Conversation

ChatHistory = list[dict[str, str]]


def plain(text: str) -> str:
    """Show user-authored text as text: HTML escaped, Markdown markers neutralised."""
    escaped = html.escape(text, quote=False)
    for mark in ("\\", "*", "_", "`", "[", "]", "|", "~", "{", "}"):
        escaped = escaped.replace(mark, "\\" + mark)
    return escaped


def history_of(conversation: Conversation) -> ChatHistory:
    return [
        {"role": "assistant" if t.speaker == "persona" else "user", "content": t.text}
        for t in conversation.turns
    ]


class PracticeHandlers:
    """Everything the Practice view does, as functions of plain values."""

    def __init__(self, practice: Practice, library: PersonaLibrary) -> None:
        self.practice = practice
        self.library = library

    def persona_choices(self) -> list[tuple[str, str]]:
        return [(f"{p.name} — {p.role}", p.id) for p in self.library.all()]

    def brief(self, persona_id: str | None) -> str:
        if not persona_id:
            return "Choose a persona to read the brief."
        persona: Persona = self.library.get(persona_id)
        return (
            f"### {plain(persona.name)}\n"
            f"**{plain(persona.role)}** · {plain(persona.tenure)}\n\n"
            f"{plain(persona.company)}\n\n"
            f"**The situation.** {plain(persona.brief.situation)}\n\n"
            f"**Your aim in this conversation.** {plain(persona.brief.manager_goal)}"
        )

    def saved_choices(self) -> list[tuple[str, str]]:
        return [
            (
                f"{row['name']} ({row['difficulty']}) · {row['turns']} turns · {row['updated_at']}",
                str(row["id"]),
            )
            for row in self.practice.store.list()
        ]

    def start(self, persona_id: str | None, difficulty: str) -> tuple[str, ChatHistory, str]:
        if not persona_id:
            raise SimulatorError("choose a persona first")
        if difficulty not in DIFFICULTIES:
            raise SimulatorError(f"choose a difficulty: {', '.join(DIFFICULTIES)}")
        conversation = self.practice.start(self.library.get(persona_id), difficulty)
        status = f"Conversation saved as `{conversation.id}`. The PM speaks first; your turn."
        return conversation.id, history_of(conversation), status

    def send(self, conversation_id: str | None, message: str) -> Iterator[tuple[ChatHistory, str]]:
        """Stream the reply to `message`: yields (chat history, status) as the reply grows."""
        if not conversation_id:
            raise SimulatorError("start a conversation (or resume one) before sending a message")
        conversation = self.practice.store.load(conversation_id)
        base = history_of(conversation)
        yield from self._stream(
            conversation, base, self.practice.say(conversation, message), message
        )

    def resume(self, conversation_id: str | None) -> Iterator[tuple[ChatHistory, str]]:
        """Reopen a saved conversation; finish a reply that was cut off, if any."""
        if not conversation_id:
            raise SimulatorError("choose a saved conversation to resume")
        conversation = self.practice.store.load(conversation_id)
        status = f"Resumed `{conversation.id}` with {conversation.persona.name}."
        yield history_of(conversation), status
        if conversation.awaiting_reply:
            base = history_of(conversation)
            yield from self._stream(conversation, base, self.practice.resume(conversation), None)

    def _stream(
        self, conversation: Conversation, base: ChatHistory, replies: Iterator, message: str | None
    ) -> Iterator[tuple[ChatHistory, str]]:
        name = conversation.persona.name
        shown = base if message is None else [*base, {"role": "user", "content": message}]
        status = f"{name} is replying…"
        for reply in replies:
            if message is not None and len(conversation.turns) > len(base):
                shown = [*base, {"role": "user", "content": conversation.turns[len(base)].text}]
            status = reply.notice or ("Saved." if reply.done else f"{name} is replying…")
            yield [*shown, {"role": "assistant", "content": reply.text}], status
        if status.endswith("…"):
            yield history_of(conversation), "Saved."
