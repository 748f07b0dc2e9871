"""The interface every model backend implements."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict

Message = dict[str, str]


class BackendOptions(BaseModel):
    """A backend's own settings. Unknown names are refused, so a mistyped option is an error
    rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")


def estimate_tokens(messages: list[Message]) -> int:
    """A token count that errs high (about three characters a token), for backends that cannot
    count exactly."""
    return sum(len(m["content"]) // 3 + 4 for m in messages)


class ChatBackend(Protocol):
    """Streams a chat completion. One call at a time per backend object is safe."""

    name: str
    context_size: int

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
        """Yield the reply's text piece by piece (one token at a time where the model allows).

        `avoid`: earlier texts the reply must not repeat word for word. A backend that can steer
        sampling blocks their word runs; one that cannot ignores it."""
        ...

    def count_tokens(self, messages: list[Message]) -> int:
        """How many tokens `messages` take in the prompt (an estimate is fine if it errs high)."""
        ...
