from __future__ import annotations

import threading
import time

from simulator.backends.fifo import FifoLock


def test_callers_are_served_in_order_of_arrival() -> None:
    lock = FifoLock()
    order: list[int] = []
    started = threading.Event()

    def first() -> None:
        with lock.hold():
            started.set()
            time.sleep(0.2)
            order.append(0)

    def later(n: int) -> None:
        with lock.hold():
            order.append(n)

    threads = [threading.Thread(target=first)]
    threads[0].start()
    started.wait()
    for n in range(1, 6):
        thread = threading.Thread(target=later, args=(n,))
        thread.start()
        threads.append(thread)
        while lock.waiting() < n:  # each arrives before the next
            time.sleep(0.005)
    assert lock.waiting() == 5 and lock.busy()
    for thread in threads:
        thread.join()
    assert order == [0, 1, 2, 3, 4, 5]
    assert not lock.busy() and lock.waiting() == 0
