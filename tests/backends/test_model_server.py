"""A short session and an evaluation through llama-cpp-python's server (real model)."""

from __future__ import annotations

import pytest

from simulator.backends.model_files import resolve_model
from simulator.backends.model_server import llama_server
from simulator.backends.openai import OpenAIBackend
from simulator.conversation.practice import Practice
from simulator.conversation.transcript import TranscriptTurn
from simulator.scoring.evaluate import Evaluator, checked_sentence
from simulator.scoring.rubric import load_rubric
from simulator.storage.store import Store

pytestmark = pytest.mark.model


def test_session_and_evaluation_through_an_openai_server(tmp_path, library) -> None:
    with llama_server(resolve_model(), tmp_path / "server.log") as base_url:
        backend = OpenAIBackend(base_url)
        practice = Practice(backend, Store(tmp_path / "c.db"))
        conversation = practice.start(library.get("status-report-1on1"), "medium")
        for line in [
            "What's on your mind this week?",
            "It sounds like the migration isn't what's really on your mind.",
        ]:
            replies = list(practice.say(conversation, line))
            assert len(replies) > 2 and replies[-1].done and replies[-1].text
        turns = [TranscriptTurn(speaker=t.speaker, text=t.text) for t in conversation.turns]
        report = Evaluator(load_rubric(), backend).evaluate(turns, conversation.persona)
    assert [t.speaker for t in conversation.turns] == [
        "persona",
        "manager",
        "persona",
        "manager",
        "persona",
    ]
    assert report.competencies[0].level is not None
    for competency in report.competencies:
        for point in competency.feedback:
            assert checked_sentence(point.text, turns) is not None
