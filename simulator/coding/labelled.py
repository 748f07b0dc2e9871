"""The labelled corpus of manager turns (JSON Lines; see simulator/coding/corpus/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from simulator.errors import InputError
from simulator.storage.paths import CORPUS_DIR

SPLITS = ("train", "dev", "test")
LABEL_FIELDS = (
    "question",
    "reflection",
    "advice",
    "leading",
    "stacked",
    "judgement",
    "summary",
    "feedback",
    "plan",
)


class LabelledTurn(BaseModel):
    """One manager turn, the other person's turn before it, and the labels people gave it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    conversation: str
    setting: Literal["coaching", "feedback", "planning", "status", "difficult"]
    style: Literal["written", "spoken"]
    context: str
    text: str
    question: Literal["open", "closed", "none"]
    reflection: Literal["simple", "complex", "none"]
    advice: bool
    leading: bool
    stacked: bool
    judgement: bool
    summary: bool
    feedback: bool
    plan: Literal["none", "asks", "tells"]


def split_path(split: str) -> Path:
    """The bundled file of a split (`train`, `dev` or `test`)."""
    if split not in SPLITS:
        raise InputError(f"unknown split '{split}': choose one of {', '.join(SPLITS)}")
    return CORPUS_DIR / f"{split}.jsonl"


def read_lines(path: Path) -> list[str]:
    """The lines of a labelled file; an error names the file."""
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None


def read_corpus(path: Path) -> list[LabelledTurn]:
    """Read a JSON Lines file of labelled turns; an error names the file, line and field."""
    lines = read_lines(path)
    turns = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            turns.append(LabelledTurn.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: not JSON: {exc.msg}") from None
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"]) or "line"
            raise InputError(f"{path}:{number}: {where}: {error['msg']}") from None
    if not turns:
        raise InputError(f"{path}: no labelled turns")
    return turns
