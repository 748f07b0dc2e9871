"""The scoring code before rubrics became data (kept to check the interpreter against it).

No model is involved: the same transcript always gets the same levels, and each level lists the
turns and the indicator values behind it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field

from simulator.coder import TurnCode, code_turn
from simulator.elements import DIFFERENTLY, PROPOSAL
from simulator.injection import strip_injection
from simulator.rubric import CompetencyDefinition, Rubric
from simulator.transcript import TranscriptTurn

Indicators = dict[str, float | int]
Result = tuple[int | None, list[int], Indicators]


@dataclass(frozen=True)
class CodedTurn:
    """A manager turn, its index in the transcript, and its codes."""

    index: int
    text: str
    code: TurnCode


class CompetencyScore(BaseModel):
    id: str
    name: str
    level: int | None
    max_level: int = 4
    label: str | None = None
    reason: str | None = None
    evidence_turns: list[int] = Field(default_factory=list)
    indicators: dict[str, float | int] = Field(default_factory=dict)


def code_transcript(turns: Sequence[TranscriptTurn]) -> list[CodedTurn]:
    """Code every manager turn, given the persona turn before it."""
    coded = []
    previous: str | None = None
    for index, turn in enumerate(turns):
        if turn.speaker == "manager":
            coded.append(CodedTurn(index, turn.text, code_turn(turn.text, previous)))
        else:
            previous = turn.text
    return coded


def talk_share(turns: Sequence[TranscriptTurn], coded: Sequence[CodedTurn]) -> float:
    manager = sum(c.code.words for c in coded)
    persona = sum(len(strip_injection(t.text).split()) for t in turns if t.speaker == "persona")
    return round(manager / (manager + persona), 3) if manager + persona else 0.0


def _level(
    definition: CompetencyDefinition,
    level: int | None,
    reason: str | None,
    evidence: list[int],
    indicators: Indicators,
) -> CompetencyScore:
    label = definition.levels[level - 1].label if level else None
    return CompetencyScore(
        id=definition.id,
        name=definition.name,
        level=level,
        label=label,
        reason=reason,
        evidence_turns=sorted(set(evidence)),
        indicators=indicators,
    )


def active_listening(turns: Sequence[TranscriptTurn], coded: Sequence[CodedTurn]) -> Result:
    reflections = [c for c in coded if c.code.reflection != "none" or c.code.summary]
    complex_ = [c for c in coded if c.code.reflection == "complex"]
    summaries = [c for c in coded if c.code.summary]
    questions = [c for c in coded if c.code.question != "none"]
    judging = [c for c in coded if c.code.judgement]
    share = talk_share(turns, coded)
    ratio = round(len(reflections) / max(1, len(questions)), 2)
    indicators: Indicators = {
        "reflections": len(reflections),
        "complex_reflections": len(complex_),
        "summaries": len(summaries),
        "questions": len(questions),
        "reflection_to_question": ratio,
        "manager_talk_share": share,
        "judgements": len(judging),
    }
    if len(reflections) >= 2 and ratio >= 0.6 and complex_ and share <= 0.45 and not judging:
        level = 4
    elif reflections and complex_ and share <= 0.55 and len(judging) <= 1:
        level = 3
    elif reflections or share <= 0.5:
        level = 2
    else:
        level = 1
    evidence = (
        [c.index for c in reflections]
        or [c.index for c in judging]
        or [c.index for c in questions]
        or [c.index for c in coded]
    )
    return level, evidence, indicators


def powerful_questioning(turns: Sequence[TranscriptTurn], coded: Sequence[CodedTurn]) -> Result:
    open_ = [c for c in coded if c.code.question == "open"]
    closed = [c for c in coded if c.code.question == "closed"]
    leading = [c for c in coded if c.code.leading]
    stacked = [c for c in coded if c.code.stacked]
    advice = [c for c in coded if c.code.advice]
    asked = len(open_) + len(closed)
    share = round(len(open_) / asked, 2) if asked else 0.0
    indicators: Indicators = {
        "questions": asked,
        "open_questions": len(open_),
        "open_share": share,
        "leading_questions": len(leading),
        "stacked_questions": len(stacked),
        "advice_turns": len(advice),
    }
    if (
        asked >= 3
        and share >= 0.75
        and not leading
        and len(stacked) <= 1
        and (len(advice) * 5 <= asked)
    ):
        level = 4
    elif asked >= 2 and share >= 0.6 and len(leading) <= 1 and len(advice) <= len(open_):
        level = 3
    elif open_:
        level = 2
    else:
        level = 1
    evidence = (
        [c.index for c in open_ if not c.code.leading]
        if level >= 3
        else [c.index for c in (leading + closed + advice)] or [c.index for c in open_]
    )
    return level, evidence, indicators


def development_planning(turns: Sequence[TranscriptTurn], coded: Sequence[CodedTurn]) -> Result:
    planning = [c for c in coded if c.code.plan.parts()]
    if not planning:
        return None, [], {"plan_turns": 0}
    covered = sorted({part for c in planning for part in c.code.plan.parts()})
    asked = [c for c in planning if c.code.plan.asked]
    dictated = [c for c in planning if not c.code.plan.asked or c.code.advice]
    built_on = [c for c in planning if c.code.plan.report_proposed]
    first_idea = next(
        (
            i
            for i, t in enumerate(turns)
            if t.speaker == "persona" and i > 0 and PROPOSAL.search(t.text)
        ),
        None,
    )
    early_advice = [
        c for c in coded if c.code.advice and (first_idea is None or c.index < first_idea)
    ]
    indicators: Indicators = {
        "plan_turns": len(planning),
        "elements_covered": len(covered),
        "asked": len(asked),
        "dictated": len(dictated),
        "built_on_report": len(built_on),
        "advice_before_report_idea": len(early_advice),
    }
    for part in ("goal", "measure", "timeframe", "next_step", "support"):
        indicators[part] = int(part in covered)
    if len(covered) >= 4 and not dictated and len(asked) >= 2:
        level = 4
    elif len(covered) >= 2 and asked and len(asked) >= len(dictated):
        level = 3
    elif asked or len(covered) >= 2:
        level = 2
    else:
        level = 1
    if len(early_advice) >= 2:
        level = max(1, level - 1)
    return level, [c.index for c in planning], indicators


def feedback_delivery(turns: Sequence[TranscriptTurn], coded: Sequence[CodedTurn]) -> Result:
    moments = [c for c in coded if c.code.feedback.given]
    if not moments:
        return None, [], {"feedback_turns": 0}
    position = {c.index: n for n, c in enumerate(coded)}

    def follows_with_question(c: CodedTurn) -> bool:
        n = position[c.index]
        later = coded[n + 1] if n + 1 < len(coded) else None
        asks_next = bool(later and later.code.question == "open" and DIFFERENTLY.search(later.text))
        return c.code.feedback.forward_question or asks_next

    def quality(c: CodedTurn) -> int:
        f = c.code.feedback
        if c.code.judgement:
            return 1 if not (f.moment or f.impact or f.behaviour) else 2
        if f.moment and f.behaviour and f.impact and follows_with_question(c):
            return 4
        if f.moment and (f.impact or follows_with_question(c)):
            return 3
        return 2 if (f.moment or f.impact or f.behaviour) else 1

    scores = {c.index: quality(c) for c in moments}
    judging = [c for c in coded if c.code.judgement]
    level = max(scores.values())
    if judging and level == 4:
        level = 3
    indicators: Indicators = {
        "feedback_turns": len(moments),
        "with_moment": sum(c.code.feedback.moment for c in moments),
        "with_behaviour": sum(c.code.feedback.behaviour for c in moments),
        "with_impact": sum(c.code.feedback.impact for c in moments),
        "with_forward_question": sum(follows_with_question(c) for c in moments),
        "judgements": len(judging),
    }
    return level, [c.index for c in moments], indicators


SCORERS: dict[str, Callable[[Sequence[TranscriptTurn], Sequence[CodedTurn]], Result]] = {
    "active_listening": active_listening,
    "powerful_questioning": powerful_questioning,
    "development_planning": development_planning,
    "feedback_delivery": feedback_delivery,
}


def score(
    turns: Sequence[TranscriptTurn], rubric: Rubric, coded: Sequence[CodedTurn] | None = None
) -> list[CompetencyScore]:
    """Score every competency in `rubric`. A competency the conversation gave no occasion for
    gets level None and the rubric's not-observed reason."""
    coded = list(coded) if coded is not None else code_transcript(turns)
    results = []
    for definition in rubric.competencies:
        if not coded:
            results.append(_level(definition, None, "The manager said nothing to score.", [], {}))
            continue
        level, evidence, indicators = SCORERS[definition.id](turns, coded)
        reason = None
        if level is None:
            reason = definition.not_observed or "Not observed in this conversation."
        results.append(_level(definition, level, reason, evidence, indicators))
    return results


def overall(scores: Sequence[CompetencyScore]) -> float | None:
    levels = [s.level for s in scores if s.level is not None]
    return round(sum(levels) / len(levels), 2) if levels else None
