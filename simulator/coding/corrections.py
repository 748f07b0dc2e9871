"""A manager's corrections of the coder, kept locally as labelled turns for the next training run.

The feedback view tags every manager turn with its codes. When a tag is wrong, the manager says
what it should be; the correction is stored beside the conversation and exported in the corpus
format (simulator/coding/corpus/README.md), so `simulator train-coder` can learn from it.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from typing import Any

from simulator.coding.agreement import corpus_value
from simulator.coding.labelled import LABEL_FIELDS, LabelledTurn
from simulator.coding.rules import TurnCode, code_turn
from simulator.conversation.transcript import Conversation, now
from simulator.errors import InputError
from simulator.scoring.report import TaggedTurn
from simulator.storage.store import Store

CHOICES: dict[str, tuple[str, ...]] = {
    "question": ("open", "closed", "none"),
    "reflection": ("simple", "complex", "none"),
    "plan": ("asks", "tells", "none"),
    **{f: ("true", "false") for f in LABEL_FIELDS if f not in {"question", "reflection", "plan"}},
}
# The words a tag is shown with in the feedback view.
TAG_NAMES = {
    ("question", "open"): "open question",
    ("question", "closed"): "closed question",
    ("reflection", "simple"): "simple reflection",
    ("reflection", "complex"): "complex reflection",
    ("summary", True): "summary",
    ("advice", True): "advice",
    ("leading", True): "leading",
    ("stacked", True): "stacked questions",
    ("judgement", True): "judgement",
    ("feedback", True): "feedback moment",
    ("plan", "asks"): "asks for a plan step",
    ("plan", "tells"): "hands down a plan step",
}


def labels_of(code: TurnCode) -> dict[str, Hashable]:
    """A coded turn's values in the corpus fields."""
    return {field: corpus_value(code, field) for field in LABEL_FIELDS}


def tags(labels: dict[str, Hashable]) -> list[str]:
    """The tags shown for a turn's labels ("open question", "advice", …), in field order."""
    return [TAG_NAMES[(f, v)] for f, v in labels.items() if (f, v) in TAG_NAMES]


def _as_value(field: str, text: str) -> Hashable:
    return text == "true" if CHOICES[field] == ("true", "false") else text


def manager_turns(conversation: Conversation) -> list[tuple[int, str, str]]:
    """Each manager turn's index and text, and the persona turn before it."""
    out = []
    previous = ""
    for index, turn in enumerate(conversation.turns):
        if turn.speaker == "manager":
            out.append((index, turn.text, previous))
        else:
            previous = turn.text
    return out


def save_correction(store: Store, conversation_id: str, turn: int, field: str, value: str) -> None:
    """Record that `field` of manager turn `turn` should be `value`; errors name what is wrong."""
    if field not in CHOICES:
        raise InputError(f"field '{field}': choose one of {', '.join(CHOICES)}")
    if value not in CHOICES[field]:
        raise InputError(f"{field}: '{value}' is not one of {', '.join(CHOICES[field])}")
    conversation = store.load(conversation_id)
    found = {index: (text, previous) for index, text, previous in manager_turns(conversation)}
    if turn not in found:
        raise InputError(f"turn {turn} is not one of your turns in this conversation")
    text, previous = found[turn]
    coded = labels_of(code_turn(text, previous or None))[field]
    store.execute(
        "INSERT INTO corrections (conversation_id, turn, field, coded, corrected, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            conversation_id,
            turn,
            field,
            json.dumps(coded),
            json.dumps(_as_value(field, value)),
            now(),
        ),
    )


def corrections_for(store: Store, conversation_id: str) -> dict[int, dict[str, Hashable]]:
    """The latest correction of each field, per turn."""
    rows = store.execute(
        "SELECT turn, field, corrected FROM corrections WHERE conversation_id = ? ORDER BY id",
        (conversation_id,),
    )
    out: dict[int, dict[str, Hashable]] = {}
    for turn, field, corrected in rows:
        out.setdefault(int(str(turn)), {})[str(field)] = json.loads(str(corrected))
    return out


def _style(text: str) -> str:
    """'spoken' for hurried typing (no capital or no punctuation), as the corpus guide says."""
    hurried = text[:1].islower() or not any(ch in ".!?" for ch in text)
    return "spoken" if hurried else "written"


def export_corrections(store: Store, conversation_id: str | None = None) -> list[dict[str, Any]]:
    """Every corrected turn as a corpus line: the coder's labels with the corrections applied."""
    if conversation_id:
        store.load(conversation_id)  # an unknown id is an error, not an empty export
        ids = [conversation_id]
    else:
        ids = [str(r[0]) for r in store.execute("SELECT DISTINCT conversation_id FROM corrections")]
    lines = []
    for cid in ids:
        fixes = corrections_for(store, cid)
        if not fixes:
            continue
        conversation = store.load(cid)
        for index, text, previous in manager_turns(conversation):
            if index not in fixes:
                continue
            labels = labels_of(code_turn(text, previous or None)) | fixes[index]
            row = LabelledTurn.model_validate(
                {
                    "id": f"corr-{cid}-t{index:02d}",
                    "conversation": f"corr-{cid}",
                    "setting": "coaching",
                    "style": _style(text),
                    "context": previous,
                    "text": text,
                    **labels,
                }
            )
            lines.append(row.model_dump())
    return lines


def export_jsonl(store: Store, conversation_id: str | None = None) -> str:
    return "".join(
        json.dumps(line, ensure_ascii=False) + "\n"
        for line in export_corrections(store, conversation_id)
    )


def tagged_turns(store: Store, conversation: Conversation) -> list[TaggedTurn]:
    """Every turn, manager turns with their codes and the corrections made so far."""
    fixes = corrections_for(store, conversation.id)
    coded = {i: (text, prev) for i, text, prev in manager_turns(conversation)}
    rows = []
    for index, turn in enumerate(conversation.turns):
        shown: list[str] = []
        corrected: list[str] = []
        if index in coded:
            text, previous = coded[index]
            labels = labels_of(code_turn(text, previous or None))
            shown = tags(labels)
            corrected = [f"{f}: {_shown(v)}" for f, v in fixes.get(index, {}).items()]
        rows.append(TaggedTurn(index, turn.speaker, turn.text, shown, corrected))
    return rows


def _shown(value: Hashable) -> str:
    return "yes" if value is True else "no" if value is False else str(value)


def openness_points(
    conversation: Conversation,
) -> tuple[list[tuple[int, float]], list[tuple[int, str]]]:
    """The PM's openness after each of their turns, and the turns where they revealed something."""
    points: list[tuple[int, float]] = []
    reveals: list[tuple[int, str]] = []
    facts = {f.id: f.text for f in conversation.persona.hidden_facts}
    seen: tuple[str, ...] = ()
    for index, turn in enumerate(conversation.turns):
        if turn.speaker != "persona" or turn.state is None:
            continue
        points.append((index, turn.state.openness))
        for fact in turn.state.revealed:
            if fact not in seen:
                reveals.append((index, f"revealed: {facts.get(fact, fact)}"))
        if turn.state.idea_shared and not any("own idea" in r for _, r in reveals):
            reveals.append((index, "reached their own idea"))
        seen = turn.state.revealed
    return points, reveals
