from __future__ import annotations

import json

import pytest

from simulator.coding.corrections import (
    export_corrections,
    export_jsonl,
    openness_points,
    save_correction,
    tagged_turns,
)
from simulator.coding.labelled import LabelledTurn
from simulator.errors import InputError, SimulatorError
from simulator.scoring.report import TaggedTurn, coded_transcript_html, openness_svg
from simulator.ui.practice_handlers import PracticeHandlers


def _talk(practice, library, lines: list[str], persona: str = "roadmap-gave-in") -> str:
    conversation = practice.start(library.get(persona), "easy")
    for line in lines:
        for _ in practice.say(conversation, line):
            pass
    return conversation.id


def test_a_correction_is_saved_and_exported_in_the_corpus_format(practice, library) -> None:
    cid = _talk(practice, library, ["What happened in the review?", "You should escalate."])
    save_correction(practice.store, cid, 1, "question", "closed")
    save_correction(practice.store, cid, 1, "question", "open")  # the latest one counts
    save_correction(practice.store, cid, 3, "advice", "false")
    rows = export_corrections(practice.store, cid)
    assert [r["id"] for r in rows] == [f"corr-{cid}-t01", f"corr-{cid}-t03"]
    first, second = (LabelledTurn.model_validate(r) for r in rows)
    assert first.text == "What happened in the review?" and first.question == "open"
    assert first.context == practice.store.load(cid).turns[0].text
    assert second.advice is False and second.text == "You should escalate."
    lines = export_jsonl(practice.store).splitlines()  # every conversation
    assert [json.loads(line)["id"] for line in lines] == [r["id"] for r in rows]


def test_bad_corrections_are_refused_with_a_reason(practice, library) -> None:
    cid = _talk(practice, library, ["What happened?"])
    with pytest.raises(InputError, match="field 'mood'"):
        save_correction(practice.store, cid, 1, "mood", "open")
    with pytest.raises(InputError, match="question: 'wide' is not one of"):
        save_correction(practice.store, cid, 1, "question", "wide")
    with pytest.raises(InputError, match="turn 0 is not one of your turns"):
        save_correction(practice.store, cid, 0, "question", "open")  # the PM's turn
    assert export_corrections(practice.store, cid) == []


def test_the_feedback_view_tags_turns_charts_openness_and_escapes_text(practice, library) -> None:
    lines = [
        "It sounds like that review has been weighing on you.",
        "<script>alert(1)</script> What would you like to get out of today?",
        "Tell me more about what you noticed.",
        "What matters most to you here?",
    ]
    cid = _talk(practice, library, lines)
    handlers = PracticeHandlers(practice, library)
    html, svg, choices = handlers.coding_view(cid)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "complex reflection" in html and "open question" in html
    assert [index for _, index in choices] == [1, 3, 5, 7]
    conversation = practice.store.load(cid)
    points, reveals = openness_points(conversation)
    assert [i for i, _ in points] == [0, 2, 4, 6, 8]
    assert points[-1][1] > points[0][1]  # coaching moves opened the PM up
    assert svg.count("<circle") >= len(points) and "polyline" in svg
    if reveals:
        assert svg.count('class="reveal"') == len(reveals)
    html, note = handlers.correct(cid, 3, "question", "closed")
    assert "corrected: question: closed" in html and "Saved" in note
    path = handlers.corrections_file(cid)
    assert json.loads(path.read_text().splitlines()[0])["question"] == "closed"
    with pytest.raises(SimulatorError, match="choose the turn"):
        handlers.correct(cid, None, "question", "open")


def test_reveals_are_marked_on_the_chart() -> None:
    svg = openness_svg([(0, 0.2), (2, 0.5), (4, 0.8)], [(4, "revealed: <b>the real date</b>")])
    assert svg.count('class="reveal"') == 1 and "&lt;b&gt;the real date" in svg
    assert "no PM turns yet" in openness_svg([], [])


def test_transcript_tags_and_corrections_are_escaped() -> None:
    turn = TaggedTurn(1, "manager", "Fine & <i>dandy</i>", ["advice"], ["question: <b>x</b>"])
    html = coded_transcript_html([turn], "<Ana>")
    assert "&lt;i&gt;dandy" in html and "&lt;b&gt;x" in html and "<b>1. You:</b>" in html
    html = coded_transcript_html([TaggedTurn(0, "persona", "hi", [], [])], "<Ana>")
    assert "&lt;Ana&gt;" in html


def test_tagged_turns_follow_the_coder(practice, library) -> None:
    cid = _talk(practice, library, ["Just tell them no.", "How did that land with the team?"])
    turns = tagged_turns(practice.store, practice.store.load(cid))
    assert [t.speaker for t in turns] == ["persona", "manager", "persona", "manager", "persona"]
    assert "advice" in turns[1].tags and turns[3].tags == ["open question"]


def test_corrections_export_command_prints_corpus_lines(tmp_path, backend, library) -> None:
    from simulator.conversation.practice import Practice
    from simulator.storage.store import Store
    from tests.cli.test_commands import simulator

    data = tmp_path / "cli-data"
    data.mkdir()
    practice = Practice(backend, Store(data / "simulator.db"))
    cid = _talk(practice, library, ["so what happened then", "Okay."])
    save_correction(practice.store, cid, 3, "reflection", "simple")
    result = simulator("corrections", "export", "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    rows = [LabelledTurn.model_validate_json(line) for line in result.stdout.splitlines()]
    assert [(r.text, r.reflection) for r in rows] == [("Okay.", "simple")]
    other = simulator("corrections", "export", "--data-dir", str(data), "--conversation", "nope")
    assert other.returncode == 2 and "nope" in other.stderr
