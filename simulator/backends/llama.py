"""llama-cpp-python in the same process: the default backend."""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from simulator.backends.base import BackendOptions, Message
from simulator.backends.fifo import FifoLock
from simulator.backends.model_files import check_gguf, resolve_model, show_progress
from simulator.backends.no_repeat import NoRepeat, banned_runs
from simulator.conversation.injection import defuse_messages
from simulator.errors import ModelError


def load_llama(model_path: Path, context_size: int, threads: int = 0) -> Any:
    """A `llama_cpp.Llama` for `model_path`, or a ModelError that says what is wrong."""
    check_gguf(model_path)
    from llama_cpp import Llama

    try:
        return Llama(
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


def control_tokens(llm: Any) -> list[str]:
    """The text of every control token in the model's vocabulary (`<|im_start|>` and so on)."""
    import llama_cpp

    flags = llama_cpp.LLAMA_TOKEN_ATTR_CONTROL | llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED
    model = llm._model
    return [
        model.token_get_text(i) for i in range(model.n_vocab()) if model.token_get_attr(i) & flags
    ]


class PromptRenderer:
    """Turns chat messages into the model's own prompt text and tokens, using the chat template
    stored in the GGUF file (rendered by llama-cpp-python in a sandboxed Jinja2 environment)."""

    def __init__(self, llm: Any, model_path: Path) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(
                f"{model_path}: this GGUF has no chat template; use a chat or instruct model"
            )
        eos, bos = llm.token_eos(), llm.token_bos()
        self._llm = llm
        self.specials = control_tokens(llm)
        self._formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=llm._model.token_get_text(eos) if eos != -1 else "",
            bos_token=llm._model.token_get_text(bos) if bos != -1 else "",
            stop_token_ids=[eos],
        )

    def render(self, messages: list[Message]) -> tuple[list[int], list[str], Any]:
        """Prompt tokens, stop strings and the end-of-turn stopping criteria."""
        safe = defuse_messages(messages, self.specials)
        response = self._formatter(messages=safe)  # type: ignore[arg-type]
        stops = response.stop if isinstance(response.stop, list) else [response.stop or ""]
        tokens = self._llm.tokenize(
            response.prompt.encode("utf-8"), add_bos=not response.added_special, special=True
        )
        return tokens, [s for s in stops if s], response.stopping_criteria


def lean_save_state(llm: Any) -> Any:
    """`Llama.save_state` without its copy of the logits buffer (up to 512 rows of the whole
    vocabulary, about 300 MB here), which the RAM cache does not count against its capacity.
    Restoring a state makes llama.cpp decode again before sampling, so the copy is never read."""
    import ctypes

    import llama_cpp
    import numpy as np

    size = int(llama_cpp.llama_state_get_size(llm._ctx.ctx))
    buffer = (ctypes.c_uint8 * size)()
    n_bytes = int(llama_cpp.llama_state_get_data(llm._ctx.ctx, buffer, size))
    if n_bytes > size:
        raise RuntimeError("failed to copy the llama state")
    return llama_cpp.LlamaState(
        scores=np.zeros((1, llm._n_vocab), dtype=np.single),
        input_ids=llm.input_ids.copy(),
        n_tokens=llm.n_tokens,
        llama_state=ctypes.string_at(buffer, n_bytes),
        llama_state_size=n_bytes,
        seed=llm._seed,
    )


def lean_load_state(llm: Any, state: Any) -> None:
    """`Llama.load_state` without writing the logits buffer: that write touches every row of it
    (about 300 MB of memory that is otherwise never used), and llama.cpp decodes again after a
    restore before it samples, so the rows would be overwritten anyway."""
    import ctypes

    import llama_cpp

    llm.input_ids = state.input_ids.copy()
    llm.n_tokens = state.n_tokens
    llm._requires_eval = True
    llm._seed = state.seed
    data = (ctypes.c_uint8 * state.llama_state_size).from_buffer_copy(state.llama_state)
    if llama_cpp.llama_state_set_data(llm._ctx.ctx, data, state.llama_state_size) != (
        state.llama_state_size
    ):
        raise RuntimeError("failed to restore the llama state")


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class LlamaBackend:
    """A GGUF model loaded with llama-cpp-python.

    Consecutive calls whose prompts share a prefix reuse it: llama.cpp keeps the previous
    prompt's tokens evaluated, so a turn costs only its new tokens when the history is unchanged.
    `last_prompt_tokens` and `last_evaluated_tokens` say what the latest call cost.
    """

    name = "llama.cpp"

    def __init__(
        self,
        model_path: Path,
        *,
        context_size: int = 4096,
        threads: int = 0,
        state_cache_mb: int = 256,
    ) -> None:
        self._llm = load_llama(model_path, context_size, threads)
        if state_cache_mb > 0:
            # Keeps the evaluated state of recent conversations, so participants taking turns
            # on one model each resume from their own prefix instead of starting over.
            from llama_cpp import LlamaRAMCache

            self._llm.set_cache(LlamaRAMCache(capacity_bytes=state_cache_mb * 2**20))
            self._llm.save_state = types.MethodType(lean_save_state, self._llm)
            self._llm.load_state = types.MethodType(lean_load_state, self._llm)
        self._renderer = PromptRenderer(self._llm, model_path)
        self.model_path = model_path
        self.context_size = context_size
        self.last_prompt_tokens = 0
        self.last_evaluated_tokens = 0
        self.queue = FifoLock()

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
        tokens, template_stops, stopping = self._renderer.render(messages)
        processors = None
        if avoid:
            from llama_cpp import LogitsProcessorList

            table = banned_runs(avoid, self._tokenize)
            processors = LogitsProcessorList([NoRepeat(table)])
        with self.queue.hold():
            reused = common_prefix(list(self._llm.input_ids[: self._llm.n_tokens]), tokens)
            cache = self._llm.cache
            if cache is not None and len(cache.cache_state):
                key = cache._find_longest_prefix_key(tuple(tokens))
                if key is not None:
                    reused = max(reused, common_prefix(key, tokens))
            self.last_prompt_tokens = len(tokens)
            self.last_evaluated_tokens = len(tokens) - min(reused, len(tokens) - 1)
            chunks = self._llm.create_completion(
                prompt=tokens,
                stream=True,
                max_tokens=max_tokens,
                temperature=temperature,
                top_p=0.9,
                repeat_penalty=1.1,
                seed=seed,
                stop=[*template_stops, *stop],
                stopping_criteria=stopping,
                logits_processor=processors,
            )
            for chunk in chunks:
                piece = chunk["choices"][0]["text"]
                if piece:
                    yield piece

    def _tokenize(self, text: str) -> list[int]:
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def count_tokens(self, messages: list[Message]) -> int:
        return len(self._renderer.render(messages)[0])


class Options(BackendOptions):
    """`model` is --model (default: $SIMULATOR_MODEL, then the embedded model)."""

    model: str | None = None
    threads: int = Field(0, ge=0, description="CPU threads; 0 uses every core")
    state_cache_mb: int = Field(256, ge=0, description="RAM for resumable conversation states")


def make(options: Options, context_size: int) -> LlamaBackend:
    """The model is resolved (and assembled on first use) here."""
    path = resolve_model(options.model, progress=show_progress)
    sys.stderr.write(f"loading model {path.name} ...\n")
    return LlamaBackend(
        path,
        context_size=context_size,
        threads=options.threads,
        state_cache_mb=options.state_cache_mb,
    )
