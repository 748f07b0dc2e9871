from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.errors import PersonaError
from simulator.personas.cards import NAMESPACE, from_card, to_card
from simulator.personas.library import persona_files
from tests.cli.test_commands import simulator
from tests.conftest import ROOT


@pytest.mark.parametrize("path", persona_files(ROOT / "personas"), ids=lambda p: p.stem)
def test_round_trip_for_every_bundled_persona(path: Path, library) -> None:
    persona = library.get(path.stem)
    card = to_card(persona)
    assert card["spec"] == "chara_card_v2"
    data = card["data"]
    assert data["name"] == persona.name and data["first_mes"] == persona.opening_line
    assert persona.brief.situation in data["scenario"] and persona.role in data["description"]
    back, filled = from_card(json.dumps(card), "card.json")
    assert back == persona and filled == []
    assert back.voice.candid and back.hidden_facts[0].line and back.hidden_facts[0].keywords
    for _, lines in persona.voice.samples():  # other tools see the voice as example dialogue
        assert all(f"{{{{char}}}}: {line}" in data["mes_example"] for line in lines)


def test_unknown_extension_keys_are_kept(library) -> None:
    card = to_card(library.get("wants-promotion"))
    card["data"]["extensions"]["sillytavern"] = {"depth_prompt": {"depth": 4, "prompt": "x"}}
    card["data"]["extensions"]["talkativeness"] = "0.5"
    persona, _ = from_card(json.dumps(card), "card.json")
    assert persona.extensions == {
        "sillytavern": {"depth_prompt": {"depth": 4, "prompt": "x"}},
        "talkativeness": "0.5",
    }
    again = to_card(persona)["data"]["extensions"]
    assert again["sillytavern"] == card["data"]["extensions"]["sillytavern"]
    assert NAMESPACE in again and "extensions" not in again[NAMESPACE]


PLAIN = {
    "spec": "chara_card_v2",
    "spec_version": "2.0",
    "data": {
        "name": "Robin Vale",
        "description": "A product manager at a travel start-up who has just lost a big partner.",
        "personality": "Upbeat in public, anxious in private, keeps score of every slip.",
        "scenario": "Robin's biggest partner has walked away and the roadmap is in pieces.",
        "first_mes": "So. I guess you heard about Skyline.",
        "extensions": {"world": "travel"},
    },
}


def test_a_plain_card_imports_with_clear_defaults() -> None:
    persona, filled = from_card(json.dumps(PLAIN), "robin.json")
    assert persona.id == "robin-vale" and persona.opening_line.startswith("So. I guess")
    assert persona.brief.situation == PLAIN["data"]["scenario"]
    assert "hidden_facts" in filled and "own_idea" in filled and "company" not in filled
    assert "imported card" in persona.hidden_facts[0].text
    assert persona.extensions == {"world": "travel"}
    v1 = {k: v for k, v in PLAIN["data"].items() if k != "extensions"}
    assert from_card(json.dumps(v1), "v1.json")[0].name == "Robin Vale"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", r"robin\.json: not valid JSON"),
        ("[1, 2]", "not a character card"),
        ('{"hello": "world"}', "not a character card"),
        ('{"spec": "chara_card_v2", "data": {"name": "X"}}', r"no data\.first_mes"),
        ('{"spec": "chara_card_v2", "data": "oops"}', "field data"),
    ],
)
def test_bad_cards_get_clear_errors(raw: str, message: str) -> None:
    with pytest.raises(PersonaError, match=message):
        from_card(raw, "robin.json")


def test_our_extension_with_a_bad_field_is_named(library) -> None:
    card = to_card(library.get("wants-promotion"))
    card["data"]["extensions"][NAMESPACE]["hidden_facts"][0]["threshold"] = 7
    with pytest.raises(PersonaError, match=r"hidden_facts\[0\]\.threshold"):
        from_card(json.dumps(card), "card.json")


def test_oversized_card_is_refused() -> None:
    with pytest.raises(PersonaError, match="larger than"):
        from_card('{"name": "' + "x" * 1_100_000 + '"}', "big.json")


def test_export_import_from_the_command_line(tmp_path: Path) -> None:
    env = {"SIMULATOR_DATA_DIR": str(tmp_path / "data")}
    card = tmp_path / "card.json"
    result = simulator(
        "personas",
        "export",
        "launch-postmortem",
        "--format",
        "card",
        "--output",
        str(card),
        env=env,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(card.read_text())
    data["data"]["extensions"][NAMESPACE]["id"] = "launch-postmortem-2"
    card.write_text(json.dumps(data))
    checked = simulator("personas", "import", str(card), "--check", env=env)
    assert checked.returncode == 0 and "valid persona 'launch-postmortem-2'" in checked.stdout
    assert not (tmp_path / "data" / "personas").exists()  # --check saves nothing
    imported = simulator("personas", "import", str(card), env=env)
    assert imported.returncode == 0, imported.stderr
    listed = json.loads(simulator("personas", "list", "--json", env=env).stdout)
    mine = [r for r in listed if r["source"] == "yours"]
    assert [r["id"] for r in mine] == ["launch-postmortem-2"]
    again = simulator("personas", "import", str(card), env=env)
    assert again.returncode == 0  # importing again replaces your own copy
    bundled = tmp_path / "bundled.json"
    simulator("personas", "export", "launch-postmortem", "--output", str(bundled), env=env)
    clash = simulator("personas", "import", str(bundled), env=env)
    assert clash.returncode == 2 and "read-only" in clash.stderr
