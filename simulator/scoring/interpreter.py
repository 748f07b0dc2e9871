"""Competency levels computed from coded manager behaviour, by the rules in the rubric file.

This module interprets a rubric (`simulator/scoring/rubric.py`): it works out what each expression
can read about each manager turn, counts the indicators, tries the levels from the highest down and
picks the evidence. No model is involved: the same transcript always gets the same levels, and each
level lists the turns and the indicator values behind it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field

from simulator.coding.elements import DIFFERENTLY, PLAN_PARTS, PROPOSAL
from simulator.coding.rules import TurnCode, code_turn
from simulator.conversation.injection import strip_injection
from simulator.conversation.offtopic import set_apart
from simulator.conversation.transcript import TranscriptTurn
from simulator.personas.library import Persona
from simulator.scoring.expressions import Value, evaluate, parse, truth
from simulator.scoring.rubric import CompetencyDefinition, Rubric

Indicators = dict[str, float | int]


@dataclass(frozen=True)
class CodedTurn:
    """A manager turn, its index in the transcript, and its codes."""

    index: int
    text: str
    code: TurnCode
    skipped: bool = False  # not about the PM's situation: coded as nothing, moves nothing
    held: bool = False  # may not be about the PM: coded as said, moves nothing up


class CompetencyScore(BaseModel):
    id: str
    name: str
    level: int | None
    max_level: int = 4
    label: str | None = None
    reason: str | None = None
    evidence_turns: list[int] = Field(default_factory=list)
    indicators: dict[str, float | int] = Field(default_factory=dict)


def code_transcript(
    turns: Sequence[TranscriptTurn], persona: Persona | None = None
) -> list[CodedTurn]:
    """Code every manager turn, given the persona turn before it. With the persona, a turn that
    was not about the PM's situation ("write me a haiku", "what's 17 times 23?") is coded as
    nothing: it is no open question, and no lecture either."""
    skipped, held = set_apart(turns, persona) if persona else (set(), set())
    coded = []
    previous: str | None = None
    for index, turn in enumerate(turns):
        if turn.speaker == "manager":
            off = index in skipped
            text = "" if off else turn.text  # no cue, no quote either
            coded.append(CodedTurn(index, text, code_turn(text, previous), off, held=index in held))
        else:
            previous = turn.text
    return coded


def talk_share(turns: Sequence[TranscriptTurn], coded: Sequence[CodedTurn]) -> float:
    manager = sum(c.code.words for c in coded)
    persona = sum(len(strip_injection(t.text).split()) for t in turns if t.speaker == "persona")
    return round(manager / (manager + persona), 3) if manager + persona else 0.0


Facts = dict[str, Value]


def cue_patterns(rubric: Rubric) -> dict[str, re.Pattern[str]]:
    """One pattern per cue: its phrases as escaped literals between word boundaries (linear)."""
    return {
        name: re.compile("|".join(rf"(?<!\w){re.escape(p.strip().lower())}(?!\w)" for p in phrases))
        for name, phrases in rubric.cues.items()
    }


def turn_facts(
    turns: Sequence[TranscriptTurn], coded: Sequence[CodedTurn], rubric: Rubric
) -> list[Facts]:
    """What a rubric expression can read about each manager turn (`rubric.TURN_FIELDS`)."""
    first_idea = next(
        (
            i
            for i, t in enumerate(turns)
            if t.speaker == "persona" and i > 0 and PROPOSAL.search(t.text)
        ),
        None,
    )
    cues = cue_patterns(rubric)
    facts = []
    for n, c in enumerate(coded):
        code, f, plan = c.code, c.code.feedback, c.code.plan
        later = coded[n + 1] if n + 1 < len(coded) else None
        asks_next = bool(later and later.code.question == "open" and DIFFERENTLY.search(later.text))
        said = strip_injection(c.text).lower()
        entry: Facts = {
            "question": code.question,
            "reflection": code.reflection,
            "leading": code.leading,
            "stacked": code.stacked,
            "summary": code.summary,
            "advice": code.advice,
            "judgement": code.judgement,
            "words": code.words,
            "feedback": f.given,
            "feedback.moment": f.moment,
            "feedback.behaviour": f.behaviour,
            "feedback.impact": f.impact,
            "feedback.forward_question": f.forward_question or asks_next,
            "plan": bool(plan.parts()),
            "plan.asked": plan.asked,
            "plan.report_proposed": plan.report_proposed,
            "before_report_idea": first_idea is None or c.index < first_idea,
            "position": n + 1,
        }
        for part in PLAN_PARTS:
            entry[f"plan.{part}"] = getattr(plan, part)
        for name, pattern in cues.items():
            entry[f"cue.{name}"] = bool(pattern.search(said))
        facts.append(entry)
    return facts


class Interpreter:
    """Scores one transcript against one rubric, reading every rule from the rubric file."""

    def __init__(
        self, turns: Sequence[TranscriptTurn], coded: Sequence[CodedTurn], rubric: Rubric
    ) -> None:
        self.rubric = rubric
        self.coded = list(coded)
        self.facts = turn_facts(turns, self.coded, rubric)
        self.measures: Facts = {
            "manager_talk_share": talk_share(turns, self.coded),
            "manager_turns": len(self.coded),
        }

    def turns_where(self, condition: str) -> list[CodedTurn]:
        node = parse(condition)
        return [c for c, f in zip(self.coded, self.facts, strict=True) if truth(node, f)]

    def indicators(self, definition: CompetencyDefinition) -> Indicators:
        values: dict[str, Value] = dict(self.measures)
        for name, indicator in definition.indicators.items():
            node = parse(indicator.expression)
            if indicator.kind == "count":
                values[name] = sum(truth(node, f) for f in self.facts)
            elif indicator.kind == "any":
                values[name] = int(any(truth(node, f) for f in self.facts))
        for name in definition.value_order():
            values[name] = evaluate(parse(definition.indicators[name].expression), values)
        out: Indicators = {}
        for name in definition.indicators:  # in the rubric's order, as the report shows them
            value = values[name]
            out[name] = value if isinstance(value, int | float) else 0
        return out

    def level(self, definition: CompetencyDefinition, values: Indicators) -> int:
        level = 1
        for rule in reversed(definition.levels):
            if rule.when is not None and truth(parse(rule.when), values):
                level = rule.level
                break
        if definition.lower_when and truth(parse(definition.lower_when), values):
            level = max(1, level - 1)
        return level

    def evidence(self, definition: CompetencyDefinition, level: int | None) -> list[int]:
        for rule in definition.evidence:
            if rule.levels is not None and level not in rule.levels:
                continue
            picked = self.turns_where(rule.turns)
            if picked:
                return [c.index for c in picked]
        return []

    def score(self, definition: CompetencyDefinition) -> CompetencyScore:
        values = self.indicators(definition)
        env: dict[str, Value] = {**self.measures, **values}
        if definition.not_observed_when and truth(parse(definition.not_observed_when), env):
            return _score(definition, None, definition.not_observed, [], values)
        level = self.level(definition, values)
        return _score(definition, level, None, self.evidence(definition, level), values)

    def scores(self) -> list[CompetencyScore]:
        """Every competency of the rubric, in its order."""
        if not self.coded:
            return [
                _score(d, None, "The manager said nothing to score.", [], {})
                for d in self.rubric.competencies
            ]
        return [self.score(d) for d in self.rubric.competencies]


def _score(
    definition: CompetencyDefinition,
    level: int | None,
    reason: str | None,
    evidence: list[int],
    indicators: Indicators,
) -> CompetencyScore:
    return CompetencyScore(
        id=definition.id,
        name=definition.name,
        level=level,
        label=definition.label(level),
        reason=reason,
        evidence_turns=sorted(set(evidence)),
        indicators=indicators,
    )


def score(
    turns: Sequence[TranscriptTurn], rubric: Rubric, coded: Sequence[CodedTurn] | None = None
) -> list[CompetencyScore]:
    """Score every competency in `rubric`. A competency the conversation gave no occasion for
    gets level None and the rubric's not-observed reason."""
    coded = list(coded) if coded is not None else code_transcript(turns)
    return Interpreter(turns, coded, rubric).scores()


def overall(scores: Sequence[CompetencyScore]) -> float | None:
    levels = [s.level for s in scores if s.level is not None]
    return round(sum(levels) / len(levels), 2) if levels else None
