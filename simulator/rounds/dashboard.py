"""What the facilitator dashboard and the progress view show, as plain data."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from html import escape
from pathlib import Path

from simulator.personas.library import PersonaLibrary
from simulator.rounds.service import Round, RoundService
from simulator.scoring.evaluate import Report
from simulator.scoring.report import report_markdown
from simulator.scoring.rubric import Rubric
from simulator.storage.paths import private_file, private_folder
from simulator.text import csv_cell, one_block, plain

COLOURS = ["#e8772e", "#3b7dd8", "#3aa655", "#9b59b6", "#c0392b", "#16a085", "#7f8c8d", "#d4ac0d"]


def round_rubric(service: RoundService, round_id: str) -> Rubric:
    """The rubric a round is scored on: its competencies, names and levels."""
    return service.rubrics.get(service.round(round_id).rubric)


def clock_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = int(seconds + 0.999)
    return f"{whole // 60}:{whole % 60:02d}"


def status_rows(service: RoundService, round_id: str) -> list[list[str]]:
    """One row per participant: name, persona, status (with time left), overall level."""
    at = service.clock()
    rows = []
    for p in service.participants(round_id):
        status = p.status(at)
        if status == "in progress":
            status = f"in progress, {clock_text(p.seconds_left(at))} left"
        report = service.report(p.id) if status == "finished" else None
        if status == "finished" and report is None:
            failed = p.evaluation == "failed"
            status = (
                "finished (evaluation failed: see the app's log)"
                if failed
                else ("finished (scoring…)")
            )
        overall = "" if report is None or report.overall is None else f"{report.overall:.2f}"
        rows.append([p.name, service.library.get(p.persona_id).name, status, overall])
    return rows


def levels(
    report: Report | None, overrides: dict[str, dict[str, object]], competencies: list[str]
) -> dict[str, tuple[int | None, object]]:
    """Per competency: (automatic level, override level or '' when there is none)."""
    out: dict[str, tuple[int | None, object]] = {}
    by_id = {c.id: c.level for c in report.competencies} if report else {}
    for competency in competencies:
        override = overrides.get(competency)
        out[competency] = (by_id.get(competency), "" if override is None else override["level"])
    return out


def score_headers(rubric: Rubric) -> list[str]:
    return ["Participant", *rubric.names().values()]


def score_rows(service: RoundService, round_id: str) -> list[list[object]]:
    """Participant × competency: automatic level, and the override beside it when there is one."""
    ids = round_rubric(service, round_id).ids()
    rows: list[list[object]] = []
    for p in service.participants(round_id):
        if p.conversation_id is None:
            continue
        table = levels(service.report(p.id), service.overrides(p.conversation_id), ids)
        row: list[object] = [p.name]
        for competency in ids:
            auto, override = table[competency]
            cell = "–" if auto is None else str(auto)
            if override != "":
                cell += f" → {override if override is not None else 'not observed'} (override)"
            row.append(cell)
        rows.append(row)
    return rows


def gap_map(service: RoundService, round_id: str) -> list[tuple[str, float, int]]:
    """Mean level per competency (by name) over finished participants, weakest first (the
    override, when a facilitator gave one, counts instead of the automatic level)."""
    rubric = round_rubric(service, round_id)
    totals: dict[str, list[int]] = {c: [] for c in rubric.ids()}
    for p in service.participants(round_id):
        if p.conversation_id is None or p.finished_at is None:
            continue
        table = levels(service.report(p.id), service.overrides(p.conversation_id), rubric.ids())
        for competency, (auto, override) in table.items():
            value = override if override != "" else auto
            if isinstance(value, int):
                totals[competency].append(value)
    names = rubric.names()
    means = [(names[c], round(sum(v) / len(v), 2), len(v)) for c, v in totals.items() if v]
    return sorted(means, key=lambda item: (item[1], item[0]))


def gap_map_svg(gaps: list[tuple[str, float, int]]) -> str:
    if not gaps:
        return "<p>No finished conversations yet.</p>"
    width, label_w, row_h = 600, 190, 30
    bar_w = width - label_w - 120
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{row_h * len(gaps) + 10}" style="font-family:sans-serif;font-size:13px">'
    ]
    for n, (name, mean, count) in enumerate(gaps):
        y = 5 + n * row_h
        parts.append(f'<text x="0" y="{y + 16}">{escape(name)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="18" fill="#eee"/>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w * mean / 4:.0f}" '
            'height="18" fill="#e8772e"/>'
        )
        parts.append(f'<text x="{label_w + bar_w + 8}" y="{y + 16}">{mean:.2f} (n={count})</text>')
    return "".join(parts) + "</svg>"


def scores_csv(service: RoundService, round_: Round) -> str:
    """One row per participant and competency; every cell is shown by a spreadsheet as text
    (names and comments are typed by people), and levels stay numbers."""
    ids = service.rubrics.get(round_.rubric).ids()
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(
        [
            "round",
            "participant",
            "persona",
            "competency",
            "automatic_level",
            "override_level",
            "override_comment",
            "override_turn",
        ]
    )
    for p in service.participants(round_.id):
        if p.conversation_id is None:
            continue
        report = service.report(p.id)
        overrides = service.overrides(p.conversation_id)
        for competency, (auto, override) in levels(report, overrides, ids).items():
            note = overrides.get(competency, {})
            row = [
                round_.code,
                p.name,
                p.persona_id,
                competency,
                "" if auto is None else auto,
                "" if override == "" else ("not observed" if override is None else override),
                note.get("comment", ""),
                note.get("turn", ""),
            ]
            writer.writerow([csv_cell(cell) for cell in row])
    return out.getvalue()


def export_zip(service: RoundService, round_: Round, folder: Path) -> Path:
    """Transcripts and evaluations of a round, as JSON and Markdown, in one zip file."""
    private_folder(folder)
    path = private_file(folder / f"round-{round_.code}.zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("scores.csv", scores_csv(service, round_))
        for p in service.participants(round_.id):
            if p.conversation_id is None:
                continue
            stem = f"{p.name.replace('/', '-')}-{p.id[:6]}"
            conversation = service.store.load(p.conversation_id)
            archive.writestr(
                f"{stem}/transcript.json",
                json.dumps(conversation.transcript(), indent=2, ensure_ascii=False),
            )
            report = service.report(p.id)
            if report is not None:
                archive.writestr(f"{stem}/evaluation.json", report.model_dump_json(indent=2))
                archive.writestr(f"{stem}/evaluation.md", report_markdown(report))
            overrides = service.overrides(p.conversation_id)
            if overrides:
                archive.writestr(f"{stem}/overrides.json", json.dumps(overrides, indent=2))
    return path


def transcript_markdown(service: RoundService, participant_id: str) -> str:
    p = service.participant(participant_id)
    if p.conversation_id is None:
        return f"{plain(p.name)} has not started yet."
    conversation = service.store.load(p.conversation_id)
    lines = [f"### {plain(p.name)} with {plain(conversation.persona.name)}", ""]
    # One list item per turn, on one line each: the number and speaker are written here, and
    # what was said can add no structure of its own (no forged turns, rules or headings).
    for index, turn in enumerate(conversation.turns):
        who = p.name if turn.speaker == "manager" else conversation.persona.name
        lines.append(f"{index}. **{one_block(who)}:** {one_block(turn.text)}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Progress:
    sessions: list[dict[str, object]]  # date, persona, and one level per competency
    names: dict[str, str]  # every competency seen, in order: id -> name
    first: dict[str, int | None]
    best: dict[str, int | None]
    latest: dict[str, int | None]
    suggestion: str


def progress(service: RoundService, library: PersonaLibrary, person: str) -> Progress:
    """A manager's evaluated round sessions over time: those of `person` (who holds their
    browser's secret, see `rounds.person_of`), never of whoever typed the same name."""
    rows = service.store.execute(
        "SELECT p.id, p.persona_id, p.finished_at FROM participants p WHERE p.person = ? "
        "AND p.finished_at IS NOT NULL ORDER BY p.finished_at",
        (person,),
    )
    sessions: list[dict[str, object]] = []
    names: dict[str, str] = {}  # rounds may use different rubrics: every competency seen
    for participant_id, persona_id, finished in rows:
        report = service.report(str(participant_id))
        if report is None:
            continue
        p = service.participant(str(participant_id))
        names |= {c.id: c.name for c in report.competencies if c.id not in names}
        ids = [c.id for c in report.competencies]
        table = levels(report, service.overrides(p.conversation_id or ""), ids)
        entry: dict[str, object] = {"finished_at": float(str(finished)), "persona": persona_id}
        for competency, (auto, override) in table.items():
            entry[competency] = override if isinstance(override, int) else auto
        sessions.append(entry)

    def pick(kind: str) -> dict[str, int | None]:
        out: dict[str, int | None] = {}
        for competency in names:
            values = [s.get(competency) for s in sessions if isinstance(s.get(competency), int)]
            if not values:
                out[competency] = None
            elif kind == "first":
                out[competency] = int(str(values[0]))
            elif kind == "best":
                out[competency] = max(int(str(v)) for v in values)
            else:
                out[competency] = int(str(values[-1]))
        return out

    latest = pick("latest")
    suggestion = suggest(latest, names, library)
    return Progress(sessions, names, pick("first"), pick("best"), latest, suggestion)


def suggest(latest: dict[str, int | None], names: dict[str, str], library: PersonaLibrary) -> str:
    scored = {c: v for c, v in latest.items() if v is not None}
    if not scored:
        return "Finish a round to get a suggestion."
    order = list(names)
    weakest = min(scored, key=lambda c: (scored[c], order.index(c)))
    unseen = [c for c in order if latest[c] is None]
    target = unseen[0] if unseen and scored[weakest] >= 3 else weakest
    persona = next((p for p in library.all() if target in p.exercises), library.all()[0])
    level = scored.get(target)
    difficulty = "hard" if level is not None and level >= 3 else "medium" if level else "easy"
    return (
        f"Practise {names[target].lower()} next: try {persona.name} "
        f"({persona.role}) on {difficulty}."
    )


def progress_svg(report: Progress) -> str:
    """One line per competency across sessions (levels 1 to 4)."""
    sessions = report.sessions
    if not sessions:
        return "<p>No evaluated sessions yet.</p>"
    width, height, left, top = 560, 200, 40, 10
    step = (width - left - 150) / max(1, len(sessions) - 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 30}" '
        'style="font-family:sans-serif;font-size:12px">'
    ]
    for level in range(1, 5):
        y = top + (4 - level) * (height - top) / 3
        parts.append(
            f'<text x="5" y="{y + 4:.0f}">{level}</text>'
            f'<line x1="{left}" x2="{width - 150}" y1="{y:.0f}" y2="{y:.0f}" '
            'stroke="#ddd"/>'
        )
    for n, (competency, name) in enumerate(report.names.items()):
        colour = COLOURS[n % len(COLOURS)]
        points = [
            (left + i * step, top + (4 - int(str(s[competency]))) * (height - top) / 3)
            for i, s in enumerate(sessions)
            if isinstance(s.get(competency), int)
        ]
        if points:
            path = " ".join(f"{x:.0f},{y:.0f}" for x, y in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
            parts += [
                f'<circle cx="{x:.0f}" cy="{y:.0f}" r="3" fill="{colour}"/>' for x, y in points
            ]
        parts.append(
            f'<text x="{width - 140}" y="{top + 14 + n * 18}" fill="{colour}">{escape(name)}</text>'
        )
    return "".join(parts) + "</svg>"
