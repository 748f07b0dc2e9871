"""Timed practice rounds for a cohort: join codes, server-side deadlines, automatic feedback.

Deadlines are wall-clock times stored in SQLite, so a reload or an app restart mid-round
resumes with the right time left, and every turn is saved as it happens.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from simulator.conversation.practice import Practice, Reply
from simulator.conversation.state import DIFFICULTIES
from simulator.conversation.transcript import Conversation, TranscriptTurn, now
from simulator.errors import InputError, SimulatorError
from simulator.personas.library import PersonaLibrary
from simulator.scoring.evaluate import Evaluator, Report
from simulator.scoring.rubric import RubricLibrary
from simulator.storage.store import StoreError

log = logging.getLogger(__name__)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I
WARNING_S = 60
MAX_EVALUATION_ATTEMPTS = 3  # an evaluation that fails this often for other reasons stops
MAX_NAME = 40
DEFAULT_MAX_PARTICIPANTS = 30
MOST_PARTICIPANTS = 200  # the dashboard reads every participant's report on each refresh
PARTICIPANT_COLUMNS = (
    "id, round_id, name, persona_id, conversation_id, deadline, finished_at, finish_reason, "
    "person, evaluation"
)


@dataclass(frozen=True)
class Round:
    id: str
    code: str
    name: str
    personas: list[str]
    difficulty: str
    minutes: float
    rubric: str
    max_participants: int = DEFAULT_MAX_PARTICIPANTS


@dataclass(frozen=True)
class Participant:
    id: str
    round_id: str
    name: str
    persona_id: str
    conversation_id: str | None
    deadline: float | None
    finished_at: float | None
    finish_reason: str | None
    person: str = ""  # who this is across rounds (see `person_of`); never shown
    evaluation: str | None = None  # the evaluation job: pending, done or failed

    def status(self, at: float) -> str:
        if self.finished_at is not None:
            return "finished"
        if self.deadline is None:
            return "not started"
        return "in progress" if at < self.deadline else "time up"

    def seconds_left(self, at: float) -> float | None:
        if self.deadline is None or self.finished_at is not None:
            return None
        return max(0.0, self.deadline - at)


def person_of(owner: str) -> str:
    """The identity across rounds of whoever holds the browser secret `owner`: a one-way
    digest, so the database and the facilitator's screens never carry the secret itself."""
    return hashlib.sha256(f"round-person:{owner}".encode()).hexdigest()[:32]


def clean_name(name: str, what: str = "display name") -> str:
    text = " ".join("".join(ch for ch in name if ch.isprintable()).split())
    if not text:
        raise InputError(f"enter a {what}")
    if len(text) > MAX_NAME:
        raise InputError(f"the {what} is {len(text)} characters long; the limit is {MAX_NAME}")
    return text


class RoundService:
    """Rounds, participants and their conversations, over the practice store."""

    def __init__(
        self,
        practice: Practice,
        library: PersonaLibrary,
        clock: Callable[[], float] = time.time,
        rubrics: RubricLibrary | None = None,
    ) -> None:
        self.practice = practice
        self.store = practice.store
        self.library = library
        self.rubrics = rubrics or RubricLibrary()
        self.clock = clock
        self._busy: set[str] = set()  # participants being finished or evaluated
        self._lock = threading.Lock()

    # --- facilitator side -------------------------------------------------------------
    def create_round(
        self,
        name: str,
        personas: list[str],
        difficulty: str,
        minutes: float,
        rubric: str = "coaching",
        max_participants: int = DEFAULT_MAX_PARTICIPANTS,
    ) -> Round:
        if not personas:
            raise InputError("choose at least one persona")
        for persona_id in personas:
            self.library.get(persona_id)
        if difficulty not in DIFFICULTIES:
            raise InputError(f"difficulty must be one of {', '.join(DIFFICULTIES)}")
        if not 0 < minutes <= 180:
            raise InputError("the duration must be between a few seconds and 180 minutes")
        if not 1 <= max_participants <= MOST_PARTICIPANTS:
            raise InputError(f"the most participants must be between 1 and {MOST_PARTICIPANTS}")
        self.rubrics.get(rubric)
        round_ = Round(
            uuid.uuid4().hex[:12],
            self._new_code(),
            clean_name(name or "Round", "round name"),
            list(personas),
            difficulty,
            float(minutes),
            rubric,
            int(max_participants),
        )
        self.store.execute(
            "INSERT INTO rounds (id, code, name, personas_json, difficulty, minutes, rubric, "
            "created_at, max_participants) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                round_.id,
                round_.code,
                round_.name,
                json.dumps(round_.personas),
                difficulty,
                round_.minutes,
                rubric,
                now(),
                round_.max_participants,
            ),
        )
        return round_

    def _new_code(self) -> str:
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
            if not self.store.execute("SELECT 1 FROM rounds WHERE code = ?", (code,)):
                return code

    def _rounds(self, where: str = "", params: tuple[object, ...] = ()) -> list[Round]:
        rows = self.store.execute(
            "SELECT id, code, name, personas_json, difficulty, minutes, rubric, max_participants "
            "FROM rounds "
            f"{where} ORDER BY created_at DESC, rowid DESC",
            params,
        )
        return [
            Round(
                str(r[0]),
                str(r[1]),
                str(r[2]),
                json.loads(str(r[3])),
                str(r[4]),
                float(str(r[5])),
                str(r[6]),
                int(str(r[7])),
            )
            for r in rows
        ]

    def rounds(self) -> list[Round]:
        return self._rounds()

    def round_by_code(self, code: str) -> Round:
        found = self._rounds("WHERE code = ?", (code.strip().upper(),))
        if not found:
            raise InputError(
                f"no round with the code '{code.strip()}'; check it with your facilitator"
            )
        return found[0]

    def round(self, round_id: str) -> Round:
        found = self._rounds("WHERE id = ?", (round_id,))
        if not found:
            raise SimulatorError(f"no round with id '{round_id}'")
        return found[0]

    def participants(self, round_id: str) -> list[Participant]:
        """Everyone in the round, in the order they joined. A display name that someone earlier
        in the round already uses gets a number ("Sam (2)"): names are labels, and the
        facilitator must still tell people apart."""
        rows = self.store.execute(
            f"SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE round_id = ? "
            "ORDER BY joined_at, rowid",
            (round_id,),
        )
        seen: dict[str, int] = {}
        people = []
        for row in rows:
            p = self._participant(row)
            key = p.name.casefold()
            seen[key] = seen.get(key, 0) + 1
            people.append(p if seen[key] == 1 else replace(p, name=f"{p.name} ({seen[key]})"))
        return people

    @staticmethod
    def _participant(r: tuple[object, ...]) -> Participant:
        return Participant(
            str(r[0]),
            str(r[1]),
            str(r[2]),
            str(r[3]),
            None if r[4] is None else str(r[4]),
            None if r[5] is None else float(str(r[5])),
            None if r[6] is None else float(str(r[6])),
            None if r[7] is None else str(r[7]),
            str(r[8]),
            None if r[9] is None else str(r[9]),
        )

    # --- participant side ---------------------------------------------------------------
    def join(self, code: str, name: str, person: str | None = None) -> Participant:
        """A seat in the round for `person` (from `person_of`; persona assigned round-robin).
        The same person joining again gets their seat back. The display name is a label only:
        progress across rounds follows `person`, so typing someone's name reaches nothing of
        theirs. Without a person the seat belongs to nobody else's history."""
        round_ = self.round_by_code(code)
        display = clean_name(name)
        who = person or f"once:{secrets.token_hex(16)}"
        with self._lock:
            rows = self.store.execute(
                "SELECT id FROM participants WHERE round_id = ? AND person = ?",
                (round_.id, who),
            )
            if rows:
                return self.participant(str(rows[0][0]))
            count = len(self.participants(round_.id))
            if count >= round_.max_participants:
                raise InputError(
                    f"this round is full ({round_.max_participants} participants); ask your "
                    "facilitator for another round"
                )
            participant_id = secrets.token_urlsafe(16)
            persona_id = round_.personas[count % len(round_.personas)]
            self.store.execute(
                "INSERT INTO participants (id, round_id, name, name_key, persona_id, "
                "joined_at, person) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    participant_id,
                    round_.id,
                    display,
                    display.casefold(),
                    persona_id,
                    self.clock(),
                    who,
                ),
            )
        return self.participant(participant_id)

    def seat(self, person: str) -> Participant | None:
        """The person's latest seat in any round (what a returning browser shows)."""
        rows = self.store.execute(
            f"SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE person = ? "
            "ORDER BY joined_at DESC, rowid DESC LIMIT 1",
            (person,),
        )
        return self._participant(rows[0]) if rows else None

    def people(self) -> list[tuple[str, str]]:
        """(label, person) for everyone who finished a round session, most recent first: the
        label is the latest display name, with how many sessions and a short tag, since
        different people may share a name."""
        rows = self.store.execute(
            "SELECT person, COUNT(*), MAX(finished_at), (SELECT name FROM participants q "
            "WHERE q.person = p.person ORDER BY q.joined_at DESC LIMIT 1) FROM participants p "
            "WHERE finished_at IS NOT NULL GROUP BY person ORDER BY MAX(finished_at) DESC"
        )
        people = []
        for person, count, _, name in rows:
            key = str(person)
            tag = "before identities" if key.startswith("legacy:") else f"#{key[-4:]}"
            people.append((f"{name} · {count} session{'s' * (count != 1)} · {tag}", key))
        return people

    def participant(self, participant_id: str | None) -> Participant:
        rows = self.store.execute(
            f"SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE id = ?",
            (participant_id or "",),
        )
        if not rows:
            raise SimulatorError("join a round first (enter the code from your facilitator)")
        return self._participant(rows[0])

    def start(self, participant_id: str) -> Conversation:
        """Start the conversation and the clock; starting again returns the same one."""
        participant = self.participant(participant_id)
        if participant.conversation_id:
            return self.store.load(participant.conversation_id)
        round_ = self.round(participant.round_id)
        persona = self.library.get(participant.persona_id)
        conversation = self.practice.start(
            persona,
            round_.difficulty,  # type: ignore[arg-type]
            owner=participant_id,
        )
        deadline = self.clock() + round_.minutes * 60
        self.store.execute(
            "UPDATE participants SET conversation_id = ?, deadline = ? WHERE id = ?",
            (conversation.id, deadline, participant_id),
        )
        return conversation

    def say(self, participant_id: str, text: str) -> Iterator[Reply]:
        participant = self.participant(participant_id)
        if participant.conversation_id is None:
            raise InputError("press Start first")
        if participant.status(self.clock()) != "in progress":
            raise InputError("this conversation is closed")
        conversation = self.store.load(participant.conversation_id)
        if conversation.awaiting_reply and text.strip() in ("", conversation.turns[-1].text):
            yield from self.practice.resume(conversation)
            return
        yield from self.practice.say(conversation, text)

    def _claim(self, participant_id: str) -> bool:
        """Whether this thread may close or evaluate the participant now (one at a time)."""
        with self._lock:
            if participant_id in self._busy:
                return False
            self._busy.add(participant_id)
            return True

    def _release(self, participant_id: str) -> None:
        with self._lock:
            self._busy.discard(participant_id)

    def finish(self, participant_id: str, reason: str = "finished early") -> Report | None:
        """Close the conversation (the persona wraps up if time ran out), save it and evaluate
        it. The evaluation is recorded as pending first, so one cut short by a crash or a
        locked database is done later by `sweep`. Safe to call more than once and from
        several threads."""
        if not self._claim(participant_id):
            return self.report(participant_id)
        try:
            participant = self.participant(participant_id)
            if participant.finished_at is not None:
                return self.report(participant_id)
            if participant.conversation_id is not None and reason == "time up":
                conversation = self.store.load(participant.conversation_id)
                if not conversation.awaiting_reply:
                    for _ in self.practice.wrap_up(conversation):
                        pass
            self.store.execute(
                "UPDATE participants SET finished_at = ?, finish_reason = ?, evaluation = ? "
                "WHERE id = ? AND finished_at IS NULL",
                (
                    self.clock(),
                    reason,
                    None if participant.conversation_id is None else "pending",
                    participant_id,
                ),
            )
            if participant.conversation_id is None:
                return None
            try:
                return self._evaluate(participant_id)
            except StoreError as exc:  # e.g. locked: the job stays pending, the sweep retries
                log.warning("evaluating %s is postponed: %s", participant_id, exc)
                return None
        finally:
            self._release(participant_id)

    def _evaluate(self, participant_id: str) -> Report:
        """Run the participant's evaluation job and mark it done (it is stored once only: an
        evaluation saved before a crash is not run again)."""
        participant = self.participant(participant_id)
        conversation = self.store.load(participant.conversation_id or "")
        stored = self.store.latest_evaluation(conversation.id)
        if stored:
            report = Report.model_validate_json(stored)
        else:
            round_ = self.round(participant.round_id)
            turns = [TranscriptTurn(speaker=t.speaker, text=t.text) for t in conversation.turns]
            report = Evaluator(self.rubrics.get(round_.rubric), self.practice.backend).evaluate(
                turns, conversation.persona, conversation.difficulty
            )
            self.store.save_evaluation(conversation.id, report.rubric, report.model_dump_json())
        self.store.execute(
            "UPDATE participants SET evaluation = 'done' WHERE id = ?", (participant_id,)
        )
        return report

    def sweep(self) -> int:
        """Close every conversation whose time is up, then run the evaluation jobs still
        pending (after a crash, or postponed by a locked database); returns how many
        conversations were closed."""
        rows = self.store.execute(
            "SELECT id FROM participants WHERE finished_at IS NULL AND deadline IS NOT NULL "
            "AND deadline <= ?",
            (self.clock(),),
        )
        for (participant_id,) in rows:
            self.finish(str(participant_id), "time up")
        pending = self.store.execute(
            "SELECT id FROM participants WHERE evaluation = 'pending' ORDER BY finished_at"
        )
        for (participant_id,) in pending:
            self._run_job(str(participant_id))
        return len(rows)

    def _run_job(self, participant_id: str) -> None:
        if not self._claim(participant_id):  # being finished or evaluated right now
            return
        try:
            self._evaluate(participant_id)
        except StoreError as exc:  # locked or unwritable for now: try again next sweep
            log.warning("evaluating %s is postponed: %s", participant_id, exc)
        except Exception:  # a broken job must not block the others; give up after a few
            log.exception("evaluating %s failed", participant_id)
            self.store.execute(
                "UPDATE participants SET evaluation_attempts = evaluation_attempts + 1, "
                "evaluation = CASE WHEN evaluation_attempts + 1 >= ? THEN 'failed' "
                "ELSE evaluation END WHERE id = ?",
                (MAX_EVALUATION_ATTEMPTS, participant_id),
            )
        finally:
            self._release(participant_id)

    def report(self, participant_id: str) -> Report | None:
        participant = self.participant(participant_id)
        if participant.conversation_id is None:
            return None
        stored = self.store.latest_evaluation(participant.conversation_id)
        return Report.model_validate_json(stored) if stored else None

    # --- overrides ----------------------------------------------------------------------
    def override(
        self,
        conversation_id: str,
        competency: str,
        level: int | None,
        comment: str,
        turn: int | None,
    ) -> None:
        if not comment.strip():
            raise InputError("add a comment that explains the override")
        if level is not None and not 1 <= level <= 4:
            raise InputError("the level must be 1 to 4, or 'not observed'")
        conversation = self.store.load(conversation_id)
        if turn is not None and not 0 <= turn < len(conversation.turns):
            raise InputError(
                f"turn {turn} is not in this conversation (0 to {len(conversation.turns) - 1})"
            )
        self.store.execute(
            "INSERT INTO overrides VALUES (?, ?, ?, ?, ?, ?)",
            (conversation_id, competency, level, comment.strip(), turn, now()),
        )

    def overrides(self, conversation_id: str) -> dict[str, dict[str, object]]:
        """The latest override per competency."""
        rows = self.store.execute(
            "SELECT competency, level, comment, turn FROM overrides WHERE conversation_id = ? "
            "ORDER BY created_at, rowid",
            (conversation_id,),
        )
        return {str(r[0]): {"level": r[1], "comment": r[2], "turn": r[3]} for r in rows}
