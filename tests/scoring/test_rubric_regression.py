"""The rubric interpreter gives exactly the levels the scoring code gave before rubrics were data.

`tests/data/levels-before.jsonl.gz` holds 621 coded transcripts (every corpus conversation, 400
seeded mixes of corpus turns with strong feedback and planning turns mixed in, and the paired
transcripts of `test_interpreter.py`) with the levels, evidence turns and indicator values the old
hand-written scorers gave them (frozen from those scorers, and checked live against them, before
they were deleted). The codes are stored with the turns, so the comparison holds whatever the
coder learns later.
"""

from __future__ import annotations

import gzip
import json

from simulator.coding.rules import TurnCode
from simulator.conversation.transcript import TranscriptTurn
from simulator.scoring.interpreter import CodedTurn, score
from simulator.scoring.rubric import load_rubric
from tests.conftest import ROOT

FROZEN = ROOT / "tests" / "data" / "levels-before.jsonl.gz"


def frozen() -> list[dict]:
    with gzip.open(FROZEN, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def coded_turns(case: dict) -> tuple[list[TranscriptTurn], list[CodedTurn]]:
    turns = [TranscriptTurn(speaker=s, text=t) for s, t in case["turns"]]
    managers = [i for i, t in enumerate(turns) if t.speaker == "manager"]
    codes = [TurnCode.model_validate(c) for c in case["codes"]]
    return turns, [CodedTurn(i, turns[i].text, c) for i, c in zip(managers, codes, strict=True)]


def test_the_frozen_corpus_covers_every_level() -> None:
    seen = {(r["id"], r["level"]) for case in frozen() for r in case["levels"]}
    for competency in load_rubric().ids():
        for level in (1, 2, 3, 4):
            assert (competency, level) in seen, (competency, level)


def test_interpreter_gives_the_old_levels_evidence_and_indicators() -> None:
    rubric = load_rubric()
    differences = []
    for case in frozen():
        turns, coded = coded_turns(case)
        new = {s.id: s for s in score(turns, rubric, coded)}
        for old in case["levels"]:
            s = new[old["id"]]
            got = {k: s.indicators.get(k) for k in old["indicators"]}
            if (s.level, s.evidence_turns) != (old["level"], old["evidence"]) or (
                s.level is not None and got != old["indicators"]
            ):
                differences.append((case["name"], old["id"], old["level"], s.level))
    assert not differences, differences[:10]
