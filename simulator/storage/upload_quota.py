"""A per-client bound on uploads.

Gradio's upload route needs no passcode and takes any file up to the size limit; its cache is
cleaned only of files older than an hour. So one client could still upload thousands of files
in that hour. This middleware counts what each client address sent to the upload route in the
last hour and refuses more (HTTP 429) once it reaches the quota. A reverse proxy in front of the
app makes every client one address: then the quota is shared, which errs on the safe side.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

WINDOW_S = 3600.0
MAX_UPLOADS = 30  # a facilitator imports a few character cards; 30 an hour is plenty
MAX_BYTES = 10_000_000  # and never more than 10 MB an hour from one address

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Any]


class UploadQuota:
    """Uploads per client address in a sliding window: `allow` says whether one more fits."""

    def __init__(
        self,
        max_uploads: int = MAX_UPLOADS,
        max_bytes: int = MAX_BYTES,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_uploads = max_uploads
        self.max_bytes = max_bytes
        self.window_s = window_s
        self.clock = clock
        self._sent: dict[str, deque[tuple[float, int]]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str, size: int) -> bool:
        """Record an upload of `size` bytes from `client` if it fits the quota; False if not."""
        now = self.clock()
        with self._lock:
            for key in [k for k, v in self._sent.items() if v and v[-1][0] < now - self.window_s]:
                del self._sent[key]  # forget clients quiet for a whole window
            sent = self._sent.setdefault(client, deque())
            while sent and sent[0][0] < now - self.window_s:
                sent.popleft()
            if len(sent) >= self.max_uploads or sum(s for _, s in sent) + size > self.max_bytes:
                return False
            sent.append((now, size))
            return True


class UploadQuotaMiddleware:
    """ASGI middleware that applies an UploadQuota to Gradio's upload route."""

    def __init__(self, app: ASGIApp, quota: UploadQuota | None = None) -> None:
        self.app = app
        self.quota = quota or UploadQuota()

    async def __call__(
        self, scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Any]
    ) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/").endswith("/upload"):
            headers = dict(scope.get("headers") or [])
            client = (scope.get("client") or ("unknown", 0))[0]
            try:
                size = int(headers.get(b"content-length", b""))
            except ValueError:
                await _refuse(send, 411, "uploads must say their length")
                return
            if not self.quota.allow(client, size):
                await _refuse(send, 429, "too many uploads from this address; try again later")
                return
        await self.app(scope, receive, send)


async def _refuse(send: Callable[[Any], Any], status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode("ascii")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
