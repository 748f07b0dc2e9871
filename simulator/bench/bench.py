"""`simulator bench`: time a scripted coaching session on the configured model."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from simulator.backends.base import Message
from simulator.backends.llama import LlamaBackend
from simulator.conversation.practice import REPLY_TOKENS, STOP, Practice
from simulator.conversation.transcript import TranscriptTurn
from simulator.errors import SimulatorError
from simulator.runtime import Settings, make_backend, make_library
from simulator.storage.store import Store

MANAGER_LINES = (  # twenty distinct coaching lines
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
    "How will you know it has worked?",
    "What would you want to say to the VP, in your own words?",
    "Who else could help you think this through?",
    "What's the part of this you feel surest about?",
    "It sounds like you're clearer now than when we started.",
    "By when would you like to have that conversation?",
    "What might you do if the answer is no?",
    "What will you take away from today?",
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


def coder_timing(runs: int = 3) -> str:
    """Time per manager turn of the learned coder and of the rules alone, over the dev split's
    turns (each with the persona turn before it): wall-clock, and this process's CPU time,
    which other work on a shared machine does not inflate."""
    from simulator.coding.labelled import read_corpus, split_path
    from simulator.coding.rules import code_turn, code_turn_rules

    turns = [(t.text, t.context or None) for t in read_corpus(split_path("dev"))]
    lines = []
    for name, coder in (("learned", code_turn), ("rules only", code_turn_rules)):
        coder(*turns[0])  # loads the weights once, as the app does at its first turn
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(runs):
            for text, previous in turns:
                coder(text, previous)
        per_turn = 1000 / (runs * len(turns))
        lines.append(
            f"coder, {name}: {(time.process_time() - cpu) * per_turn:.3f} ms CPU per turn "
            f"({(time.perf_counter() - wall) * per_turn:.3f} ms wall)"
        )
    return "\n".join(lines) + (
        f"\n  (mean over {len(turns)} dev turns x {runs}; target: under 1 ms per turn)"
    )


def run_bench_eval(settings: Settings, *, turns: int, use_model: bool) -> int:
    """Print how long coding and scoring take, and how long the full report takes."""
    from simulator.scoring.evaluate import Evaluator
    from simulator.scoring.interpreter import code_transcript, score
    from simulator.scoring.rubric import load_rubric

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
    print(coder_timing())
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


class Baseline:
    """Bare llama-cpp-python in its own process, with a fresh context for every prompt."""

    def __init__(self, model: Path, context_size: int) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "simulator.bench.baseline", str(model), str(context_size)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        ready = self._read()
        if not ready.get("ready"):
            raise SimulatorError("the baseline process did not start")

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise SimulatorError("the baseline process stopped unexpectedly")
        result: dict[str, Any] = json.loads(line)
        return result

    def run(self, messages: list[Message], seed: int) -> dict[str, Any]:
        assert self._process.stdin is not None
        request = {
            "messages": messages,
            "max_tokens": REPLY_TOKENS,
            "temperature": 0.7,
            "seed": seed,
            "stop": STOP,
        }
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait(timeout=30)


def rate(tokens: int, seconds: float) -> float | None:
    return round((tokens - 1) / seconds, 1) if seconds > 0 and tokens > 1 else None


def run_bench(settings: Settings, *, turns: int, persona_id: str, as_json: bool) -> int:
    """Play `turns` scripted manager lines on the app and the same prompts on bare llama.cpp."""
    persona = make_library(settings).get(persona_id)
    started = time.perf_counter()
    backend = make_backend(settings)
    load_s = time.perf_counter() - started
    if not isinstance(backend, LlamaBackend):
        raise SimulatorError(
            "simulator bench compares the in-process model with bare "
            "llama-cpp-python; use the default backend"
        )
    baseline = Baseline(backend.model_path, backend.context_size)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            practice = Practice(backend, Store(Path(tmp) / "bench.db"))
            conversation = practice.start(persona, "medium")
            warm_started = time.perf_counter()
            practice.warm(conversation)  # the app does this while the manager reads the brief
            warm_s = time.perf_counter() - warm_started
            for number in range(1, turns + 1):
                line = MANAGER_LINES[(number - 1) % len(MANAGER_LINES)]
                final = None
                for reply in practice.say(conversation, line):
                    final = reply
                assert final is not None
                stats = final.stats
                bare = baseline.run(practice.last_prompt, seed=practice.seed + number)
                rows.append(
                    {
                        "turn": number,
                        "prompt_tokens": backend.last_prompt_tokens,
                        "evaluated_tokens": backend.last_evaluated_tokens,
                        "ttft_s": stats.get("ttft_s"),
                        "gen_tok_s": rate(int(str(stats["tokens"])), float(str(stats["gen_s"]))),
                        "baseline_ttft_s": round(bare["ttft_s"], 4),
                        "baseline_gen_tok_s": rate(bare["tokens"], bare["gen_s"]),
                        "attempts": stats.get("attempt"),
                    }
                )
    finally:
        baseline.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "model": str(backend.model_path),
        "load_s": round(load_s, 2),
        "warm_s": round(warm_s, 2),
        "peak_rss_mb": round(peak_mb),
        "turns": rows,
    }
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


def print_table(result: dict[str, Any]) -> None:
    rows = result["turns"]
    print(f"model: {result['model']}")
    print(
        f"load: {result['load_s']} s   warm-up while the brief is read: {result['warm_s']} s   "
        f"app peak RSS: {result['peak_rss_mb']} MB"
    )
    print(
        f"{'turn':>4} {'prompt':>6} {'evald':>5} {'TTFT s':>7} {'bare s':>7} {'ratio':>6} "
        f"{'tok/s':>6} {'bare':>6} {'ratio':>6} {'tries':>5}"
    )
    for row in rows:
        ttft_ratio = row["ttft_s"] / row["baseline_ttft_s"] if row["baseline_ttft_s"] else 0
        gen_ratio = (row["gen_tok_s"] or 0) / (row["baseline_gen_tok_s"] or 1)
        print(
            f"{row['turn']:>4} {row['prompt_tokens']:>6} {row['evaluated_tokens']:>5} "
            f"{row['ttft_s']:>7.3f} {row['baseline_ttft_s']:>7.3f} {ttft_ratio:>6.2f} "
            f"{row['gen_tok_s']!s:>6} {row['baseline_gen_tok_s']!s:>6} {gen_ratio:>6.2f} "
            f"{row['attempts']:>5}"
        )
    last, second = rows[-1], rows[1] if len(rows) > 1 else rows[0]
    app_rates = [r["gen_tok_s"] for r in rows if r["gen_tok_s"]]
    bare_rates = [r["baseline_gen_tok_s"] for r in rows if r["baseline_gen_tok_s"]]
    share = (sum(app_rates) / len(app_rates)) / (sum(bare_rates) / len(bare_rates))
    print(
        f"targets: TTFT at turn {last['turn']} = {last['ttft_s']:.2f} s (at most 1.0); "
        f"turn {last['turn']} / turn {second['turn']} = {last['ttft_s'] / second['ttft_s']:.2f}"
        f" (at most 1.5); generation rate = {share:.0%} of bare llama-cpp-python (at least "
        f"95%); app peak RSS = {result['peak_rss_mb']} MB (at most 2500)"
    )
