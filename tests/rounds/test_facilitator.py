"""The facilitator passcode gate: per-client limits that decay, and sessions that end."""

from __future__ import annotations

import pytest

from simulator.rounds.facilitator import (
    FORGIVE_S,
    FREE_FAILURES,
    GLOBAL_FAILURES_PER_MINUTE,
    IDLE_EXPIRY_S,
    MAX_BACKOFF_S,
    AccessDenied,
    FacilitatorGate,
)
from tests.rounds.test_service import Clock


def test_a_strangers_many_failures_do_not_block_the_facilitator_elsewhere() -> None:
    clock = Clock()
    gate = FacilitatorGate("correct horse", clock)
    for n in range(200):  # one stranger, then many strangers, guessing as fast as they can
        with pytest.raises(AccessDenied):
            gate.unlock("guess", "203.0.113.9" if n < 100 else f"198.51.100.{n}")
        clock.now += 0.05
    gate.check(gate.unlock("correct horse", "192.0.2.1"))  # the facilitator's own computer


def test_one_clients_failures_back_off_exponentially() -> None:
    clock = Clock()
    gate = FacilitatorGate("correct horse", clock)
    for _ in range(FREE_FAILURES):
        with pytest.raises(AccessDenied, match="wrong passcode"):
            gate.unlock("guess", "a")
    waits = []
    for _ in range(4):
        with pytest.raises(AccessDenied, match="wrong passcode"):
            gate.unlock("guess", "a")
        with pytest.raises(AccessDenied, match=r"try again in (\d+) s") as refused:
            gate.unlock("correct horse", "a")  # even the right passcode waits
        waits.append(int(str(refused.value).rsplit(" in ", 1)[1].split()[0]))
        clock.now += waits[-1]
    assert waits == [3, 5, 9, 17]  # 2, 4, 8, 16 s, rounded up
    assert gate.unlock("correct horse", "a")  # after waiting, the right passcode works


def test_failures_decay_over_time() -> None:
    clock = Clock()
    gate = FacilitatorGate("pw", clock)
    for _ in range(FREE_FAILURES):
        with pytest.raises(AccessDenied, match="wrong passcode"):
            gate.unlock("guess", "a")
    clock.now += FORGIVE_S * FREE_FAILURES  # quiet for a while: all forgiven
    for _ in range(FREE_FAILURES):  # so the free tries are back, with no wait
        with pytest.raises(AccessDenied, match="wrong passcode"):
            gate.unlock("guess", "a")
    clock.now += FORGIVE_S  # one forgiven: one more free try, then waits again
    for _ in range(2):
        with pytest.raises(AccessDenied, match="wrong passcode"):
            gate.unlock("guess", "a")
    with pytest.raises(AccessDenied, match="try again"):
        gate.unlock("pw", "a")


def test_global_ceiling_holds_back_clients_that_failed_but_not_a_clean_one() -> None:
    clock = Clock()
    gate = FacilitatorGate("pw", clock)
    for n in range(GLOBAL_FAILURES_PER_MINUTE):
        with pytest.raises(AccessDenied, match="wrong passcode"):
            gate.unlock("guess", f"10.0.0.{n}")
    with pytest.raises(AccessDenied, match="on this server"):
        gate.unlock("pw", "10.0.0.1")  # failed a moment ago: held back even with the passcode
    assert gate.unlock("pw", "192.0.2.1")  # never failed: gets through
    clock.now += 61
    assert gate.unlock("pw", "10.0.0.2")


def test_sessions_expire_when_idle_and_lock_drops_them() -> None:
    clock = Clock()
    gate = FacilitatorGate("pw", clock)
    token = gate.unlock("pw")
    clock.now += IDLE_EXPIRY_S - 60
    gate.check(token)  # used within the limit: stays alive, and the idle time starts again
    clock.now += IDLE_EXPIRY_S - 60
    gate.check(token)
    clock.now += IDLE_EXPIRY_S + 1
    with pytest.raises(AccessDenied, match="expired"):
        gate.check(token)
    with pytest.raises(AccessDenied, match="unlock them first"):
        gate.check(token)  # gone for good
    other = gate.unlock("pw")
    kept = gate.unlock("pw")
    gate.lock(other)
    with pytest.raises(AccessDenied, match="unlock them first"):
        gate.check(other)
    gate.check(kept)  # another session is not affected


def test_waiting_out_the_longest_wait_does_not_wipe_the_slate() -> None:
    clock = Clock()
    gate = FacilitatorGate("pw", clock)
    waits = []
    for _ in range(40):  # guess; when told to wait, wait exactly that long and guess again
        try:
            gate.unlock("guess", "a")
        except AccessDenied as refused:
            if "try again" in str(refused):
                waits.append(int(str(refused).rsplit(" in ", 1)[1].split()[0]))
                clock.now += waits[-1]
    assert waits[:3] == [3, 5, 9]
    assert waits[-5:] == [int(MAX_BACKOFF_S) + 1] * 5  # one guess per 15 minutes, for good
