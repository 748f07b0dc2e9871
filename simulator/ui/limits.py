"""How often one client (an address) may do something costly, such as joining a round or
starting a conversation: a sliding window per client, so one script cannot flood a round or
the database while everyone else carries on."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from simulator.errors import InputError

WINDOW_S = 60.0
JOINS_PER_MINUTE = 12  # generous: a classroom behind one address still joins in a few minutes
STARTS_PER_MINUTE = 12


class RateLimit:
    def __init__(
        self, per_minute: int, what: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self.what = what
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> None:
        """Count one more for `client`; InputError (saying how long to wait) when it has had
        its share of the last minute. No client (a caller in this process, not a browser) is
        not limited."""
        if not client:
            return
        with self._lock:
            at = self._clock()
            times = self._seen.setdefault(client, deque())
            while times and times[0] <= at - WINDOW_S:
                times.popleft()
            if len(times) >= self.per_minute:
                wait = int(times[0] + WINDOW_S - at) + 1
                raise InputError(f"too many {self.what} from this computer; wait {wait} s")
            times.append(at)
            if len(self._seen) > 10_000:  # forget clients that have been quiet for a minute
                for key in [k for k, v in self._seen.items() if not v or v[-1] <= at - WINDOW_S]:
                    del self._seen[key]
