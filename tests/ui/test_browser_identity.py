"""Who owns what is known on the server only: the browser holds an HttpOnly cookie, and
nothing the page's configuration or a script can read carries an owner secret."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.middleware import Middleware

from simulator.backends.scripted import ScriptedBackend
from simulator.conversation.practice import Practice
from simulator.rounds.facilitator import FacilitatorGate
from simulator.rounds.service import RoundService
from simulator.storage.store import Store
from simulator.ui.app import build_app
from simulator.ui.browsers import COOKIE, BrowserCookie, Browsers, cookie_in
from simulator.ui.practice_handlers import PracticeHandlers
from simulator.ui.studio_handlers import StudioHandlers
from tests.ui.test_browser import free_port


@pytest.fixture
def running(tmp_path, library) -> Iterator[tuple[str, Store]]:  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "simulator.db")
    handlers = PracticeHandlers(Practice(ScriptedBackend(), store), library)
    gate = FacilitatorGate("pass")
    app = build_app(
        handlers, StudioHandlers(gate, handlers, handlers), RoundService(handlers.practice, library)
    )
    port = free_port()
    app.queue().launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
        app_kwargs={"middleware": [Middleware(BrowserCookie)]},
    )
    try:
        yield f"http://127.0.0.1:{port}/", store
    finally:
        app.close()


def browser(url: str, cookie: str | None):  # type: ignore[no-untyped-def]
    from gradio_client import Client

    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    return Client(url, verbose=False, headers=headers)


def saved(client) -> list[str]:  # type: ignore[no-untyped-def]
    """The ids of the conversations this browser's page lists (the page-load event)."""
    update, _, _ = client.predict(api_name="/on_load_1")  # saved list, model status, rubrics
    return [value for _, value in update["choices"]]


def test_no_owner_secret_reaches_the_page_configuration(running) -> None:  # type: ignore[no-untyped-def]
    url, store = running
    a = browser(url, "a" * 30)
    a.predict("roadmap-gave-in", "medium", api_name="/on_start")
    [cid] = [str(row["id"]) for row in store.list()]
    response = httpx.get(url + "config")
    config = response.json()
    owners = [str(row[0]) for row in store.execute("SELECT owner FROM browsers")]
    assert owners and cid
    assert not [c for c in config["components"] if "secret" in c.get("props", {})]
    assert not any(owner in response.text for owner in owners)
    setting = response.headers["set-cookie"]  # a browser without a cookie is given one
    assert setting.startswith(f"{COOKIE}=") and "HttpOnly" in setting
    assert "localStorage" not in response.text or "coaching-simulator" not in response.text


def test_another_browser_cannot_list_or_resume_someone_elses_conversations(running) -> None:  # type: ignore[no-untyped-def]
    url, store = running
    a = browser(url, "a" * 30)
    a.predict("roadmap-gave-in", "medium", api_name="/on_start")
    [cid] = [str(row["id"]) for row in store.list()]
    opening = store.load(cid).turns[0].text
    assert saved(a) == [cid]
    assert saved(browser(url, "a" * 30)) == [cid]  # the same browser, a new page: still listed
    for other in (browser(url, "b" * 30), browser(url, None)):
        assert saved(other) == []
        try:  # Gradio itself may refuse an id its page never offered; either way, no text
            result = repr(other.predict(cid, api_name="/on_resume"))
        except Exception as exc:
            result = str(exc)
        assert "no saved conversation" in result or "not in the list of choices" in result
        assert opening not in result
    assert store.load(cid).owner not in ("", "a" * 30)  # the owner is not the cookie itself
    a.predict(api_name="/on_forget")  # "hide my conversations" on the server
    assert saved(a) == []


def test_the_cookie_parser_takes_only_our_own_tokens() -> None:
    assert cookie_in(f"x=1; {COOKIE}={'k' * 32}; y=2") == "k" * 32
    assert cookie_in(f"{COOKIE}=short") is None
    assert cookie_in(f'{COOKIE}={"k" * 30}"') is None
    assert cookie_in("; ;=;" * 10_000) is None  # linear: no pathological headers


def test_forget_gives_the_browser_a_new_owner(tmp_path) -> None:  # type: ignore[no-untyped-def]
    browsers = Browsers(Store(tmp_path / "s.db"))
    assert browsers.owner("c" * 30) is None  # owns nothing yet: nothing is written
    first = browsers.owner("c" * 30, create=True)
    assert first and browsers.owner("c" * 30) == first and browsers.owner(None, True) is None
    browsers.forget("c" * 30)
    assert browsers.owner("c" * 30) not in (None, first)
