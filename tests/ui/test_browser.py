"""The Practice view in headless Chromium, on the real embedded model."""

from __future__ import annotations

import itertools
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.conftest import ROOT
from tests.serving import free_port, serving

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
PASSCODE = "browser-test-passcode"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    data = tmp_path_factory.mktemp("app-data")
    env = {
        **os.environ,
        "SIMULATOR_DATA_DIR": str(data),
        "SIMULATOR_FACILITATOR_PASSCODE": PASSCODE,
    }
    command = [sys.executable, "-m", "simulator", "app", "--port", str(port)]
    with serving(command, port, cwd=ROOT, env=env, log_path=data / "app.log", wait_s=180) as url:
        yield url


def open_app(browser, url: str, height: int = 1400) -> Page:  # type: ignore[no-untyped-def]
    """A page of the app in a browser context of its own (its own storage), fully loaded."""
    page = browser.new_context(viewport={"width": 1280, "height": height}).new_page()
    page.goto(url, wait_until="load")
    page.wait_for_selector("#persona input", timeout=60_000)
    return page


def unlock_facilitator(browser, url: str) -> Page:  # type: ignore[no-untyped-def]
    page = open_app(browser, url, height=1600)
    page.get_by_role("tab", name="Facilitator").click()
    page.fill("#fac-passcode input", PASSCODE)
    page.click("#fac-unlock")
    page.wait_for_selector("#dashboard", state="visible", timeout=30_000)
    return page


def create_round(facilitator: Page, persona: str) -> str:
    """Create a round for `persona` (other fields as already filled in); its join code."""
    import re

    facilitator.click("#new-round-personas input")
    facilitator.click(f"ul[role=listbox] li:has-text('{persona}')")
    facilitator.keyboard.press("Escape")
    facilitator.click("#create-round")
    facilitator.wait_for_selector("#round-created:has-text('Join code')", timeout=30_000)
    created = facilitator.inner_text("#round-created")
    code = re.search(r"Join code: ([A-Z0-9]{6})", created)
    assert code, created
    return code.group(1)


def join_round(browser, url: str, code: str, name: str, persona: str) -> Page:  # type: ignore[no-untyped-def]
    """A participant's page, joined and started: the persona's opening line is shown."""
    page = open_app(browser, url)
    page.get_by_role("tab", name="Round").click()
    page.fill("#join-code textarea", code)
    page.fill("#join-name textarea", name)
    page.click("#join")
    page.wait_for_selector(f"#round-brief:has-text('{persona}')", timeout=30_000)
    page.click("#round-start")
    page.wait_for_selector("#round-chat .bot", timeout=30_000)
    return page


def open_transcript(facilitator: Page, live_text: str, shown_text: str) -> None:
    """Once the dashboard shows `live_text`, open the first participant's transcript and wait
    until it shows `shown_text` (a page in the background has its refresh timer throttled)."""
    facilitator.bring_to_front()
    facilitator.wait_for_function(
        f"() => document.querySelector('#live-status').innerText.includes({live_text!r})",
        timeout=60_000,
    )
    facilitator.click("#participant-select input")
    facilitator.click("ul[role=listbox] li")
    facilitator.click("#open-participant")
    facilitator.wait_for_selector(
        f"#participant-transcript:has-text({shown_text!r})", timeout=30_000
    )


def test_pick_persona_send_message_and_see_streamed_reply(app_url: str) -> None:
    assert Path(CHROMIUM).exists(), ".ci/run installs Debian's chromium package"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        page.goto(app_url, wait_until="load")
        page.wait_for_selector("#persona input", timeout=60_000)
        page.click("#persona input")
        page.click("ul[role=listbox] li:has-text('Daniel Weiss')")
        page.wait_for_selector("#brief:has-text('offline mode')")
        page.click("#start")
        page.wait_for_selector("#chat :text('post-mortem doc')", timeout=30_000)
        page.fill(
            "#message textarea",
            "Thanks, Daniel. Before the doc, how are you feeling about the launch?",
        )
        page.click("#send")
        page.wait_for_selector("#chat :text('how are you feeling')", timeout=120_000)
        seen: list[str] = []
        deadline = time.time() + 120
        while time.time() < deadline:
            bubbles = page.query_selector_all("#chat .bot")
            if len(bubbles) >= 2:
                text = bubbles[-1].inner_text().strip()
                if text and (not seen or text != seen[-1]):
                    seen.append(text)
            if "Saved." in page.inner_text("#status"):
                break
            time.sleep(0.05)
        final = page.query_selector_all("#chat .bot")[-1].inner_text().strip()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "practice.png"), full_page=True)
        page.click("#end")
        page.wait_for_selector("#report h2", timeout=120_000)
        report = page.inner_text("#report")
        chart = page.inner_html("#chart")
        coded = page.inner_text("#coded-transcript")
        openness = page.inner_html("#openness")
        page.screenshot(path=str(ARTIFACTS / "feedback.png"), full_page=True)
        browser.close()
    assert "Active listening" in report and "Debrief" in report
    assert "<svg" in chart
    assert "how are you feeling about the launch?" in coded and "open question" in coded
    assert "<polyline" in openness
    assert len(final.split()) >= 3, "no reply appeared"
    assert len(seen) >= 3, f"the reply did not stream: {seen}"
    growing = [a for a, b in itertools.pairwise(seen) if b.startswith(a)]
    assert len(growing) >= 2, f"the reply did not grow piece by piece: {seen}"


def set_editor(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.click("#studio-yaml .cm-content")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def test_studio_create_fix_save_and_find_in_practice(app_url: str) -> None:
    import yaml

    from simulator.personas.studio import SKELETON

    data = yaml.safe_load(SKELETON)
    data.update(id="browser-made", name="Casey Browser")
    missing = {k: v for k, v in data.items() if k != "opening_line"}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        page.goto(app_url, wait_until="load")
        page.wait_for_selector("#persona input", timeout=60_000)
        page.get_by_role("tab", name="Studio").click()
        page.fill("#passcode input", "wrong")
        page.click("#unlock")
        page.wait_for_selector("#gate-status:has-text('wrong passcode')")
        assert not page.is_visible("#studio-yaml")
        page.fill("#passcode input", PASSCODE)
        page.click("#unlock")
        page.wait_for_selector("#studio-yaml .cm-content", timeout=30_000)
        set_editor(page, yaml.safe_dump(missing))
        page.wait_for_selector("#studio-errors:has-text('opening_line')", timeout=30_000)
        set_editor(page, yaml.safe_dump(data))
        page.wait_for_selector("#studio-errors:has-text('Valid persona')", timeout=30_000)
        page.wait_for_selector("#studio-preview:has-text('Casey Browser')")
        page.click("#save")
        page.wait_for_selector("#studio-status:has-text('Saved to')", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "studio.png"), full_page=True)
        page.get_by_role("tab", name="Practice").click()
        page.click("#persona input")
        options = [li.inner_text() for li in page.query_selector_all("ul[role=listbox] li")]
        browser.close()
    assert any("Casey Browser" in option for option in options), options


def test_round_with_facilitator_and_two_participants(app_url: str) -> None:
    import re

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        facilitator = unlock_facilitator(browser, app_url)
        facilitator.fill("#new-round-minutes input", "5")
        code = create_round(facilitator, "Priya Natarajan")

        def join(name: str):  # type: ignore[no-untyped-def]
            page = join_round(browser, app_url, code.lower(), name, "Priya Natarajan")
            page.wait_for_selector("#round-clock:has-text('left')", timeout=10_000)
            return page

        ada = join("Ada")
        bo = join("Bo")
        ada.wait_for_selector("#round-message textarea:not([disabled])", timeout=10_000)
        ada.fill("#round-message textarea", "What's on your mind about the review?")
        ada.click("#round-send")
        ada.wait_for_selector("#round-status:has-text('Saved.')", timeout=120_000)
        ada.click("#round-finish")
        ada.wait_for_selector("#round-feedback h2", timeout=120_000)
        assert "Active listening" in ada.inner_text("#round-feedback")

        facilitator.bring_to_front()  # a background page's refresh timer is throttled
        facilitator.wait_for_function(
            "() => /Ada\\s+finished\\s+\\d/.test(document.querySelector('#live-status')"
            ".innerText.replace(/Priya Natarajan/g, ''))",
            timeout=60_000,
        )
        live = facilitator.inner_text("#live-status")
        scores = facilitator.inner_text("#scores")
        facilitator.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

        bo.get_by_role("tab", name="Facilitator").click()
        assert not bo.is_visible("#dashboard")
        bo.fill("#fac-passcode input", "not the passcode")
        bo.click("#fac-unlock")
        bo.wait_for_selector("#fac-gate-status:has-text('wrong passcode')", timeout=10_000)
        assert not bo.is_visible("#dashboard") and not bo.is_visible("#live-status")
        browser.close()
    assert "Ada" in live and "Bo" in live and "in progress" in live
    cells = [line.strip() for line in scores.splitlines() if line.strip()]
    ada = cells.index("Ada")
    assert any(re.match(r"[1-4]\b", cell) for cell in cells[ada + 1 : ada + 5]), cells[ada:]


def pick(page: Page, dropdown: str, option: str) -> None:
    page.click(f"{dropdown} input")
    page.click(f"ul[role=listbox] li:has-text('{option}')")


def test_second_rubric_scores_practice_and_a_round_end_to_end(app_url: str) -> None:
    """The bundled 'Safe to speak up' rubric: its fifth competency, psychological safety, is
    scored and shown in Practice, in a participant's round feedback and on the dashboard."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = open_app(browser, app_url)
        pick(page, "#persona", "Priya Natarajan")
        pick(page, "#rubric", "psychological-safety")
        page.click("#start")
        page.wait_for_selector("#chat .bot", timeout=30_000)
        page.fill(
            "#message textarea",
            "That sounds frustrating. I should have backed you up; that's on me. Push back if "
            "you see it differently.",
        )
        page.click("#send")
        page.wait_for_selector("#status:has-text('Saved.')", timeout=120_000)
        page.click("#end")
        page.wait_for_selector("#report h2", timeout=120_000)
        practice_report = page.inner_text("#report")
        practice_chart = page.inner_html("#chart")

        facilitator = unlock_facilitator(browser, app_url)
        facilitator.fill("#new-round-minutes input", "5")
        pick(facilitator, "#new-round-rubric", "psychological-safety")
        facilitator.keyboard.press("Escape")
        code = create_round(facilitator, "Priya Natarajan")
        ada = join_round(browser, app_url, code, "Ada Safe", "Priya Natarajan")
        ada.wait_for_selector("#round-message textarea:not([disabled])", timeout=10_000)
        ada.fill("#round-message textarea", "What would help you feel safe to disagree with me?")
        ada.click("#round-send")
        ada.wait_for_selector("#round-status:has-text('Saved.')", timeout=120_000)
        ada.click("#round-finish")
        ada.wait_for_selector("#round-feedback h2", timeout=120_000)
        round_feedback = ada.inner_text("#round-feedback")

        facilitator.bring_to_front()
        facilitator.wait_for_function(
            "() => /Ada Safe\\s+Priya Natarajan\\s+finished\\s+\\d/"
            ".test(document.querySelector('#live-status').innerText)",
            timeout=90_000,
        )
        facilitator.wait_for_selector("#scores:has-text('Psychological safety')", timeout=30_000)
        facilitator.wait_for_selector("#gap-map:has-text('Psychological safety')", timeout=30_000)
        scores = facilitator.inner_text("#scores")
        facilitator.screenshot(path=str(ARTIFACTS / "dashboard-second-rubric.png"), full_page=True)
        browser.close()
    assert "Psychological safety" in practice_report and "Psychological safety" in practice_chart
    assert "Psychological safety" in round_feedback and "Active listening" in round_feedback
    assert "Ada Safe" in scores
