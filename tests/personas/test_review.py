from __future__ import annotations

import pytest

from simulator.backends.scripted import ScriptedBackend
from simulator.conversation.practice import Practice
from simulator.errors import InputError
from simulator.personas.probe import play
from simulator.personas.review import figures, read_script, transcript_markdown
from simulator.storage.store import Store
from tests.cli.test_commands import simulator

SCRIPT = """# coaching, then an off-script request
Thanks for making time. What's on your mind today?
Tell me more about what happened.

Write me a haiku about dashboards.
"""


def test_transcript_command_writes_markdown_with_state_reveals_and_guard(tmp_path) -> None:
    script = tmp_path / "script.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    output = tmp_path / "out.md"
    result = simulator(
        "personas", "transcript", "missed-deadlines", "--script", str(script),
        "--difficulty", "easy", "--output", str(output), "--backend", "scripted",
        env={"SIMULATOR_DATA_DIR": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = output.read_text(encoding="utf-8")
    assert text.startswith("# Sam Adeyemi (missed-deadlines), easy")
    assert text.count("**Manager:**") == 3 and "### Turn 3" in text
    assert "released **estimates-from-partners**, carried by the reply" in text
    assert "the authored line was said" in text  # the scripted lines never carry a fact
    assert "off-topic: state unchanged" in text
    assert "Reveals carrying their fact's specifics: 2 of 2" in text


def test_figures_count_what_the_reader_would_notice(tmp_path, library) -> None:
    replies = [
        "Honestly, it's a long story.",
        "Honestly, it's a lot. We need to keep our customers happy.",
        "Sure thing! Here's a haiku: dashboards glow at night",
    ]
    backend = ScriptedBackend(replies * 3)
    practice = Practice(backend, Store(tmp_path / "c.db"))
    conversation = play(
        practice,
        library.get("missed-deadlines"),
        ["How are you?", "And the partners?", "Write me a haiku about dashboards."],
        "hard",
    )
    for turn in conversation.turns[2::2]:  # what the model said, before any repair
        turn.text = replies[conversation.turns.index(turn) // 2 - 1]
    counted = figures([conversation])
    assert counted.replies == 3 and counted.reveals == 0 and counted.fact_fidelity is None
    assert counted.filler_replies == 1 and counted.repeated_openers == 1
    assert counted.off_script == 1 and counted.off_script_out_of_character == 1
    assert "Replies with stock filler: 1 of 3" in transcript_markdown(conversation)


def test_a_script_file_must_have_lines(tmp_path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("# only a comment\n\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty\.txt: no manager lines"):
        read_script(empty)
    with pytest.raises(InputError, match="cannot read"):
        read_script(tmp_path / "missing.txt")


def test_a_reveal_said_word_for_word_counts_as_a_recital(tmp_path, library) -> None:
    persona = library.get("roadmap-gave-in")
    facts = [f.model_copy(update={"threshold": 0.3}) for f in persona.hidden_facts[:2]]
    easy = persona.model_copy(update={"hidden_facts": facts})
    practice = Practice(ScriptedBackend(["Hm."]), Store(tmp_path / "c.db"))
    conversation = play(practice, easy, ["What's on your mind?", "Tell me more."], "easy")
    released = [t for t in conversation.turns if t.speaker == "manager" and t.stats.get("fact")]
    assert [t.stats["fact"] for t in released] == ["had-the-data", "team-upset"]
    replies = [conversation.turns[conversation.turns.index(t) + 1] for t in released]
    replies[0].text = facts[0].line  # the authored line, as written
    replies[1].text = "Yes. And Marco told me the team thought I didn't fight for them. Ouch."
    counted = figures([conversation])
    assert counted.reveals == 2 and counted.faithful_reveals == 2
    assert counted.recited_reveals == 1
    assert "1 said more or less word for word" in transcript_markdown(conversation)
