"""Render an evaluation report as Markdown and as a small SVG bar chart."""

from __future__ import annotations

import html

from simulator.evaluate import Report
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
