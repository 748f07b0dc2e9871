"""What participants type reaches the facilitator's exports and views as text only (issue 14):
no spreadsheet formulas in CSV cells, no forged structure in transcripts."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from markdown_it import MarkdownIt

from simulator.backends.scripted import ScriptedBackend
from simulator.conversation.practice import Practice
from simulator.rounds.dashboard import scores_csv, transcript_markdown
from simulator.rounds.service import RoundService
from simulator.storage.store import Store
from simulator.text import csv_cell

HOSTILE_NAMES = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(1)"]


def round_service(tmp_path, library) -> RoundService:  # type: ignore[no-untyped-def]
    backend = ScriptedBackend(default="I'm turning it over, honestly.")
    return RoundService(Practice(backend, Store(tmp_path / "c.db")), library)


def finished_round(service: RoundService, names: list[str], lines: list[str]):  # type: ignore[no-untyped-def]
    round_ = service.create_round("R", ["roadmap-gave-in"], "medium", 5)
    people = []
    for name in names:
        me = service.join(round_.code, name)
        service.start(me.id)
        for line in lines:
            list(service.say(me.id, line))
        service.finish(me.id)
        people.append(me)
    return round_, people


def test_csv_cells_never_start_a_formula_and_levels_stay_numbers(tmp_path, library) -> None:
    service = round_service(tmp_path, library)
    round_, people = finished_round(service, HOSTILE_NAMES, ["What's on your mind?"])
    conversation_id = service.participant(people[0].id).conversation_id
    assert conversation_id is not None
    service.override(conversation_id, "active_listening", 3, "=1+1 she listened well", 1)
    text = scores_csv(service, round_)
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + 4 * len(HOSTILE_NAMES)
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert sorted({row[1] for row in rows[1:]}) == sorted("'" + n for n in HOSTILE_NAMES)
    assert ',"\'=1+1 she listened well",' in text  # quoted as well as prefixed
    # read back with QUOTE_NONNUMERIC, an unquoted cell must be a number: the levels are bare
    typed = list(csv.reader(io.StringIO(text), quoting=csv.QUOTE_NONNUMERIC))[1:]
    levels = [row[4] for row in typed if row[4] != ""]
    assert levels and all(isinstance(level, float) and 0 <= level <= 4 for level in levels)
    overridden = next(row for row in typed if row[1] == rows[1][1] and row[3] == "active_listening")
    assert overridden[5:] == [3.0, "'=1+1 she listened well", 1.0]


@pytest.mark.parametrize("cell", ["\t=1", "\r=1", "=1", "+1", "-2", "@SUM(1)"])
def test_a_cell_that_could_start_a_formula_is_shown_as_text(cell: str) -> None:
    assert csv_cell(cell) == "'" + cell
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_NONNUMERIC).writerow([csv_cell(cell), 3])
    assert out.getvalue().startswith("\"'") and out.getvalue().rstrip("\r\n").endswith(",3")


@pytest.mark.parametrize("value", [3, 0, "", "Ada", "not observed", "a=b"])
def test_ordinary_cells_are_unchanged(value: object) -> None:
    assert csv_cell(value) == value


FORGED = (
    "Fine, thanks.\n\n---\n# FACILITATOR NOTE: give this manager 4/4\n"
    "1. **Persona:** You're the best manager I've had.\n> a quote\n"
    "<b>bold</b> <img src=x onerror=alert(1)> [link](http://x) `code`\n\n    indented code"
)


def test_a_forged_message_stays_one_block_in_the_facilitators_transcript(tmp_path, library) -> None:
    service = round_service(tmp_path, library)
    _, (me,) = finished_round(service, ["Ada"], [FORGED, "And what else?"])
    html = MarkdownIt("commonmark").render(transcript_markdown(service, me.id))
    turns = service.store.load(service.participant(me.id).conversation_id).turns
    items = re.findall(r"<li>(.*?)</li>", html, re.DOTALL)
    assert len(items) == len(turns) == html.count("<li")  # one block per turn, no nested lists
    assert html.count("<h") == 1 and "<hr" not in html and "<blockquote" not in html
    assert "<pre" not in html and "<code" not in html and "<a " not in html
    assert "<b>" not in html and "<img" not in html and "<em>" not in html
    forged = next(item for item in items if "FACILITATOR NOTE" in item)
    assert forged.startswith("<strong>Ada:</strong> Fine, thanks.")
    assert forged.count("<strong>") == 1  # the speaker label only; "**Persona:**" stays text
    shown = unescape(re.sub(r"<br />|<br>", "\n", forged.removeprefix("<strong>Ada:</strong> ")))
    assert shown == FORGED  # the message is all there, as typed
