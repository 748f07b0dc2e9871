"""Which browser is asking, known on the server only.

Each browser gets a random cookie from the server that page scripts cannot read (HttpOnly).
The server maps it to the browser's owner secret, the key to its saved conversations and its
identity across rounds; that secret never leaves the server, so nothing a page or another
visitor can read (the page's configuration, local storage) says who owns what. "Hide my
conversations" gives the cookie a new owner, on the server.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from simulator.conversation.transcript import now
from simulator.storage.store import Store

COOKIE = "simulator-browser"
COOKIE_VALUE = re.compile(r"[A-Za-z0-9_-]{20,64}")  # what token_urlsafe makes
YEAR_S = 365 * 24 * 3600
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]


def new_owner() -> str:
    """A fresh secret for a browser: whoever holds it may list and resume its conversations."""
    return secrets.token_urlsafe(18)


def cookie_in(header: str) -> str | None:
    """Our cookie's value in a Cookie header, if it is one we could have made. Split by hand
    (linear in the header's length, whatever other cookies it carries)."""
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE and COOKIE_VALUE.fullmatch(value):
            return value
    return None


class BrowserCookie:
    """ASGI middleware: a request without our cookie gets one, set on the response and also
    added to the request itself, so the very first request already knows its browser."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope["headers"] if k != b"cookie"]
        sent = b"; ".join(v for k, v in scope["headers"] if k == b"cookie")
        if cookie_in(sent.decode("latin-1")):
            await self.app(scope, receive, send)
            return
        value = secrets.token_urlsafe(24)
        joined = (sent + b"; " if sent else b"") + f"{COOKIE}={value}".encode()
        scope = {**scope, "headers": [*headers, (b"cookie", joined)]}
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        setting = (
            f"{COOKIE}={value}; Path=/; Max-Age={YEAR_S}; HttpOnly; SameSite=Lax{secure}"
        ).encode()

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"set-cookie", setting)],
                }
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def cookie_of(request: Any) -> str | None:
    """The browser cookie of a Gradio request (None when there is none, e.g. a script)."""
    cookies = getattr(request, "cookies", None) if request is not None else None
    try:
        value = dict(cookies or {}).get(COOKIE)
    except (TypeError, ValueError):
        return None
    return cookie_in(f"{COOKIE}={value}") if value else None


class Browsers:
    """Browser cookie -> owner secret, kept in the database (only a digest of the cookie)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def _key(cookie: str) -> str:
        return hashlib.sha256(cookie.encode()).hexdigest()

    def owner(self, cookie: str | None, create: bool = False) -> str | None:
        """The owner secret of this browser; None without a cookie, or for a browser that owns
        nothing yet unless `create` (only actions that make something create one, so a script
        sending cookie after cookie does not fill the table)."""
        if not cookie:
            return None
        key = self._key(cookie)
        rows = self.store.execute("SELECT owner FROM browsers WHERE key = ?", (key,))
        if rows:
            return str(rows[0][0])
        if not create:
            return None
        self.store.execute(
            "INSERT OR IGNORE INTO browsers VALUES (?, ?, ?)", (key, new_owner(), now())
        )
        return self.owner(cookie)

    def forget(self, cookie: str | None) -> None:
        """Give this browser a new owner: what it had is no longer listed in it."""
        if cookie:  # a browser that owns nothing has nothing to forget, and gets no row
            self.store.execute(
                "UPDATE browsers SET owner = ? WHERE key = ?", (new_owner(), self._key(cookie))
            )
