"""SQLite storage for conversations, with numbered migrations applied once each.

Every turn is written as soon as it exists, in its own transaction, so a crash loses at most the
reply that was being generated.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from simulator.conversation.state import PersonaState
from simulator.conversation.transcript import Conversation, Turn, now
from simulator.errors import SimulatorError
from simulator.personas.library import Persona
from simulator.storage.datafiles import load_snapshot
from simulator.storage.paths import private_file

MIGRATIONS = [
    """
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        persona_id TEXT NOT NULL,
        persona_json TEXT NOT NULL,
        difficulty TEXT NOT NULL,
        model TEXT NOT NULL DEFAULT '',
        trim_from INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE turns (
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        speaker TEXT NOT NULL,
        text TEXT NOT NULL,
        prompt_text TEXT,
        state_json TEXT,
        stats_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        PRIMARY KEY (conversation_id, idx)
    );
    """,
    """
    CREATE TABLE evaluations (
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        rubric TEXT NOT NULL,
        created_at TEXT NOT NULL,
        report_json TEXT NOT NULL
    );
    CREATE INDEX evaluations_by_conversation ON evaluations(conversation_id, created_at);
    """,
    """
    CREATE TABLE rounds (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        personas_json TEXT NOT NULL,
        difficulty TEXT NOT NULL,
        minutes REAL NOT NULL,
        rubric TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE participants (
        id TEXT PRIMARY KEY,
        round_id TEXT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        persona_id TEXT NOT NULL,
        conversation_id TEXT REFERENCES conversations(id),
        joined_at REAL NOT NULL,
        deadline REAL,
        finished_at REAL,
        finish_reason TEXT,
        UNIQUE (round_id, name_key)
    );
    CREATE TABLE overrides (
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        competency TEXT NOT NULL,
        level INTEGER,
        comment TEXT NOT NULL,
        turn INTEGER,
        created_at TEXT NOT NULL
    );
    """,
    """
    ALTER TABLE conversations ADD COLUMN owner TEXT NOT NULL DEFAULT '';
    CREATE INDEX conversations_by_owner ON conversations(owner, updated_at);
    """,
    # A person across rounds is who holds their browser's secret, not a name anyone can type:
    # one seat per person in a round, and display names are labels that may repeat. Earlier
    # participants keep their history under 'legacy:<name>', which no browser can ever hold.
    """
    CREATE TABLE participants_by_person (
        id TEXT PRIMARY KEY,
        round_id TEXT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        persona_id TEXT NOT NULL,
        conversation_id TEXT REFERENCES conversations(id),
        joined_at REAL NOT NULL,
        deadline REAL,
        finished_at REAL,
        finish_reason TEXT,
        person TEXT NOT NULL,
        UNIQUE (round_id, person)
    );
    INSERT INTO participants_by_person SELECT id, round_id, name, name_key, persona_id,
        conversation_id, joined_at, deadline, finished_at, finish_reason, 'legacy:' || name_key
        FROM participants ORDER BY rowid;
    DROP TABLE participants;
    ALTER TABLE participants_by_person RENAME TO participants;
    CREATE INDEX participants_of_person ON participants(person, finished_at);
    CREATE TABLE browsers (
        key TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    """,
    # A round evaluation is a job that survives a crash: 'pending' from the moment the
    # participant is finished until it is stored ('done'), picked up again by the sweeper.
    # Finished conversations that a crash left without an evaluation become pending now.
    """
    ALTER TABLE participants ADD COLUMN evaluation TEXT;
    ALTER TABLE participants ADD COLUMN evaluation_attempts INTEGER NOT NULL DEFAULT 0;
    UPDATE participants SET evaluation = CASE WHEN EXISTS (SELECT 1 FROM evaluations e
        WHERE e.conversation_id = participants.conversation_id) THEN 'done' ELSE 'pending' END
        WHERE finished_at IS NOT NULL AND conversation_id IS NOT NULL;
    CREATE INDEX participants_by_evaluation ON participants(evaluation);
    """,
    """
    ALTER TABLE rounds ADD COLUMN max_participants INTEGER NOT NULL DEFAULT 30;
    """,
    """
    CREATE TABLE corrections (
        id INTEGER PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        turn INTEGER NOT NULL,
        field TEXT NOT NULL,
        coded TEXT NOT NULL,
        corrected TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX corrections_by_conversation ON corrections(conversation_id, turn);
    """,
]


class StoreError(SimulatorError):
    """The database cannot be read or written right now."""


def store_problem(path: Path, exc: sqlite3.Error, waited_s: float) -> str:
    """A message for people about a failed database operation."""
    detail = str(exc).lower()
    kept = "What was saved before is intact; the last change was not saved"
    if "locked" in detail or "busy" in detail:
        return (
            f"{path}: the conversation database is locked by another program (waited "
            f"{waited_s:g} s). {kept}: close the other program or try again in a moment."
        )
    if "readonly" in detail or "read-only" in detail or "unable to open" in detail:
        return (
            f"{path}: the conversation database cannot be written (the file or its folder is "
            f"read-only). {kept}: make it writable or start with another --data-dir."
        )
    if "not a database" in detail or "malformed" in detail or "corrupt" in detail:
        return (
            f"{path}: this file is not a readable conversation database ({exc}). Nothing was "
            "changed in it: move it aside (the app will start a new one) or choose another "
            "--data-dir."
        )
    return f"{path}: the conversation database failed ({exc}). {kept}; try again."


class Store:
    """Conversations in one SQLite file."""

    def __init__(self, path: Path, *, busy_timeout_s: float = 15.0) -> None:
        self.path = path
        self.busy_timeout_s = busy_timeout_s
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # SQLite gives its -wal, -shm and -journal files the database file's mode: a private
            # database keeps them private. Copies left by older versions are tightened too.
            for suffix in ("", "-wal", "-shm", "-journal"):
                sidecar = path.with_name(path.name + suffix)
                if not suffix or sidecar.exists():
                    private_file(sidecar)
        except OSError as exc:
            raise StoreError(f"{path}: cannot create the data folder or database ({exc})") from None
        with self._connect() as db:
            self._migrate(db)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction; SQLite's errors become a StoreError that says what
        happened and that nothing saved before was changed."""
        try:
            db = sqlite3.connect(self.path, timeout=self.busy_timeout_s)
            try:
                db.execute("PRAGMA foreign_keys = ON")
                with db:
                    yield db
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise StoreError(store_problem(self.path, exc, self.busy_timeout_s)) from None

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(
                "the database was written by a newer version of the simulator; nothing was "
                "changed in it"
            )
        if version < len(MIGRATIONS):
            db.execute("PRAGMA journal_mode = WAL")
        for number in range(version, len(MIGRATIONS)):
            db.executescript(
                "BEGIN;" + MIGRATIONS[number] + f"PRAGMA user_version = {number + 1};COMMIT;"
            )

    def create(self, conversation: Conversation) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO conversations (id, persona_id, persona_json, difficulty, model, "
                "trim_from, created_at, updated_at, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    conversation.id,
                    conversation.persona.id,
                    conversation.persona.model_dump_json(),
                    conversation.difficulty,
                    conversation.model,
                    conversation.trim_from,
                    conversation.created_at,
                    conversation.updated_at,
                    conversation.owner,
                ),
            )
            for index, turn in enumerate(conversation.turns):
                self._insert_turn(db, conversation.id, index, turn)

    def add_turn(self, conversation: Conversation, turn: Turn) -> None:
        """Append `turn` to the conversation, in memory and on disk."""
        index = len(conversation.turns)
        with self._connect() as db:
            self._insert_turn(db, conversation.id, index, turn)
            conversation.updated_at = now()
            db.execute(
                "UPDATE conversations SET updated_at = ?, trim_from = ? WHERE id = ?",
                (conversation.updated_at, conversation.trim_from, conversation.id),
            )
        conversation.turns.append(turn)

    def update_turn(self, conversation: Conversation, index: int) -> None:
        """Write back what the app changed in turn `index` after it was added: the text sent to
        the model and the stats (a turn found off topic only once the reply showed it)."""
        turn = conversation.turns[index]
        with self._connect() as db:
            db.execute(
                "UPDATE turns SET prompt_text = ?, stats_json = ? "
                "WHERE conversation_id = ? AND idx = ?",
                (turn.prompt_text, json.dumps(turn.stats), conversation.id, index),
            )

    @staticmethod
    def _insert_turn(db: sqlite3.Connection, conversation_id: str, index: int, turn: Turn) -> None:
        db.execute(
            "INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                conversation_id,
                index,
                turn.speaker,
                turn.text,
                turn.prompt_text,
                turn.state.model_dump_json() if turn.state else None,
                json.dumps(turn.stats),
                turn.created_at,
            ),
        )

    def load(self, conversation_id: str) -> Conversation:
        with self._connect() as db:
            row = db.execute(
                "SELECT persona_json, difficulty, model, trim_from, created_at, updated_at, "
                "owner FROM conversations WHERE id = ?",
                (conversation_id,),
            ).fetchone()
            if row is None:
                raise SimulatorError(f"no saved conversation with id '{conversation_id}'")
            rows = db.execute(
                "SELECT speaker, text, prompt_text, state_json, stats_json, created_at "
                "FROM turns WHERE conversation_id = ? ORDER BY idx",
                (conversation_id,),
            ).fetchall()
        turns = [
            Turn(
                speaker=speaker,
                text=text,
                prompt_text=prompt_text,
                state=PersonaState.model_validate_json(state) if state else None,
                stats=json.loads(stats),
                created_at=created,
            )
            for speaker, text, prompt_text, state, stats, created in rows
        ]
        return Conversation(
            id=conversation_id,
            persona=load_snapshot(
                Persona, row[0], f"conversation {conversation_id} (its persona)", StoreError
            ),
            difficulty=row[1],
            model=row[2],
            trim_from=row[3],
            created_at=row[4],
            updated_at=row[5],
            owner=row[6],
            turns=turns,
        )

    def save_evaluation(self, conversation_id: str, rubric: str, report_json: str) -> None:
        """Keep an evaluation; re-running one adds a new row, earlier ones stay."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO evaluations VALUES (?, ?, ?, ?)",
                (conversation_id, rubric, now(), report_json),
            )

    def latest_evaluation(self, conversation_id: str) -> str | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT report_json FROM evaluations WHERE conversation_id = ? "
                "ORDER BY created_at DESC, rowid DESC LIMIT 1",
                (conversation_id,),
            ).fetchone()
        return row[0] if row else None

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """Run one statement in its own transaction (for the modules that own other tables)."""
        with self._connect() as db:
            return list(db.execute(sql, params).fetchall())

    def list(self, limit: int = 50, owner: str | None = None) -> list[dict[str, object]]:
        """Recent conversations, newest first, with their persona and turn count: all of them,
        or only those of `owner`."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT c.id, c.persona_id, json_extract(c.persona_json, '$.name'), c.difficulty,"
                " c.updated_at, COUNT(t.idx) FROM conversations c LEFT JOIN turns t"
                " ON t.conversation_id = c.id WHERE ? IS NULL OR c.owner = ?"
                " GROUP BY c.id ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?",
                (owner, owner, limit),
            ).fetchall()
        keys = ("id", "persona", "name", "difficulty", "updated_at", "turns")
        return [dict(zip(keys, row, strict=False)) for row in rows]
