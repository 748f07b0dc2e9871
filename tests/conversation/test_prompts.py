from __future__ import annotations

import pytest
from jinja2.sandbox import SandboxedEnvironment

from simulator.conversation import fidelity
from simulator.conversation.prompts import environment, render
from simulator.conversation.state import DIFFICULTY
from simulator.errors import SimulatorError


def test_environment_is_sandboxed_and_strict() -> None:
    env = environment()
    assert isinstance(env, SandboxedEnvironment)
    with pytest.raises(SimulatorError, match=r"system\.j2"):
        render("system.j2", manner="x")  # persona missing: an error, never blank text


def test_system_prompt_renders_for_every_persona(library) -> None:
    for persona in library.all():
        text = render("system.j2", persona=persona, manner=DIFFICULTY["hard"].manner)
        assert persona.name in text and persona.surface_problem in text
        assert DIFFICULTY["hard"].manner in text
        for fact in persona.hidden_facts:
            assert fact.text not in text  # hidden facts only arrive through stage notes
        assert persona.own_idea.text not in text


def test_persona_text_is_data_not_template(library) -> None:
    persona = library.get("roadmap-gave-in").model_copy(
        update={
            "name": "{{ 7 * 7 }}{% for x in range(3) %}x{% endfor %}",
            "personality": "{{ ''.__class__.__mro__ }} and ordinary words",
        }
    )
    text = render("system.j2", persona=persona, manner="calm")
    assert "{{ 7 * 7 }}{% for x in range(3) %}x{% endfor %}" in text
    assert "49" not in text
    assert "{{ ''.__class__.__mro__ }}" in text


def test_turn_prompt_carries_fact_and_idea_only_when_given() -> None:
    base = dict(
        manager_text="What happened?", name="Priya", reaction="She is wary.", max_sentences=3
    )
    plain = render("turn.j2", fact="", idea="", **base)
    assert plain.startswith("What happened?") and "share this" not in plain
    with_fact = render("turn.j2", fact="You had the data.", idea="", **base)
    assert "You had the data." in with_fact


def mood_note(mood: str, reaction: str = "goes_quiet", **extra: bool) -> str:
    values = {"reflection": False, "ask_back": False, "question": False, **extra}
    return render("mood.j2", name="Sam", mood=mood, reaction=reaction, **values)


@pytest.mark.parametrize("mood", ["telling", "guarded", "warming", "open"])
def test_every_mood_has_its_own_note(mood: str) -> None:
    notes = {m: mood_note(m) for m in ["telling", "guarded", "warming", "open"]}
    assert notes[mood].startswith("Sam")
    assert len(set(notes.values())) == 4


def test_being_told_what_to_do_follows_the_personas_reaction() -> None:
    notes = {
        r: mood_note("telling", r) for r in ("agrees_too_quickly", "goes_quiet", "pushes_back")
    }
    assert "agrees at once" in notes["agrees_too_quickly"]
    assert "goes quiet" in notes["goes_quiet"]
    assert "pushes back" in notes["pushes_back"]
    asked = mood_note("telling", question=True)  # quiet, but a question still gets its answer
    assert "goes quiet" in asked and "answer what was asked" in asked
    assert "answer what was asked" not in notes["goes_quiet"]


def test_a_reflection_gets_a_reaction_and_sometimes_a_question_back() -> None:
    assert "react to being heard" in mood_note("warming", reflection=True)
    assert "react to being heard" not in mood_note("warming")
    assert "question back" in mood_note("open", ask_back=True)


def test_work_facts_sit_in_the_system_prompt_and_give_nothing_hidden_away(library) -> None:
    """A real work question ("which partner escalated?") needs the PM to know its own work: the
    plain facts are in the fixed prompt, and none of them carries a hidden fact by the same
    check that decides whether a reveal was said."""
    for persona in library.all():
        assert persona.work_facts, persona.id
        text = render("system.j2", persona=persona, manner="calm")
        assert all(fact in text for fact in persona.work_facts), persona.id
        known = " ".join(persona.work_facts)
        for fact in persona.hidden_facts:
            assert not fidelity.carries(known, fact, persona), (persona.id, fact.id)
    bare = library.get("missed-deadlines").model_copy(update={"work_facts": []})
    assert "What you know about your work" not in render("system.j2", persona=bare, manner="")


def test_voice_samples_sit_in_the_fixed_system_prompt(library) -> None:
    for persona in library.all():
        text = render("system.j2", persona=persona, manner="calm")
        for _, lines in persona.voice.samples():
            assert all(line in text for line in lines), persona.id
        for fact in persona.hidden_facts:
            assert fact.line not in text  # the authored reveal only arrives when released
