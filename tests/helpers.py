"""Build transcripts for scoring tests."""

from __future__ import annotations

from simulator.conversation.transcript import TranscriptTurn

PERSONA_REPLIES = (
    "Honestly, it's been a strange couple of weeks and I'm still working out what I think.",
    "I agreed to the date on the spot in the review, and I've regretted it since.",
    "I had the data on drop-off and I never put it on the screen.",
    "I suppose I didn't want to be seen as difficult before promotion season.",
    "Maybe I could ask the VP for thirty minutes to compare both options properly.",
    "I think I'd want to do that by Friday and bring Marco along.",
)


def transcript(manager_lines: list[str]) -> list[TranscriptTurn]:
    turns = [TranscriptTurn(speaker="persona", text="Thanks for making time today.")]
    for n, line in enumerate(manager_lines):
        turns.append(TranscriptTurn(speaker="manager", text=line))
        turns.append(
            TranscriptTurn(speaker="persona", text=PERSONA_REPLIES[n % len(PERSONA_REPLIES)])
        )
    return turns
