from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.scoring.rubric import SCHEMA_FILE, RubricError, json_schema, load_rubric, rubric_ids
from simulator.storage.paths import RUBRICS_DIR

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


def test_second_bundled_rubric_scores_psychological_safety_strong_above_weak() -> None:
    from simulator.scoring.evaluate import Evaluator
    from tests.helpers import transcript

    rubric = load_rubric("psychological-safety")
    assert rubric.ids() == [*IDS, "psychological_safety"]
    strong = [
        "What's on your mind today?",
        "That sounds frustrating, being overruled in front of everyone.",
        "I should have backed you up in that review; that's on me.",
        "Where do you see it differently from me? Push back if I'm wrong.",
        "What would you like to do next?",
    ]
    weak = [
        "What's on your mind today?",
        "Don't you think you should have shown the data?",
        "Honestly, that's on you. You always overcommit.",
        "Wouldn't it be better to just apologise to the VP?",
    ]
    levels = {}
    for name, lines in (("strong", strong), ("weak", weak)):
        report = Evaluator(rubric).evaluate(transcript(lines))
        safety = report.competencies[-1]
        assert safety.name == "Psychological safety" and safety.evidence_turns
        levels[name] = safety.level
    assert levels == {"strong": 4, "weak": 1}


def new_competency_rubric(folder: Path) -> str:
    """The bundled coaching rubric plus one competency, added as one YAML block."""
    text = (RUBRICS_DIR / "coaching.yaml").read_text().replace("id: coaching", "id: with-curiosity")
    text += """  - id: curiosity
    name: Curiosity about the person
    definition: >-
      Asking about the person behind the problem: what they want, what they care about.
    indicators:
      open_questions:
        about: open questions asked
        count: question == open and not leading
    levels:
      - level: 1
        label: Incurious
        description: Asks nothing about the person at all.
      - level: 2
        when: open_questions >= 1
        label: Polite
        description: Asks one open question about them.
      - level: 3
        when: open_questions >= 2
        label: Curious
        description: Asks open questions about what they want.
      - level: 4
        when: open_questions >= 3
        label: Fascinated
        description: Keeps asking about what matters to them.
    evidence:
      - turns: question == open
    feedback:
      went_well: You asked about the person
      went_well_turns: question == open
      try_next: Ask what they want from this, in their own words
      try_next_turns: question == closed
"""
    (folder / "with-curiosity.yaml").write_text(text, encoding="utf-8")
    return "with-curiosity"


def test_a_new_competency_is_one_yaml_edit_and_reaches_every_view(tmp_path: Path, library) -> None:
    from simulator.backends.scripted import ScriptedBackend
    from simulator.conversation.practice import Practice
    from simulator.rounds.dashboard import gap_map, progress, score_rows, scores_csv
    from simulator.rounds.service import RoundService
    from simulator.scoring.report import chart_svg, report_markdown
    from simulator.scoring.rubric import RubricLibrary
    from simulator.storage.store import Store

    rubrics = RubricLibrary(user_folder=tmp_path / "rubrics")
    (tmp_path / "rubrics").mkdir()
    rubric_id = new_competency_rubric(tmp_path / "rubrics")
    assert rubric_id in rubrics.ids() and not rubrics.is_bundled(rubric_id)
    backend = ScriptedBackend(default="I'm turning it over, honestly.")
    service = RoundService(Practice(backend, Store(tmp_path / "c.db")), library, rubrics=rubrics)
    round_ = service.create_round("R", ["roadmap-gave-in"], "medium", 5, rubric_id)
    me = service.join(round_.code, "Ada")
    service.start(me.id)
    for line in ("What's on your mind?", "What matters most to you here?", "How did it land?"):
        list(service.say(me.id, line))
    report = service.finish(me.id)
    assert report is not None and report.competencies[-1].id == "curiosity"
    assert report.competencies[-1].level == 4
    assert "Curiosity about the person" in report_markdown(report)
    assert "Curiosity about the person" in chart_svg(report)
    assert len(score_rows(service, round_.id)[0]) == 1 + 5
    assert any(name == "Curiosity about the person" for name, _, _ in gap_map(service, round_.id))
    assert ',"curiosity",' in scores_csv(service, round_).replace("'", "")
    mine = progress(service, library, me.person)
    assert mine.names["curiosity"] == "Curiosity about the person" and mine.latest["curiosity"] == 4


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda c: c["levels"][3].update(when="reflections >= two"), "levels.3.when"),
        (lambda c: c["levels"][2].update(when="refelctions >= 1"), "unknown name 'refelctions'"),
        (lambda c: c["indicators"]["reflections"].update(count="question == open and"), "count"),
        (lambda c: c["evidence"][0].update(turns="__import__('os')"), "evidence.0.turns"),
        (lambda c: c["levels"][0].update(when="reflections >= 1"), "level 1 is what is left"),
        (lambda c: c["feedback"].update(went_well_turns="nonsense_field"), "went_well_turns"),
    ],
)
def test_a_broken_rule_names_the_competency_and_field(tmp_path: Path, change, field: str) -> None:
    data = yaml.safe_load((RUBRICS_DIR / "coaching.yaml").read_text())
    change(data["competencies"][0])
    write(tmp_path, "coaching", data)
    with pytest.raises(RubricError) as err:
        load_rubric("coaching", tmp_path)
    assert "active_listening" in str(err.value) and field in str(err.value)


def test_indicators_that_read_each_other_in_a_circle_are_refused(tmp_path: Path) -> None:
    data = yaml.safe_load((RUBRICS_DIR / "coaching.yaml").read_text())
    indicators = data["competencies"][0]["indicators"]
    indicators["a"] = {"about": "one", "value": "b + 1"}
    indicators["b"] = {"about": "two", "value": "a + 1"}
    write(tmp_path, "coaching", data)
    with pytest.raises(RubricError, match="a, b read each other"):
        load_rubric("coaching", tmp_path)
