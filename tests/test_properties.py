"""Random input to every loader, the coder and the evaluator: a result or a clear error, never
an unhandled exception."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.backends.scripted import ScriptedBackend
from simulator.coding.rules import code_turn
from simulator.conversation.injection import defuse, strip_injection
from simulator.conversation.practice import MAX_MESSAGE_CHARS, clean_message, keep_char
from simulator.conversation.transcript import TranscriptTurn, read_transcript
from simulator.errors import SimulatorError
from simulator.personas.cards import from_card, to_card
from simulator.personas.library import Persona, PersonaLibrary, parse_persona
from simulator.scoring.evaluate import Evaluator, Report
from simulator.scoring.rubric import load_rubric, load_rubric_file
from simulator.storage.paths import PERSONAS_DIR

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# text with everything people paste: emoji, right-to-left scripts, control characters, NULs
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("\u202e\u200f\u2066\u0000\x1b\ufeff😀👩🏽‍💻שלוםمرحبا{}<>|%#*`")),
    ),
    max_size=300,
)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)
BUNDLED = PersonaLibrary(PERSONAS_DIR).all()
PERSONA_FIELDS = sorted(Persona.model_fields)


def persona_like() -> st.SearchStrategy[dict[str, object]]:
    """A bundled persona with some fields replaced by random values or removed."""
    return st.tuples(
        st.sampled_from(BUNDLED),
        st.dictionaries(st.sampled_from(PERSONA_FIELDS), JSONISH, max_size=4),
        st.sets(st.sampled_from(PERSONA_FIELDS), max_size=3),
    ).map(
        lambda t: {
            **{k: v for k, v in t[0].model_dump(mode="json").items() if k not in t[2]},
            **t[1],
        }
    )


@SETTINGS
@given(st.one_of(TEXT, JSONISH.map(yaml.safe_dump), persona_like().map(yaml.safe_dump)))
def test_persona_files(text: str) -> None:
    try:
        persona = parse_persona(text, "random.yaml")
    except SimulatorError as exc:
        assert str(exc).startswith("random.yaml")
    else:
        assert isinstance(persona, Persona)


@SETTINGS
@given(st.one_of(TEXT, JSONISH.map(yaml.safe_dump)))
def test_rubric_files(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "coaching.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_rubric_file(path)
        except SimulatorError as exc:
            assert str(path) in str(exc)


@SETTINGS
@given(
    st.one_of(
        TEXT,
        JSONISH.map(json.dumps),
        persona_like().map(lambda d: json.dumps({"spec": "chara_card_v2", "data": d})),
        st.sampled_from(BUNDLED).map(lambda p: json.dumps(to_card(p))[:-5]),
    )
)
def test_character_cards(raw: str) -> None:
    try:
        persona, filled = from_card(raw, "card.json")
    except SimulatorError as exc:
        assert "card.json" in str(exc)
    else:
        assert isinstance(persona, Persona) and isinstance(filled, list)


@SETTINGS
@given(
    st.one_of(
        st.binary(max_size=400),
        JSONISH.map(lambda d: json.dumps(d).encode()),
        st.lists(
            st.fixed_dictionaries(
                {"speaker": st.sampled_from(["manager", "persona", "x"]), "text": JSONISH}
            ),
            max_size=5,
        ).map(lambda turns: json.dumps({"turns": turns}).encode()),
    )
)
def test_transcript_files(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.json"
        path.write_bytes(raw)
        try:
            transcript = read_transcript(path)
        except SimulatorError as exc:
            assert str(path) in str(exc)
        else:
            assert all(t.speaker in ("manager", "persona") for t in transcript.turns)


@SETTINGS
@given(TEXT, TEXT)
def test_coder_codes_any_text(text: str, previous: str) -> None:
    code = code_turn(text, previous)
    assert code.words >= 0
    strip_injection(text)
    assert defuse(text).replace("\u2060", "") == text


@SETTINGS
@given(TEXT)
def test_manager_messages_are_cleaned_or_refused(text: str) -> None:
    try:
        cleaned = clean_message(text)
    except SimulatorError as exc:
        assert "empty" in str(exc) or "limit" in str(exc)
    else:
        assert cleaned == cleaned.strip() and len(cleaned) <= MAX_MESSAGE_CHARS
        assert all(keep_char(ch) for ch in cleaned)
        assert not any(0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069 for ch in cleaned)


TURNS = st.lists(
    st.builds(TranscriptTurn, speaker=st.sampled_from(["manager", "persona"]), text=TEXT),
    max_size=12,
)
RUBRIC = load_rubric("coaching")


@SETTINGS
@given(TURNS, st.sampled_from(BUNDLED), st.lists(TEXT, max_size=4))
def test_evaluator_scores_any_transcript(turns, persona, model_says) -> None:  # type: ignore[no-untyped-def]
    backend = ScriptedBackend(model_says, default=lambda _: "")
    try:
        report = Evaluator(RUBRIC, backend).evaluate(turns, persona, "medium")
    except SimulatorError as exc:
        assert str(exc)
        return
    assert isinstance(report, Report)
    assert {c.id for c in report.competencies} == {c.id for c in RUBRIC.competencies}
    for competency in report.competencies:
        assert competency.level is None or 1 <= competency.level <= 4
