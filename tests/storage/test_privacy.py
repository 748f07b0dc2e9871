"""What the app writes to the data folder is private to the user who runs it, and the
facilitator passcode need not appear on the command line (issue 14)."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.backends.scripted import ScriptedBackend
from simulator.cli.commands import facilitator_passcode, parse
from simulator.conversation.practice import Practice
from simulator.errors import SimulatorError
from simulator.personas.library import PersonaLibrary
from simulator.personas.studio import SKELETON, save_persona, validate_text
from simulator.rounds.dashboard import export_zip
from simulator.rounds.service import RoundService
from simulator.storage.paths import data_dir
from simulator.storage.store import Store
from simulator.ui.practice_handlers import PracticeHandlers


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which files are created world-readable unless the app says so."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_write_path_leaves_the_data_folder_private(tmp_path: Path, umask_022) -> None:
    folder = data_dir(tmp_path / "data")
    assert mode(folder) == 0o700
    mine = PersonaLibrary(user_folder=folder / "personas")
    handlers = PracticeHandlers(
        Practice(ScriptedBackend(default="Fair question."), Store(folder / "simulator.db")), mine
    )
    # SQLite removes its -wal and -shm files when the last connection closes: keep one open
    reader = sqlite3.connect(folder / "simulator.db")
    reader.execute("SELECT count(*) FROM sqlite_master").fetchall()
    conversation_id, _, _ = handlers.start("roadmap-gave-in", "medium")
    list(handlers.send(conversation_id, "What's on your mind?"))
    feedback = handlers.end_and_evaluate(conversation_id, use_model=False)
    persona = validate_text(SKELETON)[0]
    assert persona is not None
    save_persona(persona, mine)
    rounds = RoundService(handlers.practice, mine)
    round_ = rounds.create_round("R", ["roadmap-gave-in"], "medium", 5)
    me = rounds.join(round_.code, "Ada")
    rounds.start(me.id)
    list(rounds.say(me.id, "How are you finding it?"))
    rounds.finish(me.id)
    export = export_zip(rounds, round_, folder / "exports")

    files = [p for p in folder.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"simulator.db", "my-new-persona.yaml"} <= names
    assert feedback.markdown_path in files and feedback.json_path in files and export in files
    assert any(name.endswith("-wal") for name in names)  # SQLite's sidecar files are checked too
    assert {p: oct(mode(p)) for p in files if mode(p) != 0o600} == {}
    folders = [folder, *(p for p in folder.rglob("*") if p.is_dir())]
    assert {p: oct(mode(p)) for p in folders if mode(p) != 0o700} == {}
    reader.close()


def test_an_existing_database_and_its_sidecars_are_tightened(tmp_path: Path, umask_022) -> None:
    path = tmp_path / "old.db"
    Store(path)
    os.chmod(path, 0o644)  # as an older version left it
    reader = sqlite3.connect(path)  # holds the -wal and -shm files open, made 0644 like the db
    reader.execute("SELECT count(*) FROM sqlite_master").fetchall()
    files = [path, path.with_name("old.db-wal"), path.with_name("old.db-shm")]
    assert [mode(p) for p in files] == [0o644] * 3
    Store(path)
    assert [mode(p) for p in files] == [0o600] * 3
    reader.close()


def test_passcode_from_a_file_or_the_environment_without_a_warning(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    secret = tmp_path / "passcode"
    secret.write_text("open sesame\n")
    assert facilitator_passcode(parse(["app", "--facilitator-passcode-file", str(secret)])) == (
        "open sesame"
    )
    monkeypatch.setenv("SIMULATOR_FACILITATOR_PASSCODE", "from-env")
    assert facilitator_passcode(parse(["app"])) == "from-env"
    monkeypatch.delenv("SIMULATOR_FACILITATOR_PASSCODE")
    assert facilitator_passcode(parse(["app"])) is None
    assert capsys.readouterr().err == ""


def test_a_passcode_on_the_command_line_still_works_with_a_warning(capsys) -> None:
    assert facilitator_passcode(parse(["app", "--facilitator-passcode", "pw"])) == "pw"
    err = capsys.readouterr().err
    assert "warning" in err and "ps" in err and "--facilitator-passcode-file" in err


@pytest.mark.parametrize("content", [None, "  \n"])
def test_a_missing_or_empty_passcode_file_is_named(tmp_path: Path, content) -> None:
    path = tmp_path / "passcode"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SimulatorError, match="passcode"):
        facilitator_passcode(parse(["app", "--facilitator-passcode-file", str(path)]))
