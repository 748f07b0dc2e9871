"""Rubric studio: open, validate, preview and save rubrics, as plain functions.

Bundled rubrics are read-only; a facilitator edits a copy, which is saved to the rubrics folder
in the data folder and is then offered in Practice and when creating a round.
"""

from __future__ import annotations

import re

from simulator.conversation.transcript import TranscriptTurn
from simulator.errors import SimulatorError
from simulator.scoring.evaluate import Evaluator
from simulator.scoring.rubric import Rubric, RubricError, RubricLibrary
from simulator.storage.datafiles import check_editor_text
from simulator.storage.paths import private_folder, write_private
from simulator.text import plain

ID_LINE = re.compile(r"^id:[^\S\n]*\S[^\n]*$", re.MULTILINE)

# Two short conversations with the same PM, one coached and one told, so a facilitator sees
# what their rules make of each before any participant meets them.
SAMPLES = {
    "coaching": [
        ("persona", "Thanks for making time. The roadmap review didn't go how I hoped."),
        ("manager", "What's on your mind about it?"),
        ("persona", "I agreed to move autocomplete on the spot. I had the data and didn't use it."),
        ("manager", "So you had the numbers and it still felt like you folded."),
        ("persona", "Yes. And Marco said the team felt I didn't fight for them."),
        ("manager", "That sounds like it stung. Where do you see it differently from me?"),
        ("persona", "I think I could still ask the VP for fifteen minutes with the data."),
        ("manager", "What would you want from those fifteen minutes, and by when?"),
        ("persona", "A decision on autocomplete before the planning cut-off on Friday."),
        ("manager", "How will you know it worked, and what do you need from me?"),
    ],
    "telling": [
        ("persona", "Thanks for making time. The roadmap review didn't go how I hoped."),
        ("manager", "Did the review go badly?"),
        ("persona", "I agreed to move autocomplete on the spot."),
        ("manager", "Honestly, that was a mistake. You should have shown the data."),
        ("persona", "I know."),
        ("manager", "Don't you think you need to push back more? Send the VP the numbers tonight."),
        ("persona", "Okay."),
        ("manager", "Your goal is to get autocomplete back on the roadmap by Friday."),
    ],
}


def validate_rubric_text(text: str) -> tuple[Rubric | None, list[str]]:
    """Check editor text; each error names the field. Never raises for bad input."""
    return check_editor_text(text, Rubric, RubricError, "rubric")


def rubric_text(library: RubricLibrary, rubric_id: str) -> str:
    return library.path(rubric_id).read_text(encoding="utf-8")


def copy_to_edit(library: RubricLibrary, rubric_id: str) -> str:
    """The rubric's file, comments and all, under a new id that no rubric has yet."""
    rubric = library.get(rubric_id)
    new_id, number = f"{rubric.id}-copy"[:64], 2
    while new_id in library.ids():
        new_id, number = f"{rubric.id}-copy-{number}"[:64], number + 1
    return ID_LINE.sub(f"id: {new_id}", rubric_text(library, rubric_id), count=1)


def save_rubric(text: str, library: RubricLibrary) -> str:
    """Write a valid rubric to the user's rubrics folder; bundled ones are never overwritten."""
    rubric, errors = validate_rubric_text(text)
    if rubric is None:
        raise RubricError("; ".join(errors))
    folder = library.user_folder
    if folder is None:
        raise RubricError("no folder for your own rubrics is configured")
    if library.is_bundled(rubric.id):
        raise RubricError(
            f"field id: '{rubric.id}' is a bundled rubric, which is read-only; "
            "open it to get a copy, or choose a new id"
        )
    private_folder(folder)
    path = folder / f"{rubric.id}.yaml"
    partial = path.with_suffix(".yaml.partial")
    write_private(partial, text if text.endswith("\n") else text + "\n")
    partial.replace(path)  # a crash mid-write leaves the old file whole
    return rubric.id


def preview_markdown(rubric: Rubric) -> str:
    """The levels this rubric gives the two sample conversations, side by side."""
    levels = {}
    for name, turns in SAMPLES.items():
        transcript = [TranscriptTurn.model_validate({"speaker": s, "text": t}) for s, t in turns]
        report = Evaluator(rubric).evaluate(transcript)
        levels[name] = {c.id: c for c in report.competencies}
    rows = ["| Competency | Coaching sample | Telling sample |", "|---|---|---|"]
    for competency in rubric.competencies:
        cells = []
        for name in SAMPLES:
            score = levels[name][competency.id]
            cells.append(
                "not observed"
                if score.level is None
                else f"{score.level} ({plain(score.label or '')})"
            )
        rows.append(f"| {plain(competency.name)} | {cells[0]} | {cells[1]} |")
    return "\n".join(rows)


def check_markdown(text: str, library: RubricLibrary) -> tuple[str, str]:
    """Live validation for the editor: (errors or 'valid', the preview of sample scores)."""
    rubric, errors = validate_rubric_text(text)
    if rubric is None:
        listed = "\n".join(f"- {plain(e)}" for e in errors)
        return f"**Not valid yet:**\n{listed}", ""
    note = ""
    if library.is_bundled(rubric.id):
        note = (
            f"\n\nNote: id '{plain(rubric.id)}' belongs to a bundled rubric; "
            "choose a new id before saving."
        )
    try:
        preview = preview_markdown(rubric)
    except SimulatorError as exc:
        preview = f"The preview failed: {plain(str(exc))}"
    return f"✓ Valid rubric with {len(rubric.competencies)} competencies.{note}", preview
