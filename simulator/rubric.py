"""Rubric files: competencies with definitions, indicators and four anchored levels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.datafiles import parse_yaml_model
from simulator.errors import SimulatorError
from simulator.paths import RUBRICS_DIR

CompetencyId = Literal[
    "active_listening", "powerful_questioning", "development_planning", "feedback_delivery"
]
SCHEMA_FILE = "rubric.schema.json"


class RubricError(SimulatorError):
    """A rubric file is missing or invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Level(_Strict):
    level: int = Field(ge=1, le=4)
    label: str = Field(min_length=2)
    description: str = Field(min_length=20, description="What a manager at this level does.")


class CompetencyDefinition(_Strict):
    id: CompetencyId
    name: str = Field(min_length=2)
    definition: str = Field(min_length=20)
    indicators: list[str] = Field(min_length=2)
    levels: list[Level] = Field(min_length=4, max_length=4)
    not_observed: str | None = Field(
        default=None,
        description="When the conversation gives no occasion for this competency: the reason "
        "reported instead of a level. Leave out for competencies every conversation exercises.",
    )

    @model_validator(mode="after")
    def _levels_in_order(self) -> CompetencyDefinition:
        if [lv.level for lv in self.levels] != [1, 2, 3, 4]:
            raise ValueError("levels: give levels 1, 2, 3 and 4, in that order")
        return self


class Rubric(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    name: str = Field(min_length=2)
    description: str = Field(min_length=10)
    competencies: list[CompetencyDefinition] = Field(min_length=1, max_length=4)

    @model_validator(mode="after")
    def _unique(self) -> Rubric:
        ids = [c.id for c in self.competencies]
        if len(set(ids)) != len(ids):
            raise ValueError("competencies: each competency id may appear once")
        return self

    def competency(self, competency_id: str) -> CompetencyDefinition:
        return next(c for c in self.competencies if c.id == competency_id)


def load_rubric_file(path: Path) -> Rubric:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError(f"{path}: cannot read: {exc}") from None
    rubric = parse_yaml_model(text, str(path), Rubric, RubricError, "rubric")
    if rubric.id != path.stem:
        raise RubricError(f"{path}: field id: '{rubric.id}' must match the file name")
    return rubric


def rubric_ids(folder: Path = RUBRICS_DIR) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.yaml"))


def load_rubric(rubric_id: str = "coaching", folder: Path = RUBRICS_DIR) -> Rubric:
    """The rubric `rubric_id` from `folder` (a facilitator can add files there)."""
    path = folder / f"{rubric_id}.yaml"
    if not rubric_id or "/" in rubric_id or "\\" in rubric_id or rubric_id.startswith("."):
        raise RubricError(f"'{rubric_id}' is not a rubric id")
    if not path.is_file():
        known = ", ".join(rubric_ids(folder)) or "none"
        raise RubricError(f"no rubric with id '{rubric_id}' in {folder} (known: {known})")
    return load_rubric_file(path)


def json_schema() -> str:
    schema = Rubric.model_json_schema()
    schema["title"] = "Coaching simulator rubric"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
