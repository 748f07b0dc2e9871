from __future__ import annotations

from simulator.backends.scripted import ScriptedBackend
from simulator.bench.capacity import percentile, report_row, run_round


def test_concurrent_participants_all_finish(library) -> None:
    backend = ScriptedBackend(default=lambda m: f"Reply {len(m)}, thinking it over.", delay=0.001)
    ttfts = run_round(backend, library, participants=4, turns=2, think_s=0.01)
    assert len(ttfts) == 8 and all(t >= 0 for t in ttfts)
    row = report_row("scripted", 4, ttfts)
    assert row["replies"] == 8 and row["ttft_p95_s"] >= row["ttft_p50_s"]


def test_percentile() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.5) in (50.0, 51.0)
    assert percentile(values, 0.95) == 95.0
    assert percentile([3.0], 0.95) == 3.0
