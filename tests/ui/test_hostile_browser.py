"""Faults and hostile text against a real app process (scripted backend, for speed): a kill in
the middle of a reply or an evaluation loses nothing, HTML typed anywhere never runs, and the
facilitator's data is not reachable through the app's API without the passcode."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from playwright.sync_api import Page, sync_playwright

from simulator.personas.studio import SKELETON
from simulator.storage.store import Store
from tests.conftest import ROOT
from tests.ui.test_browser import (
    ARGS,
    CHROMIUM,
    PASSCODE,
    create_round,
    free_port,
    join_round,
    open_app,
    open_transcript,
    unlock_facilitator,
)

pytestmark = pytest.mark.browser
XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
SHORT_XSS = '<img src=x onerror="window.__pwned=3">'  # fits a 40-character name


APP = [sys.executable, "-m", "simulator", "app"]
SCRIPTED = ["--backend", "scripted"]


class App:
    """`simulator app` on the scripted backend in its own process, which a test can kill."""

    def __init__(self, data: Path, delay: float = 0.25, backend: list[str] = SCRIPTED) -> None:
        self.data = data
        self.backend = backend
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.env = {
            **os.environ,
            "SIMULATOR_DATA_DIR": str(data),
            "SIMULATOR_SCRIPTED_DELAY": str(delay),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.data / "app.log").open("a")
        self.process = subprocess.Popen(
            [*APP, *self.backend, "--port", str(self.port), "--facilitator-passcode", PASSCODE],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(self.url, timeout=2)
                return
            except OSError:
                if self.process.poll() is not None or time.time() > deadline:
                    raise RuntimeError((self.data / "app.log").read_text()[-3000:]) from None
                time.sleep(0.3)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no handler runs, nothing is flushed
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    running = App(tmp_path)
    running.start()
    yield running
    running.stop()


def start_and_send(page: Page, text: str) -> None:
    """Start a conversation with the default persona and send `text`."""
    page.click("#start")
    page.wait_for_selector("#chat .bot", timeout=30_000)
    page.fill("#message textarea", text)
    page.click("#send")


def reopen(page: Page, url: str) -> None:
    """Load the page again after a restart (the old page may be navigating on its own)."""
    for _ in range(3):
        try:
            page.goto(url, wait_until="load")
            break
        except Exception:
            time.sleep(1)
    page.wait_for_selector("#persona input", timeout=60_000)


def resume_latest(page: Page) -> None:
    page.get_by_text("Saved conversations").click()
    page.click("#saved input")
    page.click("ul[role=listbox] li")
    page.click("#resume")


def wait_turns(store_path: Path, cid: str, count: int) -> None:
    """Wait until the conversation has `count` saved turns and the page says so."""
    deadline = time.time() + 60
    while len(Store(store_path).load(cid).turns) < count:
        assert time.time() < deadline, "the reply was never saved"
        time.sleep(0.2)


def test_killed_mid_reply_and_mid_evaluation_nothing_is_lost(app: App) -> None:
    store_path = app.data / "simulator.db"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = open_app(browser, app.url)
        start_and_send(page, "What is on your mind this week?")
        page.wait_for_selector("#chat :text('Mm, fair')", timeout=30_000)
        stored = page.evaluate("() => JSON.stringify(window.localStorage)")
        app.kill()  # the reply is half streamed
        assert "What is on your mind" not in stored  # no copy of the conversation in the browser
        [row] = Store(store_path).list()
        conversation = Store(store_path).load(str(row["id"]))
        assert conversation.awaiting_reply
        assert conversation.turns[-1].text == "What is on your mind this week?"

        app.start()
        reopen(page, app.url)
        resume_latest(page)
        wait_turns(store_path, conversation.id, 3)  # the cut-off reply is generated again
        page.wait_for_selector("#status:has-text('Saved.')", timeout=30_000)
        page.fill("#message textarea", "What would help most?")
        page.click("#send")
        wait_turns(store_path, conversation.id, 5)
        page.wait_for_selector("#status:has-text('Saved.')", timeout=30_000)
        conversation = Store(store_path).load(conversation.id)
        assert [t.speaker for t in conversation.turns] == ["persona", "manager"] * 2 + ["persona"]

        page.click("#end")
        page.wait_for_selector("#status:has-text('Scoring the conversation')", timeout=10_000)
        time.sleep(1.0)  # the evaluator is writing its prose, slowly
        app.kill()
        after = Store(store_path).load(conversation.id)
        assert after.turns == conversation.turns
        assert Store(store_path).latest_evaluation(conversation.id) is None

        app.start()
        reopen(page, app.url)
        resume_latest(page)
        page.wait_for_selector("#status:has-text('Resumed')", timeout=30_000)
        page.click("#end")
        page.wait_for_selector("#report h2", timeout=120_000)
        page.click("#forget")  # the next person at this computer does not see it
        page.wait_for_selector("#status:has-text('no longer lists')", timeout=10_000)
        reopen(page, app.url)
        page.get_by_text("Saved conversations").click()
        page.click("#saved input")
        time.sleep(0.5)
        left = [li.inner_text() for li in page.query_selector_all("ul[role=listbox] li")]
        browser.close()
    assert not any("turns" in option for option in left), left
    assert Store(store_path).latest_evaluation(conversation.id) is not None


def hostile_persona(folder: Path) -> None:
    data = yaml.safe_load(SKELETON)
    data.update(
        id="hostile-name",
        name=f"Evil {XSS}",
        opening_line=f"Hello {{{{ 7*7 }}}} {XSS} there.",
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hostile-name.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")


def pwned(page: Page) -> object:
    return page.evaluate("() => window.__pwned")


def test_html_in_names_and_messages_never_runs(tmp_path: Path) -> None:
    hostile_persona(tmp_path / "personas")
    app = App(tmp_path, delay=0.0)
    app.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            facilitator = unlock_facilitator(browser, app.url)
            facilitator.fill("#new-round-name textarea", SHORT_XSS)
            code = create_round(facilitator, "Evil")
            participant = join_round(browser, app.url, code, SHORT_XSS, "Evil")
            participant.fill("#round-message textarea", f"What do you think? {XSS}")
            participant.click("#round-send")
            participant.wait_for_selector("#round-status:has-text('Saved.')", timeout=60_000)
            participant.click("#round-finish")
            participant.wait_for_selector("#round-feedback h2", timeout=120_000)
            chat_text = participant.inner_text("#round-chat")

            open_transcript(facilitator, "finished", "What do you think?")
            transcript_text = facilitator.inner_text("#participant-transcript")
            dashboard_text = facilitator.inner_text("#live-status")
            results = [pwned(participant), pwned(facilitator)]
            browser.close()
    finally:
        app.stop()
    assert results == [None, None]
    assert "onerror" in chat_text and "{{ 7*7 }}" in chat_text  # shown as text, not run
    assert "onerror" in transcript_text and "<img" in dashboard_text


def seed_round(data: Path, library) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A finished round with one participant, written before the app starts."""
    from simulator.backends.scripted import ScriptedBackend
    from simulator.conversation.practice import Practice
    from simulator.rounds.service import RoundService

    service = RoundService(Practice(ScriptedBackend(), Store(data / "simulator.db")), library)
    round_ = service.create_round("Cohort", ["roadmap-gave-in"], "medium", 10)
    me = service.join(round_.code, "Zed Secretname")
    conversation = service.start(me.id)
    for _ in service.say(me.id, "MARKER-TRANSCRIPT: what matters most to you here?"):
        pass
    service.finish(me.id)
    return {
        "round": round_.id,
        "code": round_.code,
        "conversation": conversation.id,
        "participant": me.id,
    }


def everything_said(client, values: list[str]) -> str:  # type: ignore[no-untyped-def]
    """Call every named API route with each value in every parameter; all that came back
    (including the contents of returned files and error messages), as one text."""
    seen = []
    routes = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    for route, spec in routes.items():
        if route.startswith(("/on_unlock", "/on_lock")):  # would lock the session again
            continue
        for value in values:
            args = [value] * len(spec["parameters"])
            try:
                result = client.submit(*args, api_name=route).result(timeout=20)
            except Exception as exc:
                result = str(exc)
            text = repr(result)
            for item in result if isinstance(result, (list, tuple)) else [result]:
                if isinstance(item, str) and "\n" not in item and Path(item[:255]).is_file():
                    text += Path(item).read_bytes().decode("utf-8", "replace")
            seen.append(text)
    return "\n".join(seen)


def test_facilitator_data_is_not_reachable_through_the_api_without_the_passcode(
    tmp_path: Path, library
) -> None:
    from gradio_client import Client

    ids = seed_round(tmp_path, library)
    app = App(tmp_path, delay=0.0)
    app.start()
    try:
        values = [ids["round"], ids["code"], ids["conversation"], "roadmap-gave-in", "x"]
        outsider = Client(app.url, verbose=False)
        refused = [outsider.predict("guess", api_name=r) for r in ("/on_unlock", "/on_unlock_1")]
        seen_by_outsider = everything_said(outsider, values) + repr(refused)
        insider = Client(app.url, verbose=False)
        insider.predict(PASSCODE, api_name="/on_unlock_1")
        unlocked = everything_said(insider, [*values, ids["participant"]])
        upload = app.url + "gradio_api/upload"
        too_big = httpx.post(upload, files={"files": ("card.json", b" " * 1_100_000)})
        small = httpx.post(upload, files={"files": ("card.json", b"{}")})
    finally:
        app.stop()
    assert too_big.status_code == 413 and small.status_code == 200  # uploads: 1 MB at most
    assert "wrong passcode" in repr(refused)
    assert "Zed Secretname" not in seen_by_outsider
    assert "MARKER-TRANSCRIPT" not in seen_by_outsider
    # the same calls after unlocking do reach it, so the check above looked in the right places
    assert "Zed Secretname" in unlocked and "MARKER-TRANSCRIPT" in unlocked


def test_missing_model_is_shown_in_the_page_and_the_reply_comes_once_it_is_back(
    tmp_path: Path,
) -> None:
    from simulator.backends.model_files import resolve_model

    model = tmp_path / "models" / "coach.gguf"
    app = App(tmp_path, backend=["--model", str(model)])
    app.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = open_app(browser, app.url)
            page.wait_for_selector("#model-status:has-text('model file not found')")
            start_and_send(page, "What would you like to get out of today?")
            page.wait_for_selector("#status:has-text('model is not available')", timeout=60_000)
            kept = page.input_value("#message textarea")
            model.parent.mkdir()
            model.symlink_to(resolve_model())  # the model is back
            page.click("#send")
            page.wait_for_selector("#status:has-text('Saved.')", timeout=180_000)
            [row] = Store(tmp_path / "simulator.db").list()
            turns = Store(tmp_path / "simulator.db").load(str(row["id"])).turns
            browser.close()
    finally:
        app.stop()
    assert kept == "What would you like to get out of today?"
    assert [t.speaker for t in turns] == ["persona", "manager", "persona"]
    assert turns[1].text == kept and turns[2].text.strip()
