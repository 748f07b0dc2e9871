"""The evaluation report: scores from coded behaviour, feedback tied to turns, and a debrief.

The model may write the feedback prose and the rewrites, but it never sets a score: every quote
it uses is checked against the transcript and dropped if it is not there, every rewrite is run
through the coder, and text built from the coded behaviour stands in whenever the model fails,
is slow, or is not used at all.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from simulator.backends.base import ChatBackend
from simulator.coding.rules import code_turn
from simulator.conversation.guard import ASSISTANT_SPEAK
from simulator.conversation.injection import strip_injection
from simulator.conversation.prompts import render
from simulator.conversation.transcript import TranscriptTurn
from simulator.personas.library import Persona
from simulator.scoring.debrief import Debrief, debrief
from simulator.scoring.interpreter import (
    CodedTurn,
    CompetencyScore,
    Interpreter,
    code_transcript,
    overall,
)
from simulator.scoring.rubric import MAX_LEVEL, CompetencyDefinition, Rubric

Source = Literal["model", "coded"]
QUOTE = re.compile(r"[\"“]([^\"“”]{3,}?)[\"”]")  # a quote cannot open inside a quote: linear
WORDS = re.compile(r"[a-z0-9']+")
QUOTE_CHARS = 160
MODEL_BUDGET_S = 25.0


class FeedbackPoint(BaseModel):
    kind: Literal["went_well", "try_next"]
    text: str
    turn: int
    quote: str
    source: Source = "coded"


class CompetencyReport(CompetencyScore):
    feedback: list[FeedbackPoint] = Field(default_factory=list)


class Rewrite(BaseModel):
    turn: int
    original: str
    rewrite: str
    why: str
    source: Source = "coded"


class Report(BaseModel):
    rubric: str
    competencies: list[CompetencyReport]
    overall: float | None
    try_instead: list[Rewrite]
    debrief: Debrief | None
    prose: Literal["model", "coded", "mixed"] = "coded"
    seconds: float = 0.0


def norm(text: str) -> str:
    return " ".join(WORDS.findall(text.lower()))


def short(text: str) -> str:
    text = " ".join(strip_injection(text).split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"


@functools.lru_cache(maxsize=256)  # each quote in a reply is looked up in every turn
def _said(text: str) -> str:
    return norm(strip_injection(text))


def find_quote(quote: str, turns: Sequence[TranscriptTurn]) -> int | None:
    """The index of the turn that contains `quote` (ignoring case and punctuation), or None."""
    wanted = norm(quote.rstrip("….").strip())
    if len(wanted.split()) < 2:
        return None
    for index, turn in enumerate(turns):
        if wanted in _said(turn.text):
            return index
    return None


def checked_sentence(text: str, turns: Sequence[TranscriptTurn]) -> tuple[str, int] | None:
    """`text` and the turn it quotes, if it quotes the transcript and every quote is real."""
    quotes = QUOTE.findall(text)
    found = [find_quote(q, turns) for q in quotes]
    if not quotes or any(i is None for i in found):
        return None
    return text.strip(), int(found[0])  # type: ignore[arg-type]


def clean_ending(reply: str) -> str:
    """The model's completion as one clause: first line, first sentence, no invented quotes."""
    text = reply.strip().split("\n")[0].strip()
    if len(text) > 1 and text[0] in '"“' and text[-1] in '"”':
        text = text[1:-1].strip()
    first = re.split(r"(?<=[.!?])\s", text)[0].strip()
    words = first.split()
    if (
        not words
        or len(words) > 40
        or re.search(r"[\"“”]|(?:^|\s)'[^']{6,}'", first)
        or ASSISTANT_SPEAK.search(first)
        or re.search(r"\bthe manager\b", first, re.IGNORECASE)
    ):
        return ""
    first = first[0].lower() + first[1:]
    return first if first.endswith((".", "!", "?")) else first + "."


def badness(c: CodedTurn) -> int:
    code = c.code
    points = 3 * code.advice + 3 * code.judgement + 2 * code.leading + code.stacked
    points += code.question == "closed" and code.reflection == "none"
    points += code.words > 70 and code.question == "none"
    return int(points)


def _best_and_worst(
    definition: CompetencyDefinition, interpreter: Interpreter, s: CompetencyScore
) -> tuple[CodedTurn | None, CodedTurn | None]:
    wording = definition.feedback
    good = interpreter.turns_where(wording.went_well_turns)
    bad = interpreter.turns_where(wording.try_next_turns)
    evidence = set(s.evidence_turns)
    pool = [c for c in good if c.index in evidence] if evidence else good
    best = pool[0] if pool else None
    worst = max(bad, key=lambda c: (badness(c), c.index), default=None)
    return best, worst


def coded_feedback(
    definition: CompetencyDefinition, s: CompetencyScore, interpreter: Interpreter
) -> list[FeedbackPoint]:
    if s.level is None:
        return []
    best, worst = _best_and_worst(definition, interpreter, s)
    wording = definition.feedback
    points = []
    if best is not None:
        points.append(
            FeedbackPoint(
                kind="went_well",
                turn=best.index,
                quote=short(best.text),
                text=f'{wording.went_well} at turn {best.index}: "{short(best.text)}"',
            )
        )
    if s.level < MAX_LEVEL and worst is not None:
        quote = short(worst.text)
        text = f'At turn {worst.index} you said "{quote}". {wording.try_next}.'
        points.append(FeedbackPoint(kind="try_next", turn=worst.index, quote=quote, text=text))
    elif s.level < MAX_LEVEL and (best or interpreter.coded):
        anchor = best or interpreter.coded[-1]
        step = definition.levels[s.level]
        quote = short(anchor.text)
        text = (
            f'Building on turn {anchor.index} ("{quote}"), aim for level {step.level} '
            f"({step.label}): {step.description}"
        )
        points.append(FeedbackPoint(kind="try_next", turn=anchor.index, quote=quote, text=text))
    return points


def coded_rewrite(c: CodedTurn) -> tuple[str, str]:
    code = c.code
    if code.judgement:
        return "Looking back, how do you think that went, and what would you do differently?", (
            "it passed a verdict; asking lets them assess it themselves"
        )
    if code.advice:
        return "What options do you see here, and which one appeals to you most?", (
            "it handed over an answer; asking lets them find their own"
        )
    if code.leading:
        return "What do you make of it yourself?", "the question suggested its own answer"
    if code.stacked:
        first = next((s for s in re.split(r"(?<=\?)\s+", c.text) if s.endswith("?")), c.text)
        if code_turn(first).question == "open":
            return first, "several questions at once; one at a time leaves room to think"
        return "What feels most important to talk about first?", "several questions at once"
    if code.question == "closed":
        return "What was going on for you there?", "a closed question invites a one-word answer"
    return "What's your own take on this?", "a long statement left little room for them"


class Evaluator:
    """Builds reports; with a backend, the model writes prose within a time budget."""

    def __init__(
        self, rubric: Rubric, backend: ChatBackend | None = None, budget_s: float = MODEL_BUDGET_S
    ) -> None:
        self.rubric = rubric
        self.backend = backend
        self.budget_s = budget_s

    def evaluate(
        self,
        turns: Sequence[TranscriptTurn],
        persona: Persona | None = None,
        difficulty: str = "medium",
    ) -> Report:
        started = time.perf_counter()
        coded = code_transcript(turns, persona)
        interpreter = Interpreter(turns, coded, self.rubric)  # one per report: facts built once
        scores = interpreter.scores()
        reports = [
            CompetencyReport(
                **s.model_dump(),
                feedback=coded_feedback(self.rubric.competency(s.id), s, interpreter),
            )
            for s in scores
        ]
        weakest = sorted(
            (c for c in coded if badness(c) > 0), key=lambda c: (-badness(c), c.index)
        )[:3]
        rewrites = []
        for c in sorted(weakest, key=lambda c: c.index):
            text, why = coded_rewrite(c)
            rewrites.append(Rewrite(turn=c.index, original=short(c.text), rewrite=text, why=why))
        used_model = 0
        if self.backend is not None:
            deadline = started + self.budget_s
            used_model += self._model_feedback(reports, turns, coded, deadline)
            used_model += self._model_rewrites(rewrites, turns, deadline)
        prose_total = sum(len(r.feedback) for r in reports) + len(rewrites)
        prose: Literal["model", "coded", "mixed"] = (
            "coded" if not used_model else "model" if used_model == prose_total else "mixed"
        )
        return Report(
            rubric=self.rubric.id,
            competencies=reports,
            overall=overall(scores),
            try_instead=rewrites,
            debrief=debrief(turns, persona, difficulty, coded) if persona else None,
            prose=prose,
            seconds=round(time.perf_counter() - started, 3),
        )

    def _ask(self, prompt: str, deadline: float, max_tokens: int) -> str:
        assert self.backend is not None
        if time.perf_counter() > deadline:
            return ""
        text = ""
        try:
            for piece in self.backend.stream(
                [{"role": "user", "content": prompt}],
                max_tokens=max_tokens,
                temperature=0.3,
                seed=11,
                stop=["\n\n\n"],
            ):
                text += piece
                if time.perf_counter() > deadline:
                    return ""
        except Exception:  # the model failing only means the coded text stands
            return ""
        return text

    def _model_feedback(
        self,
        reports: list[CompetencyReport],
        turns: Sequence[TranscriptTurn],
        coded: Sequence[CodedTurn],
        deadline: float,
    ) -> int:
        """Let the model finish each feedback sentence; the quote itself is put in by code."""
        replaced = 0
        for report in reports:
            if report.level is None:
                continue
            definition = self.rubric.competency(report.id)
            for point in report.feedback:
                if point.kind != "went_well":
                    # what to try next stays the rubric's own wording: the small model's
                    # suggestions drift into advice-giving, the habit this tool helps unlearn
                    continue
                lead = f'When you said "{point.quote}" at turn {point.turn}, '
                prompt = render(
                    "feedback.j2",
                    name=definition.name,
                    definition=definition.definition,
                    level=report.level,
                    label=report.label,
                    level_description=definition.levels[report.level - 1].description,
                    turn=point.turn,
                    quote=point.quote,
                    kind=point.kind,
                    lead=lead,
                )
                reply = self._ask(prompt, deadline, 60).strip()
                if norm(reply).startswith(norm(lead)):
                    reply = reply[len(lead) :] if reply.startswith(lead) else ""
                ending = clean_ending(reply)
                text = lead + ending
                if ending and checked_sentence(text, turns) is not None:
                    point.text, point.source = text, "model"
                    replaced += 1
        return replaced

    def _model_rewrites(
        self, rewrites: list[Rewrite], turns: Sequence[TranscriptTurn], deadline: float
    ) -> int:
        replaced = 0
        for rewrite in rewrites:
            before = next(
                (t.text for t in reversed(turns[: rewrite.turn]) if t.speaker == "persona"), ""
            )
            reply = self._ask(
                render("rewrite.j2", original=rewrite.original, context=short(before)), deadline, 60
            )
            candidate = reply.strip().strip('"“”').split("\n")[0].strip()
            code = code_turn(candidate)
            if (
                candidate.endswith("?")
                and code.question == "open"
                and not code.leading
                and not code.advice
                and not code.judgement
                and not code.stacked
                and 3 <= code.words <= 30
            ):
                rewrite.rewrite, rewrite.source = candidate, "model"
                replaced += 1
        return replaced
