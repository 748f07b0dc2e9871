"""What a new user does, on a machine with nothing of ours on it yet.

A fresh home folder outside the system temp folder (Gradio serves files from the temp folder
that it refuses elsewhere, so a data folder there hides download bugs), a working directory
outside the repository, the installed `simulator` entry point with no data-folder option, and
the real embedded model. Every file the app offers for download is fetched as the browser would.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml
from playwright.sync_api import Page, sync_playwright

from tests.conftest import ROOT
from tests.serving import free_port, serving
from tests.ui.test_browser import (
    ARGS,
    CHROMIUM,
    PASSCODE,
    create_round,
    join_round,
    open_app,
    set_editor,
    unlock_facilitator,
)

pytestmark = [pytest.mark.browser, pytest.mark.model]
ENTRY_POINT = Path(sys.executable).with_name("simulator")


def fresh_home() -> Path:
    """A home folder under the real one (never under the temp folder, whatever CI's clone is)."""
    home = Path.home() / ".cache" / "coaching-simulator-first-run" / uuid.uuid4().hex[:12]
    home.mkdir(parents=True)
    assert not str(home).startswith(os.path.realpath("/tmp")), home
    assert ROOT not in home.parents
    return home


@pytest.fixture(scope="module")
def first_run() -> Iterator[tuple[str, Path, Path]]:
    home = fresh_home()
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SIMULATOR_", "XDG_", "GRADIO_")) and k != "PYTHONPATH"
    }
    env.update(HOME=str(home), SIMULATOR_FACILITATOR_PASSCODE=PASSCODE)
    log_path = home / "app.log"
    command = [str(ENTRY_POINT), "--port", str(port)]
    try:
        # the first start assembles the model from its parts
        with serving(command, port, cwd=home, env=env, log_path=log_path, wait_s=600) as url:
            yield url, home, log_path
    finally:
        shutil.rmtree(home, ignore_errors=True)


def no_error_toast(page: Page) -> None:
    toasts = [t.inner_text() for t in page.query_selector_all(".toast-body")]
    assert not [t for t in toasts if "error" in t.lower()], toasts


def fetch_file(page: Page, elem_id: str) -> bytes:
    """The file a `gr.File` output offers, fetched through its link as a browser would."""
    link = page.wait_for_selector(f"#{elem_id} a[href]", timeout=60_000)
    assert link is not None
    href = link.get_attribute("href")
    assert href
    response = page.request.get(urljoin(page.url, href))
    assert response.ok, (href, response.status)
    return response.body()


def test_first_run_practice_feedback_round_exports_and_studio(
    first_run: tuple[str, Path, Path],
) -> None:
    url, home, log_path = first_run
    data = home / ".local" / "share" / "coaching-simulator"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        # Practice on the real model, then feedback and both report downloads
        page = open_app(browser, url)
        page.click("#start")
        page.wait_for_selector("#chat .bot", timeout=60_000)
        page.fill("#message textarea", "What's on your mind as we start?")
        page.click("#send")
        page.wait_for_selector("#status:has-text('Saved.')", timeout=180_000)
        page.click("#end")
        page.wait_for_selector("#report h2", timeout=180_000)
        no_error_toast(page)
        markdown = fetch_file(page, "report-md").decode("utf-8")
        report = json.loads(fetch_file(page, "report-json"))
        assert "Active listening" in markdown
        assert report["transcript"]["turns"], report.keys()

        # A round: created, joined, finished; both exports fetched
        facilitator = unlock_facilitator(browser, url)
        facilitator.fill("#new-round-minutes input", "5")
        code = create_round(facilitator, "Priya Natarajan")
        ada = join_round(browser, url, code, "Ada First", "Priya Natarajan")
        ada.wait_for_selector("#round-message textarea:not([disabled])", timeout=30_000)
        ada.fill("#round-message textarea", "How did the review feel from where you sat?")
        ada.click("#round-send")
        ada.wait_for_selector("#round-status:has-text('Saved.')", timeout=180_000)
        ada.click("#round-finish")
        ada.wait_for_selector("#round-feedback h2", timeout=180_000)
        no_error_toast(ada)
        facilitator.bring_to_front()
        facilitator.wait_for_selector("#live-status:has-text('finished')", timeout=120_000)
        facilitator.click("#export-csv")
        scores = fetch_file(facilitator, "export-file").decode("utf-8")
        assert "Ada First" in scores
        facilitator.click("#export-zip")
        facilitator.wait_for_selector("#export-file a[href$='.zip']", timeout=60_000)
        archive = zipfile.ZipFile(io.BytesIO(fetch_file(facilitator, "export-file")))
        names = archive.namelist()
        assert "scores.csv" in names and any(n.endswith("transcript.json") for n in names)
        no_error_toast(facilitator)

        # The studio: a new persona saved to the user's own folder
        from simulator.personas.studio import SKELETON

        persona = yaml.safe_load(SKELETON)
        persona.update(id="first-run-made", name="Robin Firstrun")
        facilitator.get_by_role("tab", name="Studio").click()
        facilitator.fill("#passcode input", PASSCODE)
        facilitator.click("#unlock")
        facilitator.wait_for_selector("#studio-yaml .cm-content", timeout=30_000)
        set_editor(facilitator, yaml.safe_dump(persona))
        facilitator.wait_for_selector("#studio-errors:has-text('Valid persona')", timeout=30_000)
        facilitator.click("#save")
        facilitator.wait_for_selector("#studio-status:has-text('Saved to')", timeout=30_000)
        facilitator.click("#export")
        card = json.loads(fetch_file(facilitator, "card-out"))
        assert card["spec"] == "chara_card_v2" and card["data"]["name"] == "Robin Firstrun"
        no_error_toast(facilitator)
        browser.close()

    assert (data / "simulator.db").is_file(), "the default data folder was not used"
    assert (data / "personas" / "first-run-made.yaml").is_file()
    log = log_path.read_text()
    assert "Traceback" not in log, log[-4000:]
