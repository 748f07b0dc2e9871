from __future__ import annotations

from pathlib import Path

import pytest

from simulator.coding.agreement import (
    BUNDLED_SETS,
    agreement,
    cohen_kappa,
    corpus_agreement,
    field_report,
    format_corpus_report,
    read_set,
)
from simulator.coding.labelled import read_corpus, split_path
from simulator.coding.rules import code_turn_rules
from simulator.errors import InputError

# The rule coder's floors, set a little under the kappas measured when the sets were written.
# The first file was used to develop the rules; the held-out files were written afterwards.
FLOORS = {
    "labelled_utterances.txt": {
        "question": 0.97,
        "reflection": 0.85,
        "leading": 0.95,
        "stacked": 0.95,
        "summary": 0.95,
        "advice": 0.95,
        "judgement": 0.95,
    },
    "heldout_utterances.txt": {
        "question": 0.95,
        "reflection": 0.8,
        "leading": 0.95,
        "advice": 0.95,
        "judgement": 0.95,
    },
    "heldout2_utterances.txt": {
        "question": 0.9,
        "reflection": 0.6,
        "advice": 0.75,
        "judgement": 0.35,
    },
}


def test_kappa_matches_a_worked_example() -> None:
    # 50 items: both yes 20, both no 15, a-yes/b-no 5, a-no/b-yes 10 -> kappa = 0.4
    a = ["y"] * 20 + ["n"] * 15 + ["y"] * 5 + ["n"] * 10
    b = ["y"] * 20 + ["n"] * 15 + ["n"] * 5 + ["y"] * 10
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(["x", "y"], ["x", "y"]) == 1.0
    assert cohen_kappa(["x", "x"], ["x", "x"]) == 1.0


def test_sets_are_large_enough_and_well_formed() -> None:
    sizes = [len(read_set(path)) for path in BUNDLED_SETS]
    assert sizes[0] >= 300 and sum(sizes) >= 450


@pytest.mark.parametrize("path", BUNDLED_SETS, ids=lambda p: p.name)
def test_kappa_floors(path: Path) -> None:
    result = agreement(read_set(path), code_turn_rules)
    for field, floor in FLOORS[path.name].items():
        assert result[field]["kappa"] >= floor, (field, result[field])


def test_bad_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "set.txt"
    path.write_text("open|none|-|What's up?\nwide open|none|-|Hmm\n")
    with pytest.raises(InputError, match=r"set\.txt:2"):
        read_set(path)


def test_field_report_counts_a_worked_example() -> None:
    people = ["open", "open", "closed", "none", "none", "open"]
    coder = ["open", "closed", "closed", "none", "open", "open"]
    report = field_report(people, coder, ("open", "closed", "none"))
    assert report["confusion"]["rows"] == [[2, 1, 0], [0, 1, 0], [1, 0, 1]]
    assert report["classes"]["open"] == {
        "precision": round(2 / 3, 3),
        "recall": round(2 / 3, 3),
        "f1": round(2 / 3, 3),
        "support": 3,
    }
    assert report["classes"]["closed"]["precision"] == 0.5
    assert report["classes"]["none"]["recall"] == 0.5 and report["agreement"] == round(4 / 6, 3)


def test_corpus_report_splits_written_and_spoken_and_shows_both_coders() -> None:
    turns = read_corpus(split_path("dev"))[:80]
    result = corpus_agreement(turns)
    sizes = result["utterances"]
    assert sizes["all"] == 80 == sizes["written"] + sizes["spoken"]
    assert set(result["coders"]) == {"learned", "rules"}
    question = result["coders"]["rules"]["spoken"]["question"]
    assert sum(map(sum, question["confusion"]["rows"])) == sizes["spoken"]
    text = "\n".join(format_corpus_report("dev split", result))
    assert "reflection_any" in text and "people \\ coder" in text and "learned all" in text


def test_a_bad_corpus_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = split_path("dev").read_text(encoding="utf-8").splitlines()[0]
    path.write_text(good + "\n" + good.replace('"question": "', '"question": "x'))
    with pytest.raises(InputError, match=r"bad\.jsonl:2: question"):
        read_corpus(path)


def test_code_agreement_measures_a_corpus_file_of_ones_own(tmp_path: Path, capsys) -> None:
    import json

    from simulator.cli.commands import main

    path = tmp_path / "mine.jsonl"
    lines = split_path("dev").read_text(encoding="utf-8").splitlines()[:30]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["code-agreement", "--corpus", str(path), "--json"])
    assert exit_.value.code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["split"] == str(path) and result["corpus"]["utterances"]["all"] == 30
