"""Bare llama-cpp-python with a fresh context for every prompt: the benchmark's yardstick.

Run as a separate process (`python -m simulator.bench.baseline MODEL CONTEXT`) so that the app's own
memory is measured alone. It reads one JSON request per line on stdin and answers one per line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from simulator.backends.llama import PromptRenderer, load_llama


def main() -> None:
    model, context = Path(sys.argv[1]), int(sys.argv[2])
    llm = load_llama(model, context)
    renderer = PromptRenderer(llm, model)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        tokens, stops, stopping = renderer.render(request["messages"])
        llm.reset()  # no reuse: every prompt is evaluated from scratch
        started = time.perf_counter()
        first = last = started
        count = 0
        for _chunk in llm.create_completion(
            prompt=tokens,
            stream=True,
            max_tokens=request["max_tokens"],
            temperature=request["temperature"],
            top_p=0.9,
            repeat_penalty=1.1,
            seed=request["seed"],
            stop=[*stops, *request["stop"]],
            stopping_criteria=stopping,
        ):
            last = time.perf_counter()
            if count == 0:
                first = last
            count += 1
        result = {
            "prompt_tokens": len(tokens),
            "ttft_s": first - started,
            "tokens": count,
            "gen_s": last - first,
        }
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
