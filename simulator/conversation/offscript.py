"""A small learned check for off-script turns: requests a manager would not make of their PM in
a 1:1 (code, trivia, translations, recipes, role swaps, questions about the AI), in wordings no
rule was written for.

A logistic regression over a turn's words, word pairs and first words, trained by
`simulator train-offscript` on written off-script requests against every manager turn of the
labelled corpus and turns that look like requests but belong in the 1:1 ("write up the plan and
send it to me by Friday"). Its threshold keeps out-of-fold false alarms on those turns at or
below 0.5%. Inference sums weights from a JSON file: no scikit-learn at run time.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from functools import lru_cache
from pathlib import Path

from simulator.errors import InputError
from simulator.storage.paths import CORPUS_DIR

WEIGHTS_FILE = CORPUS_DIR / "offscript-weights.json"
# A word, or any one other visible character ("{", "?", "=", an emoji): linear-time.
TOKENS = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")
FIRST_WORDS = 3
LENGTH_CAP = 60
# Below this chance a turn reads like a 1:1 turn, whatever its outside words. Measured out of
# fold on the training data, over the eight bundled personas: that rule's false alarms on 1:1
# turns fall from 2.2% to 0.4% of the turns, and 3.7% of the off-script requests it caught
# (38 of 1,023) are lost.
SUPPORT = 0.1


def features(text: str) -> dict[str, float]:
    """The turn's words, adjacent word pairs, first words and (capped) length."""
    tokens = TOKENS.findall(text.lower())
    found = {f"w:{t}": 1.0 for t in tokens}
    found.update({f"b:{a} {b}": 1.0 for a, b in itertools.pairwise(tokens)})
    found.update({f"p{k}:{t}": 1.0 for k, t in enumerate(tokens[:FIRST_WORDS])})
    found["len"] = min(len(tokens), LENGTH_CAP) / LENGTH_CAP
    return found


class OffScriptModel:
    """The weights, bias and threshold read from a weights file."""

    def __init__(self, data: dict[str, object], source: Path = WEIGHTS_FILE) -> None:
        try:
            weights = data["weights"]
            self.bias = float(data["bias"])  # type: ignore[arg-type]
            self.threshold = float(data["threshold"])  # type: ignore[arg-type]
            if not isinstance(weights, dict):
                raise TypeError("weights is not a mapping")
            self.weights = {str(k): float(v) for k, v in weights.items()}
        except (KeyError, TypeError, ValueError) as error:
            raise InputError(f"{source}: not an off-script weights file ({error})") from error

    def probability(self, text: str) -> float:
        score = self.bias + sum(
            self.weights.get(name, 0.0) * value for name, value in features(text).items()
        )
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, score))))


@lru_cache(maxsize=1)
def model() -> OffScriptModel:
    try:
        data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(f"{WEIGHTS_FILE}: cannot read the off-script weights ({error})") from error
    return OffScriptModel(data)


@lru_cache(maxsize=256)
def chance(text: str) -> float:
    """The learned check's chance that `text` is off script (kept: the off-topic check and the
    hold ask about the same turn)."""
    return model().probability(text)


def off_script(text: str) -> bool:
    """Whether the learned check takes `text` for an off-script request."""
    return chance(text) >= model().threshold
