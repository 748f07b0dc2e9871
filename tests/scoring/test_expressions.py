"""The rubric expression language: what it accepts, what it refuses, and that it runs no code."""

from __future__ import annotations

import re

import pytest

from simulator.scoring.expressions import ExpressionError, check, evaluate, names, parse, truth


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("reflections >= 2 and judgements == 0", {"reflections": 2, "judgements": 0}, True),
        ("reflections >= 2 and judgements == 0", {"reflections": 2, "judgements": 1}, False),
        ("question == open and not leading", {"question": "open", "leading": False}, True),
        ("question != none", {"question": "none"}, False),
        ("round(a / max(1, b), 2)", {"a": 2, "b": 3}, 0.67),
        ("a / b", {"a": 2, "b": 0}, 0.0),  # dividing by zero gives 0, never an error
        ("a * 5 <= b", {"a": 1, "b": 5}, True),
        ("goal + measure + timeframe", {"goal": 1, "measure": 0, "timeframe": 1}, 2),
        ("not (a or b) and c", {"a": False, "b": False, "c": True}, True),
        ("min(1, x) + min(1, y)", {"x": 4, "y": 0}, 1),
        ("cue.feelings", {"cue.feelings": True}, True),
        ("true", {}, True),
    ],
)
def test_expressions_evaluate(text: str, env: dict, expected: object) -> None:
    assert evaluate(parse(text), env) == expected


def test_and_binds_tighter_than_or() -> None:
    env = {"a": True, "b": True, "c": False}
    assert truth(parse("a or b and c"), env) is True
    assert truth(parse("(a or b) and c"), env) is False


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "is empty"),
        ("reflections >=", "ends too early"),
        ("reflections >= 2 2", "unexpected '2'"),
        ("__import__('os').system('id')", "unexpected text"),
        ("{{ 7 * 7 }}", "unexpected text"),
        ("open_share > 0.5; drop", "unexpected text"),
        ("round(x)", "round takes two"),
        ("(a and b", "expected ')'"),
        ("x" * 401, "longer than 400"),
    ],
)
def test_bad_expressions_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(problem)):
        parse(text)


def test_unknown_names_are_named_with_the_known_ones() -> None:
    with pytest.raises(ExpressionError, match=r"unknown name 'reflection_count'.*reflections"):
        check("reflection_count >= 2", {"reflections", "questions"})
    assert names(parse("a >= 1 and (b or round(c / d, 2) > 0.5)")) == {"a", "b", "c", "d"}


def test_words_compare_only_for_equality() -> None:
    with pytest.raises(ExpressionError, match="compares numbers"):
        evaluate(parse("question > open"), {"question": "open"})


@pytest.mark.parametrize("text", ["(" * 390 + "1", "not " * 95 + "x", "(" * 31 + "1" + ")" * 31])
def test_deep_nesting_is_refused_not_a_crash(text: str) -> None:
    # found by the adversarial property test: a few hundred "(" exhausted Python's stack
    with pytest.raises(ExpressionError, match="nests too deeply"):
        parse(text)


def test_nesting_up_to_the_limit_still_parses() -> None:
    assert evaluate(parse("(" * 30 + "1" + ")" * 30), {}) == 1
