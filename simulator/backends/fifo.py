"""A lock that hands the model out in order of arrival and can say how many are waiting."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


class FifoLock:
    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._busy = False

    def waiting(self) -> int:
        """How many callers are queued behind the one being served."""
        with self._mutex:
            return len(self._waiting)

    def busy(self) -> bool:
        with self._mutex:
            return self._busy

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._mutex:
            if not self._busy:
                self._busy = True
                ticket = None
            else:
                ticket = threading.Event()
                self._waiting.append(ticket)
        if ticket is not None:
            ticket.wait()
        try:
            yield
        finally:
            with self._mutex:
                if self._waiting:
                    self._waiting.popleft().set()  # hand over directly: stays busy
                else:
                    self._busy = False
