"""llama-cpp-python in the same process: the default backend."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from simulator.backends.base import Message
from simulator.errors import ModelError
from simulator.model_files import check_gguf


class LlamaBackend:
    """A GGUF model loaded with llama-cpp-python.

    Consecutive calls whose prompts share a prefix reuse it: llama.cpp keeps the previous
    prompt's tokens evaluated, so a turn costs only its new tokens when the history is unchanged.
    """

    name = "llama.cpp"

    def __init__(self, model_path: Path, *, context_size: int = 4096, threads: int = 0) -> None:
        check_gguf(model_path)
        try:
            from llama_cpp import Llama
        except ImportError as exc:  # pragma: no cover - a broken install
            raise ModelError(f"llama-cpp-python is not installed properly: {exc}") from None
        try:
            self._llm: Any = Llama(
                model_path=str(model_path),
                n_ctx=context_size,
                n_threads=threads or max(1, os.cpu_count() or 1),
                n_batch=512,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(
                f"{model_path}: llama.cpp could not load this model ({exc}); the file may be "
                "truncated, corrupt, or of an architecture this llama.cpp does not support"
            ) from None
        self.model_path = model_path
        self.context_size = context_size
        self._lock = threading.Lock()

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int,
        temperature: float,
        seed: int,
        stop: Sequence[str],
    ) -> Iterator[str]:
        with self._lock:
            chunks = self._llm.create_chat_completion(
                messages=messages,
                stream=True,
                max_tokens=max_tokens,
                temperature=temperature,
                top_p=0.9,
                repeat_penalty=1.1,
                seed=seed,
                stop=list(stop),
            )
            for chunk in chunks:
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece

    def count_tokens(self, messages: list[Message]) -> int:
        total = 0
        for message in messages:
            total += len(self._llm.tokenize(message["content"].encode("utf-8"), add_bos=False)) + 5
        return total
