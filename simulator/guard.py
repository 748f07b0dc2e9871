"""Catch replies where the persona drops out of character, and repair them.

The prompt asks the model to stay in character; this module checks that it did. Problems are
found in code: assistant-speak, lines written for the manager, lists and headings, replies far
longer than a person would say in a meeting, and sentences repeated from earlier turns.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from simulator.coder import split_sentences
from simulator.injection import H

MAX_SENTENCES = 4
MAX_WORDS = 90
NGRAM = 8
NOTE_NGRAM = 5

ASSISTANT_SPEAK = re.compile(
    "|".join(
        [
            r"\bas an ai\b",
            r"\b(?:ai|artificial intelligence|language) (?:language )?(?:model|assistant)\b",
            r"\bi(?:'m| am) (?:just |only )?(?:an? )?(?:ai|assistant|chatbot|bot|virtual)\b",
            r"\bhow (?:can|may|could) i (?:help|assist)",
            r"\bcan(?:'t|not| not) (?:assist|help)(?: you)? with (?:that|this|your)\b",
            r"\b(?:as|being) an? (?:helpful |virtual )?assistant\b",
            r"\bi(?:'m| am) (?:not able|unable) to (?:assist|provide|help with)\b",
            r"\bi(?:'m| am| would be) (?:here|happy|glad) to (?:help|assist)\b",
            r"\b(?:is there )?anything else i can (?:help|do for you)\b",
            r"\bfeel free to\b",
            r"\bi hope (?:this|that) helps\b",
            r"\blet me know if (?:you|there)\b",
            r"\bgreat question\b",
            r"\bcertainly[!,]",
            r"\bstage note\b",
            r"\brole-?play\b",
            r"\bsystem prompt\b",
            r"\b(?:my|these) instructions\b",
            r"<\|im_(?:start|end)\|>",
            r"\byou(?:'re| are) (?:an? )?(?:ai|assistant|chatbot|language model)\b",
            r"\b(?:created|developed|trained|made) by (?:openai|anthropic|alibaba|google|meta)\b",
            r"\bqwen\b",
            r"\bi can help you\b",
            r"\b(?:to )?assist you\b",
            r"\bplease (?:share|provide) more (?:details|context|information)\b",
            r"\bi (?:cannot|can't|am unable to) (?:engage|discuss|comply)\b",
            r"\bi apologi[sz]e,? but\b",
            r"\bwhat (?:would|can) you like (?:me to do|assistance|help)\b",
            r"\bassistance with\b",
            r"\b(?:provide|give) (?:me )?more (?:information|context|details) (?:so|and) i\b",
        ]
    ),
    re.IGNORECASE,
)
# Line patterns use horizontal whitespace (H): `\s` crosses lines under MULTILINE, and a run of
# newlines then backtracks quadratically or worse (see simulator/injection.py).
MANAGER_LINE = re.compile(
    rf"^{H}*(?:[*_]+{H}*)?(?:manager|my manager|you|me|boss|user|assistant|coach|interviewer)"
    rf"{H}*(?:\([^)\n]*\){H}*)?(?:[*_]+{H}*)?:",
    re.IGNORECASE | re.MULTILINE,
)
NAME_WORD = r"[A-Z](?:[^\W_]|\.)*"  # no underscore: it belongs to the markup around the label
ROLE_LABEL = re.compile(rf"^{H}*[*_]*({NAME_WORD}(?: {NAME_WORD})?)[*_]*{H}*:\s", re.MULTILINE)
LIST_LINE = re.compile(rf"^{H}*(?:[-*•]|\d+[.)]|#+)\s+", re.MULTILINE)
MARKUP = re.compile(r"\*\*|__|^#+\s*|`", re.MULTILINE)
ACTION = re.compile(r"^\s*[*(\[][^*)\]]{1,60}[*)\]]\s*")
WORDS = re.compile(r"[a-z0-9']+")


def _norm(sentence: str) -> str:
    return " ".join(WORDS.findall(sentence.lower()))


@functools.lru_cache(maxsize=256)  # the note and the manager's message are checked per sentence
def _ngrams(text: str, size: int = NGRAM) -> frozenset[tuple[str, ...]]:
    words = WORDS.findall(text.lower())
    return frozenset(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def echoes(sentence: str, note: str) -> bool:
    """True when `sentence` quotes five or more words in a row from the stage note."""
    return bool(note) and bool(_ngrams(sentence, NOTE_NGRAM) & _ngrams(note, NOTE_NGRAM))


def parrots(sentence: str, manager: str) -> bool:
    """True when `sentence` repeats six or more of the manager's words in a row."""
    return bool(manager) and bool(_ngrams(sentence, 6) & _ngrams(manager, 6))


def problems(
    reply: str, earlier: Sequence[str], name: str = "", note: str = "", manager: str = ""
) -> list[str]:
    """What is wrong with `reply`, given the persona's earlier turns. Empty when it is fine."""
    found = []
    text = reply.strip()
    if not WORDS.search(text.lower()):
        return ["empty"]
    if ASSISTANT_SPEAK.search(text):
        found.append("assistant_speak")
    if MANAGER_LINE.search(text):
        found.append("speaks_for_manager")
    elif any(not name.startswith(m.group(1)) for m in ROLE_LABEL.finditer(text)):
        found.append("role_label")
    if LIST_LINE.search(text) or "**" in text:
        found.append("list_or_markup")
    sentences = split_sentences(text)
    if len(sentences) > MAX_SENTENCES + 1 or len(WORDS.findall(text.lower())) > MAX_WORDS:
        found.append("too_long")
    if _repeats(sentences, earlier):
        found.append("repetition")
    if echoes(text, note):
        found.append("echoes_note")
    if parrots(text, manager):
        found.append("parrots_manager")
    return found


def _repeats(sentences: Sequence[str], earlier: Sequence[str]) -> bool:
    seen = {_norm(s) for turn in earlier for s in split_sentences(turn)}
    if any(_norm(s) in seen for s in sentences if len(_norm(s).split()) >= 4):
        return True
    before: set[tuple[str, ...]] = set()
    for turn in earlier:
        before |= _ngrams(turn)
    return bool(before & _ngrams(" ".join(sentences)))


def repair(
    reply: str, earlier: Sequence[str], name: str = "", note: str = "", manager: str = ""
) -> str:
    """Keep only what the persona could have said: cut the manager's lines, drop assistant-speak
    and repeated sentences, flatten lists, and shorten to a few sentences."""
    text = reply.replace("\r", "")
    cut = MANAGER_LINE.search(text)
    if cut and cut.start() > 0:
        text = text[: cut.start()]
    elif cut:
        text = text[cut.end() :]
    if name:
        text = re.sub(rf"^\s*[*_]*{re.escape(name.split()[0])}[^:\n]{{0,30}}:\s*", "", text)
    text = ROLE_LABEL.sub("", text)
    text = LIST_LINE.sub("", text)
    text = MARKUP.sub("", text)
    text = ACTION.sub("", text)
    text = " ".join(line.strip() for line in text.splitlines() if line.strip())
    seen = {_norm(s) for turn in earlier for s in split_sentences(turn)}
    earlier_grams: set[tuple[str, ...]] = set()
    for turn in earlier:
        earlier_grams |= _ngrams(turn)
    usable = [
        s
        for s in split_sentences(text)
        if not ASSISTANT_SPEAK.search(s) and not echoes(s, note) and not parrots(s, manager)
    ]
    kept = [s for s in usable if _norm(s) not in seen and not _ngrams(s) & earlier_grams]
    if not kept:  # better a reply that reuses a phrase than no reply: drop only exact repeats
        kept = [s for s in usable if _norm(s) not in seen]
    out = " ".join(kept[:MAX_SENTENCES]).strip().strip('"').strip()
    words = out.split()
    if len(words) > MAX_WORDS:
        out = " ".join(words[:MAX_WORDS]).rstrip(",;:") + "…"
    return out


def usable(reply: str, name: str = "") -> str:
    """The reply with only what can never be shown removed (assistant-speak, the manager's lines,
    markup), shortened; repeated or echoed sentences are kept."""
    return repair(reply, [], name)
