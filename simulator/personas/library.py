"""Persona files: pydantic models, loading, validation and the JSON Schema editors use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.errors import PersonaError
from simulator.storage.datafiles import load_yaml_file, parse_yaml_model
from simulator.storage.paths import PERSONAS_DIR

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"  # also a safe file name: no dots, slashes or spaces
Slug = Field(pattern=ID_PATTERN)
SCHEMA_FILE = "persona.schema.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Brief(_Strict):
    """What the manager reads before the conversation."""

    situation: str = Field(min_length=20, description="What has happened, as the manager knows it.")
    manager_goal: str = Field(min_length=10, description="What the manager wants from the talk.")


ReactionToTelling = Literal["agrees_too_quickly", "goes_quiet", "pushes_back"]
MOODS = ("guarded", "warming", "candid", "told_what_to_do", "puzzled")


class HiddenFact(_Strict):
    """Something the PM holds back until trust is high enough."""

    id: str = Slug
    text: str = Field(min_length=10, description="The fact, written as the PM would know it.")
    threshold: float = Field(
        ge=0, le=1, description="Openness needed to share it at medium difficulty."
    )
    line: str = Field(
        default="",
        description="The fact as the PM says it out loud the first time, in the first person and "
        'in their own voice, one to three sentences ("Honestly? I had the drop-off numbers. '
        'Three percent. I never put them on the screen."). The model is asked to fit this line '
        "to the manager's question, and it is said as written when the model's reply loses the "
        "fact. Empty: the model words the fact itself, and `text` is the fallback.",
    )
    keywords: list[str] = Field(
        default_factory=list,
        max_length=8,
        description="The specifics a faithful reveal must carry: numbers, names, quoted words. "
        "Write alternatives with |, e.g. 'three percent|3%'. Empty: taken from the line (its "
        "numbers, names and quoted words).",
    )


class Voice(_Strict):
    """Two or three sample lines per mood: how this PM sounds. The model imitates examples far
    better than it follows descriptions, so these carry the persona's voice. They sit in the
    fixed part of the prompt; write them as the PM would talk, about their own situation, but
    without the hidden facts (everything here is visible to the model from the first turn)."""

    guarded: list[str] = Field(
        default_factory=list,
        max_length=3,
        description="Still wary: short, careful, steering to process, plans and dates.",
    )
    warming: list[str] = Field(
        default_factory=list,
        max_length=3,
        description="Starting to trust: thinking out loud, hesitating, saying a little more.",
    )
    candid: list[str] = Field(
        default_factory=list,
        max_length=3,
        description='Trusting: owning things plainly ("I folded.").',
    )
    told_what_to_do: list[str] = Field(
        default_factory=list,
        max_length=3,
        description="Just told what to do or judged: in line with reaction_to_telling.",
    )
    puzzled: list[str] = Field(
        default_factory=list,
        max_length=3,
        description="The manager says something that has nothing to do with work (a quiz, a "
        "task, a joke): puzzled or amused, brief, back to the PM's own situation. Also said "
        "when every attempt at such a turn went wrong.",
    )

    def samples(self) -> list[tuple[str, list[str]]]:
        """The moods that have sample lines, in order."""
        return [(mood, getattr(self, mood)) for mood in MOODS if getattr(self, mood)]


class OwnIdea(_Strict):
    """The way forward the PM can reach by themselves when coached well."""

    text: str = Field(min_length=10, description="The idea, as the facilitator sees it.")
    threshold: float = Field(ge=0, le=1)
    line: str = Field(
        default="",
        description="The idea as the PM first puts it forward, tentatively, in the first person "
        'and in their own voice ("Maybe I ask the VP for thirty minutes and put both options '
        'side by side."). The model is asked to say it like this, so the idea comes out as the '
        "PM's own and never as advice to the manager. Empty: `text` is used.",
    )

    def spoken(self) -> str:
        """What the model is asked to put forward."""
        return self.line or self.text


class Persona(_Strict):
    """A simulated product manager: a visible layer the manager meets and a hidden layer."""

    id: str = Slug
    name: str = Field(min_length=1, max_length=80)
    role: str = Field(min_length=2)
    tenure: str = Field(min_length=2)
    company: str = Field(min_length=10, description="The company and team context.")
    personality: str = Field(min_length=10)
    speaking_style: str = Field(min_length=10)
    brief: Brief
    surface_problem: str = Field(min_length=10, description="What the PM brings up first.")
    opening_line: str = Field(min_length=5, description="The PM's first words.")
    big_agenda: str = Field(min_length=10, description="What really matters to them underneath.")
    worries: list[str] = Field(min_length=1)
    work_facts: list[Annotated[str, Field(min_length=3, max_length=300)]] = Field(
        default_factory=list,
        max_length=10,
        description="Plain facts of the PM's work, said freely when asked (names, numbers, "
        "dates, who is on the team): not secrets, so a real work question gets a real answer "
        "instead of an invented one. Keep the hidden facts out of them.",
    )
    hidden_facts: list[HiddenFact] = Field(min_length=2, max_length=6)
    own_idea: OwnIdea
    exercises: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]] = Field(
        default_factory=list,
        description="Ids of the competencies (in any rubric) this conversation gives most room "
        "for, such as active_listening.",
    )
    voice: Voice = Field(
        default_factory=Voice, description="Sample lines per mood: the PM's way of talking."
    )
    reaction_to_telling: ReactionToTelling = Field(
        default="goes_quiet",
        description="What this PM does when told what to do: agrees too quickly (and means "
        "none of it), goes quiet (a few flat words), or pushes back (politely, with a reason).",
    )
    avoid_phrases: list[str] = Field(
        default_factory=list,
        max_length=30,
        description="Phrases this PM would never say, caught like the stock filler in "
        "prompts/stock_phrases.txt (e.g. a catchphrase of another persona).",
    )
    extensions: dict[str, Any] = Field(
        default_factory=dict,
        description="Extension keys from other tools' character cards, kept as they were.",
    )

    @model_validator(mode="after")
    def _facts_are_ordered(self) -> Persona:
        ids = [fact.id for fact in self.hidden_facts]
        if len(set(ids)) != len(ids):
            raise ValueError("hidden_facts: each fact needs its own id")
        thresholds = [fact.threshold for fact in self.hidden_facts]
        if thresholds != sorted(thresholds):
            raise ValueError("hidden_facts: thresholds must not decrease (facts come out in order)")
        if self.own_idea.threshold < thresholds[-1]:
            raise ValueError(
                "own_idea.threshold: must be at least the last hidden fact's threshold"
            )
        return self


def parse_persona(text: str, source: str) -> Persona:
    """Parse YAML text into a Persona; errors name `source` and the field."""
    return parse_yaml_model(text, source, Persona, PersonaError, "persona")


def load_persona_file(path: Path) -> Persona:
    """Load one persona file; its name must be `<id>.yaml`."""
    return load_yaml_file(path, Persona, PersonaError, "persona")


def persona_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in {".yaml", ".yml"})


def validate_folder(folder: Path) -> tuple[list[Persona], list[str]]:
    """Load every persona file in `folder`; return the good ones and one message per bad file."""
    if not folder.is_dir():
        return [], [f"{folder}: no such folder"]
    personas: list[Persona] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in persona_files(folder):
        try:
            persona = load_persona_file(path)
        except PersonaError as exc:
            problems.append(str(exc))
            continue
        if persona.id in seen:
            problems.append(f"{path}: field id: '{persona.id}' is also used by {seen[persona.id]}")
            continue
        seen[persona.id] = path
        personas.append(persona)
    if not personas and not problems:
        problems.append(f"{folder}: no persona files (*.yaml) found")
    return personas, problems


class PersonaLibrary:
    """The personas available to the app, by id: the bundled ones (read-only) and, optionally,
    a folder of the user's own. A broken file in the user's folder is reported in `problems`
    and left out; a broken bundled file is an error."""

    def __init__(self, folder: Path = PERSONAS_DIR, user_folder: Path | None = None) -> None:
        personas, problems = validate_folder(folder)
        if problems:
            raise PersonaError("\n".join(problems))
        self.folder = folder
        self.user_folder = user_folder
        self._by_id = {p.id: p for p in personas}
        self._paths = {p.id: folder / f"{p.id}.yaml" for p in personas}
        self.bundled = set(self._by_id)
        self.problems: list[str] = []
        if user_folder is not None:
            self.reload_user()

    def reload_user(self) -> None:
        """Read the user's folder again (after a save or an import)."""
        for persona_id in [i for i in self._by_id if i not in self.bundled]:
            del self._by_id[persona_id]
            del self._paths[persona_id]
        self.problems = []
        if self.user_folder is None or not self.user_folder.is_dir():
            return
        for path in persona_files(self.user_folder):
            try:
                persona = load_persona_file(path)
            except PersonaError as exc:
                self.problems.append(str(exc))
                continue
            if persona.id in self._by_id:
                self.problems.append(
                    f"{path}: field id: '{persona.id}' is already used by {self._paths[persona.id]}"
                )
                continue
            self._by_id[persona.id] = persona
            self._paths[persona.id] = path

    def ids(self) -> list[str]:
        return list(self._by_id)

    def all(self) -> list[Persona]:
        return list(self._by_id.values())

    def is_bundled(self, persona_id: str) -> bool:
        return persona_id in self.bundled

    def get(self, persona_id: str) -> Persona:
        try:
            return self._by_id[persona_id]
        except KeyError:
            known = ", ".join(self._by_id) or "none"
            raise PersonaError(f"no persona with id '{persona_id}' (known: {known})") from None


def json_schema() -> str:
    """The JSON Schema for persona files, as written to personas/persona.schema.json."""
    schema = Persona.model_json_schema()
    schema["title"] = "Coaching simulator persona"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
