"""Block a reply from copying earlier text: no run of RUN tokens that already occurred there.

Used when a small model keeps giving the same answer again: regenerating at a higher
temperature is often not enough, because the earlier answer sits right above in the prompt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

RUN = 5


def banned_runs(
    texts: Sequence[str], tokenize: Callable[[str], list[int]], run: int = RUN
) -> dict[tuple[int, ...], set[int]]:
    """For each run of run-1 tokens in `texts`, the tokens that followed it there. Each text is
    tokenized as it starts a reply and as it appears after a space, so both spellings count."""
    table: dict[tuple[int, ...], set[int]] = {}
    for text in texts:
        for variant in (text, " " + text):
            ids = tokenize(variant)
            for i in range(len(ids) - run + 1):
                table.setdefault(tuple(ids[i : i + run - 1]), set()).add(ids[i + run - 1])
    return table


class NoRepeat:
    """A llama-cpp-python logits processor: a token that would complete a banned run gets no
    chance of being sampled."""

    def __init__(self, table: dict[tuple[int, ...], set[int]], run: int = RUN) -> None:
        self.table = table
        self.run = run
        self.blocked = 0  # how many times a token was ruled out, for tests and stats

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        key = tuple(int(t) for t in input_ids[-(self.run - 1) :])
        banned = self.table.get(key)
        if banned:
            self.blocked += 1
            scores[sorted(banned)] = float("-inf")
        return scores
