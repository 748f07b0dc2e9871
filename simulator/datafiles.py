"""Load YAML data files into pydantic models, with errors that name the file and field."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from simulator.errors import SimulatorError

Model = TypeVar("Model", bound=BaseModel)


def field_path(location: tuple[int | str, ...]) -> str:
    """`('hidden_facts', 1, 'threshold')` -> `hidden_facts[1].threshold`."""
    out = ""
    for part in location:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_yaml_model(
    text: str, source: str, model: type[Model], error: type[SimulatorError], kind: str
) -> Model:
    """Parse YAML `text` from `source` into `model`; raise `error` naming source and fields."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise error(f"{source}: not a {kind} file (expected a mapping of fields)")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(f"{source}: " + "; ".join(validation_problems(exc))) from None


def validation_problems(exc: ValidationError) -> list[str]:
    """One readable line per problem, each naming the field."""
    return [
        f"field {field_path(tuple(err['loc']))}: {err['msg'].removeprefix('Value error, ')}"
        for err in exc.errors()
    ]


def load_json(raw: str, source: str, error: type[SimulatorError]) -> Any:
    """Parse JSON text; a syntax error names `source`, the line and the column."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise error(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno})") from None
