"""Small pieces of Gradio wiring that several tabs share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

from simulator.conversation.practice import MAX_MESSAGE_CHARS
from simulator.errors import SimulatorError
from simulator.rounds.facilitator import FacilitatorGate


def guarded(fn: Callable[..., Any], failure: Callable[[str], Any]) -> Callable[..., Any]:
    """Turn a SimulatorError into a message in the UI instead of a crash."""

    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except SimulatorError as exc:
            return failure(f"⚠️ {exc}")

    return call


def chat_sender(
    send: Callable[[Any, str], Iterator[tuple[Any, str]]],
) -> Callable[[Any, str, Any], Iterator[tuple[Any, ...]]]:
    """A handler for (who, message, history) -> (history, status, message box) that streams
    `send`; on an error the history stays, the status says why, and the typed text is kept."""

    def on_send(who: Any, text: str, history: Any) -> Iterator[tuple[Any, ...]]:
        try:
            for shown, note in send(who, text):
                yield shown, note, ""
        except SimulatorError as exc:
            yield history, f"⚠️ {exc}", text

    return on_send


def message_box(elem_id: str, **options: Any) -> gr.Textbox:
    """The manager's message box, with the message limit enforced and stated."""
    return gr.Textbox(
        label="You (the manager)",
        scale=5,
        max_length=MAX_MESSAGE_CHARS,
        info=f"Up to {MAX_MESSAGE_CHARS} characters; plain text.",
        elem_id=elem_id,
        **options,
    )


def passcode_row(prefix: str) -> tuple[gr.Textbox, gr.Button, gr.Button, gr.Markdown]:
    """The facilitator passcode box, its Unlock and Lock buttons and the status line under
    them."""
    with gr.Row():
        passcode = gr.Textbox(
            label="Facilitator passcode", type="password", scale=3, elem_id=f"{prefix}passcode"
        )
        unlock = gr.Button("Unlock", scale=1, elem_id=f"{prefix}unlock")
        lock = gr.Button("Lock", scale=1, size="sm", elem_id=f"{prefix}lock")
    status = gr.Markdown("", elem_id=f"{prefix}gate-status")
    return passcode, unlock, lock, status


def wire_lock(lock: gr.Button, gate: FacilitatorGate, token: gr.State, panel: gr.Column) -> None:
    """Lock drops this tab's facilitator token and hides what it unlocked."""

    def on_lock(tok: str | None) -> tuple[Any, ...]:
        gate.lock(tok)
        return None, gr.update(visible=False)

    lock.click(on_lock, token, [token, panel])


def client_of(request: gr.Request | None) -> str:
    """Who is asking, for rate limits: the address the request came from."""
    client = getattr(request, "client", None) if request is not None else None
    return str(getattr(client, "host", "") or "")
