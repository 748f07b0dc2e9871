"""Load YAML data files into pydantic models, with errors that name the file and field."""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from simulator.errors import SimulatorError

Model = TypeVar("Model", bound=BaseModel)
MAX_TEXT_CHARS = 200_000  # a persona or rubric is a few kilobytes; this is far beyond any
MAX_EDITOR_BYTES = 64_000  # what a studio editor accepts
MAX_DEPTH = 40  # a persona, rubric, card or transcript nests a few levels; this is far beyond any


class PlainLoader(yaml.SafeLoader):
    """Safe YAML without aliases (`*name`): a file made of aliases to aliases can stand for
    billions of values in a few lines."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed here; write the value out", mark
            )
        return super().compose_node(parent, index)


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
    if len(text) > MAX_TEXT_CHARS:
        raise error(
            f"{source}: {len(text)} characters is too long for a {kind} file "
            f"(the limit is {MAX_TEXT_CHARS})"
        )
    try:
        data = yaml.load(text, Loader=PlainLoader)
    except yaml.YAMLError as exc:
        raise error(f"{source}: not valid YAML: {exc}") from None
    except RecursionError:  # `[[[[...` thousands deep: the parser recurses once per level
        raise error(too_deep(source)) from None
    check_depth(data, source, error)
    if not isinstance(data, dict):
        raise error(f"{source}: not a {kind} file (expected a mapping of fields)")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(f"{source}: " + "; ".join(validation_problems(exc))) from None


def load_yaml_file(path: Path, model: type[Model], error: type[SimulatorError], kind: str) -> Model:
    """Load one data file named `<id>.yaml` (a persona, a rubric): errors name the file and the
    field, and the id inside must match the file name."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read: {exc}") from None
    loaded = parse_yaml_model(text, str(path), model, error, kind)
    found = getattr(loaded, "id", None)
    if found != path.stem:
        raise error(f"{path}: field id: '{found}' must match the file name '{path.stem}'")
    return loaded


def check_editor_text(
    text: str, model: type[Model], error: type[SimulatorError], kind: str
) -> tuple[Model | None, list[str]]:
    """Check what a facilitator typed in a studio editor: the model, or the problems, each naming
    its field. Never raises for bad input."""
    if len(text.encode("utf-8")) > MAX_EDITOR_BYTES:
        return None, [f"the {kind} is larger than {MAX_EDITOR_BYTES // 1000} KB"]
    try:
        return parse_yaml_model(text, kind, model, error, kind), []
    except error as exc:
        message = str(exc).removeprefix(f"{kind}: ")
        return None, [part.strip() for part in message.split("; ")]


def validation_problems(exc: ValidationError) -> list[str]:
    """One readable line per problem, each naming the field."""
    return [
        f"field {field_path(tuple(err['loc']))}: {err['msg'].removeprefix('Value error, ')}"
        for err in exc.errors()
    ]


def load_json(raw: str, source: str, error: type[SimulatorError]) -> Any:
    """Parse JSON text; a syntax error names `source`, the line and the column."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise error(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise error(too_deep(source)) from None
    check_depth(data, source, error)
    return data


def too_deep(source: str) -> str:
    return f"{source}: nested too deeply (more than {MAX_DEPTH} levels of lists or mappings)"


def check_depth(data: Any, source: str, error: type[SimulatorError]) -> None:
    """Refuse data nested deeper than MAX_DEPTH, before validation, saving or dumping recurse
    into it. Walked with a stack, so the check itself cannot run out of recursion."""
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise error(too_deep(source))
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def known_fields(model: type[BaseModel], data: Any) -> Any:
    """`data` without the keys `model` does not know, at every level of nested models: a snapshot
    saved by an older or newer version of a schema still loads when fields were added (with
    defaults) or removed."""
    if not isinstance(data, dict):
        return data
    kept = {}
    for name, value in data.items():
        field = model.model_fields.get(name)
        if field is None:
            continue
        kept[name] = _known_in(field.annotation, value)
    return kept


def _known_in(annotation: Any, value: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return known_fields(annotation, value)
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is list and args and isinstance(value, list):
        return [_known_in(args[0], item) for item in value]
    return value


def load_snapshot(model: type[Model], raw: str, what: str, error: type[SimulatorError]) -> Model:
    """Load a stored JSON snapshot of `model`, tolerating fields that the schema has since gained
    (with defaults) or lost; a snapshot that still cannot be read raises `error` naming `what`."""
    try:
        return model.model_validate(known_fields(model, json.loads(raw)))
    except json.JSONDecodeError as exc:
        raise error(f"{what}: the saved copy is not valid JSON ({exc.msg})") from None
    except ValidationError as exc:
        raise error(
            f"{what}: the saved copy cannot be read by this version: "
            + "; ".join(validation_problems(exc))
        ) from None
