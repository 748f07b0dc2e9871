"""The Gradio app: a thin layer that wires the Practice view to `practice_handlers.py`."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from simulator.backends.base import ChatBackend
from simulator.backends.deferred import DeferredBackend
from simulator.coding.corrections import CHOICES as CORRECTION_CHOICES
from simulator.conversation.practice import Practice
from simulator.conversation.state import DIFFICULTIES
from simulator.errors import ModelError, SimulatorError
from simulator.rounds.facilitator import FacilitatorGate
from simulator.rounds.service import RoundService
from simulator.runtime import Settings, make_backend, make_library, make_rubrics, make_store
from simulator.storage.downloads import Downloads
from simulator.storage.store import Store
from simulator.storage.upload_quota import UploadQuotaMiddleware
from simulator.text import plain
from simulator.ui.browsers import BrowserCookie, Browsers, cookie_of, new_owner
from simulator.ui.parts import chat_sender, client_of, message_box
from simulator.ui.practice_handlers import PracticeHandlers
from simulator.ui.round import facilitator_tab, participant_tab
from simulator.ui.round_handlers import FacilitatorHandlers, ParticipantHandlers
from simulator.ui.studio import studio_tab
from simulator.ui.studio_handlers import StudioHandlers

MAX_UPLOAD = "1mb"  # character cards are a few kilobytes; the server refuses larger uploads
# Gradio keeps every upload (the upload route needs no passcode) and every offered download in its
# cache: every CACHE_EVERY_S seconds, files older than CACHE_AGE_S go. A card is read as soon as it
# arrives, and the app's own download copies are kept an hour too (simulator/storage/downloads.py).
CACHE_EVERY_S = 300
CACHE_AGE_S = 3600
# Each client address may upload only so much an hour (simulator/storage/upload_quota.py), and each
# browser gets an HttpOnly cookie that names it on the server (simulator/ui/browsers.py).
SERVER_OPTIONS: dict[str, Any] = {
    "middleware": [Middleware(UploadQuotaMiddleware), Middleware(BrowserCookie)]
}
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
) -> gr.Blocks:
    """The whole UI. Who owns what comes from the browser's HttpOnly cookie, mapped to its
    owner secret on the server (`browsers.py`): serve it with `BrowserCookie` (see `launch`)."""
    choices = handlers.persona_choices()
    downloads = Downloads()  # reports stay in the data folder; the browser gets copies
    first = choices[0][1] if choices else None
    browsers = Browsers(handlers.practice.store)

    def owner_of(request: gr.Request | None, create: bool = False) -> str | None:
        """This browser's owner secret: only its own conversations are listed and resumable
        (`create`: make one for a browser that has none yet)."""
        return browsers.owner(cookie_of(request), create)

    with gr.Blocks(title="Coaching practice", delete_cache=(CACHE_EVERY_S, CACHE_AGE_S)) as app:
        conversation_id = gr.State(None)
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

        def on_start(persona_id: str, level: str, request: gr.Request) -> tuple[Any, ...]:
            me = owner_of(request, create=True) or new_owner()  # no cookie: listed nowhere
            try:
                cid, history, note = handlers.start(persona_id, level, me, client_of(request))
            except SimulatorError as exc:
                return gr.skip(), gr.skip(), f"⚠️ {exc}", gr.skip()
            return cid, history, note, gr.update(choices=handlers.saved_choices(me))

        start.click(on_start, [persona, difficulty], [conversation_id, chat, status, saved])

        on_send = chat_sender(handlers.send)

        send.click(on_send, [conversation_id, message, chat], [chat, status, message])
        message.submit(on_send, [conversation_id, message, chat], [chat, status, message])

        def on_resume(cid: str | None, request: gr.Request) -> Iterator[tuple[Any, ...]]:
            try:
                for shown, note in handlers.resume(cid, owner_of(request)):
                    yield cid, shown, note
            except SimulatorError as exc:
                yield gr.skip(), gr.skip(), f"⚠️ {exc}"

        resume.click(on_resume, saved, [conversation_id, chat, status])

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
            app.load(*participant_tab(ParticipantHandlers(rounds), owner_of))
        if studio is not None and studio.gate.enabled:
            studio_tab(studio, persona, handlers.persona_choices, rubric)
            if rounds is not None:
                facilitator_tab(FacilitatorHandlers(rounds, studio.gate))

        def on_load(request: gr.Request) -> tuple[Any, ...]:
            choices = handlers.saved_choices(owner_of(request))
            rubrics = gr.update(choices=handlers.rubric_choices())  # saved in the studio since
            return gr.update(choices=choices), handlers.model_status(), rubrics

        app.load(on_load, None, [saved, model_status, rubric])

        def on_forget(request: gr.Request) -> tuple[Any, ...]:
            browsers.forget(cookie_of(request))
            note = "This browser no longer lists your conversations (they stay saved)."
            return gr.update(choices=[], value=None), None, [], note

        forget.click(on_forget, None, [saved, conversation_id, chat, status])
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
    os.umask(0o077)  # all the server writes (Gradio's upload and download copies too) is private
    library = make_library(settings)
    store = make_store(settings)
    backend = backend_or_deferred(settings)
    rubrics = make_rubrics(settings)
    handlers = PracticeHandlers(Practice(backend, store, prime=True), library, rubrics=rubrics)
    gate = FacilitatorGate(passcode or os.environ.get("SIMULATOR_FACILITATOR_PASSCODE"))
    quick = PracticeHandlers(Practice(backend, Store(store.path.with_name("studio.db"))), library)
    rounds = RoundService(handlers.practice, library, rubrics=rubrics)
    start_sweeper(rounds)
    app = build_app(handlers, StudioHandlers(gate, handlers, quick), rounds)
    print(f"Coaching practice is running at http://{host}:{port}", flush=True)
    app.queue(default_concurrency_limit=32).launch(
        server_name=host,
        server_port=port,
        share=False,
        inbrowser=False,
        show_error=True,
        max_file_size=MAX_UPLOAD,
        app_kwargs=SERVER_OPTIONS,
        run_history=False,  # Gradio would keep every message in the browser's storage, in clear
    )
