"""Print the capacity table: participants against time to first token, in-process and served."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from simulator.backends.llama import LlamaBackend
from simulator.backends.model_server import llama_server
from simulator.backends.openai import OpenAIBackend
from simulator.bench.capacity import report_row, run_round
from simulator.errors import SimulatorError
from simulator.runtime import Settings, make_backend, make_library

TURNS = 3


def run_capacity(
    settings: Settings, *, ks: list[int], think_s: float, with_server: bool, as_json: bool
) -> int:
    library = make_library(settings)
    backend = make_backend(settings)
    if not isinstance(backend, LlamaBackend):
        raise SimulatorError("--concurrent measures the in-process model; use the default backend")
    rows = [report_row("in-process", k, run_round(backend, library, k, TURNS, think_s)) for k in ks]
    if with_server:
        with (
            tempfile.TemporaryDirectory() as tmp,
            llama_server(
                backend.model_path, Path(tmp) / "server.log", backend.context_size
            ) as base_url,
        ):
            served = OpenAIBackend(base_url, context_size=backend.context_size)
            rows += [
                report_row("llama_cpp.server", k, run_round(served, library, k, TURNS, think_s))
                for k in ks
            ]
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{TURNS} replies per participant, {think_s:g} s thinking between messages")
    print(f"{'backend':18} {'participants':>12} {'replies':>7} {'TTFT p50':>9} {'TTFT p95':>9}")
    for row in rows:
        print(
            f"{row['backend']!s:18} {row['participants']!s:>12} {row['replies']!s:>7} "
            f"{row['ttft_p50_s']!s:>8}s {row['ttft_p95_s']!s:>8}s"
        )
    return 0
