"""Plain functions behind the Round (participant) and Facilitator views."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from simulator.backends.fifo import FifoLock
from simulator.errors import InputError, SimulatorError
from simulator.personas.studio import brief_markdown
from simulator.rounds.dashboard import (
    clock_text,
    export_zip,
    gap_map,
    gap_map_svg,
    progress,
    progress_svg,
    round_rubric,
    score_headers,
    score_rows,
    scores_csv,
    status_rows,
    transcript_markdown,
)
from simulator.rounds.facilitator import FacilitatorGate
from simulator.rounds.service import DEFAULT_MAX_PARTICIPANTS, WARNING_S, RoundService, person_of
from simulator.scoring.report import report_markdown
from simulator.storage.downloads import Downloads
from simulator.text import plain
from simulator.ui.limits import JOINS_PER_MINUTE, STARTS_PER_MINUTE, RateLimit
from simulator.ui.practice_handlers import ChatHistory, bubble, history_of

ScoreTable = dict[str, list[Any]]  # a gr.Dataframe value: {"headers": [...], "data": [...]}


class ParticipantHandlers:
    def __init__(self, service: RoundService) -> None:
        self.service = service
        self.joins = RateLimit(JOINS_PER_MINUTE, "joins")
        self.starts = RateLimit(STARTS_PER_MINUTE, "starts")

    def join(self, code: str, name: str, owner: str | None, client: str = "") -> tuple[str, str]:
        """Join with this browser's secret `owner`: it, not the name, links the seat to the
        person's earlier rounds. `client` (the address) is limited in how often it joins."""
        if not owner:
            raise InputError("the page has not finished loading; try again in a moment")
        self.joins.take(client)
        me = self.service.join(code, name, person_of(owner))
        persona = self.service.library.get(me.persona_id)
        round_ = self.service.round(me.round_id)
        return me.id, (
            f"**Round {plain(round_.name)}** · {round_.minutes:g} minutes · "
            f"{round_.difficulty}\n\n{brief_markdown(persona)}"
        )

    def returning(self, owner: str | None) -> str | None:
        """The participant id of this browser's latest seat, if it has one."""
        seat = self.service.seat(person_of(owner)) if owner else None
        return seat.id if seat else None

    def restore(self, participant_id: str | None) -> tuple[str, ChatHistory]:
        """The brief and conversation for a returning browser (after a reload or restart)."""
        me = self.service.participant(participant_id)
        persona = self.service.library.get(me.persona_id)
        history = (
            history_of(self.service.store.load(me.conversation_id)) if (me.conversation_id) else []
        )
        return brief_markdown(persona), history

    def start(self, participant_id: str | None, client: str = "") -> ChatHistory:
        me = self.service.participant(participant_id)
        if me.conversation_id is None:
            self.starts.take(client)
        return history_of(self.service.start(me.id))

    def send(self, participant_id: str | None, message: str) -> Iterator[tuple[ChatHistory, str]]:
        me = self.service.participant(participant_id)
        if me.conversation_id is None:
            raise InputError("press Start first")
        conversation = self.service.store.load(me.conversation_id)
        base = history_of(conversation)
        shown = [*base, bubble("user", message)] if message.strip() else base
        queue = getattr(self.service.practice.backend, "queue", None)
        if isinstance(queue, FifoLock) and queue.busy():  # the in-process model's queue
            yield shown, f"Waiting for the model ({queue.waiting() + 1} ahead of you)…"
        name = plain(conversation.persona.name)
        for reply in self.service.say(me.id, message):
            note = "Saved." if reply.done else f"{name} is replying…"
            yield [*shown, bubble("assistant", reply.text)], note
        yield history_of(self.service.store.load(me.conversation_id)), "Saved."

    def tick(self, participant_id: str | None) -> tuple[str, bool, bool]:
        """(clock text, whether typing is allowed, whether the conversation has ended)."""
        if not participant_id:
            return "", False, False
        me = self.service.participant(participant_id)
        at = self.service.clock()
        status = me.status(at)
        if status == "not started":
            return "Press Start when you're ready.", False, False
        if status == "finished" and me.evaluation == "pending":  # keep asking until it is done
            return "The conversation has ended; your feedback is being prepared…", False, False
        if status == "finished":
            return "The conversation has ended.", False, True
        left = me.seconds_left(at) or 0.0
        if status == "time up" or left <= 0:
            return "⏰ Time is up: the PM is wrapping up…", False, False
        warning = " — ⚠️ one minute left" if left <= WARNING_S else ""
        return f"⏱ {clock_text(left)} left{warning}", True, False

    def my_progress(self, participant_id: str | None) -> tuple[str, str]:
        """The participant's own sessions over time (those of the person who holds this seat)."""
        me = self.service.participant(participant_id)
        return progress_view(self.service, me.person)

    def finish(self, participant_id: str | None) -> str:
        me = self.service.participant(participant_id)
        self.service.finish(me.id, "finished early")
        return self.feedback(me.id)

    def feedback(self, participant_id: str | None) -> str:
        me = self.service.participant(participant_id)
        report = self.service.report(me.id)
        if report is None:
            return "Your feedback is being prepared…"
        text = report_markdown(report)
        overrides = self.service.overrides(me.conversation_id or "")
        if overrides:
            notes = ["## From your facilitator", ""]
            names = {c.id: c.name for c in report.competencies}
            for competency, note in overrides.items():
                level = note["level"] if note["level"] is not None else "not observed"
                auto = next((c.level for c in report.competencies if c.id == competency), None)
                turn = f" (turn {note['turn']})" if note["turn"] is not None else ""
                notes.append(
                    f"- **{plain(names.get(competency, competency))}:** automatic "
                    f"{auto if auto is not None else 'not observed'}, facilitator "
                    f"{level}{turn}: {plain(str(note['comment']))}"
                )
            text += "\n" + "\n".join(notes) + "\n"
        return text


class FacilitatorHandlers:
    def __init__(self, service: RoundService, gate: FacilitatorGate) -> None:
        self.service = service
        self.gate = gate
        self._downloads = Downloads()

    def unlock(self, passcode: str, client: str = "") -> str:
        return self.gate.unlock(passcode, client)

    def persona_choices(self, token: str | None) -> list[tuple[str, str]]:
        self.gate.check(token)
        return [(p.name, p.id) for p in self.service.library.all()]

    def round_choices(self, token: str | None) -> list[tuple[str, str]]:
        self.gate.check(token)
        return [(f"{r.name} · code {r.code}", r.id) for r in self.service.rounds()]

    def create(
        self,
        token: str | None,
        name: str,
        personas: list[str],
        difficulty: str,
        minutes: float,
        rubric: str,
        max_participants: float | None = DEFAULT_MAX_PARTICIPANTS,
    ) -> tuple[str, str]:
        self.gate.check(token)
        most = DEFAULT_MAX_PARTICIPANTS if max_participants is None else int(max_participants)
        round_ = self.service.create_round(name, personas, difficulty, float(minutes), rubric, most)
        return round_.id, (
            f"Round created. Join code: **{round_.code}** ({round_.minutes:g} "
            f"minutes, {round_.difficulty}, up to {round_.max_participants} participants)"
        )

    def dashboard(
        self, token: str | None, round_id: str | None
    ) -> tuple[list[list[str]], ScoreTable, str, list[tuple[str, str]]]:
        """Live status, the score table (its headers are the round's rubric's competencies),
        the gap map and the participants."""
        self.gate.check(token)
        if not round_id:
            return [], {"headers": ["Participant"], "data": []}, "", []
        # closing expired conversations is the background sweeper's job, never this request's
        people = [(p.name, p.id) for p in self.service.participants(round_id)]
        table: ScoreTable = {
            "headers": score_headers(round_rubric(self.service, round_id)),
            "data": score_rows(self.service, round_id),
        }
        return (
            status_rows(self.service, round_id),
            table,
            gap_map_svg(gap_map(self.service, round_id)),
            people,
        )

    def rubric_choices(self, token: str | None) -> list[str]:
        self.gate.check(token)
        return self.service.rubrics.ids()

    def competencies(self, token: str | None, round_id: str | None) -> list[tuple[str, str]]:
        """(name, id) of each competency the round is scored on, for the override form."""
        self.gate.check(token)
        if not round_id:
            return []
        return [(c.name, c.id) for c in round_rubric(self.service, round_id).competencies]

    def open(self, token: str | None, participant_id: str | None) -> tuple[str, str]:
        self.gate.check(token)
        if not participant_id:
            raise SimulatorError("choose a participant")
        report = self.service.report(participant_id)
        evaluation = report_markdown(report) if report else "Not evaluated yet."
        return transcript_markdown(self.service, participant_id), evaluation

    def override(
        self,
        token: str | None,
        participant_id: str | None,
        competency: str,
        level: str,
        turn: float | None,
        comment: str,
    ) -> str:
        self.gate.check(token)
        me = self.service.participant(participant_id)
        names = round_rubric(self.service, me.round_id).names()
        if me.conversation_id is None or competency not in names:
            raise InputError("choose a participant who has a conversation, and a competency")
        value = None if level == "not observed" else int(level)
        self.service.override(
            me.conversation_id, competency, value, comment, None if turn is None else int(turn)
        )
        return f"Override saved for {plain(me.name)}: {plain(names[competency])} → {level}."

    def export_csv(self, token: str | None, round_id: str | None) -> str:
        self.gate.check(token)
        round_ = self.service.round(round_id or "")
        return self._downloads.write(
            f"round-{round_.code}-scores.csv", scores_csv(self.service, round_)
        )

    def export_zip(self, token: str | None, round_id: str | None) -> str:
        self.gate.check(token)
        round_ = self.service.round(round_id or "")
        return str(export_zip(self.service, round_, self._downloads.new_folder()))

    def people(self, token: str | None) -> list[tuple[str, str]]:
        """Everyone with a finished round session, to choose from (names may repeat)."""
        self.gate.check(token)
        return self.service.people()

    def progress(self, token: str | None, person: str | None) -> tuple[str, str]:
        self.gate.check(token)
        if not person:
            raise InputError("choose a manager")
        return progress_view(self.service, person)


def progress_view(service: RoundService, person: str) -> tuple[str, str]:
    """A line chart and first/best/latest table for one manager, and what to practise next."""
    report = progress(service, service.library, person)
    rows = [
        "| | " + " | ".join(plain(name) for name in report.names.values()) + " |",
        "|---|" + "---|" * len(report.names),
    ]
    for label, values in (
        ("First", report.first),
        ("Best", report.best),
        ("Latest", report.latest),
    ):
        cells = ["–" if values[c] is None else str(values[c]) for c in report.names]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    table = "\n".join(rows)
    return progress_svg(report), (
        f"{len(report.sessions)} evaluated sessions.\n\n{table}\n\n"
        f"**Next:** {plain(report.suggestion)}"
    )
