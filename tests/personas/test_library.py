from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from simulator.cli.commands import main
from simulator.errors import PersonaError
from simulator.personas.library import (
    SCHEMA_FILE,
    PersonaLibrary,
    json_schema,
    load_persona_file,
    persona_files,
    validate_folder,
)
from tests.conftest import ROOT

SITUATIONS = {
    "roadmap-gave-in",
    "eng-lead-conflict",
    "status-report-1on1",
    "launch-postmortem",
    "wants-promotion",
    "missed-deadlines",
    "new-pm-overwhelmed",
    "strategy-doc-confused",
}


def good_persona() -> dict:
    return yaml.safe_load((ROOT / "personas" / "roadmap-gave-in.yaml").read_text())


def write(folder: Path, data: dict, name: str | None = None) -> Path:
    path = folder / f"{name or data['id']}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("path", persona_files(ROOT / "personas"), ids=lambda p: p.name)
def test_every_bundled_persona_validates(path: Path) -> None:
    persona = load_persona_file(path)
    assert persona.id == path.stem
    assert len(persona.hidden_facts) >= 2
    assert path.read_text().startswith("# yaml-language-server: $schema=./persona.schema.json")


def test_bundled_personas_cover_the_seed_situations_with_distinct_people(library) -> None:
    assert set(library.ids()) >= SITUATIONS
    assert len({p.name for p in library.all()}) == len(library.all())
    assert len({p.opening_line for p in library.all()}) == len(library.all())


def test_committed_schema_matches_the_models() -> None:
    assert (ROOT / "personas" / SCHEMA_FILE).read_text() == json_schema()


def test_unknown_field_is_named(tmp_path: Path) -> None:
    data = good_persona() | {"favourite_colour": "teal"}
    path = write(tmp_path, data)
    with pytest.raises(PersonaError) as err:
        load_persona_file(path)
    assert str(path) in str(err.value)
    assert "favourite_colour" in str(err.value)


def test_bad_nested_field_is_named(tmp_path: Path) -> None:
    data = good_persona()
    data["hidden_facts"][1]["threshold"] = 1.7
    path = write(tmp_path, data)
    with pytest.raises(PersonaError, match=r"hidden_facts\[1\]\.threshold"):
        load_persona_file(path)


def test_missing_opening_line_is_named(tmp_path: Path) -> None:
    data = good_persona()
    del data["opening_line"]
    with pytest.raises(PersonaError, match="field opening_line: Field required"):
        load_persona_file(write(tmp_path, data))


def test_facts_out_of_order_are_rejected(tmp_path: Path) -> None:
    data = good_persona()
    data["hidden_facts"].reverse()
    with pytest.raises(PersonaError, match="thresholds must not decrease"):
        load_persona_file(write(tmp_path, data))


def test_malformed_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: broken\nname: [unclosed\n")
    with pytest.raises(PersonaError, match=r"broken\.yaml: not valid YAML"):
        load_persona_file(path)


def test_a_list_is_not_a_persona(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(PersonaError, match="not a persona file"):
        load_persona_file(path)


def test_id_must_match_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, good_persona(), name="other-name")
    with pytest.raises(PersonaError, match="must match the file name"):
        load_persona_file(path)


def test_folder_validation_reports_each_bad_file(tmp_path: Path) -> None:
    write(tmp_path, good_persona())
    (tmp_path / "bad.yaml").write_text("id: bad\n")
    personas, problems = validate_folder(tmp_path)
    assert [p.id for p in personas] == ["roadmap-gave-in"]
    assert len(problems) == 1 and "bad.yaml" in problems[0]
    with pytest.raises(PersonaError, match=r"bad\.yaml"):
        PersonaLibrary(tmp_path)


def test_template_syntax_in_persona_text_stays_text(tmp_path: Path) -> None:
    data = good_persona()
    data["name"] = "{{ 7 * 7 }} <script>alert(1)</script>"
    persona = load_persona_file(write(tmp_path, data))
    assert persona.name.startswith("{{ 7 * 7 }}")


def test_cli_validate_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ok:
        main(["personas", "validate"])
    assert ok.value.code == 0
    (tmp_path / "bad.yaml").write_text("id: bad\nname: X\n")
    with pytest.raises(SystemExit) as bad:
        main(["personas", "validate", str(tmp_path)])
    assert bad.value.code == 1
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "field role" in err


def test_cli_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["personas", "list", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) >= 8
    assert all({"id", "name"} <= set(row) for row in rows)
