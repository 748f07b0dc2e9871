"""The rubric studio: facilitators open, check, preview and save rubrics behind the passcode."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.backends.scripted import ScriptedBackend
from simulator.conversation.practice import Practice
from simulator.rounds.facilitator import AccessDenied, FacilitatorGate
from simulator.scoring.rubric import RubricError, RubricLibrary
from simulator.storage.store import Store
from simulator.ui.practice_handlers import PracticeHandlers
from simulator.ui.studio_handlers import StudioHandlers


@pytest.fixture
def studio(tmp_path: Path, library) -> tuple[StudioHandlers, str]:  # type: ignore[no-untyped-def]
    rubrics = RubricLibrary(user_folder=tmp_path / "rubrics")
    practice = PracticeHandlers(
        Practice(ScriptedBackend(default="Hm, fair."), Store(tmp_path / "c.db")),
        library,
        rubrics=rubrics,
    )
    handlers = StudioHandlers(FacilitatorGate("sesame"), practice, practice)
    return handlers, handlers.unlock("sesame")


def test_every_rubric_action_needs_the_passcode(studio) -> None:  # type: ignore[no-untyped-def]
    handlers, _ = studio
    for call in (
        lambda t: handlers.rubric_choices(t),
        lambda t: handlers.rubric_open(t, "coaching"),
        lambda t: handlers.rubric_check(t, "id: x"),
        lambda t: handlers.rubric_save(t, "id: x"),
    ):
        for bad in (None, "", "forged-token"):
            with pytest.raises(AccessDenied):
                call(bad)


def test_bundled_rubrics_open_as_a_copy_and_cannot_be_overwritten(studio) -> None:  # type: ignore[no-untyped-def]
    handlers, token = studio
    assert ("coaching (bundled, read-only)", "coaching") in handlers.rubric_choices(token)
    text, note = handlers.rubric_open(token, "psychological-safety")
    assert "id: psychological-safety-copy" in text and "read-only" in note
    assert "# yaml-language-server" in text  # the file as written, comments and all
    original = text.replace("id: psychological-safety-copy", "id: psychological-safety")
    with pytest.raises(RubricError, match="bundled rubric, which is read-only"):
        handlers.rubric_save(token, original)


def test_live_check_names_the_field_and_previews_sample_scores(studio) -> None:  # type: ignore[no-untyped-def]
    handlers, token = studio
    text, _ = handlers.rubric_open(token, "coaching")
    errors, preview = handlers.rubric_check(token, text.replace("count: summary", "count: sumary"))
    assert "Not valid yet" in errors and "indicators.summaries.count" in errors
    assert "unknown name 'sumary'" in errors and preview == ""
    errors, preview = handlers.rubric_check(token, text)
    assert errors.startswith("✓ Valid rubric with 4 competencies")
    rows = {line.split(" | ")[0].strip("| "): line for line in preview.splitlines()[2:]}
    assert set(rows) == {
        "Active listening",
        "Powerful questioning",
        "Development planning",
        "Feedback delivery",
    }
    # the coached sample asks open questions throughout; the telling one asks leading ones
    assert "| 4 (Thought-provoking) | 1 (" in rows["Powerful questioning"]


def test_a_saved_rubric_is_offered_and_scores_a_practice_conversation(studio, library) -> None:  # type: ignore[no-untyped-def]
    handlers, token = studio
    text, _ = handlers.rubric_open(token, "coaching")
    text = text.replace("name: Active listening", "name: Listening deeply")
    assert "Saved rubric 'coaching-copy'" in handlers.rubric_save(token, text)
    assert ("coaching-copy (yours)", "coaching-copy") in handlers.rubric_choices(token)
    practice = handlers.practice
    assert "coaching-copy" in practice.rubric_choices()
    cid, _, _ = practice.start(library.ids()[0], "medium")
    list(practice.send(cid, "What's on your mind today?"))
    feedback = practice.end_and_evaluate(cid, "coaching-copy", use_model=False)
    assert "Listening deeply" in feedback.markdown
    text, note = handlers.rubric_open(token, "coaching-copy")  # the user's own: edited in place
    assert "id: coaching-copy" in text and "Editing your rubric" in note
    with pytest.raises(RubricError, match="competencies"):
        handlers.rubric_save(token, text.replace("competencies:", "competences:"))
    assert "Listening deeply" in handlers.rubric_open(token, "coaching-copy")[0]  # kept
