"""Rubric files: the single source of truth for what is scored and how.

A rubric names its competencies and, for each, the indicators it measures over the coded manager
turns, the levels as ordered conditions over those indicators, when it is not observed, which turns
are its evidence, and the feedback wording. Conditions are written in the small language of
`simulator/scoring/expressions.py`; every one is parsed and checked when the file loads, so a
mistake is reported with the field it is in, never while a manager waits for feedback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from simulator.errors import SimulatorError
from simulator.scoring.expressions import ExpressionError, check, names, parse
from simulator.storage.datafiles import load_yaml_file, parse_yaml_model
from simulator.storage.paths import RUBRICS_DIR

SCHEMA_FILE = "rubric.schema.json"
NAME = r"^[a-z][a-z0-9_]{0,39}$"
MAX_LEVEL = 4

# What an expression can read about one coded manager turn (see `simulator/scoring/interpreter.py`).
TURN_FIELDS = {
    "question": "open, closed or none",
    "reflection": "simple, complex or none",
    "leading": "a question that pushes towards the manager's answer",
    "stacked": "several questions at once",
    "summary": "draws together several things the person said",
    "advice": "tells or suggests what to do",
    "judgement": "a verdict, label or lecture",
    "words": "the number of words in the turn",
    "feedback": "feedback tied to a moment",
    "feedback.moment": "names the moment",
    "feedback.behaviour": "names what the person did",
    "feedback.impact": "names what it led to",
    "feedback.forward_question": "asks (in this turn or the next) what they want to do differently",
    "plan": "any plan element (goal, measure, timeframe, next step, support)",
    "plan.goal": "a goal",
    "plan.measure": "a measure",
    "plan.timeframe": "a timeframe",
    "plan.next_step": "a next step",
    "plan.support": "support",
    "plan.asked": "the plan element is asked for, not handed down",
    "plan.report_proposed": "builds on what the report proposed",
    "before_report_idea": "comes before the report first voiced an idea of their own",
    "position": "the manager turn's number, from 1",
}
# What an indicator's `value` can read besides the indicators defined above it.
MEASURES = {
    "manager_talk_share": "the manager's share of the words spoken, 0 to 1",
    "manager_turns": "how many turns the manager took",
}


class RubricError(SimulatorError):
    """A rubric file is missing or invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _problem(where: str, text: str, known: set[str]) -> str | None:
    try:
        check(text, known)
    except ExpressionError as exc:
        return f"{where}: {exc}"
    return None


class Indicator(_Strict):
    about: str = Field(min_length=3, description="What it measures, in words people read.")
    count: str | None = Field(
        default=None, description="Count the manager turns for which this condition holds."
    )
    any: str | None = Field(
        default=None, description="1 if any manager turn meets this condition, else 0."
    )
    value: str | None = Field(
        default=None,
        description="A number computed from indicators defined above it and the measures "
        "manager_talk_share and manager_turns.",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Indicator:
        if sum(x is not None for x in (self.count, self.any, self.value)) != 1:
            raise ValueError("give exactly one of count, any or value")
        return self

    @property
    def kind(self) -> str:
        return "count" if self.count is not None else "any" if self.any is not None else "value"

    @property
    def expression(self) -> str:
        return self.count or self.any or self.value or ""


class Level(_Strict):
    level: int = Field(ge=1, le=MAX_LEVEL)
    label: str = Field(min_length=2)
    description: str = Field(min_length=20, description="What a manager at this level does.")
    when: str | None = Field(
        default=None,
        description="The condition over the indicators for this level. Levels are tried from "
        "the highest down; level 1 has none: it is what is left.",
    )


class Evidence(_Strict):
    turns: str = Field(description="A condition on a manager turn: the turns it picks.")
    levels: list[int] | None = Field(
        default=None, description="Use this rule only at these levels (default: at any level)."
    )


class FeedbackWording(_Strict):
    went_well: str = Field(min_length=10, description="Said about the best turn, with a quote.")
    went_well_turns: str = Field(description="A condition: turns that did this well.")
    try_next: str = Field(min_length=10, description="What to try next, after the quote.")
    try_next_turns: str = Field(description="A condition: turns to improve on.")


class CompetencyDefinition(_Strict):
    id: str = Field(pattern=NAME, description="Lower case, digits and underscores.")
    name: str = Field(min_length=2)
    definition: str = Field(min_length=20)
    indicators: dict[str, Indicator] = Field(min_length=1)
    levels: list[Level] = Field(min_length=MAX_LEVEL, max_length=MAX_LEVEL)
    not_observed: str | None = Field(
        default=None,
        description="When the conversation gives no occasion for this competency: the reason "
        "reported instead of a level. Leave out for competencies every conversation exercises.",
    )
    not_observed_when: str | None = Field(
        default=None, description="The condition over the indicators for 'not observed'."
    )
    lower_when: str | None = Field(
        default=None,
        description="A condition over the indicators that lowers the level by one (not below 1).",
    )
    evidence: list[Evidence] = Field(
        min_length=1,
        description="Rules tried in order; the first that picks any turn gives the evidence.",
    )
    feedback: FeedbackWording

    @field_validator("indicators")
    @classmethod
    def _names(cls, value: dict[str, Indicator]) -> dict[str, Indicator]:
        for name in value:
            if not re.match(NAME, name):
                raise ValueError(f"'{name}' is not a free indicator name ({NAME[1:-1]})")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> CompetencyDefinition:
        if [lv.level for lv in self.levels] != list(range(1, MAX_LEVEL + 1)):
            raise ValueError(f"{self.id}: levels: give levels 1, 2, 3 and 4, in that order")
        for lv in self.levels:
            if (lv.when is None) != (lv.level == 1):
                raise ValueError(
                    f"{self.id}: levels.{lv.level - 1}.when: "
                    + ("level 1 is what is left: leave out when" if lv.level == 1 else "required")
                )
        if (self.not_observed is None) != (self.not_observed_when is None):
            raise ValueError(
                f"{self.id}: not_observed and not_observed_when go together: give both or none"
            )
        return self

    def problems(self, turn_names: set[str]) -> list[str]:
        """Every expression that does not parse or reads an unknown name, with its field."""
        found: list[str | None] = []
        defined = set(MEASURES) | set(self.indicators)
        for name, indicator in self.indicators.items():
            # a value may read any other indicator, and a measure even under its own name
            known = (defined - {name}) | set(MEASURES) if indicator.kind == "value" else turn_names
            found.append(
                _problem(f"indicators.{name}.{indicator.kind}", indicator.expression, known)
            )
        if not any(found):
            found.append(self._cycle())
        for n, lv in enumerate(self.levels):
            if lv.when is not None:
                found.append(_problem(f"levels.{n}.when", lv.when, defined))
        for field in ("not_observed_when", "lower_when"):
            text = getattr(self, field)
            if text is not None:
                found.append(_problem(field, text, defined))
        for n, rule in enumerate(self.evidence):
            found.append(_problem(f"evidence.{n}.turns", rule.turns, turn_names))
        for field in ("went_well_turns", "try_next_turns"):
            found.append(_problem(f"feedback.{field}", getattr(self.feedback, field), turn_names))
        return [p for p in found if p]

    def value_order(self) -> list[str]:
        """The `value` indicators in an order where each comes after those it reads."""
        counted = {n for n, i in self.indicators.items() if i.kind != "value"}
        pending = {
            name: names(parse(i.expression)) & (set(self.indicators) - {name})
            for name, i in self.indicators.items()
            if i.kind == "value"
        }
        order: list[str] = []
        while pending:
            ready = [n for n, needs in pending.items() if not needs - counted - set(order)]
            if not ready:
                raise ExpressionError(f"{', '.join(sorted(pending))} read each other")
            order += ready
            for name in ready:
                del pending[name]
        return order

    def _cycle(self) -> str | None:
        try:
            self.value_order()
        except ExpressionError as exc:
            return f"indicators: {exc}"
        return None

    def label(self, level: int | None) -> str | None:
        return self.levels[level - 1].label if level else None


class Rubric(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    name: str = Field(min_length=2)
    description: str = Field(min_length=10)
    cues: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Named lists of phrases (plain words, not patterns); a condition reads "
        "cue.NAME as true when a manager turn contains one of them.",
    )
    competencies: list[CompetencyDefinition] = Field(min_length=1, max_length=8)

    @field_validator("cues")
    @classmethod
    def _cue_names(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, phrases in value.items():
            if not re.match(NAME, name):
                raise ValueError(f"'{name}' is not a cue name ({NAME[1:-1]})")
            if not phrases or any(not p.strip() or len(p) > 80 for p in phrases):
                raise ValueError(f"{name}: give one or more phrases of 1 to 80 characters")
        return value

    @model_validator(mode="after")
    def _checked(self) -> Rubric:
        ids = [c.id for c in self.competencies]
        if len(set(ids)) != len(ids):
            raise ValueError("competencies: each competency id may appear once")
        names = self.turn_names()
        for n, competency in enumerate(self.competencies):
            problems = competency.problems(names)
            if problems:
                raise ValueError(f"competencies.{n} ({competency.id}): {problems[0]}")
        return self

    def turn_names(self) -> set[str]:
        return set(TURN_FIELDS) | {f"cue.{name}" for name in self.cues}

    def competency(self, competency_id: str) -> CompetencyDefinition:
        return next(c for c in self.competencies if c.id == competency_id)

    def ids(self) -> list[str]:
        return [c.id for c in self.competencies]

    def names(self) -> dict[str, str]:
        return {c.id: c.name for c in self.competencies}


def load_rubric_file(path: Path) -> Rubric:
    return load_yaml_file(path, Rubric, RubricError, "rubric")


def parse_rubric(text: str, source: str) -> Rubric:
    return parse_yaml_model(text, source, Rubric, RubricError, "rubric")


def rubric_ids(folder: Path = RUBRICS_DIR) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.yaml"))


def _checked_id(rubric_id: str) -> str:
    if not re.match(r"^[a-z0-9][a-z0-9-]{0,63}$", rubric_id or ""):
        raise RubricError(f"'{rubric_id}' is not a rubric id")
    return rubric_id


def load_rubric(rubric_id: str = "coaching", folder: Path = RUBRICS_DIR) -> Rubric:
    """The rubric `rubric_id` from `folder`."""
    path = folder / f"{_checked_id(rubric_id)}.yaml"
    if not path.is_file():
        known = ", ".join(rubric_ids(folder)) or "none"
        raise RubricError(f"no rubric with id '{rubric_id}' in {folder} (known: {known})")
    return load_rubric_file(path)


class RubricLibrary:
    """The rubrics a round or a practice session can use: the bundled ones (read-only) and the
    facilitator's own, saved from the studio into the data folder. A file is read again only
    when it changed, so scoring does not parse YAML every time."""

    def __init__(self, folder: Path = RUBRICS_DIR, user_folder: Path | None = None) -> None:
        self.folder = folder
        self.user_folder = user_folder
        self._cache: dict[Path, tuple[float, Rubric]] = {}

    def ids(self) -> list[str]:
        mine = set()
        if self.user_folder is not None and self.user_folder.is_dir():
            mine = set(rubric_ids(self.user_folder))
        return sorted(set(rubric_ids(self.folder)) | mine)

    def is_bundled(self, rubric_id: str) -> bool:
        return (self.folder / f"{_checked_id(rubric_id)}.yaml").is_file()

    def path(self, rubric_id: str) -> Path:
        if self.is_bundled(rubric_id) or self.user_folder is None:
            return self.folder / f"{rubric_id}.yaml"
        return self.user_folder / f"{rubric_id}.yaml"

    def get(self, rubric_id: str) -> Rubric:
        path = self.path(rubric_id)
        if not path.is_file():
            known = ", ".join(self.ids()) or "none"
            raise RubricError(f"no rubric with id '{rubric_id}' (known: {known})")
        stamp = path.stat().st_mtime
        cached = self._cache.get(path)
        if cached is None or cached[0] != stamp:
            cached = self._cache[path] = (stamp, load_rubric_file(path))
        return cached[1]


def json_schema() -> str:
    schema = Rubric.model_json_schema()
    schema["title"] = "Coaching simulator rubric"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
