from __future__ import annotations

import numpy as np

from simulator.backends.no_repeat import NoRepeat, banned_runs


def words(text: str) -> list[int]:
    """A toy tokenizer: one token per word, its id the word's position in a fixed vocabulary."""
    vocab = ["<s>", "i", "keep", "coming", "back", "to", "the", "same", "worry", "a", "new", "idea"]
    return [vocab.index(w) for w in text.lower().split() if w in vocab]


def test_a_token_that_would_complete_an_earlier_run_is_ruled_out() -> None:
    table = banned_runs(["I keep coming back to the same worry"], words, run=3)
    block = NoRepeat(table, run=3)
    scores = np.zeros(12, dtype=np.float32)
    out = block(np.array(words("i keep")), scores.copy())
    assert out[words("coming")[0]] == -np.inf
    assert np.isfinite(np.delete(out, words("coming")[0])).all()
    assert block.blocked == 1


def test_text_that_never_occurred_is_left_alone() -> None:
    block = NoRepeat(banned_runs(["I keep coming back"], words, run=3), run=3)
    scores = np.arange(12, dtype=np.float32)
    out = block(np.array(words("a new idea")), scores.copy())
    assert (out == np.arange(12)).all() and block.blocked == 0
