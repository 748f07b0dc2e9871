from __future__ import annotations

from pathlib import Path

import pytest

from simulator.agreement import BUNDLED_SETS, agreement, cohen_kappa, read_set
from simulator.errors import InputError

# Floors set a little under the kappas measured when the sets were written (see the README).
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
    result = agreement(read_set(path))
    for field, floor in FLOORS[path.name].items():
        assert result[field]["kappa"] >= floor, (field, result[field])


def test_bad_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "set.txt"
    path.write_text("open|none|-|What's up?\nwide open|none|-|Hmm\n")
    with pytest.raises(InputError, match=r"set\.txt:2"):
        read_set(path)
