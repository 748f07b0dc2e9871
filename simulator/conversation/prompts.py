"""Render prompt templates from prompts/ in a sandboxed Jinja2 environment.

Only files in prompts/ are templates. Everything a user authors (persona text, names, messages)
is passed in as data and is never compiled as a template, so `{{ ... }}` in a persona stays text.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from simulator.errors import SimulatorError
from simulator.storage.paths import PROMPTS_DIR


@lru_cache(maxsize=4)
def environment(folder: Path = PROMPTS_DIR) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=FileSystemLoader(str(folder)),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render(template: str, **values: Any) -> str:
    """Render prompts/<template> with `values`; a missing variable is an error, never blank text."""
    try:
        return environment().get_template(template).render(**values).strip()
    except TemplateError as exc:
        raise SimulatorError(f"prompts/{template}: cannot render: {exc}") from None
