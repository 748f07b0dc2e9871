from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.paths import RUBRICS_DIR
from simulator.rubric import SCHEMA_FILE, RubricError, json_schema, load_rubric, rubric_ids

IDS = ["active_listening", "powerful_questioning", "development_planning", "feedback_delivery"]


def test_bundled_rubric_has_the_four_competencies_with_anchored_levels() -> None:
    rubric = load_rubric("coaching")
    assert [c.id for c in rubric.competencies] == IDS
    for competency in rubric.competencies:
        assert [lv.level for lv in competency.levels] == [1, 2, 3, 4]
        assert len(competency.indicators) >= 2
    assert rubric.competency("feedback_delivery").not_observed
    assert rubric.competency("development_planning").not_observed
    assert (RUBRICS_DIR / "coaching.yaml").read_text().startswith("# yaml-language-server")


def test_committed_schema_matches() -> None:
    assert (RUBRICS_DIR / SCHEMA_FILE).read_text() == json_schema()


def write(folder: Path, name: str, data: dict) -> None:
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")


def test_a_facilitator_can_add_and_select_a_rubric(tmp_path: Path) -> None:
    data = yaml.safe_load((RUBRICS_DIR / "coaching.yaml").read_text())
    data["id"] = "listening-only"
    data["competencies"] = data["competencies"][:1]
    write(tmp_path, "listening-only", data)
    assert rubric_ids(tmp_path) == ["listening-only"]
    assert [c.id for c in load_rubric("listening-only", tmp_path).competencies] == IDS[:1]


def test_broken_rubric_names_file_and_field(tmp_path: Path) -> None:
    data = yaml.safe_load((RUBRICS_DIR / "coaching.yaml").read_text())
    data["competencies"][2]["levels"] = data["competencies"][2]["levels"][:3]
    data["competencies"][0]["colour"] = "red"
    write(tmp_path, "coaching", data)
    with pytest.raises(RubricError) as err:
        load_rubric("coaching", tmp_path)
    message = str(err.value)
    assert "coaching.yaml" in message
    assert "competencies[2].levels" in message and "competencies[0].colour" in message


@pytest.mark.parametrize("bad_id", ["../personas/roadmap-gave-in", "/etc/passwd", "", ".hidden"])
def test_rubric_ids_cannot_escape_the_folder(bad_id: str) -> None:
    with pytest.raises(RubricError):
        load_rubric(bad_id)


def test_unknown_rubric_lists_the_known_ones() -> None:
    with pytest.raises(RubricError, match="known: coaching"):
        load_rubric("nope")
