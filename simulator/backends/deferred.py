"""A backend whose model could not be loaded yet: the app still opens, says why, keeps every
message, and loads the model on the next try once the file (or server) is back."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from simulator.backends.base import ChatBackend, Message, estimate_tokens
from simulator.errors import ModelError, SimulatorError


class DeferredBackend:
    """Wraps `load`, which makes the real backend or raises a SimulatorError. Every call to
    `stream` first tries to load it (once it has loaded, calls go straight through)."""

    name = "deferred"

    def __init__(
        self, load: Callable[[], ChatBackend], problem: str, context_size: int = 4096
    ) -> None:
        self._load = load
        self._lock = threading.Lock()
        self.inner: ChatBackend | None = None
        self.problem = problem
        self.context_size = context_size

    def _ready(self) -> ChatBackend:
        with self._lock:
            if self.inner is None:
                try:
                    self.inner = self._load()
                except SimulatorError as exc:
                    self.problem = str(exc)
                    raise ModelError(
                        f"the model is not available: {exc}. Your message is saved; fix this "
                        "and send again (or send an empty message) to get the reply."
                    ) from None
                self.problem = ""
                self.name = self.inner.name
                self.context_size = self.inner.context_size
            return self.inner

    def stream(self, messages: list[Message], **options: Any) -> Iterator[str]:
        yield from self._ready().stream(messages, **options)

    def count_tokens(self, messages: list[Message]) -> int:
        if self.inner is None:
            return estimate_tokens(messages)
        return self.inner.count_tokens(messages)

    def __getattr__(self, attribute: str) -> Any:
        """Other attributes (the model queue, for instance) are the loaded backend's."""
        inner = self.__dict__.get("inner")
        if inner is None:
            raise AttributeError(attribute)
        return getattr(inner, attribute)
