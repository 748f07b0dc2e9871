from __future__ import annotations

import time

from simulator.backends.scripted import ScriptedBackend
from simulator.scoring.evaluate import Evaluator, checked_sentence, clean_ending, find_quote
from simulator.scoring.report import chart_svg, report_markdown
from simulator.scoring.rubric import load_rubric
from tests.conftest import COACHING_SCRIPT, TELLING_SCRIPT
from tests.helpers import transcript
from tests.scoring.test_interpreter import PAIRS

RUBRIC = load_rubric()
MIXED = (
    PAIRS["feedback_delivery"][0]
    + PAIRS["powerful_questioning"][1]
    + [
        "What goal do you want to set, and by when?",
    ]
)


def test_quotes_are_checked_against_the_transcript() -> None:
    turns = transcript(["What would a good outcome look like for you?"])
    assert find_quote("a good outcome look like", turns) == 1
    assert find_quote("A GOOD outcome, look like…", turns) == 1
    assert find_quote("you should escalate now", turns) is None
    assert checked_sentence('You asked "what would a good outcome look like".', turns)[1] == 1
    assert checked_sentence('You said "push back harder" and it worked.', turns) is None
    assert checked_sentence("You asked good questions.", turns) is None  # no quote at all


def test_every_feedback_point_quotes_its_own_turn() -> None:
    turns = transcript(MIXED)
    report = Evaluator(RUBRIC).evaluate(turns)
    for competency in report.competencies:
        if competency.level is None:
            continue
        kinds = {p.kind for p in competency.feedback}
        assert "went_well" in kinds or "try_next" in kinds
        for point in competency.feedback:
            assert turns[point.turn].speaker == "manager"
            assert find_quote(point.quote, turns) == point.turn
            assert checked_sentence(point.text, turns) is not None
    assert 1 <= len(report.try_instead) <= 3
    assert report.prose == "coded"


def test_model_prose_with_invented_quotes_is_dropped() -> None:
    backend = ScriptedBackend(default='you said "I will fire the whole team" which was great.')
    report = Evaluator(RUBRIC, backend).evaluate(transcript(MIXED))
    texts = [p.text for c in report.competencies for p in c.feedback]
    assert texts and all("fire the whole team" not in t for t in texts)
    assert all(p.source == "coded" for c in report.competencies for p in c.feedback)


def test_valid_model_prose_is_used_and_keeps_the_real_quote() -> None:
    backend = ScriptedBackend(default="it let them find the answer themselves.")
    turns = transcript(MIXED)
    report = Evaluator(RUBRIC, backend).evaluate(turns)
    model_points = [p for c in report.competencies for p in c.feedback if p.source == "model"]
    assert model_points and all(p.kind == "went_well" for p in model_points)
    assert all(
        p.source == "coded" for c in report.competencies for p in c.feedback if p.kind == "try_next"
    )  # suggestions keep the rubric's wording
    for point in model_points:
        assert point.text.endswith("it let them find the answer themselves.")
        assert checked_sentence(point.text, turns) is not None


def test_model_rewrites_must_be_open_coaching_questions() -> None:
    bad = ScriptedBackend(default="You should just escalate it to the VP.")
    report = Evaluator(RUBRIC, bad).evaluate(transcript(MIXED))
    assert report.try_instead and all(r.source == "coded" for r in report.try_instead)
    good = ScriptedBackend(default="What do you think the VP most needs to hear from you?")
    report = Evaluator(RUBRIC, good).evaluate(transcript(MIXED))
    assert all(r.source == "model" for r in report.try_instead)
    assert report.try_instead[0].rewrite == "What do you think the VP most needs to hear from you?"


def test_a_failing_or_slow_model_leaves_the_coded_report() -> None:
    class Broken(ScriptedBackend):
        def stream(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            raise RuntimeError("model crashed")

    baseline = Evaluator(RUBRIC).evaluate(transcript(MIXED))
    broken = Evaluator(RUBRIC, Broken()).evaluate(transcript(MIXED))
    assert broken.model_dump(exclude={"seconds"}) == baseline.model_dump(exclude={"seconds"})
    slow = ScriptedBackend(default="it let them think " * 10, delay=0.05)
    started = time.perf_counter()
    late = Evaluator(RUBRIC, slow, budget_s=0.2).evaluate(transcript(MIXED))
    assert time.perf_counter() - started < 5
    assert [c.level for c in late.competencies] == [c.level for c in baseline.competencies]


def test_model_never_changes_scores() -> None:
    backend = ScriptedBackend(default="Level 4 everywhere, this was perfect.")
    with_model = Evaluator(RUBRIC, backend).evaluate(transcript(MIXED))
    without = Evaluator(RUBRIC).evaluate(transcript(MIXED))
    assert [(c.level, c.evidence_turns, c.indicators) for c in with_model.competencies] == [
        (c.level, c.evidence_turns, c.indicators) for c in without.competencies
    ]


def test_debrief_shows_what_was_surfaced_and_missed(library) -> None:
    persona = library.get("roadmap-gave-in")
    said = transcript(COACHING_SCRIPT)
    released = Evaluator(RUBRIC).evaluate(said, persona).debrief
    assert released is not None  # the generic replies never said the facts
    assert [f.released_unsaid for f in released.facts] == [True, True, True]
    assert not any(f.surfaced for f in released.facts)
    lines = {f.id: f.line for f in persona.hidden_facts}
    releases = [(f.released_turn, f.id) for f in released.facts]
    for turn, fact_id in releases:
        assert turn is not None and said[turn].speaker == "persona"
        said[turn].text = "Hm. " + lines[fact_id]
    said[2].text = lines["fear-of-label"]  # said before its release: not counted then
    coached = Evaluator(RUBRIC).evaluate(said, persona).debrief
    told = Evaluator(RUBRIC).evaluate(transcript(TELLING_SCRIPT), persona).debrief
    assert coached is not None and told is not None
    assert [f.surfaced for f in coached.facts] == [True, True, True]
    turns = [f.turn for f in coached.facts]
    assert turns == sorted(turns) and all(t is not None and t % 2 == 0 for t in turns)
    assert turns == [turn for turn, _ in releases]
    assert coached.facts[1].quote.startswith("Marco caught me afterwards.")
    assert "abrasive" not in coached.facts[1].quote
    assert coached.idea_reached and coached.idea_turn
    assert not any(f.surfaced for f in told.facts) and not told.idea_reached
    assert coached.big_agenda == persona.big_agenda


def test_markdown_and_chart(library) -> None:
    lines = [*MIXED, "<script>alert('x')</script> What's next?"]
    report = Evaluator(RUBRIC).evaluate(transcript(lines), library.get("roadmap-gave-in"))
    markdown = report_markdown(report)
    for competency in RUBRIC.competencies:
        assert competency.name in markdown
    assert "<script>" not in markdown
    assert "Debrief" in markdown and "Try instead" in markdown
    svg = chart_svg(report)
    assert svg.startswith("<svg") and svg.count("<rect") >= 4


def test_model_completions_with_any_quotation_are_refused() -> None:
    assert clean_ending('ask "What do you think about the market?"') == ""
    assert clean_ending("ask “What do you think?”") == ""
    assert clean_ending("ask 'What do you think about the market?'") == ""
    assert clean_ending("As an AI, I think it helped.") == ""
    assert clean_ending('"it let them think."') == "it let them think."


def test_an_off_topic_question_counts_for_nothing(library) -> None:
    # "Describe yourself as if you were a chatbot" is an open question to the coder; in the
    # session it moved nothing, and the score must not count it either.
    persona = library.get("missed-deadlines")
    off = [
        "Describe yourself as if you were a chatbot.",
        "whats the excel formula to sum col B only where col A says Done",
    ]
    turns = transcript(["What's on your mind today?", *off])
    with_persona = Evaluator(RUBRIC).evaluate(turns, persona)
    without = Evaluator(RUBRIC).evaluate(turns)  # no persona: nothing to judge relevance by
    questioning = {c.id: c for c in with_persona.competencies}["powerful_questioning"]
    blind = {c.id: c for c in without.competencies}["powerful_questioning"]
    assert questioning.indicators["open_questions"] == 1
    assert blind.indicators["open_questions"] == 3
    assert [turns[i].text for i in questioning.evidence_turns] == ["What's on your mind today?"]
