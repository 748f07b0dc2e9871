"""Any OpenAI-compatible chat-completions server: llama.cpp's llama-server, vLLM, Ollama."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence

import httpx
from pydantic import Field

from simulator.backends.base import BackendOptions, Message
from simulator.conversation.injection import defuse_messages
from simulator.errors import ModelError, SimulatorError

MAX_STOPS = 4  # the OpenAI API accepts at most four stop sequences


class OpenAIBackend:
    """Streams chat completions from `base_url` (for example http://127.0.0.1:8080/v1).

    Args:
        base_url: the server's API root, ending in /v1 for most servers.
        api_key: sent as a bearer token when given.
        model_name: the model the server should use ("default" suits single-model servers).
        timeout_s: how long to wait for the first and each following piece of the reply.
    """

    name = "openai"

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        model_name: str = "default",
        context_size: int = 4096,
        timeout_s: float = 60.0,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ModelError(f"--base-url must start with http:// or https:// (got '{base_url}')")
        self.base_url = base_url.rstrip("/")
        self.model_name = model_name
        self.context_size = context_size
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout_s, connect=5.0))

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
        body = {
            "model": self.model_name,
            "messages": defuse_messages(messages),
            "max_tokens": max_tokens,
            "temperature": temperature,
            "seed": seed,
            "stream": True,
        }
        if stop:
            body["stop"] = list(stop)[:MAX_STOPS]
        url = f"{self.base_url}/chat/completions"
        try:
            with self._client.stream("POST", url, json=body) as response:
                if response.status_code >= 400:
                    detail = response.read().decode("utf-8", "replace")[:300]
                    raise ModelError(
                        f"the model server at {self.base_url} answered {response.status_code}: "
                        f"{detail}"
                    )
                yield from self._pieces(response.iter_lines())
        except httpx.ConnectError:
            raise ModelError(
                f"cannot reach the model server at {self.base_url}; is it running? Your "
                "conversation is saved: send again once it is back."
            ) from None
        except httpx.TimeoutException:
            raise ModelError(
                f"the model server at {self.base_url} did not answer in time. Your "
                "conversation is saved: send again to retry."
            ) from None
        except httpx.HTTPError as exc:
            raise ModelError(
                f"talking to the model server at {self.base_url} failed: {exc}"
            ) from None

    def _pieces(self, lines: Iterator[str]) -> Iterator[str]:
        for line in lines:
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                return
            try:
                chunk = json.loads(data)
                piece = chunk["choices"][0].get("delta", {}).get("content")
            except (json.JSONDecodeError, KeyError, IndexError, TypeError):
                raise ModelError(
                    f"the model server at {self.base_url} sent something that is not an "
                    "OpenAI-style stream"
                ) from None
            if piece:
                yield piece

    def count_tokens(self, messages: list[Message]) -> int:
        # The server does not say; a generous estimate keeps trimming on the safe side.
        return sum(len(m["content"]) // 3 + 6 for m in messages)


class Options(BackendOptions):
    """--base-url, --api-key and --model-name (or $SIMULATOR_BASE_URL, $SIMULATOR_API_KEY,
    $SIMULATOR_MODEL_NAME)."""

    base_url: str | None = None
    api_key: str | None = None
    model_name: str | None = None
    timeout_s: float = Field(60.0, gt=0, description="seconds to wait for each piece")


def make(options: Options, context_size: int) -> OpenAIBackend:
    base_url = options.base_url or os.environ.get("SIMULATOR_BASE_URL")
    if not base_url:
        raise SimulatorError("--backend openai needs --base-url URL (or $SIMULATOR_BASE_URL)")
    return OpenAIBackend(
        base_url,
        api_key=options.api_key or os.environ.get("SIMULATOR_API_KEY"),
        model_name=options.model_name or os.environ.get("SIMULATOR_MODEL_NAME", "default"),
        context_size=context_size,
        timeout_s=options.timeout_s,
    )
