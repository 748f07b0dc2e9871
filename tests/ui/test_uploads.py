"""Uploads cannot fill the disk (issue 14): the server refuses a file over the limit, and Gradio's
cache of uploads is cleaned of files older than an hour."""

from __future__ import annotations

import datetime as real_datetime
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import gradio.route_utils
import httpx
import pytest

from simulator.backends.scripted import ScriptedBackend
from simulator.conversation.practice import Practice
from simulator.storage.upload_quota import MAX_UPLOADS, UploadQuota
from simulator.ui.app import CACHE_AGE_S, CACHE_EVERY_S, MAX_UPLOAD, SERVER_OPTIONS, build_app
from simulator.ui.practice_handlers import PracticeHandlers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(store, library) -> Iterator[tuple[gr.Blocks, str]]:
    """The real app, served in this process with the same upload limit as `simulator app`."""
    app = build_app(PracticeHandlers(Practice(ScriptedBackend(), store), library))
    port = free_port()
    app.launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        max_file_size=MAX_UPLOAD,
        app_kwargs=SERVER_OPTIONS,
        quiet=True,
    )
    try:
        yield app, f"http://127.0.0.1:{port}/gradio_api/upload"
    finally:
        app.close()


def later(seconds: float) -> type[real_datetime.datetime]:
    class Later(real_datetime.datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def]
            return real_datetime.datetime.now(tz) + real_datetime.timedelta(seconds=seconds)

    return Later


def test_old_uploads_are_removed_and_big_ones_refused(served, monkeypatch) -> None:
    app, upload = served
    assert app.delete_cache == (CACHE_EVERY_S, CACHE_AGE_S)
    refused = httpx.post(upload, files={"files": ("card.json", b" " * 1_100_000)})
    assert refused.status_code == 413
    kept = httpx.post(upload, files={"files": ("card.json", b'{"name": "x"}')})
    assert kept.status_code == 200
    path = Path(kept.json()[0])
    assert path.is_file() and str(path) in app.upload_file_set
    # the cleanup the app's timer runs, driven directly: first at once (the upload is young) ...
    gradio.route_utils.delete_files_created_by_app(app, CACHE_AGE_S)
    assert path.is_file()
    # ... then as if the age had passed: the upload is gone
    monkeypatch.setattr(gradio.route_utils, "datetime", later(CACHE_AGE_S + 1))
    gradio.route_utils.delete_files_created_by_app(app, CACHE_AGE_S)
    assert not path.exists() and str(path) not in app.upload_file_set


def test_the_apps_own_timer_cleans_the_cache(store, library, monkeypatch) -> None:
    import simulator.ui.app

    monkeypatch.setattr(simulator.ui.app, "CACHE_EVERY_S", 1)  # the real timer, made quick
    monkeypatch.setattr(simulator.ui.app, "CACHE_AGE_S", 1)
    app = build_app(PracticeHandlers(Practice(ScriptedBackend(), store), library))
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        sent = httpx.post(
            f"http://127.0.0.1:{port}/gradio_api/upload", files={"files": ("a.json", b"{}")}
        )
        path = Path(sent.json()[0])
        assert path.is_file()
        deadline = time.monotonic() + 15
        while path.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not path.exists()
    finally:
        app.close()


def test_one_address_cannot_keep_uploading(served) -> None:
    _, upload = served
    codes = [
        httpx.post(upload, files={"files": (f"{n}.json", b"{}")}).status_code
        for n in range(MAX_UPLOADS + 2)
    ]
    assert codes == [200] * MAX_UPLOADS + [429, 429]


def test_the_quota_counts_bytes_and_forgets_after_the_window() -> None:
    now = [0.0]
    quota = UploadQuota(max_uploads=5, max_bytes=1000, window_s=60, clock=lambda: now[0])
    assert quota.allow("a", 600) and not quota.allow("a", 600)  # bytes, not only files
    assert quota.allow("b", 600)  # another address has its own quota
    assert [quota.allow("c", 1) for _ in range(6)] == [True] * 5 + [False]
    now[0] = 61.0
    assert quota.allow("a", 600) and quota.allow("c", 1)  # an hour later it may upload again
