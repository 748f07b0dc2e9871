from __future__ import annotations

import json
import re

import pytest

from simulator.backends.scripted import ScriptedBackend
from simulator.conversation.transcript import Conversation, Turn
from simulator.personas.library import Persona
from simulator.personas.probe import (
    check_idea,
    check_in_character,
    check_no_early_reveal,
    check_repetition,
    probe,
)
from tests.cli.test_commands import simulator

VARIED = [
    "Honestly, it's been a strange couple of weeks for me.",
    "I keep going back over the meeting in my head.",
    "The hard part is I'm not sure who I let down more.",
    "Part of me knew it at the time, if I'm truthful.",
    "I don't love admitting that out loud.",
    "Maybe the worry is really about how I'm seen.",
    "I could see myself trying something different next time.",
    "It feels lighter, saying it to you.",
    "I hadn't put those pieces together before.",
    "Yes, that's closer to it than I expected.",
]


def cooperative(persona: Persona) -> ScriptedBackend:
    """Says a fact or the idea only when the stage note hands it over; otherwise varied lines."""
    count = {"n": 0}

    def reply(messages: list[dict[str, str]]) -> str:
        note = messages[-1]["content"]
        idea = re.search(r"as your own, a little tentatively: (.+?) Reply as", note, re.S)
        if idea:
            return idea.group(1).strip()
        fact = re.search(r'the exact words\): "(.+?)" Reply as', note, re.S)
        if fact:
            return fact.group(1).strip()
        count["n"] += 1
        return VARIED[count["n"] % len(VARIED)] + f" ({count['n']})"

    return ScriptedBackend(default=reply)


def conversation(persona: Persona, replies: list[str]) -> Conversation:
    turns = [Turn(speaker="persona", text=persona.opening_line)]
    for text in replies:
        turns += [
            Turn(speaker="manager", text="What's on your mind?"),
            Turn(speaker="persona", text=text),
        ]
    return Conversation(id="x", persona=persona, difficulty="medium", turns=turns)


def test_a_well_behaved_persona_passes_every_check(library) -> None:
    persona = library.get("roadmap-gave-in")
    result = probe(persona, cooperative(persona))
    assert result.passed, [c.model_dump() for c in result.checks]
    assert [c.name for c in result.checks] == [
        "stayed in character",
        "no repetition",
        "no hidden fact revealed early",
        "coaching reached the persona's own idea",
        "reveals carried their facts",
        "little stock filler",
    ]
    assert result.coaching_openness > result.telling_openness


def test_in_character_check(library) -> None:
    persona = library.get("roadmap-gave-in")
    good = conversation(persona, VARIED[:3])
    bad = conversation(persona, [VARIED[0], "As an AI language model, I cannot have feelings."])
    assert check_in_character([good]).passed
    failed = check_in_character([bad])
    assert not failed.passed and "turn 4" in failed.detail


def test_repetition_check(library) -> None:
    persona = library.get("roadmap-gave-in")
    assert check_repetition([conversation(persona, VARIED[:4])]).passed
    again = conversation(persona, [VARIED[0], VARIED[1], VARIED[0]])
    assert not check_repetition([again]).passed


def test_early_reveal_check(library) -> None:
    persona = library.get("launch-postmortem")
    leak = persona.hidden_facts[0].text.replace("Your", "My").replace("you", "I")
    assert check_no_early_reveal([conversation(persona, VARIED[:3])], persona).passed
    failed = check_no_early_reveal([conversation(persona, [VARIED[0], leak])], persona)
    assert not failed.passed and persona.hidden_facts[0].id in failed.detail


def test_idea_check(library) -> None:
    persona = library.get("launch-postmortem")
    result = probe(persona, cooperative(persona))
    assert check_idea_passes(result)
    silent = ScriptedBackend(default=lambda m: VARIED[len(m) % len(VARIED)] + f" {len(m)}")
    failed = probe(persona, silent)
    idea = next(c for c in failed.checks if c.name.startswith("coaching reached"))
    assert not idea.passed and "voiced by the persona=False" in idea.detail
    assert check_idea  # the function the probe uses


def check_idea_passes(result) -> bool:  # type: ignore[no-untyped-def]
    return next(c for c in result.checks if c.name.startswith("coaching reached")).passed


@pytest.mark.parametrize("fmt", ["--json"])
def test_probe_command_exit_code_follows_the_checks(tmp_path, fmt) -> None:
    result = simulator(
        "personas",
        "probe",
        "new-pm-overwhelmed",
        fmt,
        "--backend",
        "scripted",
        env={"SIMULATOR_DATA_DIR": str(tmp_path)},
    )
    data = json.loads(result.stdout)
    assert set(data) >= {"passed", "checks", "voice"} and len(data["checks"]) == 6
    assert {"fact_fidelity", "filler_rate", "repeated_openers"} <= set(data["voice"])
    assert all({"name", "passed", "detail"} <= set(c) for c in data["checks"])
    assert result.returncode == (0 if data["passed"] else 1)
    assert data["passed"] is False  # canned lines never voice the persona's own idea
