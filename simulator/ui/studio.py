"""The Studio tab: wiring only; the work is in `studio_handlers.py`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

from simulator.errors import SimulatorError
from simulator.ui.parts import client_of, guarded, passcode_row, wire_lock
from simulator.ui.practice_handlers import ChatHistory
from simulator.ui.studio_handlers import StudioHandlers


def studio_tab(
    studio: StudioHandlers,
    practice_personas: gr.Dropdown,
    practice_choices: Callable[[], list[tuple[str, str]]],
    practice_rubrics: gr.Dropdown,
) -> None:
    token = gr.State(None)
    with gr.Tab("Studio", elem_id="studio-tab"):
        gr.Markdown(
            "### Persona studio\nFacilitators only: enter the passcode set when the app "
            "was started."
        )
        passcode, unlock, lock, gate_status = passcode_row("")
        with gr.Column(visible=False, elem_id="studio") as panel:
            with gr.Row():
                existing = gr.Dropdown(
                    label="Open a persona", choices=[], scale=3, elem_id="studio-open"
                )
                open_btn = gr.Button("Open (bundled: copy to edit)", scale=2, elem_id="open")
                new_btn = gr.Button("New persona", scale=1, elem_id="new")
            editor = gr.Code(
                label="Persona (YAML)", language="yaml", lines=24, elem_id="studio-yaml"
            )
            errors = gr.Markdown("", elem_id="studio-errors")
            with gr.Row():
                save = gr.Button("Save", variant="primary", elem_id="save")
                probe = gr.Button("Probe on the model (about a minute)", elem_id="probe")
                export = gr.Button("Export card", elem_id="export")
            status = gr.Markdown("", elem_id="studio-status")
            card_out = gr.File(label="Character card", elem_id="card-out")
            with gr.Row():
                card_in = gr.File(
                    label="Import a character card (.json)", file_types=[".json"], elem_id="card-in"
                )
                import_btn = gr.Button("Import card", elem_id="import")
            with gr.Accordion("Preview: the brief as participants see it", open=True):
                preview = gr.Markdown("", elem_id="studio-preview")
            with gr.Accordion("Rubrics", open=False, elem_id="rubric-studio"):
                gr.Markdown(
                    "A rubric defines each competency: its indicators, levels, evidence and "
                    "feedback wording (see the comments in the bundled files). Bundled rubrics "
                    "open as a copy to edit."
                )
                with gr.Row():
                    rubric_pick = gr.Dropdown(
                        label="Open a rubric", choices=[], scale=3, elem_id="rubric-open"
                    )
                    rubric_open = gr.Button("Open (bundled: copy to edit)", elem_id="rubric-load")
                rubric_editor = gr.Code(
                    label="Rubric (YAML)", language="yaml", lines=24, elem_id="rubric-yaml"
                )
                rubric_errors = gr.Markdown("", elem_id="rubric-errors")
                gr.Markdown("**Preview:** the levels this rubric gives two sample conversations")
                rubric_preview = gr.Markdown("", elem_id="rubric-preview")
                rubric_save = gr.Button("Save rubric", variant="primary", elem_id="rubric-save")
                rubric_status = gr.Markdown("", elem_id="rubric-status")
            with gr.Accordion("Quick chat with this persona", open=False):
                quick_id = gr.State(None)
                quick_chat = gr.Chatbot(height=260, elem_id="quick-chat", feedback_options=None)
                with gr.Row():
                    quick_start = gr.Button("Start quick chat", elem_id="quick-start")
                    quick_msg = gr.Textbox(label="You", scale=3, elem_id="quick-message")
                    quick_send = gr.Button("Send", elem_id="quick-send")

    def on_unlock(attempt: str, request: gr.Request) -> tuple[Any, ...]:
        try:
            new_token = studio.unlock(attempt, client_of(request))
        except SimulatorError as exc:
            return None, gr.update(visible=False), f"⚠️ {exc}", gr.skip(), "", gr.skip()
        return (
            new_token,
            gr.update(visible=True),
            "Unlocked.",
            gr.update(choices=studio.choices(new_token)),
            "",
            gr.update(choices=studio.rubric_choices(new_token)),
        )

    unlock.click(on_unlock, passcode, [token, panel, gate_status, existing, passcode, rubric_pick])
    wire_lock(lock, studio.gate, token, panel)
    new_btn.click(guarded(studio.new, lambda m: m), token, editor)
    open_btn.click(
        guarded(studio.open, lambda m: (gr.skip(), m)), [token, existing], [editor, status]
    )
    editor.change(guarded(studio.check, lambda m: (m, "")), [token, editor], [errors, preview])

    def on_save(tok: str | None, text: str) -> tuple[Any, ...]:
        message = studio.save(tok, text)
        return (
            message,
            gr.update(choices=studio.choices(tok)),
            gr.update(choices=practice_choices()),
        )

    save.click(
        guarded(on_save, lambda m: (m, gr.skip(), gr.skip())),
        [token, editor],
        [status, existing, practice_personas],
    )
    rubric_open.click(
        guarded(studio.rubric_open, lambda m: (gr.skip(), m)),
        [token, rubric_pick],
        [rubric_editor, rubric_status],
    )
    rubric_editor.change(
        guarded(studio.rubric_check, lambda m: (m, "")),
        [token, rubric_editor],
        [rubric_errors, rubric_preview],
    )

    def on_rubric_save(tok: str | None, text: str) -> tuple[Any, ...]:
        message = studio.rubric_save(tok, text)
        choices = [rubric_id for _, rubric_id in studio.rubric_choices(tok)]
        return (
            message,
            gr.update(choices=studio.rubric_choices(tok)),
            gr.update(choices=choices),
        )

    rubric_save.click(
        guarded(on_rubric_save, lambda m: (m, gr.skip(), gr.skip())),
        [token, rubric_editor],
        [rubric_status, rubric_pick, practice_rubrics],
    )
    export.click(guarded(studio.export_card, lambda m: None), [token, editor], card_out)
    import_btn.click(
        guarded(studio.import_card, lambda m: (gr.skip(), m)), [token, card_in], [editor, status]
    )
    probe.click(guarded(studio.probe, lambda m: m), [token, editor], status)
    quick_start.click(
        guarded(studio.chat_start, lambda m: (gr.skip(), gr.skip())),
        [token, editor],
        [quick_id, quick_chat],
    )

    def on_quick(
        tok: str | None, cid: str | None, text: str, history: ChatHistory
    ) -> Iterator[tuple[Any, ...]]:
        try:
            for shown, _ in studio.chat_send(tok, cid, text):
                yield shown, ""
        except SimulatorError as exc:
            yield [*history, {"role": "assistant", "content": f"⚠️ {exc}"}], text

    quick_send.click(on_quick, [token, quick_id, quick_msg, quick_chat], [quick_chat, quick_msg])
