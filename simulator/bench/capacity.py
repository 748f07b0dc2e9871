"""`simulator bench --concurrent K ...`: many scripted participants on one machine at once."""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path

from simulator.backends.base import ChatBackend
from simulator.bench.bench import MANAGER_LINES
from simulator.conversation.practice import Practice
from simulator.errors import SimulatorError
from simulator.personas.library import PersonaLibrary
from simulator.storage.store import Store


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def run_round(
    backend: ChatBackend, library: PersonaLibrary, participants: int, turns: int, think_s: float
) -> list[float]:
    """Every participant starts at once and plays `turns` lines with `think_s` between them;
    returns each reply's time to first token, waiting for the model included."""
    ttfts: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    personas = library.all()
    with tempfile.TemporaryDirectory() as tmp:
        # warm each persona's prompt at start, as the app does while the brief is read
        practice = Practice(backend, Store(Path(tmp) / "capacity.db"), prime=True)

        def participant(number: int) -> None:
            try:
                conversation = practice.start(personas[number % len(personas)], "medium")
                for turn in range(turns):
                    time.sleep(think_s if turn else think_s * number / max(1, participants))
                    line = MANAGER_LINES[(number + turn) % len(MANAGER_LINES)]
                    final = None
                    for reply in practice.say(conversation, line):
                        final = reply
                    assert final is not None
                    with lock:
                        ttfts.append(float(str(final.stats["ttft_s"])))
            except SimulatorError as exc:
                errors.append(str(exc))

        threads = [threading.Thread(target=participant, args=(n,)) for n in range(participants)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if errors:
        raise SimulatorError(f"{len(errors)} participants failed: {errors[0]}")
    return ttfts


def report_row(label: str, participants: int, ttfts: list[float]) -> dict[str, object]:
    return {
        "backend": label,
        "participants": participants,
        "replies": len(ttfts),
        "ttft_p50_s": round(statistics.median(ttfts), 2),
        "ttft_p95_s": round(percentile(ttfts, 0.95), 2),
    }
