"""Backends by name.

Each backend module declares `Options` (a pydantic model of its own settings, `extra="forbid"`)
and `make(options, context_size)`, which builds the backend and imports its SDK only then, so
listing backends or validating options stays cheap. A new backend is its own file plus one line
in `BACKENDS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from simulator.backends.base import BackendOptions, ChatBackend
from simulator.errors import SimulatorError

BACKENDS: dict[str, str] = {
    "llama": "simulator.backends.llama",
    "openai": "simulator.backends.openai",
    "scripted": "simulator.backends.scripted",
}


def backend_names() -> list[str]:
    return list(BACKENDS)


def _module(name: str) -> Any:
    if name not in BACKENDS:
        raise SimulatorError(f"unknown backend '{name}' (use {', '.join(BACKENDS)})")
    return importlib.import_module(BACKENDS[name])


def options_model(name: str) -> type[BackendOptions]:
    """The `Options` model of backend `name`."""
    options: type[BackendOptions] = _module(name).Options
    return options


def parse_options(name: str, values: Mapping[str, object]) -> BackendOptions:
    """Validate `values` against backend `name`'s options; the error names the option."""
    model = options_model(name)
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        known = ", ".join(model.model_fields) or "none"
        problems = []
        for error in exc.errors():
            option = ".".join(str(part) for part in error["loc"]) or "?"
            if error["type"] == "extra_forbidden":
                problems.append(f"option '{option}' is not one of its options ({known})")
            else:
                problems.append(f"option '{option}': {error['msg']}")
        raise SimulatorError(f"backend '{name}': {'; '.join(problems)}") from None


def build(name: str, values: Mapping[str, object], context_size: int) -> ChatBackend:
    """The backend `name`, built from its validated options."""
    options = parse_options(name, values)
    backend: ChatBackend = _module(name).make(options, context_size)
    return backend
