"""`simulator bench`: time a scripted coaching session on the configured model."""

from __future__ import annotations

import json
import resource
import tempfile
import time
from pathlib import Path

from simulator.practice import Practice
from simulator.runtime import Settings, make_backend, make_library
from simulator.store import Store

MANAGER_LINES = (
    "Happy to. Before we get into it, how are you feeling about how things went?",
    "It sounds like that left you with mixed feelings.",
    "What was going through your mind at that moment?",
    "So part of you wanted to make the case, and part of you didn't want a fight.",
    "What would you have said if it had felt safe to say it?",
    "How has the team taken it?",
    "That sounds like it has been weighing on you.",
    "What options do you see from here?",
    "What would a good outcome look like for you?",
    "What's the first step you'd want to take?",
    "What might get in the way of that?",
    "What do you need from me to move this forward?",
)


def run_bench(settings: Settings, *, turns: int, persona_id: str, as_json: bool) -> int:
    """Play `turns` scripted manager lines and print time to first token and generation rate."""
    persona = make_library(settings).get(persona_id)
    started = time.perf_counter()
    backend = make_backend(settings)
    load_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        practice = Practice(backend, Store(Path(tmp) / "bench.db"))
        conversation = practice.start(persona, "medium")
        rows = []
        for number in range(1, turns + 1):
            line = MANAGER_LINES[(number - 1) % len(MANAGER_LINES)]
            prompt_tokens = backend.count_tokens(practice.messages(conversation))
            final = None
            for reply in practice.say(conversation, line):
                final = reply
            assert final is not None
            stats = final.stats
            tokens = int(str(stats.get("tokens", 0)))
            gen_s = float(str(stats.get("gen_s", 0.0)))
            rows.append(
                {
                    "turn": number,
                    "prompt_tokens": prompt_tokens,
                    "reply_tokens": tokens,
                    "ttft_s": stats.get("ttft_s"),
                    "gen_tok_s": round((tokens - 1) / gen_s, 1)
                    if gen_s > 0 and tokens > 1
                    else None,
                    "attempts": stats.get("attempt"),
                }
            )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "model": getattr(backend, "model_path", backend.name).__str__(),
        "load_s": round(load_s, 2),
        "peak_rss_mb": round(peak_mb),
        "turns": rows,
    }
    if as_json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"model: {result['model']}\nload: {result['load_s']} s   peak RSS: {peak_mb:.0f} MB")
    print(
        f"{'turn':>4} {'prompt tok':>10} {'reply tok':>9} {'TTFT s':>7} {'tok/s':>6} {'tries':>5}"
    )
    for row in rows:
        print(
            f"{row['turn']:>4} {row['prompt_tokens']:>10} {row['reply_tokens']:>9} "
            f"{row['ttft_s']:>7} {row['gen_tok_s']!s:>6} {row['attempts']:>5}"
        )
    return 0
