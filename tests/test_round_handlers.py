from __future__ import annotations

import pytest

from simulator.facilitator import AccessDenied, FacilitatorGate
from simulator.round_handlers import FacilitatorHandlers, ParticipantHandlers
from tests.test_rounds import Clock, drain, service_for


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
    pid, brief = me.join(code, "Lee")
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
    assert scores[0][0] == "Lee" and svg.startswith("<svg")
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
    ):
        with pytest.raises(AccessDenied):
            call(None)
        with pytest.raises(AccessDenied):
            call("made-up")
    assert service.rounds() == []
    participant = ParticipantHandlers(service)
    with pytest.raises(Exception, match="join a round first"):
        drain(participant.send("someone-elses-id", "hello"))
