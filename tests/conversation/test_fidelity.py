# ruff: noqa: E501  (replies quoted whole, one case a line)
from __future__ import annotations

import pytest

from simulator.backends.scripted import ScriptedBackend
from simulator.conversation import fidelity
from simulator.conversation.practice import Practice
from simulator.storage.store import Store


def test_every_authored_line_carries_its_own_fact(library) -> None:
    for persona in library.all():
        for fact in persona.hidden_facts:
            assert fact.line, f"{persona.id}: {fact.id} has no authored line"
            assert fidelity.missing(fact.line, fact, persona) == [], (persona.id, fact.id)


@pytest.mark.parametrize(
    ("persona_id", "fact_id", "reply"),
    [  # what the model said when these facts were released (issue 13)
        ("roadmap-gave-in", "team-upset", "Marco's words made it hard to trust you, and I felt betrayed."),
        ("launch-postmortem", "qa-warning", "I thought it would be better to ship the product because of the sales promise."),
        ("launch-postmortem", "no-rollback-plan", "I wasn't sure if the team could handle it. They did a great job, and I'm proud of them."),
        ("launch-postmortem", "promised-date", "I think a good outcome would be to ensure that the launch date is met."),
        ("roadmap-gave-in", "had-the-data", "It was not in the review, but based on the data, it would help checkout."),
    ],
)  # fmt: skip
def test_a_reply_that_lost_the_fact_does_not_carry_it(library, persona_id, fact_id, reply) -> None:
    persona = library.get(persona_id)
    fact = next(f for f in persona.hidden_facts if f.id == fact_id)
    assert not fidelity.carries(reply, fact, persona)


@pytest.mark.parametrize(
    ("persona_id", "fact_id", "reply"),
    [  # the same facts, said by a person in other words
        ("roadmap-gave-in", "team-upset", "Marco told me the team felt I didn't fight for them. That stung."),
        ("roadmap-gave-in", "had-the-data", "I had numbers: autocomplete cuts drop-off by 3%. I never showed them."),
        ("launch-postmortem", "qa-warning", "Our QA lead warned us about duplicate syncs 3 days out, and I shipped anyway."),
        ("launch-postmortem", "no-rollback-plan", "We had no roll-back plan; the team built one at 2am because I was so confident."),
        ("missed-deadlines", "covering-for-vacancy", "I'm also doing the integration manager job, maybe 15 hours a week."),
    ],
)  # fmt: skip
def test_the_fact_in_other_words_is_carried(library, persona_id, fact_id, reply) -> None:
    persona = library.get(persona_id)
    fact = next(f for f in persona.hidden_facts if f.id == fact_id)
    assert fidelity.missing(reply, fact, persona) == []


def test_a_fact_moved_to_another_person_is_not_carried(library) -> None:
    persona = library.get("eng-lead-conflict")
    fact = next(f for f in persona.hidden_facts if f.id == "said-too-much")
    moved = 'Aisha said "engineering always finds a reason not to ship" in front of the squad.'
    assert "a name not in the fact: Aisha" in fidelity.missing(moved, fact, persona)


def test_keywords_are_taken_from_the_line_when_not_authored(library) -> None:
    fact = library.get("roadmap-gave-in").hidden_facts[0].model_copy(update={"keywords": []})
    assert fidelity.keywords(fact) == ["three"]
    line = 'Tom called it "reckless" twice, 15 minutes in.'
    assert fidelity.derived_keywords(line) == ["reckless", "15"]
    assert fidelity.derived_keywords('My lead, Tom, called it "reckless".') == ["reckless", "Tom"]


def test_fidelity_share() -> None:
    assert fidelity.fidelity([True, True, False, True]) == 0.75
    assert fidelity.fidelity([]) is None


# The same reveal twice, on missed-deadlines' first fact (the manager had asked "Tell me more
# about what happened with the dates."). The bad one was said on the default model: the authored
# line read out after a stock lead-in. The good one answers the question in the PM's words.
RECITED = (
    "I know what you're talking about. Yeah, so... I've been taking the go-live dates the "
    "partners put in the contract and just signing them. I never asked the engineers for an "
    "estimate first."
)
ADAPTED = (
    "What happened with the dates? Honestly, whatever go-live date a partner wrote into the "
    "contract, I signed. I didn't go to the engineers for an estimate, not once."
)


def test_a_reveal_fitted_to_the_question_is_not_a_recital(library) -> None:
    persona = library.get("missed-deadlines")
    fact = persona.hidden_facts[0]
    assert fidelity.carries(RECITED, fact, persona) and fidelity.recites(RECITED, fact)
    assert fidelity.carries(ADAPTED, fact, persona) and not fidelity.recites(ADAPTED, fact)


def test_a_recital_is_tried_again_in_own_words_and_kept_on_the_last_attempt(
    tmp_path, library
) -> None:
    persona = library.get("missed-deadlines")
    backend = ScriptedBackend([persona.hidden_facts[0].line, ADAPTED])
    practice = Practice(backend, Store(tmp_path / "c.db"))
    conversation = practice.start(persona, "easy")  # easy: one open question releases a fact
    reply = list(practice.say(conversation, "Tell me more about what happened with the dates."))
    assert reply[-1].text == ADAPTED and reply[-1].stats["recited"] is False
    assert "in your own words" in backend.history[1][-1]["content"]
    always = ScriptedBackend(default=persona.hidden_facts[0].line)
    practice = Practice(always, Store(tmp_path / "d.db"))
    conversation = practice.start(persona, "easy")
    last = list(practice.say(conversation, "Tell me more about what happened with the dates."))
    assert last[-1].stats["attempt"] == 3 and last[-1].stats["recited"] is True
    assert last[-1].text == persona.hidden_facts[0].line  # faithful beats fitted
