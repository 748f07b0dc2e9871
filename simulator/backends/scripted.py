"""A real backend fed scripted replies, for tests and demos without a model."""

from __future__ import annotations

import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence

from pydantic import Field

from simulator.backends.base import BackendOptions, Message, estimate_tokens

Reply = str | Callable[[list[Message]], str]

DEMO_LINES = (
    "Mm, fair question. I haven't really said that part out loud before.",
    "Honestly, it's been a strange couple of weeks and I'm still sorting out what I think.",
    "I guess the thing underneath is that I'm not sure people see the work I do.",
    "That's true. Let me think for a second about what I would actually want here.",
)


class ScriptedBackend:
    """Replies from a queue, streamed word by word; remembers every prompt it was sent.

    Args:
        replies: texts (or functions of the prompt) to answer with, in order.
        default: the reply (or function of the prompt) once the queue is empty.
        delay: seconds to wait before each streamed piece, to make streaming visible.
    """

    name = "scripted"

    def __init__(
        self,
        replies: Iterable[Reply] = (),
        *,
        default: Reply = "Hmm. I'm still thinking about that, honestly.",
        context_size: int = 4096,
        delay: float = 0.0,
    ) -> None:
        self.queue: deque[Reply] = deque(replies)
        self.default = default
        self.context_size = context_size
        self.delay = delay
        self.history: list[list[Message]] = []
        self.settings: list[dict[str, object]] = []

    def enqueue(self, replies: Iterable[Reply]) -> None:
        self.queue.extend(replies)

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int,
        temperature: float,
        seed: int,
        stop: Sequence[str],
        avoid: Sequence[str] = (),
    ) -> Iterator[str]:
        self.history.append([dict(m) for m in messages])
        self.settings.append(
            {"max_tokens": max_tokens, "temperature": temperature, "seed": seed, "avoid": avoid}
        )
        reply = self.queue.popleft() if self.queue else self.default
        text = reply(messages) if callable(reply) else reply
        for marker in stop:
            if marker and marker in text:
                text = text[: text.index(marker)]
        for piece in re.findall(r"\s*\S+", text)[:max_tokens]:
            if self.delay:
                time.sleep(self.delay)
            yield piece

    def count_tokens(self, messages: list[Message]) -> int:
        return estimate_tokens(messages)


class Options(BackendOptions):
    delay: float | None = Field(
        None, ge=0, description="seconds before each word (default $SIMULATOR_SCRIPTED_DELAY, 0.03)"
    )


def make(options: Options, context_size: int) -> ScriptedBackend:
    """`--backend scripted`: neutral lines in turn, no model (demos and UI tests)."""
    delay = options.delay
    if delay is None:
        delay = float(os.environ.get("SIMULATOR_SCRIPTED_DELAY", "0.03"))

    def next_line(messages: list[Message]) -> str:
        replies_so_far = sum(1 for m in messages if m["role"] == "assistant") - 1
        return DEMO_LINES[replies_so_far % len(DEMO_LINES)]

    return ScriptedBackend(default=next_line, delay=delay)
