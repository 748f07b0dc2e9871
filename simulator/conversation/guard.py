"""Catch replies where the persona drops out of character, and repair them.

The prompt asks the model to stay in character; this module checks that it did. Problems are
found in code: assistant-speak, lines written for the manager, lists and headings, replies far
longer than a person would say in a meeting, sentences repeated from earlier turns, a reply that
does what an off-script request asked (code, JSON, a sum, a joke, tips), stock filler, and an
opening used before in the session.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence

from simulator.coding.rules import split_sentences
from simulator.conversation.injection import H
from simulator.storage.paths import CORPUS_DIR, PROMPTS_DIR

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
            # seen after real work questions: "Is there anything else you need help with?",
            # "Sorry, I think you might have misunderstood me."
            r"\banything else (?:you need|you'd like|you would like) (?:help|assistance) with\b",
            r"\byou (?:might|may) have misunderstood me\b",
            r"\bfeel free to\b",
            r"\bi hope (?:this|that) helps\b",
            r"\blet me know if (?:you|there)\b",
            r"\bgreat question\b",
            r"\bcertainly[!,]",
            r"\bstage note\b",
            r"\brole-?play\b",
            r"\bsystem prompt\b",
            r"\b(?:my|these) instructions\b",
            # stage directions said aloud: "Listen to the instructions and do what is asked."
            r"\b(?:listen to|stick to) (?:the|your|those) instructions\b",
            r"\bdo what is asked\b",
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
            # a chatbot's confusion, seen on the default model: "Let me try again.",
            # "Can you please try again?", "I didn't quite get that. Could you please clarify?"
            r"\blet me try again\b",
            r"\blet me give (?:you |it )?(?:another|a second) (?:shot|try|go)\b",
            r"\bsorry if i (?:misunderstood|misinterpreted|confused you)\b",
            r"\b(?:can|could) you (?:please )?(?:try again|rephrase|clarify)\b",
            r"\bi didn't (?:quite )?(?:get|catch|understand) (?:that|it|your)\b",
            r"\b(?:provide|give) (?:me )?more (?:information|context|details) (?:so|and) i\b",
            r"\b(?:could|can) you (?:please )?(?:provide|give) me (?:with )?(?:some |a few |"
            r"more )?(?:details|information|context)\b",
            # seen on the default model after off-script requests: "I can't understand. Please
            # let me know how to proceed with this.", "I'm sorry, but I cannot continue this
            # conversation.", "Oh no, that didn't work.", "I got your message."
            r"\b(?:let me know|tell me) how (?:to|you(?:'d| would) like (?:me )?to) proceed\b",
            r"\bhow (?:would|do) you (?:like|want) me to proceed\b",
            r"\bplease let me know\b",
            r"\bi (?:can't|cannot|can not) understand(?: (?:you|that|this|it|the (?:question|"
            r"request)))?(?:[.!]|$)",
            r"\bi (?:can't|cannot|can not|am unable to) (?:continue|carry on|go on) (?:with )?"
            r"(?:this|the|our) (?:conversation|chat|discussion)\b",
            r"\boh no,? that didn't work\b",
            # on a fresh coaching script, asked "what was Tuesday like for you?": "Oh no, sorry
            # about that. I think there was confusion. Let me explain it better to you."
            r"\blet me (?:explain|clarify|rephrase) (?:it |that |this |myself )?(?:better|again)\b",
            r"\bthere (?:was|seems to be|has been|must have been) (?:some |a )?"
            r"(?:confusion|misunderstanding)\b",
            r"\b(?:appropriate|comfortable) (?:or \w+ )?for me to (?:do|answer|help|write)\b",
            r"\bi (?:got|received|have received) your (?:message|request|question|input)\b",
            r"\bi apologi[sz]e for (?:the|any) (?:confusion|inconvenience|misunderstanding)\b",
        ]
    ),
    re.IGNORECASE,
)
# Line patterns use horizontal whitespace (H): `\s` crosses lines under MULTILINE, and a run of
# newlines then backtracks quadratically or worse (see simulator/conversation/injection.py).
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
OPENER_WORDS = 3
STOCK_FILE = "stock_phrases.txt"

# A reply that does what an off-script request asked instead of answering as a PM in a 1:1.
# Each pattern is linear: bounded repeats, no nested quantifiers.
COMPLIES = re.compile(
    "|".join(
        [
            r"```",
            rf"^{H}*(?:def|class|function) \w{{1,40}}{H}*[(:{{]",
            rf"^{H}*(?:import [\w.]{{1,40}}|from [\w.]{{1,40}} import \w{{1,40}}){H}*$",
            rf"^{H}*(?:const|let|var) \w{{1,40}}{H}*=",
            rf"^{H}*(?:return|print)\(",
            r"\bselect [\w*, ]{1,80} from \w",
            rf"[;{{}}]{H}*$",
            r"\w\([^()\n]{0,40}\)\s*(?:[:{]|->|=>)",
            rf"^{H}*[\[{{]{H}*$|^{H}*[\[{{]{H}*\"",
            r"\"[\w ]{1,30}\"\s*:\s*[\"\d\[{tfn]",
            rf"^{H}*\|.{{0,200}}\|{H}*$",
            r"\b\d+\s*(?:[x×*+/]|times|plus|minus|divided by|multiplied by)\s*\d+\s*"
            r"(?:=|is|equals|makes)\s*\d",
            r"\b(?:equals|is equal to)\s*\d",
            r"\bwhy did the\b|\bknock,? knock\b|\bwalks into a bar\b|\bpunchline\b",
            # a riddle's question, not the PM asking themselves ("Why did I ship? Because…")
            r"\bwhy (?:was|is|are|do|does|can't|don't|didn't|did) (?!(?:i|we|you|it|they|he|she)\b)"
            r"[^?\n]{2,60}\?"
            r"\s+because\b",
            r"\b(?:one|the first(?: one)?) is (?:to|that)\b.{0,200}\b(?:the )?second\b",
            r"\bhere(?:'s| is) (?:one|a joke|an? (?:[\w-]{1,20} ){0,2}(?:poem|story|function|"
            r"script|snippet|version|list|summary|draft|haiku|recipe|agenda|email|title|"
            r"translation|query|table|outline|template))\b",
            # an agenda with a time per item: "Progress update (5 minutes). Blockers (5 minutes)."
            r"\(\d{1,3} ?min(?:ute)?s?\)[^()\n]{1,200}\(\d{1,3} ?min(?:ute)?s?\)",
            r"\bhere (?:are|is) (?:a |some |my |the |your )?(?:\w+ )?(?:tips|steps|ideas|"
            r"suggestions|options|ways|things|points|reasons)\b",
            r"^[^\w\n]{0,10}(?:sure|absolutely|of course|okay|ok|alright|certainly)"
            r"(?: thing)?\W{1,3}"
            r"(?:here|i can|i'll|i'd be|let me|i will)\b",
            r"\bsure thing\b",
            r"\b(?:i can|i'll|let me|i will) (?:write|code|draft|put together|whip up|create|"
            r"generate|compose) (?:that|this|it|one|a|an|you)\b",
            r"\bas your (?:new )?manager\b",
            r"(?:\b1[.)]|\bfirst(?:ly)?,)\s.{0,120}(?:\b2[.)]|\bsecond(?:ly)?,)\s.{0,120}"
            r"(?:\b3[.)]|\bthird(?:ly)?,)\s",
        ]
    ),
    re.IGNORECASE | re.MULTILINE,
)


def _norm(sentence: str) -> str:
    return " ".join(WORDS.findall(sentence.lower()))


@functools.lru_cache(maxsize=256)  # the note and the manager's message are checked per sentence
def _ngrams(text: str, size: int = NGRAM) -> frozenset[tuple[str, ...]]:
    words = WORDS.findall(text.lower())
    return frozenset(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


# The mood names of the stage notes, said as if they were feelings ("I'm still wary."): the model
# reading its directions aloud.
MOOD_LABEL = re.compile(
    r"\b(?:i'm|i am|i feel|feeling)\s+(?:still\s+|a bit\s+|a little\s+)?(?:wary|guarded|"
    r"warming(?: up)?|candid|starting to trust)\b|\b(?:wary|trusting|told what to do) lines\b",
    re.IGNORECASE,
)


TEMPLATE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)  # our own file only
INSTRUCTION_NGRAM = 6


@functools.lru_cache(maxsize=1)
def instruction_ngrams() -> frozenset[tuple[str, ...]]:
    """Word runs of the fixed instructions in prompts/system.j2: its literal text, each piece
    between two template tags on its own (never the persona's own description)."""
    source = (PROMPTS_DIR / "system.j2").read_text(encoding="utf-8")
    pieces = TEMPLATE_TAG.split(source)
    return frozenset().union(*(_ngrams(piece, INSTRUCTION_NGRAM) for piece in pieces))


def echoes(sentence: str, note: str) -> bool:
    """True when `sentence` quotes five or more words in a row from the stage note, says its
    mood name as a feeling, or quotes six words in a row of the fixed instructions (a manager
    asking the PM to "finish the sentence as it was written for you")."""
    if _ngrams(sentence, INSTRUCTION_NGRAM) & instruction_ngrams():
        return True
    if note and MOOD_LABEL.search(sentence):
        return True
    return bool(note) and bool(_ngrams(sentence, NOTE_NGRAM) & _ngrams(note, NOTE_NGRAM))


def parrots(sentence: str, manager: str) -> bool:
    """True when `sentence` repeats six or more of the manager's words in a row."""
    return bool(manager) and bool(_ngrams(sentence, 6) & _ngrams(manager, 6))


def problems(
    reply: str,
    earlier: Sequence[str],
    name: str = "",
    note: str = "",
    manager: str = "",
    avoid: Sequence[str] = (),
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
    if complies(text):
        found.append("complies")
    if stock_filler(text, avoid):
        found.append("stock_filler")
    if repeats_opener(text, earlier):
        found.append("repeated_opener")
    return found


def complies(text: str) -> bool:
    """True when the reply does an off-script task (code, JSON, a sum, a joke, tips, a
    translation) or spreads over several short lines like a poem or a list."""
    lines = [line for line in text.splitlines() if line.strip()]
    return (
        bool(COMPLIES.search(text))
        or len(lines) >= 3
        or "\n\n" in text.strip()
        or any(foreign_sentence(s) for s in split_sentences(text))
    )


FOREIGN_MIN_WORDS = 5
FOREIGN_SHARE = 0.6


def foreign_sentence(sentence: str) -> bool:
    """True when most of a sentence's words are not English ones (the meeting is in English: a
    PM who answers "La fecha de lanzamiento se ha movido a martes." is translating)."""
    words = [w for w in WORDS.findall(sentence.lower()) if not w.isdigit()]
    if len(words) < FOREIGN_MIN_WORDS:
        return False
    unknown = [w for w in words if w not in english_words()]
    return len(unknown) >= FOREIGN_SHARE * len(words)


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Every word of the labelled corpus' training split, both speakers: English as people talk
    at work (a name or a rare word is one word of several in a sentence)."""
    words: set[str] = set()
    with (CORPUS_DIR / "train.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                said = f"{row.get('text', '')} {row.get('context', '')}"
                words.update(WORDS.findall(said.lower()))
    return frozenset(words)


@functools.lru_cache(maxsize=1)
def stock_phrases() -> tuple[str, ...]:
    """The shared list of stock filler, from prompts/stock_phrases.txt."""
    text = (PROMPTS_DIR / STOCK_FILE).read_text(encoding="utf-8")
    return tuple(
        _norm(line) for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def stock_filler(text: str, avoid: Sequence[str] = ()) -> str:
    """The first stock phrase (shared list or the persona's `avoid`) in `text`, or ''."""
    words = f" {_norm(text)} "
    for phrase in (*stock_phrases(), *(_norm(a) for a in avoid)):
        if phrase and f" {phrase} " in words:
            return phrase
    return ""


def opener(text: str) -> tuple[str, ...]:
    """The first few words of a reply, as said (case and punctuation aside)."""
    return tuple(WORDS.findall(text.lower())[:OPENER_WORDS])


def repeats_opener(text: str, earlier: Sequence[str]) -> bool:
    """True when the reply opens with the same first words as an earlier reply."""
    first = opener(text)
    return len(first) == OPENER_WORDS and any(opener(turn) == first for turn in earlier)


def _repeats(sentences: Sequence[str], earlier: Sequence[str]) -> bool:
    seen = {_norm(s) for turn in earlier for s in split_sentences(turn)}
    if any(_norm(s) in seen for s in sentences if len(_norm(s).split()) >= 4):
        return True
    before: set[tuple[str, ...]] = set()
    for turn in earlier:
        before |= _ngrams(turn)
    return bool(before & _ngrams(" ".join(sentences)))


def repair(
    reply: str,
    earlier: Sequence[str],
    name: str = "",
    note: str = "",
    manager: str = "",
    avoid: Sequence[str] = (),
) -> str:
    """Keep only what the persona could have said: cut the manager's lines, drop assistant-speak,
    compliance with an off-script task, stock filler and repeated sentences, flatten lists, drop
    a short first sentence that repeats an earlier opening, and shorten to a few sentences."""
    reply = _cut_compliance(reply)
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
        if not ASSISTANT_SPEAK.search(s)
        and not echoes(s, note)
        and not parrots(s, manager)
        and not COMPLIES.search(s)
    ]
    plain = [s for s in usable if not stock_filler(s, avoid)]
    usable = plain or usable  # filler is better than nothing; off-script compliance is not
    kept = [s for s in usable if _norm(s) not in seen and not _ngrams(s) & earlier_grams]
    if not kept:  # better a reply that reuses a phrase than no reply: drop only exact repeats
        kept = [s for s in usable if _norm(s) not in seen]
    if len(kept) > 1 and repeats_opener(kept[0], earlier) and len(kept[0].split()) <= 6:
        kept = kept[1:]
    out = " ".join(kept[:MAX_SENTENCES]).strip().strip('"').strip()
    if complies(out):  # the task spread over several sentences ("First... Second... Third...")
        return ""
    words = out.split()
    if len(words) > MAX_WORDS:
        out = " ".join(words[:MAX_WORDS]).rstrip(",;:") + "…"
    return out


def _cut_compliance(reply: str) -> str:
    """Everything from a code block, a JSON object or a run of short lines onwards is the task
    being done, not the persona talking: keep only what comes before it."""
    lines = reply.replace("\r", "").split("\n")
    for index, line in enumerate(lines):
        if COMPLIES.search(line) and (line.strip().startswith(("```", "{", "[", "|")) or index > 0):
            return "\n".join(lines[:index])
    return reply


def usable(reply: str, name: str = "") -> str:
    """The reply with only what can never be shown removed (assistant-speak, the manager's lines,
    markup), shortened; repeated or echoed sentences are kept."""
    return repair(reply, [], name)
