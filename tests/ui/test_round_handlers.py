from __future__ import annotations

import pytest

from simulator.errors import InputError
from simulator.rounds.facilitator import AccessDenied, FacilitatorGate
from simulator.rounds.service import person_of
from simulator.ui.round_handlers import FacilitatorHandlers, ParticipantHandlers
from tests.conftest import COACHING_SCRIPT, TELLING_SCRIPT
from tests.rounds.test_service import Clock, drain, service_for


def test_participant_flow_with_clock_warning_and_feedback(tmp_path, library) -> None:
    clock = Clock()
    service = service_for(tmp_path / "c.db", library, clock)
    facilitator = FacilitatorHandlers(service, FacilitatorGate("pass"))
    token = facilitator.unlock("pass")
    round_id, note = facilitator.create(
        token, "Morning", ["wants-promotion"], "hard", 2, "coaching"
    )
    code = service.round(round_id).code
    assert code in note
    me = ParticipantHandlers(service)
    pid, brief = me.join(code, "Lee", "lees-browser")
    assert "Mei Lin Zhou" in brief and "2 minutes" in brief
    assert me.tick(pid) == ("Press Start when you're ready.", False, False)
    history = me.start(pid)
    assert history[0]["role"] == "assistant"
    assert me.tick(pid) == ("⏱ 2:00 left", True, False)
    final_history, status = list(me.send(pid, "What does promotion mean to you?"))[-1]
    assert status == "Saved." and final_history[-2]["content"].startswith("What does")
    clock.now += 65
    assert me.tick(pid)[0] == "⏱ 0:55 left — ⚠️ one minute left"
    clock.now += 60
    assert me.tick(pid) == ("⏰ Time is up: the PM is wrapping up…", False, False)
    service.sweep()
    assert me.tick(pid) == ("The conversation has ended.", False, True)
    rows, scores, svg, people = facilitator.dashboard(token, round_id)
    assert rows[0][0] == "Lee" and rows[0][2] == "finished" and people == [("Lee", pid)]
    assert scores["data"][0][0] == "Lee" and svg.startswith("<svg")
    assert scores["headers"] == ["Participant", *service.rubrics.get("coaching").names().values()]
    facilitator.override(token, pid, "powerful_questioning", "4", 1, "A good opening question")
    text = me.feedback(pid)
    assert "From your facilitator" in text and "facilitator 4 (turn 1)" in text
    chart, table = me.my_progress(pid)
    assert "<svg" in chart and "1 evaluated sessions" in table
    restored_brief, restored = me.restore(pid)  # a reload or a new browser tab
    assert "Mei Lin Zhou" in restored_brief and restored[1]["content"].startswith("What does")


def test_dashboard_refuses_without_the_passcode(tmp_path, library) -> None:
    service = service_for(tmp_path / "c.db", library)
    facilitator = FacilitatorHandlers(service, FacilitatorGate("pass"))
    for call in (
        lambda t: facilitator.round_choices(t),
        lambda t: facilitator.dashboard(t, "x"),
        lambda t: facilitator.create(t, "R", ["wants-promotion"], "easy", 5, "coaching"),
        lambda t: facilitator.export_csv(t, "x"),
        lambda t: facilitator.progress(t, "Lee"),
        lambda t: facilitator.people(t),
    ):
        with pytest.raises(AccessDenied):
            call(None)
        with pytest.raises(AccessDenied):
            call("made-up")
    assert service.rounds() == []
    participant = ParticipantHandlers(service)
    with pytest.raises(Exception, match="join a round first"):
        drain(participant.send("someone-elses-id", "hello"))


def finished_session(me: ParticipantHandlers, pid: str, lines: list[str]) -> None:
    me.start(pid)
    for line in lines:
        list(me.send(pid, line))
    me.finish(pid)


def test_typing_someones_name_reaches_nothing_of_theirs(tmp_path, library) -> None:
    """The red team's attack: join a later round under the victim's display name from another
    browser. The attacker sees none of the victim's history and cannot change it, and the
    victim still joins new rounds under their own name."""
    service = service_for(tmp_path / "c.db", library)
    facilitator = FacilitatorHandlers(service, FacilitatorGate("pass"))
    token = facilitator.unlock("pass")
    me = ParticipantHandlers(service)

    def new_round() -> str:
        round_id, _ = facilitator.create(token, "R", ["roadmap-gave-in"], "medium", 10, "coaching")
        return service.round(round_id).code

    first = new_round()
    alice, _ = me.join(first, "Alice Victim", "alices-browser")
    finished_session(me, alice, COACHING_SCRIPT[:4])
    alices_view = me.my_progress(alice)
    assert "1 evaluated sessions" in alices_view[1]
    [(label, alice_person)] = facilitator.people(token)
    alices_record = facilitator.progress(token, alice_person)

    second = new_round()
    mallory, _ = me.join(second, "alice victim", "mallorys-browser")
    chart, table = me.my_progress(mallory)  # sees nothing of Alice's
    assert "0 evaluated sessions" in table and "<svg" not in chart
    finished_session(me, mallory, TELLING_SCRIPT[:4])  # a bad session under her name
    assert me.my_progress(alice) == alices_view  # Alice's history is unchanged
    assert facilitator.progress(token, alice_person) == alices_record
    people = dict((person, label) for label, person in facilitator.people(token))
    assert len(people) == 2 and people[alice_person] == label  # two people, told apart

    back, _ = me.join(second, "Alice Victim", "alices-browser")  # the name is not taken
    assert back not in (alice, mallory)
    assert service.participant(back).conversation_id is None
    names = [row[0] for row in facilitator.dashboard(token, service.round_by_code(second).id)[0]]
    assert names == ["alice victim", "Alice Victim (2)"]
    again, _ = me.join(first, "Alice Victim", "mallorys-browser")  # the first round, too
    assert again != alice and service.participant(again).conversation_id is None
    assert me.returning("alices-browser") == back and me.returning("nobody") is None


def test_earlier_rounds_keep_their_history_after_the_upgrade(tmp_path, library) -> None:
    """A database from before personal identities: each name's sessions stay together under a
    key no browser can hold, so typing that name later does not reach them."""
    import sqlite3

    from simulator.storage.store import MIGRATIONS

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        for number, script in enumerate(MIGRATIONS[:4]):
            db.executescript(script + f"PRAGMA user_version = {number + 1};")
        db.execute(
            "INSERT INTO rounds VALUES ('r1', 'ABCDEF', 'R', '[\"roadmap-gave-in\"]', "
            "'medium', 10, 'coaching', '2026-01-01')"
        )
        db.execute(
            "INSERT INTO participants (id, round_id, name, name_key, persona_id, "
            "joined_at, finished_at) VALUES ('p1', 'r1', 'Bea', 'bea', 'roadmap-gave-in', "
            "1, 2)"
        )
    service = service_for(path, library)
    assert service.participant("p1").person == "legacy:bea"
    assert [p for _, p in service.people()] == ["legacy:bea"]
    newcomer = service.join("ABCDEF", "Bea", person_of("someone"))
    assert newcomer.person != "legacy:bea" and newcomer.id != "p1"


def test_a_round_is_capped_and_the_31st_join_is_refused(tmp_path, library) -> None:
    service = service_for(tmp_path / "c.db", library)
    facilitator = FacilitatorHandlers(service, FacilitatorGate("pass"))
    token = facilitator.unlock("pass")
    me = ParticipantHandlers(service)
    round_id, note = facilitator.create(token, "Big", ["roadmap-gave-in"], "easy", 5, "coaching")
    assert "up to 30 participants" in note
    code = service.round(round_id).code
    seats = [me.join(code, f"Manager {n}", f"browser-{n}")[0] for n in range(30)]
    with pytest.raises(InputError, match=r"this round is full \(30 participants\)"):
        me.join(code, "Manager 31", "browser-31")
    assert me.join(code, "Manager 0", "browser-0")[0] == seats[0]  # a seat holder comes back
    small, _ = facilitator.create(token, "Small", ["roadmap-gave-in"], "easy", 5, "coaching", 2)
    code = service.round(small).code
    me.join(code, "A", "a")
    me.join(code, "B", "b")
    with pytest.raises(InputError, match=r"full \(2 participants\)"):
        me.join(code, "C", "c")
    with pytest.raises(InputError, match="between 1 and 200"):
        facilitator.create(token, "Huge", ["roadmap-gave-in"], "easy", 5, "coaching", 301)


def test_the_dashboard_does_not_sweep(tmp_path, library, monkeypatch) -> None:
    clock = Clock()
    service = service_for(tmp_path / "c.db", library, clock)
    facilitator = FacilitatorHandlers(service, FacilitatorGate("pass"))
    token = facilitator.unlock("pass")
    round_id, _ = facilitator.create(token, "R", ["roadmap-gave-in"], "easy", 1, "coaching")
    pid, _ = ParticipantHandlers(service).join(service.round(round_id).code, "Lee", "lee")
    service.start(pid)
    clock.now += 61

    def no_sweeping() -> int:
        raise AssertionError("the dashboard request swept")

    monkeypatch.setattr(service, "sweep", no_sweeping)
    rows, *_ = facilitator.dashboard(token, round_id)
    assert rows[0][2] == "time up"  # until the background sweeper closes it
    monkeypatch.undo()
    service.sweep()
    assert facilitator.dashboard(token, round_id)[0][0][2] == "finished"


def test_a_client_joining_or_starting_many_times_quickly_is_refused(tmp_path, library) -> None:
    from simulator.ui.limits import JOINS_PER_MINUTE, STARTS_PER_MINUTE, RateLimit
    from simulator.ui.practice_handlers import PracticeHandlers

    service = service_for(tmp_path / "c.db", library)
    code = service.create_round("R", ["roadmap-gave-in"], "easy", 5, "coaching", 200).code
    me = ParticipantHandlers(service)
    for n in range(JOINS_PER_MINUTE):
        me.join(code, f"Bot {n}", f"bot-{n}", "203.0.113.9")
    with pytest.raises(InputError, match=r"too many joins from this computer; wait \d+ s"):
        me.join(code, "Bot", "bot-x", "203.0.113.9")
    me.join(code, "Ana", "ana", "192.0.2.1")  # someone else is not held up
    practice = PracticeHandlers(service.practice, library)
    for _ in range(STARTS_PER_MINUTE):
        practice.start("roadmap-gave-in", "easy", "bot", "203.0.113.9")
    with pytest.raises(InputError, match="too many new conversations"):
        practice.start("roadmap-gave-in", "easy", "bot", "203.0.113.9")
    clock = Clock()
    limit = RateLimit(2, "joins", clock)
    limit.take("a")
    clock.now += 30
    limit.take("a")
    with pytest.raises(InputError, match="wait 31 s"):
        limit.take("a")
    clock.now += 31  # the first one has left the last minute
    limit.take("a")


def test_the_new_round_form_shows_the_participant_cap(tmp_path, library) -> None:
    from simulator.ui.app import build_app
    from simulator.ui.practice_handlers import PracticeHandlers
    from simulator.ui.studio_handlers import StudioHandlers

    service = service_for(tmp_path / "c.db", library)
    handlers = PracticeHandlers(service.practice, library)
    gate = FacilitatorGate("pass")
    app = build_app(handlers, StudioHandlers(gate, handlers, handlers), service)
    [most] = [
        c["props"]
        for c in app.get_config_file()["components"]
        if c.get("props", {}).get("elem_id") == "new-round-most"
    ]
    assert most["value"] == 30 and most["label"] == "Most participants"
