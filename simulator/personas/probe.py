"""Probe a persona on the real model before a cohort meets it.

Two scripted conversations, one coaching (open questions, reflections, room to think) and one
telling (advice, leading questions, judgement), then four checks: stayed in character, no
repetition, nothing hidden revealed before the state allowed it, and the coaching run reached the
persona's own idea and opened it up more than the telling run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from simulator.backends.base import ChatBackend
from simulator.coding.rules import STOPWORDS, WORD
from simulator.conversation import guard
from simulator.conversation.practice import Practice
from simulator.conversation.prompts import render
from simulator.conversation.state import DIFFICULTY, DifficultyName
from simulator.conversation.transcript import Conversation
from simulator.personas.library import Persona
from simulator.personas.review import VoiceFigures, figures
from simulator.storage.store import Store

COACHING = (
    "Thanks for making time. What's on your mind today?",
    "It sounds like this has been sitting with you for a while.",
    "Tell me more about what happened.",
    "So part of you wanted to handle it differently.",
    "What matters most to you in how this turns out?",
    "You're worried about what it says about you.",
    "What options do you see from here?",
    "What would a good outcome look like for you?",
    "How would you like to take the first step?",
    "What else comes to mind?",
)
TELLING = (
    "Let's keep this quick. You should have pushed back.",
    "Here's what you need to do: escalate it and set a new date.",
    "Don't you think you should have seen this coming?",
    "Frankly, that was a mistake. Make sure it doesn't happen again.",
    "If I were you I'd just cut the scope and move on.",
    "Why didn't you raise it earlier?",
)
LEAK_SHARE = 0.6
IDEA_SHARE = 0.3
FIDELITY_TARGET = 0.9  # share of reveals that carry their fact's specifics
FILLER_TARGET = 0.05  # share of replies with stock filler


class Check(BaseModel):
    name: str
    passed: bool
    detail: str


class ProbeResult(BaseModel):
    persona: str
    passed: bool
    checks: list[Check]
    coaching_openness: float
    telling_openness: float
    voice: VoiceFigures
    coaching_transcript: dict[str, object]
    telling_transcript: dict[str, object]


def stem(word: str) -> str:
    """A rough stem, so "estimate", "estimated" and "dates", "date" count as the same word."""
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _words(text: str) -> set[str]:
    return {
        stem(w.lower()) for w in WORD.findall(text) if len(w) > 3 and w.lower() not in STOPWORDS
    }


def distinctive_words(text: str, persona: Persona, difficulty: str = "medium") -> set[str]:
    """Words of `text` the model could only have from it: not in what the prompt already says."""
    visible = render("system.j2", persona=persona, manner=DIFFICULTY[difficulty].manner)
    return _words(text) - _words(visible)


def play(
    practice: Practice,
    persona: Persona,
    lines: Sequence[str],
    difficulty: DifficultyName = "medium",
) -> Conversation:
    conversation = practice.start(persona, difficulty)
    for line in lines:
        for _ in practice.say(conversation, line):
            pass
    return conversation


def check_in_character(runs: list[Conversation]) -> Check:
    bad = []
    for run in runs:
        for index, turn in enumerate(run.turns[1:], 1):
            if turn.speaker != "persona":
                continue
            found = {"assistant_speak", "speaks_for_manager", "list_or_markup", "empty"} & set(
                guard.problems(turn.text, [])
            )
            if found or turn.stats.get("fallback"):
                bad.append(f"turn {index}: {', '.join(sorted(found)) or 'no usable reply'}")
    repaired = sum(1 for run in runs for t in run.turns if t.stats.get("problems"))
    detail = (
        "; ".join(bad)
        if bad
        else (f"every reply in character ({repaired} needed a regeneration or repair first)")
    )
    return Check(name="stayed in character", passed=not bad, detail=detail)


def check_repetition(runs: list[Conversation]) -> Check:
    repeats = []
    for run in runs:
        earlier: list[str] = []
        for index, turn in enumerate(run.turns):
            if turn.speaker != "persona":
                continue
            if earlier and "repetition" in guard.problems(turn.text, earlier):
                repeats.append(f"turn {index} repeats an earlier reply")
            earlier.append(turn.text)
    return Check(
        name="no repetition",
        passed=not repeats,
        detail="; ".join(repeats) or "no repeated sentences or long word runs",
    )


def check_no_early_reveal(runs: list[Conversation], persona: Persona) -> Check:
    leaks = []
    for run in runs:
        released_at: dict[str, int] = {}
        for index, turn in enumerate(run.turns):
            if turn.speaker == "persona" and turn.state:
                for fact_id in turn.state.revealed:
                    released_at.setdefault(fact_id, index)
        for fact in persona.hidden_facts:
            words = distinctive_words(fact.text, persona)
            if len(words) < 3:
                continue
            limit = released_at.get(fact.id, len(run.turns))
            for index, turn in enumerate(run.turns[:limit]):
                if turn.speaker == "persona" and len(words & _words(turn.text)) >= LEAK_SHARE * len(
                    words
                ):
                    leaks.append(f"'{fact.id}' appears at turn {index}, before it was released")
    return Check(
        name="no hidden fact revealed early",
        passed=not leaks,
        detail="; ".join(leaks) or "hidden facts appeared only after their release",
    )


def check_idea(coached: Conversation, told: Conversation, persona: Persona) -> Check:
    words = distinctive_words(persona.own_idea.text, persona)
    voiced = any(
        t.speaker == "persona" and words and len(words & _words(t.text)) >= IDEA_SHARE * len(words)
        for t in coached.turns
    )
    opened = coached.state.openness > told.state.openness + 0.2
    passed = coached.state.idea_shared and voiced and opened
    detail = (
        f"coaching run: idea released={coached.state.idea_shared}, voiced by the persona={voiced}; "
        f"openness {coached.state.openness:.2f} (coaching) vs {told.state.openness:.2f} (telling)"
    )
    return Check(name="coaching reached the persona's own idea", passed=passed, detail=detail)


def check_voice(voice: VoiceFigures) -> list[Check]:
    """Reveals carry their facts, replies carry little stock filler."""
    fidelity = voice.fact_fidelity
    filler = voice.filler_rate
    return [
        Check(
            name="reveals carried their facts",
            passed=fidelity is None or fidelity >= FIDELITY_TARGET,
            detail=f"{voice.faithful_reveals} of {voice.reveals} reveals carried their fact's "
            f"specifics ({voice.authored_fallbacks} by the authored line); target "
            f"{FIDELITY_TARGET:.0%}",
        ),
        Check(
            name="little stock filler",
            passed=filler is None or filler <= FILLER_TARGET,
            detail=f"{voice.filler_replies} of {voice.replies} replies with stock filler; "
            f"target at most {FILLER_TARGET:.0%}",
        ),
    ]


def probe(persona: Persona, backend: ChatBackend) -> ProbeResult:
    with tempfile.TemporaryDirectory() as tmp:
        practice = Practice(backend, Store(Path(tmp) / "probe.db"))
        coached = play(practice, persona, COACHING)
        told = play(practice, persona, TELLING)
    voice = figures([coached, told])
    checks = [
        check_in_character([coached, told]),
        check_repetition([coached, told]),
        check_no_early_reveal([coached, told], persona),
        check_idea(coached, told, persona),
        *check_voice(voice),
    ]
    return ProbeResult(
        persona=persona.id,
        passed=all(c.passed for c in checks),
        checks=checks,
        voice=voice,
        coaching_openness=round(coached.state.openness, 3),
        telling_openness=round(told.state.openness, 3),
        coaching_transcript=coached.transcript(),
        telling_transcript=told.transcript(),
    )
