"""The Round tab (participants) and the Facilitator tab (dashboard): wiring only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from simulator.conversation.state import DIFFICULTIES
from simulator.errors import SimulatorError
from simulator.rounds.service import DEFAULT_MAX_PARTICIPANTS, MAX_NAME, MOST_PARTICIPANTS
from simulator.ui.parts import (
    chat_sender,
    client_of,
    guarded,
    message_box,
    passcode_row,
    wire_lock,
)
from simulator.ui.round_handlers import FacilitatorHandlers, ParticipantHandlers


def participant_tab(
    handlers: ParticipantHandlers, owner_of: Callable[[gr.Request, bool], str | None]
) -> tuple[Any, Any, list[Any]]:
    """Build the tab; returns the page-load hook that restores a returning participant.
    `owner_of` gives the asking browser's owner secret (kept on the server)."""
    with gr.Tab("Round", elem_id="round-tab"):
        me = gr.State(None)  # this page's participant id; a reload finds it again on the server
        shown = gr.State(False)
        gr.Markdown("### Join a timed practice round\nEnter the code from your facilitator.")
        with gr.Row():
            code = gr.Textbox(label="Join code", scale=1, elem_id="join-code")
            name = gr.Textbox(
                label="Your display name",
                scale=2,
                max_length=MAX_NAME,
                info=f"Up to {MAX_NAME} characters.",
                elem_id="join-name",
            )
            join = gr.Button("Join", scale=1, elem_id="join")
        brief = gr.Markdown("", elem_id="round-brief")
        with gr.Row():
            start = gr.Button("Start", variant="primary", elem_id="round-start")
            clock = gr.Markdown("", elem_id="round-clock")
        chat = gr.Chatbot(
            label="Conversation", height=360, elem_id="round-chat", feedback_options=None
        )
        with gr.Row():
            message = message_box("round-message", interactive=False)
            send = gr.Button("Send", scale=1, interactive=False, elem_id="round-send")
            finish = gr.Button("Finish early", scale=1, elem_id="round-finish")
        status = gr.Markdown("", elem_id="round-status")
        feedback = gr.Markdown("", elem_id="round-feedback")
        with gr.Accordion("My progress", open=False):
            progress_chart = gr.HTML(elem_id="my-progress-chart")
            progress_table = gr.Markdown("", elem_id="my-progress")
        timer = gr.Timer(1.0)

    def on_join(join_code: str, display: str, request: gr.Request) -> tuple[Any, ...]:
        try:
            participant_id, text = handlers.join(
                join_code, display, owner_of(request, True), client_of(request)
            )
        except SimulatorError as exc:
            return gr.skip(), gr.skip(), f"⚠️ {exc}", False
        return participant_id, text, "Joined. Read the brief, then press Start.", False

    join.click(on_join, [code, name], [me, brief, status, shown])

    def on_start(pid: str | None, request: gr.Request) -> tuple[Any, ...]:
        try:
            history = handlers.start(pid, client_of(request))
        except SimulatorError as exc:
            return gr.skip(), f"⚠️ {exc}"
        return history, "Go ahead: the PM speaks first."

    start.click(on_start, me, [chat, status])

    on_send = chat_sender(handlers.send)

    send.click(on_send, [me, message, chat], [chat, status, message])
    message.submit(on_send, [me, message, chat], [chat, status, message])
    finish.click(
        guarded(
            lambda pid: (handlers.finish(pid), True, "Finished."),
            lambda m: (gr.skip(), gr.skip(), m),
        ),
        me,
        [feedback, shown, status],
    )
    feedback.change(
        guarded(handlers.my_progress, lambda m: ("", m)), me, [progress_chart, progress_table]
    )

    def on_tick(pid: str | None, already: bool) -> tuple[Any, ...]:
        try:
            text, typing, ended = handlers.tick(pid)
        except SimulatorError:
            return (
                "",
                gr.update(interactive=False),
                gr.update(interactive=False),
                gr.skip(),
                already,
                gr.skip(),
            )
        if ended and not already:
            return (
                text,
                gr.update(interactive=False),
                gr.update(interactive=False),
                handlers.feedback(pid),
                True,
                gr.update(value=handlers.restore(pid)[1]),
            )
        return (
            text,
            gr.update(interactive=typing),
            gr.update(interactive=typing),
            gr.skip(),
            already,
            gr.skip(),
        )

    timer.tick(on_tick, [me, shown], [clock, message, send, feedback, shown, chat])

    def on_load(request: gr.Request) -> tuple[Any, ...]:
        try:
            pid = handlers.returning(owner_of(request, False))
            text, history = handlers.restore(pid)
        except SimulatorError:
            return gr.skip(), gr.skip(), gr.skip()
        return pid, text, history

    return on_load, None, [me, brief, chat]


def facilitator_tab(handlers: FacilitatorHandlers) -> None:
    token = gr.State(None)
    with gr.Tab("Facilitator", elem_id="facilitator-tab"):
        passcode, unlock, lock, gate_status = passcode_row("fac-")
        with gr.Column(visible=False, elem_id="dashboard") as panel:
            with gr.Accordion("New round", open=True):
                with gr.Row():
                    round_name = gr.Textbox(
                        label="Round name", value="Practice round", elem_id="new-round-name"
                    )
                    personas = gr.Dropdown(
                        label="Personas (assigned round-robin)",
                        choices=[],
                        multiselect=True,
                        elem_id="new-round-personas",
                    )
                with gr.Row():
                    difficulty = gr.Radio(list(DIFFICULTIES), value="medium", label="Difficulty")
                    minutes = gr.Number(
                        label="Minutes",
                        value=10,
                        minimum=0.1,
                        maximum=180,
                        elem_id="new-round-minutes",
                    )
                    rubric = gr.Dropdown(
                        ["coaching"], value="coaching", label="Rubric", elem_id="new-round-rubric"
                    )
                    most = gr.Number(
                        label="Most participants",
                        value=DEFAULT_MAX_PARTICIPANTS,
                        minimum=1,
                        maximum=MOST_PARTICIPANTS,
                        precision=0,
                        elem_id="new-round-most",
                    )
                create = gr.Button("Create round", variant="primary", elem_id="create-round")
                created = gr.Markdown("", elem_id="round-created")
            rounds = gr.Dropdown(label="Round", choices=[], elem_id="round-select")
            live = gr.Dataframe(
                headers=["Participant", "Persona", "Status", "Overall"],
                interactive=False,
                elem_id="live-status",
            )
            scores = gr.Dataframe(
                headers=["Participant"],  # and the round's competencies, from its rubric
                interactive=False,
                elem_id="scores",
            )
            gr.Markdown("**Cohort gap map** (mean level per competency, weakest first)")
            gaps = gr.HTML(elem_id="gap-map")
            with gr.Row():
                who = gr.Dropdown(label="Participant", choices=[], elem_id="participant-select")
                open_btn = gr.Button("Open transcript and evaluation", elem_id="open-participant")
            with gr.Row():
                transcript = gr.Markdown("", elem_id="participant-transcript")
                evaluation = gr.Markdown("", elem_id="participant-evaluation")
            with gr.Accordion("Override a level", open=False):
                with gr.Row():
                    competency = gr.Dropdown([], label="Competency", elem_id="override-competency")
                    level = gr.Dropdown(["1", "2", "3", "4", "not observed"], label="Level")
                    turn = gr.Number(label="Turn it refers to", precision=0)
                comment = gr.Textbox(label="Comment (shown to the participant)")
                save_override = gr.Button("Save override")
                override_status = gr.Markdown("")
            with gr.Row():
                csv_btn = gr.Button("Export scores (CSV)", elem_id="export-csv")
                zip_btn = gr.Button(
                    "Export transcripts and evaluations (zip)", elem_id="export-zip"
                )
            export_file = gr.File(label="Export", elem_id="export-file")
            with gr.Accordion("A manager's progress", open=False) as progress_box:
                with gr.Row():
                    manager = gr.Dropdown(
                        label="Manager (latest display name, sessions, tag)",
                        choices=[],
                        elem_id="manager-select",
                    )
                    show = gr.Button("Show progress", elem_id="show-progress")
                chart = gr.HTML()
                summary = gr.Markdown("")
        timer = gr.Timer(2.0)

    def on_unlock(attempt: str, request: gr.Request) -> tuple[Any, ...]:
        try:
            new = handlers.unlock(attempt, client_of(request))
        except SimulatorError as exc:
            return None, gr.update(visible=False), f"⚠️ {exc}", gr.skip(), gr.skip(), "", gr.skip()
        return (
            new,
            gr.update(visible=True),
            "Unlocked.",
            gr.update(choices=handlers.persona_choices(new)),
            gr.update(choices=handlers.round_choices(new)),
            "",
            gr.update(choices=handlers.rubric_choices(new)),
        )

    unlock.click(
        on_unlock, passcode, [token, panel, gate_status, personas, rounds, passcode, rubric]
    )
    wire_lock(lock, handlers.gate, token, panel)

    def on_create(tok: str | None, *values: Any) -> tuple[Any, ...]:
        round_id, note = handlers.create(tok, *values)
        return note, gr.update(choices=handlers.round_choices(tok), value=round_id)

    create.click(
        guarded(on_create, lambda m: (m, gr.skip())),
        [token, round_name, personas, difficulty, minutes, rubric, most],
        [created, rounds],
    )

    def refresh(tok: str | None, round_id: str | None) -> tuple[Any, ...]:
        if tok is None:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            rows, table, svg, people = handlers.dashboard(tok, round_id)
        except SimulatorError:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return rows, table, svg, gr.update(choices=people)

    timer.tick(refresh, [token, rounds], [live, scores, gaps, who])
    rounds.change(refresh, [token, rounds], [live, scores, gaps, who])
    rounds.change(
        guarded(
            lambda tok, rid: gr.update(choices=handlers.competencies(tok, rid), value=None),
            lambda m: gr.skip(),
        ),
        [token, rounds],
        competency,
    )
    open_btn.click(
        guarded(handlers.open, lambda m: (m, "")), [token, who], [transcript, evaluation]
    )
    save_override.click(
        guarded(handlers.override, lambda m: m),
        [token, who, competency, level, turn, comment],
        override_status,
    )
    csv_btn.click(guarded(handlers.export_csv, lambda m: None), [token, rounds], export_file)
    zip_btn.click(guarded(handlers.export_zip, lambda m: None), [token, rounds], export_file)
    show.click(guarded(handlers.progress, lambda m: ("", m)), [token, manager], [chart, summary])
    progress_box.expand(
        guarded(lambda tok: gr.update(choices=handlers.people(tok)), lambda m: gr.skip()),
        token,
        manager,
    )
