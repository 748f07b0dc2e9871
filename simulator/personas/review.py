"""Review a persona's voice: a readable Markdown transcript and the figures behind it.

For each reply: the state after it, the fact released in it and whether the words carried it,
and what the guard did (another attempt, a repair, the authored line). The figures: fact
fidelity (share of reveals carrying their keywords), filler rate (share of replies with stock
filler), off-script replies out of character, and repeated openers.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel

from simulator.conversation import fidelity, guard
from simulator.conversation.transcript import Conversation, Turn
from simulator.errors import InputError
from simulator.personas.library import Persona
from simulator.text import plain

MAX_SCRIPT_LINES = 60


class VoiceFigures(BaseModel):
    """What a reader notices first about a persona's replies, counted."""

    replies: int
    reveals: int
    faithful_reveals: int
    recited_reveals: int  # faithful, but the authored line said more or less word for word
    fact_fidelity: float | None  # None when nothing was released
    filler_replies: int
    filler_rate: float | None
    off_script: int
    off_script_out_of_character: int
    repeated_openers: int
    authored_fallbacks: int


def read_script(path: Path) -> list[str]:
    """Manager lines from a text file: one a line; blank lines and # comments are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    lines = [s.strip() for s in text.splitlines() if s.strip() and not s.lstrip().startswith("#")]
    if not lines:
        raise InputError(f"{path}: no manager lines (one a line; # starts a comment)")
    if len(lines) > MAX_SCRIPT_LINES:
        raise InputError(f"{path}: {len(lines)} lines; a script has at most {MAX_SCRIPT_LINES}")
    return lines


def _replies(conversation: Conversation) -> list[tuple[Turn | None, Turn]]:
    """Each persona reply after the opening line, with the manager turn it answers."""
    pairs: list[tuple[Turn | None, Turn]] = []
    asked: Turn | None = None
    for turn in conversation.turns[1:]:
        if turn.speaker == "manager":
            asked = turn
        else:
            pairs.append((asked, turn))
            asked = None
    return pairs


def out_of_character(text: str) -> bool:
    """A reply a PM in a 1:1 would not give: assistant-speak, doing the task, lists, markup."""
    found = set(guard.problems(text, []))
    return bool({"assistant_speak", "complies", "list_or_markup", "speaks_for_manager"} & found)


def figures(conversations: Iterable[Conversation]) -> VoiceFigures:
    """The voice figures over one or more conversations."""
    replies = reveals = faithful = recited = filler = off = off_bad = openers = fallbacks = 0
    for conversation in conversations:
        persona = conversation.persona
        facts = {f.id: f for f in persona.hidden_facts}
        earlier = [conversation.turns[0].text]
        for asked, reply in _replies(conversation):
            if asked is None or reply.stats.get("wrap_up"):
                continue
            replies += 1
            fact_id = asked.stats.get("fact")
            if fact_id in facts:
                reveals += 1
                fact = facts[str(fact_id)]
                carried = fidelity.carries(reply.text, fact, persona)
                faithful += carried
                recited += carried and fidelity.recites(reply.text, fact)
            filler += bool(guard.stock_filler(reply.text, persona.avoid_phrases))
            if asked.stats.get("off_topic"):
                off += 1
                off_bad += out_of_character(reply.text)
            openers += guard.repeats_opener(reply.text, earlier)
            fallbacks += bool(reply.stats.get("fact_fallback"))
            earlier.append(reply.text)
    return VoiceFigures(
        replies=replies,
        reveals=reveals,
        faithful_reveals=faithful,
        recited_reveals=recited,
        fact_fidelity=fidelity.fidelity([True] * faithful + [False] * (reveals - faithful)),
        filler_replies=filler,
        filler_rate=round(filler / replies, 3) if replies else None,
        off_script=off,
        off_script_out_of_character=off_bad,
        repeated_openers=openers,
        authored_fallbacks=fallbacks,
    )


def _guard_note(stats: dict[str, object]) -> str:
    notes = []
    tried = stats.get("attempt_problems")
    if isinstance(tried, list) and len(tried) > 1:
        for number, problems in enumerate(tried[:-1], 1):
            notes.append(f"attempt {number} dropped ({', '.join(map(str, problems))})")
    last = stats.get("problems")
    if stats.get("fact_fallback"):
        notes.append("the model lost the fact: the authored line was said")
    elif isinstance(last, list) and last:
        notes.append(f"repaired ({', '.join(map(str, last))})")
    if stats.get("relaxed"):
        notes.append("kept a reply that reuses a phrase")
    if stats.get("fallback"):
        notes.append("no usable reply: a stock line")
    return "; ".join(notes) or "none"


def transcript_markdown(conversation: Conversation, title: str = "") -> str:
    """A readable Markdown transcript with the state, reveals and guard actions per turn."""
    persona: Persona = conversation.persona
    facts = {f.id: f for f in persona.hidden_facts}
    heading = title or f"{persona.name} ({persona.id}), {conversation.difficulty}"
    lines = [
        f"# {plain(heading)}",
        "",
        f"*{plain(persona.role)}.* {plain(persona.brief.situation)}",
        "",
        f"**{plain(persona.name.split()[0])}:** {plain(conversation.turns[0].text)}",
        "",
    ]
    for number, (asked, reply) in enumerate(_replies(conversation), 1):
        if asked is not None:
            lines += [f"### Turn {number}", "", f"**Manager:** {plain(asked.text)}", ""]
        lines += [f"**{plain(persona.name.split()[0])}:** {plain(reply.text)}", ""]
        state = reply.state
        details = []
        if state is not None:
            details.append(f"openness {state.openness:.2f}")
            if asked is not None and not asked.stats.get("off_topic"):
                details.append(f"move: {state.last_move}")
        if asked is not None and asked.stats.get("off_topic"):
            details.append("off-topic: state unchanged")
        fact_id = asked.stats.get("fact") if asked is not None else None
        if fact_id in facts:
            fact = facts[str(fact_id)]
            said = fidelity.carries(reply.text, fact, persona)
            details.append(
                f"released **{fact.id}**, "
                + ("carried by the reply" if said else "NOT carried by the reply")
            )
        if asked is not None and asked.stats.get("idea"):
            details.append("own idea released")
        details.append(f"guard: {_guard_note(reply.stats)}")
        lines += ["> " + " · ".join(details), ""]
    summary = figures([conversation])
    lines += [
        "## Figures",
        "",
        f"- Reveals carrying their fact's specifics: {summary.faithful_reveals} of "
        f"{summary.reveals} (the authored line said for {summary.authored_fallbacks}; "
        f"{summary.recited_reveals} said more or less word for word)",
        f"- Replies with stock filler: {summary.filler_replies} of {summary.replies}",
        f"- Repeated openers: {summary.repeated_openers}",
        f"- Off-script requests answered out of character: "
        f"{summary.off_script_out_of_character} of {summary.off_script}",
        f"- Final openness {conversation.state.openness:.2f}; released: "
        f"{', '.join(conversation.state.revealed) or 'nothing'}",
        "",
    ]
    return "\n".join(lines)
