"""Persona studio: author, validate, save and preview personas, as plain functions."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from simulator.errors import PersonaError
from simulator.personas.library import (
    ID_PATTERN,
    SCHEMA_FILE,
    Persona,
    PersonaLibrary,
)
from simulator.storage.datafiles import check_editor_text
from simulator.storage.paths import PERSONAS_DIR, private_folder, write_private
from simulator.text import plain

HEADER = f"# yaml-language-server: $schema={(PERSONAS_DIR / SCHEMA_FILE).as_uri()}\n"

SKELETON = """id: my-new-persona
name: Full Name
role: Product Manager, Team
tenure: How long they have been at the company and in the role
company: >-
  The company, what it does, and where this team sits in it.
personality: >-
  What they are like to work with, and how they react under pressure.
speaking_style: >-
  How they talk: pace, favourite phrases, what they do when uncomfortable.
brief:
  situation: >-
    What has happened, as the manager knows it, in two or three sentences.
  manager_goal: >-
    What the manager wants from this conversation, without deciding it for the PM.
surface_problem: >-
  What the PM wants to talk about first.
opening_line: >-
  The PM's first words in the meeting.
big_agenda: >-
  What really matters to them underneath.
worries:
  - something they worry about
# Plain facts of their work they say freely when asked (names, numbers, dates, the team), so a
# real work question gets a real answer, not an invented one. Not secrets: keep hidden facts out.
work_facts:
  - The team is five engineers and a designer; the tech lead is Dana.
# Hidden facts come out one at a time, in order, once openness reaches their threshold.
# `line` is how the PM says it the first time, in their own voice: the model fits it to the
# question, and says it as written if its own reply loses the fact. `keywords` are the
# specifics a faithful reveal must carry (numbers, names, quoted words; alternatives with |).
hidden_facts:
  - id: first-fact
    text: >-
      Something they hold back until they feel listened to.
    threshold: 0.35
    line: >-
      Honestly? I had the numbers. Three percent. I never put them on the screen.
    keywords: ["three percent|3%"]
  - id: second-fact
    text: >-
      Something they only say when they trust the manager.
    threshold: 0.55
    line: >-
      Dana told me afterwards the team felt I didn't fight for them.
    keywords: ["Dana", "fight"]
own_idea:
  text: >-
    The way forward they can reach themselves when coached well.
  threshold: 0.75
  # The idea as the PM first says it: first person, tentative, in their voice.
  line: >-
    Maybe I put the numbers in front of the VP myself, with the team in the room.
exercises: [active_listening, powerful_questioning]
# How this PM sounds, two or three lines per mood. A small model copies examples far better
# than it follows descriptions, so these carry the voice. The model sees them from the first
# turn: keep the hidden facts out of them.
voice:
  guarded:  # still wary: short, steering to process, plans and dates
    - "The dates are in the sheet. Nothing much to add."
    - "It was a reasonable call. The process worked."
  warming:  # starting to trust: thinking out loud, hesitating
    - "I keep going back over that meeting. I think I said yes too fast."
    - "It's... I don't know. I had more to say than I said."
  candid:  # trusting: owning it plainly
    - "I folded. That's the honest version."
    - "I wanted to be easy to work with, and I ended up being easy to overrule."
  told_what_to_do:  # just told what to do: matches reaction_to_telling
    - "Yes, of course. I'll do that."
    - "Right. Absolutely."
  puzzled:  # the manager says something off topic (a quiz, a task): amused, brief, back on topic
    - "Ha, sorry, what? My head is still in that review."
# agrees_too_quickly | goes_quiet | pushes_back
reaction_to_telling: agrees_too_quickly
# Phrases this PM would never say (another persona's catchphrase); prompts/stock_phrases.txt
# lists the stock filler every persona avoids.
avoid_phrases: ["at the end of the day"]
"""


def validate_text(text: str) -> tuple[Persona | None, list[str]]:
    """Check editor text; errors name the field. Never raises for bad input."""
    return check_editor_text(text, Persona, PersonaError, "persona")


def to_yaml(persona: Persona) -> str:
    data = persona.model_dump(mode="json", exclude_defaults=False)
    if not data.get("extensions"):
        data.pop("extensions", None)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def copy_to_edit(library: PersonaLibrary, persona_id: str) -> str:
    """YAML for an editable copy of a persona, under a new id."""
    persona = library.get(persona_id)
    new_id = f"{persona.id}-copy"[:64]
    number = 2
    while new_id in library.ids():
        new_id = f"{persona.id}-copy-{number}"[:64]
        number += 1
    return to_yaml(persona.model_copy(update={"id": new_id}))


def save_persona(persona: Persona, library: PersonaLibrary) -> Path:
    """Write `persona` to the user's folder; bundled personas and other files are left alone."""
    folder = library.user_folder
    if folder is None:
        raise PersonaError("no folder for your own personas is configured")
    if library.is_bundled(persona.id):
        raise PersonaError(
            f"field id: '{persona.id}' is a bundled persona, which is read-only; "
            "use 'Copy to edit' or choose a new id"
        )
    if not re.fullmatch(ID_PATTERN, persona.id):  # validated already; belt and braces
        raise PersonaError(f"field id: '{persona.id}' is not a valid id (a-z, 0-9 and -)")
    private_folder(folder)
    path = (folder / f"{persona.id}.yaml").resolve()
    if path.parent != folder.resolve():
        raise PersonaError(f"field id: '{persona.id}' would be saved outside {folder}")
    partial = path.with_suffix(".yaml.partial")
    write_private(partial, HEADER + to_yaml(persona))
    partial.replace(path)
    library.reload_user()
    return path


def brief_markdown(persona: Persona) -> str:
    """The brief as a participant sees it, with every authored word shown as plain text."""
    return (
        f"### {plain(persona.name)}\n"
        f"**{plain(persona.role)}** · {plain(persona.tenure)}\n\n"
        f"{plain(persona.company)}\n\n"
        f"**The situation.** {plain(persona.brief.situation)}\n\n"
        f"**Your aim in this conversation.** {plain(persona.brief.manager_goal)}"
    )
