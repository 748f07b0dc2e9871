"""Character Card V2 export and import, so personas open in SillyTavern or KoboldCpp.

Our own fields travel whole under `data.extensions.coaching_simulator`, so export then import
gives back the same persona; other tools' extension keys are kept in `Persona.extensions`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simulator.errors import PersonaError
from simulator.personas.library import Persona
from simulator.storage.datafiles import load_json, validation_problems

NAMESPACE = "coaching_simulator"
MAX_CARD_BYTES = 1_000_000
PLACEHOLDER = "(imported card: add this before using the persona with a cohort)"


def to_card(persona: Persona) -> dict[str, Any]:
    """A Character Card V2 for `persona`, with everything of ours under our extension key."""
    ours = persona.model_dump(mode="json", exclude={"extensions"})
    return {
        "spec": "chara_card_v2",
        "spec_version": "2.0",
        "data": {
            "name": persona.name,
            "description": f"{persona.role}. {persona.tenure}. {persona.company}",
            "personality": f"{persona.personality} {persona.speaking_style}",
            "scenario": f"{persona.brief.situation} {persona.name} wants to talk about this: "
            f"{persona.surface_problem}",
            "first_mes": persona.opening_line,
            "mes_example": "".join(
                f"<START>\n{{{{char}}}}: {line}\n"
                for _, lines in persona.voice.samples()
                for line in lines
            ),
            "creator_notes": f"Manager's aim: {persona.brief.manager_goal}",
            "system_prompt": "",
            "post_history_instructions": "",
            "alternate_greetings": [],
            "tags": ["coaching", "product manager", *persona.exercises],
            "creator": "coaching-simulator",
            "character_version": "1",
            "extensions": {**persona.extensions, NAMESPACE: ours},
        },
    }


def write_card(persona: Persona, output: Path) -> None:
    output.write_text(
        json.dumps(to_card(persona), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def slug(text: str) -> str:
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]
    return value or "imported-persona"


def _from_plain(data: dict[str, Any], source: str) -> tuple[dict[str, Any], list[str]]:
    """Our fields from another tool's card; says which ones were filled with defaults."""
    name = str(data.get("name") or "").strip()
    first = str(data.get("first_mes") or "").strip()
    if not name or not first:
        missing = [k for k, v in (("data.name", name), ("data.first_mes", first)) if not v]
        raise PersonaError(
            f"{source}: the card has no {' or '.join(missing)}; a persona needs "
            "a name and an opening line"
        )
    description = str(data.get("description") or "").strip()
    personality = str(data.get("personality") or "").strip()
    scenario = str(data.get("scenario") or "").strip()
    filled: list[str] = []

    def pick(field: str, value: str, default: str) -> str:
        if len(value) >= 20:
            return value
        filled.append(field)
        return default

    fields: dict[str, Any] = {
        "id": slug(name),
        "name": name[:80],
        "role": "Product manager",
        "tenure": "Tenure not given in the card",
        "company": pick("company", description, f"Company not given in the card. {PLACEHOLDER}"),
        "personality": pick("personality", personality, f"Not given in the card. {PLACEHOLDER}"),
        "speaking_style": "Speaks in the voice of the imported card's first message.",
        "brief": {
            "situation": pick("brief.situation", scenario, f"Not given in the card. {PLACEHOLDER}"),
            "manager_goal": "Help them think the situation through and find their own way forward.",
        },
        "surface_problem": pick("surface_problem", scenario, f"Not given. {PLACEHOLDER}"),
        "opening_line": first,
        "big_agenda": f"Not given in the card. {PLACEHOLDER}",
        "worries": [f"Not given in the card. {PLACEHOLDER}"],
        "hidden_facts": [
            {
                "id": "fact-1",
                "text": f"First thing they hold back. {PLACEHOLDER}",
                "threshold": 0.4,
            },
            {
                "id": "fact-2",
                "text": f"Second thing they hold back. {PLACEHOLDER}",
                "threshold": 0.6,
            },
        ],
        "own_idea": {"text": f"Their own way forward. {PLACEHOLDER}", "threshold": 0.75},
    }
    filled += [
        "role",
        "tenure",
        "speaking_style",
        "brief.manager_goal",
        "big_agenda",
        "worries",
        "hidden_facts",
        "own_idea",
    ]
    return fields, sorted(set(filled))


def from_card(raw: str, source: str) -> tuple[Persona, list[str]]:
    """Read a card (ours or another tool's). Returns the persona and the fields that were filled
    with defaults because the card did not have them."""
    if len(raw.encode("utf-8")) > MAX_CARD_BYTES:
        raise PersonaError(f"{source}: the card is larger than {MAX_CARD_BYTES} bytes")
    card = load_json(raw, source, PersonaError)
    if not isinstance(card, dict):
        raise PersonaError(f"{source}: not a character card (expected a JSON object)")
    if card.get("spec") == "chara_card_v2":
        data = card.get("data")
        if not isinstance(data, dict):
            raise PersonaError(f"{source}: field data: a V2 card keeps its fields under 'data'")
    elif "name" in card and "first_mes" in card:
        data = card  # a V1 card: the fields sit at the top level
    else:
        raise PersonaError(
            f"{source}: not a character card (no spec 'chara_card_v2', and no name and first_mes)"
        )
    extensions = data.get("extensions") or {}
    if not isinstance(extensions, dict):
        raise PersonaError(f"{source}: field data.extensions: expected an object")
    others = {k: v for k, v in extensions.items() if k != NAMESPACE}
    ours = extensions.get(NAMESPACE)
    filled: list[str] = []
    if isinstance(ours, dict):
        fields = dict(ours)
    else:
        fields, filled = _from_plain(data, source)
    fields["extensions"] = others
    try:
        return Persona.model_validate(fields), filled
    except ValidationError as exc:
        where = f"data.extensions.{NAMESPACE}" if isinstance(ours, dict) else "the card"
        raise PersonaError(
            f"{source}: {where} is not a valid persona: " + "; ".join(validation_problems(exc))
        ) from None
