"""The Gradio app: a thin layer that wires the Practice view to `handlers.py`."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from simulator.backends.base import ChatBackend
from simulator.backends.deferred import DeferredBackend
from simulator.corrections import CHOICES as CORRECTION_CHOICES
from simulator.downloads import Downloads
from simulator.errors import ModelError, SimulatorError
from simulator.facilitator import FacilitatorGate
from simulator.handlers import PracticeHandlers
from simulator.paths import browser_secret
from simulator.practice import Practice
from simulator.round_handlers import FacilitatorHandlers, ParticipantHandlers
from simulator.round_ui import facilitator_tab, participant_tab
from simulator.rounds import RoundService
from simulator.runtime import Settings, make_backend, make_library, make_store
from simulator.state import DIFFICULTIES
from simulator.store import Store
from simulator.studio_handlers import StudioHandlers
from simulator.studio_ui import studio_tab
from simulator.text import plain
from simulator.ui_parts import chat_sender, message_box, new_owner

MAX_UPLOAD = "1mb"  # character cards are a few kilobytes; the server refuses larger uploads
log = logging.getLogger(__name__)
INTRO = (
    "# Coaching practice\n"
    "Practise a coaching conversation with a simulated product manager. Ask, listen and let "
    "them find the answer: the PM opens up when you ask open questions and reflect back what "
    "you hear, and closes down when you tell, lecture or judge."
)


def build_app(
    handlers: PracticeHandlers,
    studio: StudioHandlers | None = None,
    rounds: RoundService | None = None,
    browser_secret: str | None = None,
) -> gr.Blocks:
    """The whole UI. `browser_secret` encrypts what browsers keep (give the same one after a
    restart, or returning browsers are not recognised)."""
    choices = handlers.persona_choices()
    downloads = Downloads()  # reports stay in the data folder; the browser gets copies
    first = choices[0][1] if choices else None
    with gr.Blocks(title="Coaching practice") as app:
        conversation_id = gr.State(None)
        # a secret kept in this browser: only its own conversations are listed and resumable
        owner = gr.BrowserState(
            None, storage_key="coaching-simulator-practice-owner", secret=browser_secret
        )
        gr.Markdown(INTRO)
        model_status = gr.Markdown("", elem_id="model-status")
        with gr.Tab("Practice"):
            with gr.Row():
                with gr.Column(scale=2):
                    persona = gr.Dropdown(
                        choices=choices, value=first, label="Persona", elem_id="persona"
                    )
                    difficulty = gr.Radio(
                        list(DIFFICULTIES), value="medium", label="Difficulty", elem_id="difficulty"
                    )
                    start = gr.Button("Start conversation", variant="primary", elem_id="start")
                    with gr.Accordion("Saved conversations", open=False):
                        saved = gr.Dropdown(choices=[], label="Resume", elem_id="saved")
                        resume = gr.Button("Resume", elem_id="resume")
                        forget = gr.Button(
                            "Shared computer? Hide my conversations from this browser",
                            size="sm",
                            elem_id="forget",
                        )
                with gr.Column(scale=3):
                    brief = gr.Markdown(handlers.brief(first), elem_id="brief")
            chat = gr.Chatbot(
                label="Conversation", height=420, elem_id="chat", feedback_options=None
            )
            with gr.Row():
                message = message_box("message", lines=2, placeholder="Ask, reflect, leave room…")
                send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
            status = gr.Markdown("", elem_id="status")
            with gr.Row():
                rubric = gr.Dropdown(
                    choices=handlers.rubric_choices(),
                    value="coaching",
                    label="Rubric",
                    scale=1,
                    elem_id="rubric",
                )
                end = gr.Button("End and get feedback", scale=2, elem_id="end")
            with gr.Column(visible=False, elem_id="feedback") as feedback_panel:
                chart = gr.HTML(elem_id="chart")
                report = gr.Markdown(elem_id="report")
                with gr.Row():
                    md_file = gr.File(label="Report (Markdown)", elem_id="report-md")
                    json_file = gr.File(label="Report (JSON)", elem_id="report-json")
                gr.Markdown("### How the PM's openness moved (green marks: something revealed)")
                openness = gr.HTML(elem_id="openness")
                gr.Markdown("### Your turns, as the coder read them")
                coded = gr.HTML(elem_id="coded-transcript")
                with gr.Accordion("A tag is wrong? Correct it", open=False):
                    with gr.Row():
                        fix_turn = gr.Dropdown(choices=[], label="Turn", elem_id="fix-turn")
                        fix_field = gr.Dropdown(
                            choices=list(CORRECTION_CHOICES),
                            value="question",
                            label="Code",
                            elem_id="fix-field",
                        )
                        fix_value = gr.Dropdown(
                            choices=list(CORRECTION_CHOICES["question"]),
                            value="open",
                            label="Should be",
                            elem_id="fix-value",
                        )
                    with gr.Row():
                        fix_save = gr.Button("Save correction", elem_id="fix-save")
                        fix_export = gr.Button("Download my corrections", elem_id="fix-export")
                    fix_note = gr.Markdown("", elem_id="fix-note")
                    fix_file = gr.File(label="Corrections (JSON Lines)", elem_id="fix-file")

        persona.change(handlers.brief, persona, brief)

        def on_start(persona_id: str, level: str, me: str | None) -> tuple[Any, ...]:
            me = me or new_owner()  # the page may not have finished loading
            try:
                cid, history, note = handlers.start(persona_id, level, me)
            except SimulatorError as exc:
                return gr.skip(), gr.skip(), f"⚠️ {exc}", gr.skip(), gr.skip()
            return cid, history, note, gr.update(choices=handlers.saved_choices(me)), me

        start.click(
            on_start, [persona, difficulty, owner], [conversation_id, chat, status, saved, owner]
        )

        on_send = chat_sender(handlers.send)

        send.click(on_send, [conversation_id, message, chat], [chat, status, message])
        message.submit(on_send, [conversation_id, message, chat], [chat, status, message])

        def on_resume(cid: str | None, me: str | None) -> Iterator[tuple[Any, ...]]:
            try:
                for shown, note in handlers.resume(cid, me):
                    yield cid, shown, note
            except SimulatorError as exc:
                yield gr.skip(), gr.skip(), f"⚠️ {exc}"

        resume.click(on_resume, [saved, owner], [conversation_id, chat, status])

        def on_end(cid: str | None, rubric_id: str) -> Iterator[tuple[Any, ...]]:
            yield (
                *[gr.skip()] * 5,
                ("Scoring the conversation and writing feedback… (up to half a minute)"),
                *[gr.skip()] * 3,
            )
            try:
                result = handlers.end_and_evaluate(cid, rubric_id or "coaching")
            except SimulatorError as exc:
                yield *[gr.skip()] * 5, f"⚠️ {exc}", *[gr.skip()] * 3
                return
            yield (
                gr.update(visible=True),
                result.chart_svg,
                result.markdown,
                downloads.offer(result.markdown_path),
                downloads.offer(result.json_path),
                "Feedback saved with the conversation. You can resume and practise again.",
                result.openness_svg,
                result.transcript_html,
                gr.update(choices=result.turn_choices, value=None),
            )

        end.click(
            on_end,
            [conversation_id, rubric],
            [
                feedback_panel,
                chart,
                report,
                md_file,
                json_file,
                status,
                openness,
                coded,
                fix_turn,
            ],
        )

        def on_fix_field(name: str) -> Any:
            values = list(CORRECTION_CHOICES.get(name, ()))
            return gr.update(choices=values, value=values[0] if values else None)

        fix_field.change(on_fix_field, fix_field, fix_value)

        def on_fix(cid: str | None, turn: int | None, name: str, value: str) -> tuple[Any, ...]:
            try:
                return handlers.correct(cid, turn, name, value)
            except SimulatorError as exc:
                return gr.skip(), f"⚠️ {plain(str(exc))}"

        fix_save.click(on_fix, [conversation_id, fix_turn, fix_field, fix_value], [coded, fix_note])

        def on_fix_export(cid: str | None) -> tuple[Any, ...]:
            try:
                return downloads.offer(handlers.corrections_file(cid)), ""
            except SimulatorError as exc:
                return gr.skip(), f"⚠️ {plain(str(exc))}"

        fix_export.click(on_fix_export, conversation_id, [fix_file, fix_note])
        if rounds is not None:
            app.load(*participant_tab(ParticipantHandlers(rounds), browser_secret))
        if studio is not None and studio.gate.enabled:
            studio_tab(studio, persona, handlers.persona_choices)
            if rounds is not None:
                facilitator_tab(FacilitatorHandlers(rounds, studio.gate))

        def on_load(me: str | None) -> tuple[Any, ...]:
            me = me or new_owner()
            return me, gr.update(choices=handlers.saved_choices(me)), handlers.model_status()

        app.load(on_load, owner, [owner, saved, model_status])

        def on_forget() -> tuple[Any, ...]:
            note = "This browser no longer lists your conversations (they stay saved)."
            return new_owner(), gr.update(choices=[], value=None), None, [], note

        forget.click(on_forget, None, [owner, saved, conversation_id, chat, status])
    return app


def start_sweeper(rounds: RoundService, every_s: float = 2.0) -> None:
    """Close conversations whose time is up, even when nobody's browser is open."""

    def sweep_forever() -> None:
        while True:
            try:
                rounds.sweep()
            except SimulatorError as exc:  # e.g. the database is locked: say so, keep going
                log.warning("closing expired conversations failed: %s", exc)
            except Exception:  # keep sweeping; one bad conversation must not stop the rest
                log.exception("closing expired conversations failed")
            time.sleep(every_s)

    threading.Thread(target=sweep_forever, daemon=True, name="round-sweeper").start()


def backend_or_deferred(settings: Settings) -> ChatBackend:
    """The configured backend; if its model cannot be loaded, one that says why in the UI and
    tries again on each message, so the app opens and nothing typed is lost."""
    try:
        return make_backend(settings)
    except ModelError as exc:
        sys.stderr.write(
            f"warning: {exc}\nThe app starts anyway and shows this message; it loads the model "
            "as soon as it is there.\n"
        )
        return DeferredBackend(lambda: make_backend(settings), str(exc), settings.context_size)


def launch(
    settings: Settings, *, host: str = "127.0.0.1", port: int = 7860, passcode: str | None = None
) -> None:
    library = make_library(settings)
    store = make_store(settings)
    backend = backend_or_deferred(settings)
    handlers = PracticeHandlers(Practice(backend, store, prime=True), library)
    gate = FacilitatorGate(passcode or os.environ.get("SIMULATOR_FACILITATOR_PASSCODE"))
    quick = PracticeHandlers(Practice(backend, Store(store.path.with_name("studio.db"))), library)
    rounds = RoundService(handlers.practice, library)
    start_sweeper(rounds)
    app = build_app(
        handlers,
        StudioHandlers(gate, handlers, quick),
        rounds,
        browser_secret=browser_secret(store.path.parent),
    )
    print(f"Coaching practice is running at http://{host}:{port}", flush=True)
    app.queue(default_concurrency_limit=32).launch(
        server_name=host,
        server_port=port,
        share=False,
        inbrowser=False,
        show_error=True,
        max_file_size=MAX_UPLOAD,
        run_history=False,  # Gradio would keep every message in the browser's storage, in clear
    )
