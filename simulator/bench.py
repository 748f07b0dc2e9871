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
from simulator.transcript import TranscriptTurn

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


PERSONA_LINES = (
    "Honestly, it's been a strange couple of weeks.",
    "I agreed to the date on the spot, and I've regretted it since.",
    "I had the data and I never put it on the screen.",
    "I suppose I didn't want to be seen as difficult.",
    "Maybe I could ask for thirty minutes to compare both options properly.",
)
TELLING_LINES = (
    "You should have pushed back in that meeting.",
    "Don't you think the data would have changed their mind?",
    "Frankly, that was a mistake. Make sure it doesn't happen again.",
    "Your goal is to get autocomplete back on the roadmap by Friday.",
)


def bench_transcript(turns: int) -> list[TranscriptTurn]:
    """A transcript with `turns` manager turns mixing coaching and telling."""
    lines = list(MANAGER_LINES) + list(TELLING_LINES)
    out = [TranscriptTurn(speaker="persona", text="Thanks for making time today.")]
    for n in range(turns):
        out.append(TranscriptTurn(speaker="manager", text=lines[n % len(lines)]))
        out.append(TranscriptTurn(speaker="persona", text=PERSONA_LINES[n % len(PERSONA_LINES)]))
    return out


def run_bench_eval(settings: Settings, *, turns: int, use_model: bool) -> int:
    """Print how long coding and scoring take, and how long the full report takes."""
    from simulator.evaluate import Evaluator
    from simulator.rubric import load_rubric
    from simulator.scoring import code_transcript, score

    transcript = bench_transcript(turns)
    rubric = load_rubric()
    persona = make_library(settings).get("roadmap-gave-in")
    runs = 20
    started = time.perf_counter()
    for _ in range(runs):
        score(transcript, rubric, code_transcript(transcript))
    per_run = (time.perf_counter() - started) / runs
    manager_turns = sum(1 for t in transcript if t.speaker == "manager")
    print(f"transcript: {manager_turns} manager turns, {len(transcript)} turns in all")
    print(
        f"coding + scoring: {per_run * 1000:.1f} ms per transcript "
        f"({per_run * 1000 / manager_turns:.2f} ms per manager turn; mean of {runs} runs)"
    )
    coded_report = Evaluator(rubric).evaluate(transcript, persona)
    print(f"full report, coded prose: {coded_report.seconds:.3f} s")
    if use_model:
        started = time.perf_counter()
        backend = make_backend(settings)
        print(f"model load: {time.perf_counter() - started:.1f} s")
        report = Evaluator(rubric, backend).evaluate(transcript, persona)
        model_points = sum(p.source == "model" for c in report.competencies for p in c.feedback)
        model_rewrites = sum(r.source == "model" for r in report.try_instead)
        print(
            f"full report, model prose: {report.seconds:.1f} s (prose: {report.prose}; "
            f"{model_points} feedback points and {model_rewrites} rewrites written by the "
            "model and kept after checking)"
        )
    return 0


def run_bench(settings: Settings, *, turns: int, persona_id: str, as_json: bool) -> int:
    """Play `turns` scripted manager lines and print time to first token and generation rate."""
    persona = make_library(settings).get(persona_id)
    started = time.perf_counter()
    backend = make_backend(settings)
    load_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        practice = Practice(backend, Store(Path(tmp) / "bench.db"))
        conversation = practice.start(persona, "medium")
        warm_started = time.perf_counter()
        practice.warm(conversation)  # the app does this while the manager reads the brief
        warm_s = time.perf_counter() - warm_started
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
                    "total_s": stats.get("total_s"),
                    "attempts": stats.get("attempt"),
                }
            )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "model": getattr(backend, "model_path", backend.name).__str__(),
        "load_s": round(load_s, 2),
        "warm_s": round(warm_s, 2),
        "peak_rss_mb": round(peak_mb),
        "turns": rows,
    }
    if as_json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"model: {result['model']}\nload: {result['load_s']} s   warm-up while the brief is read: "
        f"{result['warm_s']} s   peak RSS: {peak_mb:.0f} MB"
    )
    print(
        f"{'turn':>4} {'prompt tok':>10} {'reply tok':>9} {'TTFT s':>7} {'tok/s':>6} "
        f"{'reply s':>7} {'tries':>5}"
    )
    for row in rows:
        print(
            f"{row['turn']:>4} {row['prompt_tokens']:>10} {row['reply_tokens']:>9} "
            f"{row['ttft_s']:>7} {row['gen_tok_s']!s:>6} {row['total_s']!s:>7} "
            f"{row['attempts']:>5}"
        )
    return 0
