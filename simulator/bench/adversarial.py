"""Hostile messages for the text checks that run regular expressions on what people type.

Python's regex engine holds the GIL while it backtracks, so one message that makes a pattern
backtrack freezes every request on the server. These messages are the shapes that do it: long
runs of whitespace, newlines and punctuation, repeated words, and the patterns' own prefixes
repeated, each as long as a message may be. The property test and `simulator bench-regex` run
every check in CHECKS on them.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator

from simulator.coding.rules import code_turn, split_sentences
from simulator.conversation import guard, offscript
from simulator.conversation.fidelity import missing, quote, recites
from simulator.conversation.injection import aimed_at_model, defuse, strip_injection
from simulator.conversation.offtopic import answers, gist, off_topic, reacts, takes_on
from simulator.conversation.practice import MAX_MESSAGE_CHARS, off_topic_reaction, quiet_reply
from simulator.conversation.transcript import TranscriptTurn
from simulator.personas.library import PersonaLibrary
from simulator.scoring.evaluate import Evaluator, checked_sentence, clean_ending, short
from simulator.scoring.expressions import MAX_CHARS, ExpressionError, parse
from simulator.scoring.rubric import load_rubric

# Runs the patterns repeat over: whitespace, punctuation, markup, and the words and prefixes the
# patterns start with ("you said", "pm:", "# ", "so, ", digits, quotes, braces, control tokens).
UNITS = (
    " ",
    "\n",
    "\t",
    "\r\n",
    " \n",
    "\t\n",
    ".",
    ". ",
    "!",
    "?",
    "? ",
    ",",
    ", ",
    ";",
    ":",
    "*",
    "_",
    "#",
    "# ",
    "-",
    "- ",
    '"',
    "\u201c",
    "'",
    "{",
    '{"a',
    "}",
    "[",
    "(",
    "<|",
    "<system",
    "```",
    "1",
    "1/",
    "a",
    "a ",
    "a\n",
    "a,",
    "you ",
    "you said ",
    "you said, ",
    "you've told me a ",
    "you agree ",
    "it was ",
    "i want the ",
    "so ",
    "so, ",
    "and ",
    " and ",
    "hmm",
    "pm",
    "pm:",
    "*pm*",
    "user ",
    "manager (",
    "system",
    "ignore ",
    "Sam",
    "A_",
    "when you ",
    "in the ",
    "when the ",
    "have you mentioned it ",
    "at like ",
    "you were ",
    "which ",
    "and the ",
    ", was it",
    "and nobody ",
    "what do you think ",
    "sure, ",
    "why did ",
)


SEPARATORS = (" ", "\n", ".", "*")


def adversarial_messages(length: int = MAX_MESSAGE_CHARS) -> Iterator[str]:
    """Every unit repeated to `length` characters, bare and between two letters (a letter on
    each side is what turned the newline run into a freeze), and every unit alternating with a
    separator."""
    for unit in UNITS:
        yield "a" + _repeat(unit, length - 2) + "a"
        yield _repeat(unit, length)
    for unit, separator in itertools.product(UNITS, SEPARATORS):
        if unit != separator:
            yield "a" + _repeat(unit + separator, length - 2) + "a"


def _repeat(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


def _evaluate(text: str, rubric_id: str = "coaching", persona: bool = False) -> object:
    turns = [
        TranscriptTurn(speaker="persona", text="Thanks for making time."),
        TranscriptTurn(speaker="manager", text=text),
        TranscriptTurn(speaker="persona", text=text),
    ]
    return Evaluator(RUBRICS[rubric_id]).evaluate(turns, PERSONA if persona else None)


def _parse(text: str) -> object:
    """A rubric condition as a facilitator typed it: parsed, or refused with a reason."""
    try:
        return parse(text[:MAX_CHARS])
    except ExpressionError as exc:
        return exc


RUBRICS = {rubric_id: load_rubric(rubric_id) for rubric_id in ("coaching", "psychological-safety")}
PERSONA = PersonaLibrary().get("roadmap-gave-in")
# Every public function that runs patterns over a participant's text (or over a model reply,
# which can repeat that text), called the way the app calls it.
CHECKS: dict[str, Callable[[str], object]] = {
    "strip_injection": strip_injection,
    "aimed_at_model": aimed_at_model,
    "defuse": lambda text: defuse(text, ["<|im_start|>", "<|im_end|>"]),
    "split_sentences": split_sentences,
    "code_turn": lambda text: code_turn(text, previous=text),
    "guard.problems": lambda text: guard.problems(text, [text], "Sam Lee", text, text),
    "guard.repair": lambda text: guard.repair(text, [text], "Sam Lee", text, text),
    "evaluate.short": short,
    "evaluate.clean_ending": clean_ending,
    "evaluate.checked_sentence": lambda text: checked_sentence(
        text, [TranscriptTurn(speaker="manager", text=text)]
    ),
    "evaluate (coded report)": _evaluate,
    "evaluate (rubric cues)": lambda text: _evaluate(text, "psychological-safety"),
    "evaluate (with the persona: off-topic turns)": lambda text: _evaluate(text, persona=True),
    "expressions.parse": _parse,
    "offtopic.off_topic": lambda text: off_topic(text, PERSONA, [text]),
    "offtopic.gist": gist,
    "offscript.probability": lambda text: offscript.model().probability(text),
    "practice.quiet_reply": lambda text: quiet_reply(PERSONA, text, [text]),
    "offtopic.answers": lambda text: answers(text, text, PERSONA, [text]),
    "offtopic.reacts": reacts,
    "offtopic.takes_on": takes_on,
    "practice.off_topic_reaction": lambda text: off_topic_reaction(PERSONA, text, [text], [text]),
    "fidelity.recites": lambda text: recites(text, PERSONA.hidden_facts[0]),
    "fidelity.missing": lambda text: missing(text, PERSONA.hidden_facts[0], PERSONA),
    "fidelity.quote": lambda text: quote(text, PERSONA.hidden_facts[0]),
}


def cpu_seconds(check: Callable[[str], object], text: str) -> float:
    """CPU time of one call: what a backtracking pattern takes from everyone else on the server,
    and unlike wall time not inflated by other processes on the machine."""
    started = time.process_time()
    check(text)
    return time.process_time() - started


def worst_cases(messages: list[str]) -> dict[str, tuple[float, str]]:
    """For each check, its slowest call over `messages`: (CPU seconds, message)."""
    return {
        name: max((cpu_seconds(check, text), text) for text in messages)
        for name, check in CHECKS.items()
    }


def run_bench_regex() -> int:
    """Print each check's worst time on the hostile messages, and the worst of all."""
    messages = list(adversarial_messages())
    worst = worst_cases(messages)
    print(f"{len(messages)} hostile messages of {MAX_MESSAGE_CHARS} characters, CPU time per call")
    for name, (seconds, text) in worst.items():
        print(f"{name:28} worst {seconds * 1000:7.1f} ms  on {text[:24]!r}…")
    name, (seconds, text) = max(worst.items(), key=lambda item: item[1][0])
    print(f"worst case: {seconds * 1000:.1f} ms ({name} on {text[:24]!r}…)")
    return 0
