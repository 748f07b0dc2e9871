"""Facilitator access: a passcode set when the app starts, checked in constant time.

Unlocking hands the browser session a random token kept on the server; every facilitator
action checks it, so nothing behind the passcode is reachable through the app's API without it.
Tokens expire after hours of disuse and can be dropped ("Lock").

Wrong passcodes are limited per client (its address), not for everyone: a stranger's guesses
slow only the stranger down, so they cannot lock the real facilitator out from another
computer. Each client gets a few free tries, then waits twice as long after every further
failure (up to 15 minutes); failures are forgiven one per quiet minute after the wait. A ceiling
on wrong guesses per minute across all clients holds back guessing from many addresses, but
never a client with no recent failures.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from simulator.errors import SimulatorError

FREE_FAILURES = 3  # wrong passcodes a client may type before it has to wait
BACKOFF_S = 2.0  # the first wait; it doubles with every further failure
MAX_BACKOFF_S = 15 * 60.0
FORGIVE_S = 60.0  # one failure is forgotten per minute without another
GLOBAL_FAILURES_PER_MINUTE = 30
IDLE_EXPIRY_S = 8 * 3600.0  # an unlocked session unused this long has to unlock again


class AccessDenied(SimulatorError):
    """The facilitator passcode is missing, wrong, or locked out."""


@dataclass
class Failures:
    count: int
    last: float
    blocked_until: float


class FacilitatorGate:
    def __init__(self, passcode: str | None, clock: Callable[[], float] = time.monotonic) -> None:
        self._passcode = passcode or ""
        self._tokens: dict[str, float] = {}  # token -> when it was last used
        self._failures: dict[str, Failures] = {}  # by client address
        self._recent: deque[float] = deque()  # times of wrong passcodes from anyone
        self._clock = clock
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self._passcode)

    def _recent_failures(self, client: str, at: float) -> Failures | None:
        """The client's failures, less those forgiven since; None when all are."""
        record = self._failures.get(client)
        if record is None:
            return None
        # forgiving starts when the wait is over, so a long wait does not wipe the slate
        quiet_since = max(record.last, record.blocked_until)
        forgiven = int(max(0.0, at - quiet_since) // FORGIVE_S)
        if forgiven >= record.count:
            del self._failures[client]
            return None
        if forgiven:
            record.count -= forgiven
            record.last = quiet_since + forgiven * FORGIVE_S
            record.blocked_until = min(record.blocked_until, record.last)
        return record

    def unlock(self, attempt: str, client: str = "") -> str:
        """A session token for a correct passcode; AccessDenied otherwise. `client` is who is
        asking (the browser's address): failures slow down that client only."""
        with self._lock:
            if not self.enabled:
                raise AccessDenied("facilitator pages are off: start the app with a passcode")
            at = self._clock()
            record = self._recent_failures(client, at)
            if record is not None and at < record.blocked_until:
                wait = int(record.blocked_until - at) + 1
                raise AccessDenied(f"too many wrong passcodes; try again in {wait} s")
            while self._recent and self._recent[0] <= at - 60.0:
                self._recent.popleft()
            if record is not None and len(self._recent) >= GLOBAL_FAILURES_PER_MINUTE:
                # many guesses from many places: clients that guessed wrong wait; a client
                # with a clean record (the facilitator, most likely) still gets through
                raise AccessDenied("too many wrong passcodes on this server; try again in 60 s")
            if not hmac.compare_digest(attempt.encode("utf-8"), self._passcode.encode("utf-8")):
                self._fail(client, record, at)
                raise AccessDenied("wrong passcode")
            self._failures.pop(client, None)
            token = secrets.token_urlsafe(24)
            self._tokens[token] = at
            return token

    def _fail(self, client: str, record: Failures | None, at: float) -> None:
        count = 1 if record is None else record.count + 1
        extra = count - FREE_FAILURES
        wait = min(BACKOFF_S * 2 ** (extra - 1), MAX_BACKOFF_S) if extra > 0 else 0.0
        self._failures[client] = Failures(count, at, at + wait)
        self._recent.append(at)
        if len(self._failures) > 10_000:  # forget clients that have waited out their failures
            for key in list(self._failures):
                self._recent_failures(key, at)

    def check(self, token: str | None) -> None:
        """Raise AccessDenied unless `token` came from a successful unlock and has been used in
        the last hours (each use keeps it alive)."""
        with self._lock:
            found = next(
                (t for t in list(self._tokens) if token and hmac.compare_digest(token, t)), None
            )
            if found is None:
                raise AccessDenied("facilitator pages need the passcode: unlock them first")
            at = self._clock()
            if at - self._tokens[found] > IDLE_EXPIRY_S:
                del self._tokens[found]
                raise AccessDenied(
                    "the facilitator session expired after 8 hours unused: unlock again"
                )
            self._tokens[found] = at

    def lock(self, token: str | None) -> None:
        """Drop the token: the session it was given to has to unlock again."""
        with self._lock:
            for t in list(self._tokens):
                if token and hmac.compare_digest(token, t):
                    del self._tokens[t]
