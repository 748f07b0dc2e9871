from __future__ import annotations

import csv
import io
import json
import threading
import zipfile

import pytest

from simulator.backends.scripted import ScriptedBackend
from simulator.conversation.practice import Practice
from simulator.errors import InputError, SimulatorError
from simulator.rounds.dashboard import (
    export_zip,
    gap_map,
    progress,
    score_rows,
    scores_csv,
    status_rows,
)
from simulator.rounds.service import RoundService
from simulator.storage.store import Store


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def service_for(path, library, clock=None) -> RoundService:  # type: ignore[no-untyped-def]
    backend = ScriptedBackend(default=lambda m: f"Reply {len(m)}: I'm turning it over, honestly.")
    return RoundService(Practice(backend, Store(path)), library, clock or Clock())


def drain(stream) -> str:  # type: ignore[no-untyped-def]
    final = None
    for reply in stream:
        final = reply
    return final.text


def test_six_participants_at_once_keep_their_own_turns(tmp_path, library) -> None:
    service = service_for(tmp_path / "c.db", library)
    round_ = service.create_round(
        "Tuesday cohort", ["roadmap-gave-in", "missed-deadlines", "wants-promotion"], "medium", 10
    )
    errors: list[str] = []

    def participant(n: int) -> None:
        try:
            me = service.join(round_.code.lower(), f"Manager {n}")
            service.start(me.id)
            for turn in range(3):
                drain(service.say(me.id, f"Manager {n} asks question {turn}: what's going on?"))
            service.finish(me.id)
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=participant, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    people = service.participants(round_.id)
    assert len(people) == 6
    assert [p.persona_id for p in people] == [
        "roadmap-gave-in",
        "missed-deadlines",
        "wants-promotion",
    ] * 2  # round-robin
    for p in people:
        conversation = service.store.load(p.conversation_id)
        manager = [t.text for t in conversation.turns if t.speaker == "manager"]
        assert manager == [f"{p.name} asks question {k}: what's going on?" for k in range(3)]
        assert conversation.persona.id == p.persona_id
        assert service.report(p.id) is not None  # every evaluation stored
    assert [row[2] for row in status_rows(service, round_.id)] == ["finished"] * 6


def test_restart_mid_round_keeps_deadline_and_transcript(tmp_path, library) -> None:
    clock = Clock()
    first = service_for(tmp_path / "c.db", library, clock)
    round_ = first.create_round("R", ["status-report-1on1"], "easy", 5)
    me = first.join(round_.code, "Ada")
    first.start(me.id)
    drain(first.say(me.id, "What's on your mind?"))
    clock.now += 120
    second = service_for(tmp_path / "c.db", library, clock)  # the app restarted
    again = second.participant(me.id)
    assert again.seconds_left(clock.now) == pytest.approx(180)
    assert second.start(me.id).id == again.conversation_id  # resumes, no new conversation
    drain(second.say(me.id, "Tell me more."))
    texts = [t.text for t in second.store.load(again.conversation_id).turns]
    assert "What's on your mind?" in texts and "Tell me more." in texts


def test_time_up_wraps_up_in_character_evaluates_and_closes_input(tmp_path, library) -> None:
    clock = Clock()
    service = service_for(tmp_path / "c.db", library, clock)
    round_ = service.create_round("R", ["launch-postmortem"], "medium", 1)
    me = service.join(round_.code, "Grace")
    service.start(me.id)
    drain(service.say(me.id, "How are you feeling about the launch?"))
    clock.now += 30
    assert service.sweep() == 0 and status_rows(service, round_.id)[0][2].endswith("0:30 left")
    clock.now += 31
    assert service.sweep() == 1
    conversation = service.store.load(
        me.conversation_id or service.participant(me.id).conversation_id
    )
    assert conversation.turns[-1].speaker == "persona" and conversation.turns[-1].stats["wrap_up"]
    assert service.participant(me.id).finish_reason == "time up"
    assert service.report(me.id) is not None
    with pytest.raises(InputError, match="closed"):
        drain(service.say(me.id, "One more thing"))
    assert service.sweep() == 0  # closing twice does nothing


def test_join_errors(tmp_path, library) -> None:
    service = service_for(tmp_path / "c.db", library)
    round_ = service.create_round("R", ["roadmap-gave-in"], "medium", 5)
    sam = service.join(round_.code, "Sam", "person-1")
    assert service.join(round_.code, "Someone else", "person-1") == sam  # one seat per person
    other = service.join(round_.code, "  sam ", "person-2")  # a name is a label, not a key
    assert other.id != sam.id
    assert [p.name for p in service.participants(round_.id)] == ["Sam", "sam (2)"]
    with pytest.raises(InputError, match="no round with the code"):
        service.join("NOPE42", "Kim")
    with pytest.raises(InputError, match="display name"):
        service.join(round_.code, "   ")
    with pytest.raises(SimulatorError, match="join a round first"):
        service.participant("forged-id")
    with pytest.raises(InputError, match="at least one persona"):
        service.create_round("R", [], "medium", 5)


def test_overrides_exports_gap_map_and_progress(tmp_path, library) -> None:
    service = service_for(tmp_path / "c.db", library)
    round_ = service.create_round("R", ["roadmap-gave-in"], "medium", 5)
    ada = service.join(round_.code, "Ada")
    conversation = service.start(ada.id)
    drain(service.say(ada.id, "What's on your mind?"))
    drain(service.say(ada.id, "It sounds like that review is still bothering you."))
    report = service.finish(ada.id)
    assert report is not None
    auto = {c.id: c.level for c in report.competencies}
    with pytest.raises(InputError, match="comment"):
        service.override(conversation.id, "active_listening", 4, " ", 3)
    with pytest.raises(InputError, match="turn 99"):
        service.override(conversation.id, "active_listening", 4, "Good reflection", 99)
    service.override(conversation.id, "active_listening", 4, "The reflection at 3 was strong", 3)
    row = score_rows(service, round_.id)[0]
    assert row[0] == "Ada" and row[1] == f"{auto['active_listening']} → 4 (override)"
    assert service.report(ada.id).competencies[0].level == auto["active_listening"]  # kept
    rows = list(csv.DictReader(io.StringIO(scores_csv(service, round_))))
    listening = next(r for r in rows if r["competency"] == "active_listening")
    assert listening["automatic_level"] == str(auto["active_listening"])
    assert listening["override_level"] == "4" and listening["override_turn"] == "3"
    assert len(rows) == 4
    gaps = gap_map(service, round_.id)
    assert [g[1] for g in gaps] == sorted(g[1] for g in gaps)
    assert ("Active listening", 4.0, 1) in gaps  # the rubric's names, as the chart shows them
    path = export_zip(service, round_, tmp_path / "exports")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        transcript = json.loads(archive.read(next(n for n in names if "transcript" in n)))
    assert any(n.endswith("evaluation.md") for n in names) and "scores.csv" in names
    assert transcript["persona"] == "roadmap-gave-in"
    mine = progress(service, library, ada.person)
    assert len(mine.sessions) == 1 and mine.latest["active_listening"] == 4
    assert mine.first == mine.latest and "Practise" in mine.suggestion


def test_round_conversations_are_not_listed_in_anyones_practice_view(tmp_path, library) -> None:
    service = service_for(tmp_path / "c.db", library)
    round_ = service.create_round("Cohort", ["roadmap-gave-in"], "medium", 10)
    me = service.join(round_.code, "Ana")
    conversation = service.start(me.id)
    assert conversation.owner == me.id
    assert service.store.list(owner="") == [] and service.store.list(owner="someone") == []
    assert [row["id"] for row in service.store.list(owner=me.id)] == [conversation.id]


class Crash(BaseException):
    """The process dies here (nothing catches a BaseException that is not an Exception)."""


def finished_but_killed_while_evaluating(path, library, monkeypatch, clock):  # type: ignore[no-untyped-def]
    """A participant finished, and the app was killed while their evaluation was running."""
    from simulator.scoring.evaluate import Evaluator

    service = service_for(path, library, clock)
    round_ = service.create_round("R", ["roadmap-gave-in"], "medium", 10)
    me = service.join(round_.code, "Ada")
    service.start(me.id)
    drain(service.say(me.id, "What's on your mind?"))

    def killed(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise Crash

    with monkeypatch.context() as patched:
        patched.setattr(Evaluator, "evaluate", killed)
        with pytest.raises(Crash):
            service.finish(me.id)
    return round_, me


def test_an_evaluation_cut_short_by_a_crash_is_done_after_the_restart(
    tmp_path, library, monkeypatch
) -> None:
    from simulator.ui.round_handlers import ParticipantHandlers

    clock = Clock()
    round_, me = finished_but_killed_while_evaluating(
        tmp_path / "c.db", library, monkeypatch, clock
    )
    restarted = service_for(tmp_path / "c.db", library, clock)  # a new process
    assert restarted.report(me.id) is None
    assert status_rows(restarted, round_.id)[0][2] == "finished (scoring…)"
    text, typing, ended = ParticipantHandlers(restarted).tick(me.id)
    assert "being prepared" in text and not typing and not ended  # the page keeps asking
    restarted.sweep()  # what the background sweeper does every few seconds
    assert restarted.report(me.id) is not None
    assert status_rows(restarted, round_.id)[0][2] == "finished"
    assert ParticipantHandlers(restarted).tick(me.id) == (
        "The conversation has ended.",
        False,
        True,
    )
    conversation = restarted.participant(me.id).conversation_id
    restarted.sweep()
    assert (
        len(
            restarted.store.execute(
                "SELECT 1 FROM evaluations WHERE conversation_id = ?", (conversation,)
            )
        )
        == 1
    )


def test_an_evaluation_blocked_by_a_locked_database_is_retried(
    tmp_path, library, monkeypatch
) -> None:
    import sqlite3

    clock = Clock()
    path = tmp_path / "c.db"
    _, me = finished_but_killed_while_evaluating(path, library, monkeypatch, clock)
    backend = ScriptedBackend(default=lambda m: "Reply")
    restarted = RoundService(Practice(backend, Store(path, busy_timeout_s=0.2)), library, clock)
    other_program = sqlite3.connect(path)
    other_program.execute("BEGIN IMMEDIATE")  # holds the write lock
    try:
        restarted.sweep()  # cannot store the evaluation: postponed, not lost, not raised
        assert restarted.report(me.id) is None
        assert restarted.participant(me.id).evaluation == "pending"
    finally:
        other_program.rollback()
        other_program.close()
    restarted.sweep()  # the next sweep, once the lock is gone
    assert restarted.report(me.id) is not None
    assert restarted.participant(me.id).evaluation == "done"


def test_conversations_stuck_scoring_before_the_upgrade_are_evaluated(tmp_path, library) -> None:
    """A database from before evaluation jobs, with a participant whose evaluation a crash cut
    short: the upgrade records the job as pending and the sweep does it."""
    import sqlite3

    from simulator.storage.store import MIGRATIONS

    path = tmp_path / "old.db"
    persona = library.get("roadmap-gave-in")
    with sqlite3.connect(path) as db:
        for number, script in enumerate(MIGRATIONS[:4]):
            db.executescript(script + f"PRAGMA user_version = {number + 1};")
        db.execute(
            "INSERT INTO conversations VALUES ('c1', ?, ?, 'medium', '', 0, 't', 't', 'p1')",
            (persona.id, persona.model_dump_json()),
        )
        for idx, (speaker, text) in enumerate(
            [("persona", "Thanks for making time."), ("manager", "What's on your mind?")]
        ):
            db.execute(
                "INSERT INTO turns (conversation_id, idx, speaker, text, created_at) "
                "VALUES ('c1', ?, ?, ?, 't')",
                (idx, speaker, text),
            )
        db.execute(
            "INSERT INTO rounds VALUES ('r1', 'ABCDEF', 'R', ?, 'medium', 10, 'coaching', 't')",
            (json.dumps([persona.id]),),
        )
        db.execute(
            "INSERT INTO participants (id, round_id, name, name_key, persona_id, "
            "conversation_id, joined_at, deadline, finished_at, finish_reason) "
            "VALUES ('p1', 'r1', 'Bea', 'bea', ?, 'c1', 1, 601, 300, 'finished early')",
            (persona.id,),
        )
    service = service_for(path, library)
    assert service.participant("p1").evaluation == "pending"
    assert status_rows(service, "r1")[0][2] == "finished (scoring…)"
    service.sweep()
    assert service.report("p1") is not None
    assert status_rows(service, "r1")[0][2] == "finished"
