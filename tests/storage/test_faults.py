"""The database locked, read-only or corrupt, or the model not there: a clear message, and
nothing saved is lost."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from simulator.backends.deferred import DeferredBackend
from simulator.backends.scripted import ScriptedBackend
from simulator.conversation.practice import Practice
from simulator.errors import ModelError, SimulatorError
from simulator.storage.store import Store, StoreError
from simulator.ui.practice_handlers import PracticeHandlers
from tests.conftest import ROOT


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def saved_conversation(path: Path, library) -> tuple[Practice, str]:  # type: ignore[no-untyped-def]
    practice = Practice(ScriptedBackend(default="Mm. I'm still turning it over."), Store(path))
    conversation = practice.start(library.get("roadmap-gave-in"), "medium")
    list(practice.say(conversation, "What's on your mind?"))
    return practice, conversation.id


@contextmanager
def locked_by_another_process(path: Path) -> Iterator[None]:
    """Hold an exclusive write lock on the database from a separate process."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            f"db = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "db.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)


def test_corrupt_database_is_refused_by_name_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "conversations.db"
    path.write_bytes(b"this was a spreadsheet once\x00\x01" * 200)
    before = digest(path)
    with pytest.raises(StoreError, match=r"conversations\.db: this file is not a readable"):
        Store(path)
    assert digest(path) == before


def test_corrupt_database_stops_the_cli_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "simulator.db").write_bytes(b"garbage" * 1000)
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "sessions", "--data-dir", str(tmp_path), "list"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode != 0
    assert "not a readable conversation database" in done.stderr
    assert "Traceback" not in done.stderr


def test_locked_database_refuses_the_turn_clearly_and_keeps_what_was_saved(
    tmp_path: Path, library
) -> None:
    path = tmp_path / "c.db"
    practice, cid = saved_conversation(path, library)
    practice.store.busy_timeout_s = 0.3
    conversation = practice.store.load(cid)
    before = list(conversation.turns)
    with locked_by_another_process(path):
        with pytest.raises(StoreError, match="locked by another program") as caught:
            list(practice.say(conversation, "And what would help?"))
        assert str(path) in str(caught.value) and "intact" in str(caught.value)
        assert conversation.turns == before  # nothing half-added in memory either
    assert practice.store.load(cid).turns == before
    final = list(practice.say(conversation, "And what would help?"))[-1]
    assert final.done and len(practice.store.load(cid).turns) == len(before) + 2


def without_root_override(command: list[str]) -> list[str]:
    """Run `command` so that file permissions apply even when the tests run as root."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    assert setpriv, "util-linux setpriv is needed to drop root's permission override"
    caps = "-dac_override,-dac_read_search,-fowner"
    return [setpriv, "--inh-caps", caps, "--bounding-set", caps, *command]


def test_read_only_database_gives_a_clear_message_and_stays_as_it_was(
    tmp_path: Path, library
) -> None:
    path = tmp_path / "c.db"
    _, cid = saved_conversation(path, library)
    for leftover in tmp_path.glob("c.db-*"):
        leftover.unlink()
    path.chmod(0o444)
    tmp_path.chmod(0o555)
    before = digest(path)
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from simulator.conversation.practice import Practice
        from simulator.backends.scripted import ScriptedBackend
        from simulator.storage.store import Store, StoreError
        try:
            store = Store(Path({str(path)!r}))
            practice = Practice(ScriptedBackend(), store)
            conversation = store.load({cid!r})
            print("loaded", len(conversation.turns))
            list(practice.say(conversation, "What else?"))
            print("turn saved")
        except StoreError as exc:
            print("error:", exc)
        """
    )
    try:
        done = subprocess.run(
            without_root_override([sys.executable, "-c", script]),
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
    finally:
        tmp_path.chmod(0o755)
    assert "Traceback" not in done.stderr, done.stderr
    assert "error:" in done.stdout and "cannot be written" in done.stdout, done.stdout
    assert "turn saved" not in done.stdout and "loaded" not in done.stdout
    assert digest(path) == before


def test_a_model_that_cannot_load_yet_keeps_the_message_and_replies_once_it_can(
    tmp_path, library
) -> None:
    available = {"now": False}

    def load() -> ScriptedBackend:
        if not available["now"]:
            raise ModelError("/models/x.gguf: model file not found")
        return ScriptedBackend(["Right, where was I. The review, yes."])

    backend = DeferredBackend(load, "/models/x.gguf: model file not found")
    handlers = PracticeHandlers(Practice(backend, Store(tmp_path / "c.db")), library)
    assert "model file not found" in handlers.model_status()
    cid, _, _ = handlers.start("roadmap-gave-in", "medium")
    with pytest.raises(SimulatorError, match=r"model is not available.*message is saved"):
        list(handlers.send(cid, "What happened in the review?"))
    saved = handlers.practice.store.load(cid)
    assert saved.awaiting_reply and saved.turns[-1].text == "What happened in the review?"
    available["now"] = True
    final_history, status = list(handlers.send(cid, ""))[-1]
    assert status == "Saved." and "The review, yes." in final_history[-1]["content"]
    assert handlers.model_status() == ""
