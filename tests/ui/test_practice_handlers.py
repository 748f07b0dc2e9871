from __future__ import annotations

import json

import pytest

from simulator.errors import SimulatorError
from simulator.text import plain
from simulator.ui.practice_handlers import PracticeHandlers


@pytest.fixture
def handlers(practice, library) -> PracticeHandlers:
    return PracticeHandlers(practice, library)


def test_persona_choices_and_brief(handlers, library) -> None:
    choices = handlers.persona_choices()
    assert [value for _, value in choices] == library.ids()
    brief = handlers.brief("launch-postmortem")
    persona = library.get("launch-postmortem")
    assert "Daniel Weiss" in brief and "Your aim in this conversation" in brief
    assert persona.hidden_facts[0].text not in brief and persona.big_agenda not in brief


def test_start_send_stream_and_resume(handlers) -> None:
    cid, history, status = handlers.start("wants-promotion", "hard", "browser-a")
    assert history[0]["role"] == "assistant" and cid in status
    updates = list(handlers.send(cid, "What does promotion mean to you?"))
    assert len(updates) > 2
    final_history, final_status = updates[-1]
    assert [m["role"] for m in final_history] == ["assistant", "user", "assistant"]
    assert final_status == "Saved."
    assert [h[0][-1]["content"] for h in updates[:-1]] == sorted(
        (h[0][-1]["content"] for h in updates[:-1]), key=len
    )
    resumed = list(handlers.resume(cid, "browser-a"))
    assert resumed[-1][0] == final_history
    assert handlers.saved_choices("browser-a")[0][1] == cid


def test_each_browser_lists_and_resumes_only_its_own_conversations(handlers) -> None:
    mine, _, _ = handlers.start("wants-promotion", "easy", "browser-a")
    theirs, _, _ = handlers.start("roadmap-gave-in", "easy", "browser-b")
    assert [cid for _, cid in handlers.saved_choices("browser-a")] == [mine]
    assert [cid for _, cid in handlers.saved_choices("browser-b")] == [theirs]
    assert handlers.saved_choices(None) == [] and handlers.saved_choices("") == []
    for owner in ("browser-a", "", None):
        with pytest.raises(SimulatorError, match="no saved conversation"):
            list(handlers.resume(theirs, owner))


def test_errors_are_raised_as_messages(handlers) -> None:
    with pytest.raises(SimulatorError, match="start a conversation"):
        list(handlers.send(None, "hi"))
    cid, _, _ = handlers.start("wants-promotion", "easy")
    with pytest.raises(SimulatorError, match="empty"):
        list(handlers.send(cid, "   "))
    with pytest.raises(SimulatorError, match="choose a persona"):
        handlers.start(None, "easy")


def test_user_text_is_shown_as_text() -> None:
    shown = plain("<script>alert(1)</script> **bold** {{ x }}")
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert "\\*\\*bold\\*\\*" in shown and "\\{\\{ x \\}\\}" in shown


def test_end_and_get_feedback_stores_and_writes_reports(handlers, practice, tmp_path) -> None:
    cid, _, _ = handlers.start("roadmap-gave-in", "medium")
    for line in ["What's on your mind?", "It sounds like the review is still bothering you."]:
        list(handlers.send(cid, line))
    result = handlers.end_and_evaluate(cid, "coaching", use_model=False)
    assert "Active listening" in result.markdown and result.chart_svg.startswith("<svg")
    assert result.markdown_path.read_text() == result.markdown
    data = json.loads(result.json_path.read_text())
    assert data["transcript"]["persona"] == "roadmap-gave-in"
    assert len(data["competencies"]) == 4
    stored = json.loads(practice.store.latest_evaluation(cid))
    assert stored["competencies"] == data["competencies"]
    again = handlers.end_and_evaluate(cid, "coaching", use_model=False)  # re-run is allowed
    assert again.markdown == result.markdown


def test_feedback_needs_something_to_score(handlers) -> None:
    cid, _, _ = handlers.start("roadmap-gave-in", "medium")
    with pytest.raises(SimulatorError, match="nothing to score"):
        handlers.end_and_evaluate(cid, use_model=False)
