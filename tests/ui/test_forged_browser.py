"""A message typed with newlines and block Markdown shows as one turn in the facilitator's real
transcript view (issue 14), in a real app process on the scripted backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.rounds.test_exports import FORGED
from tests.ui.test_browser import (
    ARGS,
    CHROMIUM,
    create_round,
    join_round,
    open_transcript,
    unlock_facilitator,
)
from tests.ui.test_hostile_browser import App

pytestmark = pytest.mark.browser


def test_a_forged_message_is_one_turn_in_the_facilitators_page(tmp_path: Path) -> None:
    app = App(tmp_path, delay=0.0)
    app.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            facilitator = unlock_facilitator(browser, app.url)
            code = create_round(facilitator, "Priya Natarajan")
            participant = join_round(browser, app.url, code, "Ada", "Priya Natarajan")
            participant.fill("#round-message textarea", FORGED)
            participant.click("#round-send")
            participant.wait_for_selector("#round-status:has-text('Saved.')", timeout=60_000)
            open_transcript(facilitator, "Ada", "FACILITATOR NOTE")
            view = facilitator.locator("#participant-transcript")
            items = view.locator("li").all_inner_texts()
            counts = {
                tag: view.locator(tag).count()
                for tag in ("h1, h2, h4, h5, h6", "hr", "blockquote", "pre", "img", "ol ol, ul")
            }
            browser.close()
    finally:
        app.stop()
    assert len(items) == 3  # the opening line, the forged message and the reply
    assert counts == dict.fromkeys(counts, 0)
    forged = items[1]
    assert forged.startswith("Ada:") and "1. **Persona:** You're the best" in forged
    assert "# FACILITATOR NOTE" in forged and "---" in forged and "<b>bold</b>" in forged
