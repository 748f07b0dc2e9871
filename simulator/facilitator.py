"""Facilitator access: a passcode set when the app starts, checked in constant time.

Unlocking hands the browser session a random token kept on the server; every facilitator
action checks it, so nothing behind the passcode is reachable through the app's API without it.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time

from simulator.errors import SimulatorError

MAX_FAILURES = 5
LOCKOUT_S = 60.0


class AccessDenied(SimulatorError):
    """The facilitator passcode is missing, wrong, or locked out."""


class FacilitatorGate:
    def __init__(self, passcode: str | None) -> None:
        self._passcode = passcode or ""
        self._tokens: set[str] = set()
        self._failures = 0
        self._locked_until = 0.0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self._passcode)

    def unlock(self, attempt: str) -> str:
        """A session token for a correct passcode; AccessDenied otherwise."""
        with self._lock:
            if not self.enabled:
                raise AccessDenied("facilitator pages are off: start the app with a passcode")
            now = time.monotonic()
            if now < self._locked_until:
                wait = int(self._locked_until - now) + 1
                raise AccessDenied(f"too many wrong passcodes; try again in {wait} s")
            if not hmac.compare_digest(attempt.encode("utf-8"), self._passcode.encode("utf-8")):
                self._failures += 1
                if self._failures >= MAX_FAILURES:
                    self._failures = 0
                    self._locked_until = now + LOCKOUT_S
                raise AccessDenied("wrong passcode")
            self._failures = 0
            token = secrets.token_urlsafe(24)
            self._tokens.add(token)
            return token

    def check(self, token: str | None) -> None:
        """Raise AccessDenied unless `token` came from a successful unlock."""
        if not token or not any(hmac.compare_digest(token, t) for t in list(self._tokens)):
            raise AccessDenied("facilitator pages need the passcode: unlock them first")
