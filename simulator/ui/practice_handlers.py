"""Plain functions behind the Practice view. The Gradio app only wires these up."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from simulator.coding import corrections
from simulator.conversation.practice import Practice
from simulator.conversation.state import DIFFICULTIES
from simulator.conversation.transcript import Conversation, TranscriptTurn
from simulator.errors import SimulatorError
from simulator.personas.library import PersonaLibrary
from simulator.personas.studio import brief_markdown
from simulator.scoring.evaluate import Evaluator
from simulator.scoring.report import chart_svg, coded_transcript_html, openness_svg, report_markdown
from simulator.scoring.rubric import RubricLibrary
from simulator.storage.paths import private_folder, write_private
from simulator.text import plain
from simulator.ui.limits import STARTS_PER_MINUTE, RateLimit

ChatHistory = list[dict[str, str]]


def bubble(role: str, text: str) -> dict[str, str]:
    """A chat message whose text is shown as typed: markup in it is displayed, never run."""
    return {"role": role, "content": plain(text)}


def history_of(conversation: Conversation) -> ChatHistory:
    return [
        bubble("assistant" if t.speaker == "persona" else "user", t.text)
        for t in conversation.turns
    ]


@dataclass
class Feedback:
    """What "End and get feedback" shows: the report, a chart, two downloadable files, and the
    coding: the transcript tagged turn by turn and the PM's openness over the turns."""

    markdown: str
    chart_svg: str
    markdown_path: Path
    json_path: Path
    transcript_html: str = ""
    openness_svg: str = ""
    turn_choices: list[tuple[str, int]] = field(default_factory=list)


class PracticeHandlers:
    """Everything the Practice view does, as functions of plain values."""

    def __init__(
        self,
        practice: Practice,
        library: PersonaLibrary,
        reports_dir: Path | None = None,
        rubrics: RubricLibrary | None = None,
    ) -> None:
        self.practice = practice
        self.library = library
        self.rubrics = rubrics or RubricLibrary()
        self.reports_dir = reports_dir or practice.store.path.parent / "reports"
        self.starts = RateLimit(STARTS_PER_MINUTE, "new conversations")

    def model_status(self) -> str:
        """A warning when the model could not be loaded (the app still runs and keeps trying)."""
        problem = getattr(self.practice.backend, "problem", "")
        if not problem:
            return ""
        return (
            f"⚠️ **The model is not available:** {plain(problem)}\n\n"
            "You can read briefs and start conversations; replies come once the model is there "
            "(nothing you type is lost)."
        )

    def rubric_choices(self) -> list[str]:
        return self.rubrics.ids()

    def end_and_evaluate(
        self, conversation_id: str | None, rubric_id: str = "coaching", use_model: bool = True
    ) -> Feedback:
        """Score the conversation, store the evaluation and write the report files."""
        if not conversation_id:
            raise SimulatorError("start or resume a conversation first")
        conversation = self.practice.store.load(conversation_id)
        if not any(t.speaker == "manager" for t in conversation.turns):
            raise SimulatorError("say something to the PM first: there is nothing to score yet")
        turns = [TranscriptTurn(speaker=t.speaker, text=t.text) for t in conversation.turns]
        backend = self.practice.backend if use_model else None
        report = Evaluator(self.rubrics.get(rubric_id), backend).evaluate(
            turns, conversation.persona, conversation.difficulty
        )
        report_json = report.model_dump_json(indent=2)
        self.practice.store.save_evaluation(conversation.id, report.rubric, report_json)
        private_folder(self.reports_dir)
        markdown = report_markdown(report)
        md_path = self.reports_dir / f"feedback-{conversation.id}.md"
        json_path = self.reports_dir / f"feedback-{conversation.id}.json"
        write_private(md_path, markdown)
        write_private(
            json_path,
            json.dumps(
                {"transcript": conversation.transcript(), **json.loads(report_json)},
                indent=2,
                ensure_ascii=False,
            ),
        )
        transcript_html, chart, choices = self.coding_view(conversation.id)
        return Feedback(
            markdown, chart_svg(report), md_path, json_path, transcript_html, chart, choices
        )

    def coding_view(self, conversation_id: str) -> tuple[str, str, list[tuple[str, int]]]:
        """The tagged transcript, the openness chart, and the manager turns one can correct."""
        conversation = self.practice.store.load(conversation_id)
        turns = corrections.tagged_turns(self.practice.store, conversation)
        points, reveals = corrections.openness_points(conversation)
        choices = [(f"{t.index}: {t.text[:60]}", t.index) for t in turns if t.speaker == "manager"]
        html = coded_transcript_html(turns, conversation.persona.name)
        return html, openness_svg(points, reveals), choices

    def correct(
        self, conversation_id: str | None, turn: int | None, field_name: str, value: str
    ) -> tuple[str, str]:
        """Save a manager's correction of one tag; returns the updated transcript and a note."""
        if not conversation_id:
            raise SimulatorError("end a conversation and get feedback first")
        if turn is None:
            raise SimulatorError("choose the turn whose tag is wrong")
        corrections.save_correction(self.practice.store, conversation_id, turn, field_name, value)
        html, _, _ = self.coding_view(conversation_id)
        return html, f"Saved: turn {turn}, {field_name} is {value}. Thank you."

    def corrections_file(self, conversation_id: str | None) -> Path:
        """This conversation's corrections as labelled turns (JSON Lines, the corpus format)."""
        if not conversation_id:
            raise SimulatorError("end a conversation and get feedback first")
        self.reports_dir.mkdir(parents=True, exist_ok=True)
        path = self.reports_dir / f"corrections-{conversation_id}.jsonl"
        path.write_text(
            corrections.export_jsonl(self.practice.store, conversation_id), encoding="utf-8"
        )
        return path

    def persona_choices(self) -> list[tuple[str, str]]:
        return [(f"{p.name} — {p.role}", p.id) for p in self.library.all()]

    def brief(self, persona_id: str | None) -> str:
        if not persona_id:
            return "Choose a persona to read the brief."
        return brief_markdown(self.library.get(persona_id))

    def saved_choices(self, owner: str | None) -> list[tuple[str, str]]:
        """The saved conversations of this browser only (none without its secret)."""
        if not owner:
            return []
        return [
            (
                f"{row['name']} ({row['difficulty']}) · {row['turns']} turns · {row['updated_at']}",
                str(row["id"]),
            )
            for row in self.practice.store.list(owner=owner)
        ]

    def start(
        self, persona_id: str | None, difficulty: str, owner: str = "", client: str = ""
    ) -> tuple[str, ChatHistory, str]:
        """A new conversation for `owner`; `client` (the address) is limited in how often it
        starts one."""
        if not persona_id:
            raise SimulatorError("choose a persona first")
        if difficulty not in DIFFICULTIES:
            raise SimulatorError(f"choose a difficulty: {', '.join(DIFFICULTIES)}")
        self.starts.take(client)
        conversation = self.practice.start(self.library.get(persona_id), difficulty, owner)
        status = f"Conversation saved as `{conversation.id}`. The PM speaks first; your turn."
        return conversation.id, history_of(conversation), status

    def send(self, conversation_id: str | None, message: str) -> Iterator[tuple[ChatHistory, str]]:
        """Stream the reply to `message`: yields (chat history, status) as the reply grows."""
        if not conversation_id:
            raise SimulatorError("start a conversation (or resume one) before sending a message")
        conversation = self.practice.store.load(conversation_id)
        base = history_of(conversation)
        pending = conversation.turns[-1].text if conversation.awaiting_reply else None
        if pending is not None and message.strip() in ("", pending):
            # the model did not answer last time: generate the missing reply now
            yield from self._stream(conversation, base, self.practice.resume(conversation), None)
            return
        yield from self._stream(
            conversation, base, self.practice.say(conversation, message), message
        )

    def resume(
        self, conversation_id: str | None, owner: str | None
    ) -> Iterator[tuple[ChatHistory, str]]:
        """Reopen a saved conversation of this browser; finish a reply that was cut off."""
        if not conversation_id:
            raise SimulatorError("choose a saved conversation to resume")
        conversation = self.practice.store.load(conversation_id)
        if not owner or conversation.owner != owner:  # someone else's: say no more than "none"
            raise SimulatorError(f"no saved conversation with id '{conversation_id}'")
        status = f"Resumed `{conversation.id}` with {plain(conversation.persona.name)}."
        yield history_of(conversation), status
        if conversation.awaiting_reply:
            base = history_of(conversation)
            yield from self._stream(conversation, base, self.practice.resume(conversation), None)

    def _stream(
        self, conversation: Conversation, base: ChatHistory, replies: Iterator, message: str | None
    ) -> Iterator[tuple[ChatHistory, str]]:
        name = plain(conversation.persona.name)
        shown = base if message is None else [*base, bubble("user", message)]
        status = f"{name} is replying…"
        for reply in replies:
            if message is not None and len(conversation.turns) > len(base):
                shown = [*base, bubble("user", conversation.turns[len(base)].text)]
            status = reply.notice or ("Saved." if reply.done else f"{name} is replying…")
            yield [*shown, bubble("assistant", reply.text)], status
        if status.endswith("…"):
            yield history_of(conversation), "Saved."
