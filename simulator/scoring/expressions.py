"""The small expression language of rubric files.

A rubric says when a level is reached, which turns count towards an indicator and which turns
are evidence, in expressions like these:

    reflections >= 2 and complex_reflections >= 1 and manager_talk_share <= 0.45
    question == open and not leading
    round(reflections / max(1, questions), 2)

The language has names (an indicator, or a field of a coded turn such as `plan.asked`), numbers,
the words `open`, `closed`, `none`, `simple`, `complex`, `true` and `false`, comparisons
(`== != < <= > >=`), `+ - * /` (dividing by zero gives 0), `and`, `or`, `not`, brackets, and the
functions `max`, `min` and `round`. Nothing else: it is parsed here, never handed to Python or
Jinja, so a rubric file cannot run code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

Value = float | int | str | bool

TOKEN = re.compile(
    r"\s*(?:(?P<number>\d{1,9}(?:\.\d{1,9})?)|(?P<name>[A-Za-z_][A-Za-z0-9_]{0,63}"
    r"(?:\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,3})|(?P<op>==|!=|<=|>=|[<>()+\-*/,]))"
)
WORDS = {"open", "closed", "none", "simple", "complex"}
CONSTANTS: dict[str, Value] = {"true": True, "false": False}
FUNCTIONS = {"max", "min", "round"}
MAX_CHARS = 400


class ExpressionError(ValueError):
    """An expression that cannot be parsed, or that names something unknown."""


@dataclass(frozen=True)
class Node:
    kind: str  # number, word, name, not, and, or, compare, arith, call
    value: Value = 0
    op: str = ""
    args: tuple[Node, ...] = ()


def _tokens(text: str) -> list[tuple[str, str]]:
    if len(text) > MAX_CHARS:
        raise ExpressionError(f"longer than {MAX_CHARS} characters")
    out, at = [], 0
    while at < len(text):
        if not text[at:].strip():
            break
        match = TOKEN.match(text, at)
        if not match or match.end() == at:
            raise ExpressionError(f"unexpected text at character {at + 1}: {text[at:][:20]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        at = match.end()
    return out


MAX_DEPTH = 30  # brackets or "not"s inside one another; deeper would exhaust Python's stack


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0
        self.depth = 0

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                f"nests too deeply (more than {MAX_DEPTH} brackets or 'not's inside one another)"
            )

    def peek(self) -> str:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise ExpressionError(
                f"ends too early (expected '{expected}')" if expected else "ends too early"
            )
        token = self.tokens[self.at]
        if expected is not None and token[1] != expected:
            raise ExpressionError(f"expected '{expected}', found '{token[1]}'")
        self.at += 1
        return token

    def parse(self) -> Node:
        node = self.either()
        if self.at != len(self.tokens):
            raise ExpressionError(f"unexpected '{self.peek()}'")
        return node

    def either(self) -> Node:
        node = self.both()
        while self.peek() == "or":
            self.take()
            node = Node("or", args=(node, self.both()))
        return node

    def both(self) -> Node:
        node = self.negation()
        while self.peek() == "and":
            self.take()
            node = Node("and", args=(node, self.negation()))
        return node

    def negation(self) -> Node:
        if self.peek() == "not":
            self.take()
            self.deeper()
            node = Node("not", args=(self.negation(),))
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        node = self.sum()
        if self.peek() in ("==", "!=", "<", "<=", ">", ">="):
            op = self.take()[1]
            node = Node("compare", op=op, args=(node, self.sum()))
        return node

    def sum(self) -> Node:
        node = self.product()
        while self.peek() in ("+", "-"):
            node = Node("arith", op=self.take()[1], args=(node, self.product()))
        return node

    def product(self) -> Node:
        node = self.atom()
        while self.peek() in ("*", "/"):
            node = Node("arith", op=self.take()[1], args=(node, self.atom()))
        return node

    def atom(self) -> Node:
        kind, text = self.take()
        if text == "(":
            self.deeper()
            node = self.either()
            self.take(")")
            self.depth -= 1
            return node
        if kind == "number":
            return Node("number", value=float(text) if "." in text else int(text))
        if kind != "name" or text in ("and", "or", "not"):
            raise ExpressionError(f"unexpected '{text}'")
        if text in FUNCTIONS and self.peek() == "(":
            self.take("(")
            args = [self.either()]
            while self.peek() == ",":
                self.take()
                args.append(self.either())
            self.take(")")
            if text == "round" and len(args) != 2:
                raise ExpressionError("round takes two arguments: round(x, digits)")
            if text in ("max", "min") and len(args) < 2:
                raise ExpressionError(f"{text} takes two or more arguments")
            return Node("call", op=text, args=tuple(args))
        if text in WORDS:
            return Node("word", value=text)
        if text in CONSTANTS:
            return Node("number", value=CONSTANTS[text])
        return Node("name", value=text)


@functools.lru_cache(maxsize=2048)  # a rubric's few expressions are read for every turn
def parse(text: str) -> Node:
    """The expression `text` as a tree; ExpressionError says what is wrong and where."""
    if not text.strip():
        raise ExpressionError("is empty")
    return _Parser(text).parse()


def names(node: Node) -> set[str]:
    """Every name the expression reads."""
    found = {str(node.value)} if node.kind == "name" else set()
    for arg in node.args:
        found |= names(arg)
    return found


def check(text: str, known: set[str]) -> Node:
    """Parse `text` and make sure it reads only names in `known`."""
    node = parse(text)
    unknown = sorted(names(node) - known)
    if unknown:
        raise ExpressionError(
            f"unknown name '{unknown[0]}' (known here: {', '.join(sorted(known))})"
        )
    return node


def _number(value: Value) -> float | int:
    if isinstance(value, str):
        return 0
    return int(value) if isinstance(value, bool) else value


def evaluate(node: Node, env: Mapping[str, Value]) -> Value:
    kind = node.kind
    if kind in ("number", "word"):
        return node.value
    if kind == "name":
        return env[str(node.value)]
    if kind == "not":
        return not evaluate(node.args[0], env)
    if kind == "and":
        return bool(evaluate(node.args[0], env)) and bool(evaluate(node.args[1], env))
    if kind == "or":
        return bool(evaluate(node.args[0], env)) or bool(evaluate(node.args[1], env))
    values = [evaluate(arg, env) for arg in node.args]
    if kind == "compare":
        left, right = values
        if isinstance(left, str) or isinstance(right, str):
            if node.op not in ("==", "!="):
                raise ExpressionError(f"'{node.op}' compares numbers, not words")
            return (left == right) == (node.op == "==")
        a, b = _number(left), _number(right)
        return {
            "==": a == b,
            "!=": a != b,
            "<": a < b,
            "<=": a <= b,
            ">": a > b,
            ">=": a >= b,
        }[node.op]
    numbers = [_number(v) for v in values]
    if kind == "arith":
        a, b = numbers
        if node.op == "/":
            return a / b if b else 0.0
        return {"+": a + b, "-": a - b, "*": a * b}[node.op]
    if node.op == "round":
        return round(float(numbers[0]), int(numbers[1]))
    return max(numbers) if node.op == "max" else min(numbers)


def truth(node: Node, env: Mapping[str, Value]) -> bool:
    return bool(evaluate(node, env))
