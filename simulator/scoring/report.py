"""Render an evaluation report as Markdown and as a small SVG bar chart."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from simulator.scoring.evaluate import Report
from simulator.text import plain


def report_markdown(report: Report) -> str:
    lines = ["# Coaching feedback", ""]
    if report.overall is not None:
        lines += [f"**Overall:** {report.overall} of 4 (rubric `{report.rubric}`)", ""]
    for c in report.competencies:
        level = f"{c.level} of {c.max_level} — {c.label}" if c.level else "not observed"
        lines += [f"## {c.name}: {level}", ""]
        if c.level is None:
            lines += [plain(c.reason or ""), ""]
            continue
        for point in c.feedback:
            head = "What went well" if point.kind == "went_well" else "Try next"
            lines.append(f"- **{head}** (turn {point.turn}): {plain(point.text)}")
        facts = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in c.indicators.items())
        turns = ", ".join(str(t) for t in c.evidence_turns) or "none"
        lines += [f"- *Evidence turns:* {turns}. *Indicators:* {facts}.", ""]
    if report.try_instead:
        lines += ["## Try instead", ""]
        for r in report.try_instead:
            lines += [
                f"- Turn {r.turn}: you said “{plain(r.original)}” — {plain(r.why)}.",
                f"  Try: “{plain(r.rewrite)}”",
            ]
        lines.append("")
    if report.debrief:
        d = report.debrief
        lines += [
            f"## Debrief: what {plain(d.name)} was holding back",
            "",
            f"**What really mattered to them:** {plain(d.big_agenda)}",
            "",
            "**What worried them:** " + "; ".join(plain(w) for w in d.worries) + ".",
            "",
        ]
        for fact in d.facts:
            where = f"surfaced at turn {fact.turn}" if fact.surfaced else "not surfaced"
            if fact.released_unsaid:
                where = "they were ready to say it, but their reply did not carry it"
            mark = "Surfaced" if fact.surfaced else "Missed"
            lines.append(f"- **{mark}:** {plain(fact.text)} *({where})*")
            if fact.quote:
                lines.append(f"  They said: “{plain(fact.quote)}”")
        reached = f"yes, at turn {d.idea_turn}" if d.idea_reached else "no"
        lines += [
            "",
            f"**Their own idea:** {plain(d.own_idea)} — reached it themselves: {reached}.",
            "",
        ]
    return "\n".join(lines)


def chart_svg(report: Report) -> str:
    """A horizontal bar per competency, 0 to 4; not-observed bars are shown as such."""
    rows = report.competencies
    width, row_h, label_w = 640, 34, 190
    bar_w = width - label_w - 110
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{row_h * len(rows) + 16}" role="img" aria-label="Competency levels" '
        'style="font-family:sans-serif;font-size:13px">'
    ]
    for n, c in enumerate(rows):
        y = 8 + n * row_h
        parts.append(f'<text x="0" y="{y + 18}">{html.escape(c.name)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="20" fill="#eee" rx="3"/>'
        )
        if c.level:
            filled = bar_w * c.level / c.max_level
            parts.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{filled:.0f}" height="20" '
                'fill="#e8772e" rx="3"/>'
            )
        value = f"{c.level}/{c.max_level}" if c.level else "not observed"
        parts.append(f'<text x="{label_w + bar_w + 8}" y="{y + 18}">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class TaggedTurn:
    """One turn of the transcript as the feedback view shows it."""

    index: int
    speaker: str  # "manager" or "persona"
    text: str
    tags: list[str]
    corrected: list[str]  # tags the manager has corrected, as "field: value"


def coded_transcript_html(turns: Sequence[TaggedTurn], persona_name: str) -> str:
    """The transcript with each manager turn's codes beside it; all text is escaped."""
    parts = ['<div class="coded-transcript" style="font-family:sans-serif;font-size:14px">']
    for turn in turns:
        who = "You" if turn.speaker == "manager" else persona_name
        parts.append(
            f'<div class="turn {turn.speaker}" data-turn="{turn.index}" '
            'style="margin:6px 0;padding:6px 8px;border-left:3px solid '
            f'{"#e8772e" if turn.speaker == "manager" else "#9ab"}">'
            f"<b>{turn.index}. {html.escape(who)}:</b> {html.escape(turn.text)}"
        )
        if turn.speaker == "manager":
            shown = turn.tags or ["no coaching move coded"]
            chips = "".join(
                '<span class="tag" style="display:inline-block;margin:2px 4px 0 0;padding:1px 6px;'
                f'border-radius:8px;background:#f3e3d6;font-size:12px">{html.escape(tag)}</span>'
                for tag in shown
            )
            fixes = "".join(
                '<span class="corrected" style="display:inline-block;margin:2px 4px 0 0;'
                'padding:1px 6px;border-radius:8px;background:#d6ecd9;font-size:12px">'
                f"corrected: {html.escape(fix)}</span>"
                for fix in turn.corrected
            )
            parts.append(f"<div>{chips}{fixes}</div>")
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def openness_svg(points: Sequence[tuple[int, float]], reveals: Sequence[tuple[int, str]]) -> str:
    """The PM's openness (0 to 1) after each of their turns, each reveal marked where it
    happened. `points` are (turn index, openness); `reveals` are (turn index, label)."""
    width, height, left, top, bottom = 640, 200, 40, 12, 28
    plot_w, plot_h = width - left - 16, height - top - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        'aria-label="The PM\'s openness over the conversation" '
        'style="font-family:sans-serif;font-size:12px">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#999"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>',
        f'<text x="4" y="{top + 10}">open</text>',
        f'<text x="4" y="{top + plot_h}">closed</text>',
    ]
    if not points:
        parts.append(f'<text x="{left + 10}" y="{top + plot_h / 2}">no PM turns yet</text></svg>')
        return "".join(parts)
    last = max(max(i for i, _ in points), 1)

    def x(index: int) -> float:
        return left + plot_w * index / last

    def y(value: float) -> float:
        return top + plot_h * (1 - min(1.0, max(0.0, value)))

    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in points)
    parts.append(f'<polyline points="{line}" fill="none" stroke="#e8772e" stroke-width="2"/>')
    for i, v in points:
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="#e8772e"/>')
    level = dict(points)
    for i, label in reveals:
        cx, cy = x(i), y(level.get(i, 0.0))
        parts.append(
            f'<g class="reveal"><line x1="{cx:.1f}" y1="{top}" x2="{cx:.1f}" y2="{top + plot_h}" '
            f'stroke="#2e7d32" stroke-dasharray="3,3"/><circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" '
            f'fill="#2e7d32"/><title>{html.escape(label)}</title></g>'
        )
    parts.append(
        f'<text x="{left}" y="{height - 8}">turn 0</text>'
        f'<text x="{left + plot_w - 40}" y="{height - 8}">turn {last}</text></svg>'
    )
    return "".join(parts)
