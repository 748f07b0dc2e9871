"""Whether a persona reply actually carried a hidden fact: its specifics and its meaning.

A small model asked to share "you had data showing a three percent drop" may say "the feedback
was useful" instead. The state then says the fact came out while the manager never heard it. This
module checks the words: every keyword of the fact (numbers, names, quoted words; alternatives
separated by |) must appear, enough of the fact's content words must be there, and no other
person the persona knows may be named in it (the fact must not move to the wrong person).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from simulator.coding.rules import STOPWORDS, split_sentences
from simulator.personas.library import HiddenFact, Persona

RECITAL_GRAM = 5  # words in a row
RECITAL_SHARE = 0.6  # share of the line's five-word runs a recital repeats
MEANING_SHARE = 0.25  # share of the line's content words a faithful reveal repeats (stemmed)
WORD = re.compile(r"[A-Za-z\u00C0-\u024F]+(?:'[a-z]+)?|\d+(?:[.,]\d+)?%?")
QUOTED = re.compile(r"[\"“]([^\"”\n]{2,40})[\"”]")
NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
NUMBER_WORDS |= {"thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "half": "50%"}
NOT_NAMES = set(
    "I I'm I've I'd I'll OK Okay Honestly Yes No Monday Tuesday Wednesday Thursday Friday "
    "Saturday Sunday January February March April May June July August September October "
    "November December Q1 Q2 Q3 Q4 VP CFO CEO CTO QA PM PMs API Sales Engineering Marketing "
    "Product Finance Support Legal Design Data Platform Growth Checkout Search Mobile Billing "
    "Onboarding Operations".split()
)


def stem(word: str) -> str:
    """A rough stem, so "estimate", "estimated" and "dates", "date" count as the same word."""
    word = word.lower()
    word = NUMBER_WORDS.get(word, word)
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word[0].isdigit():
            return word[: -len(suffix)]
    return word


def stems(text: str) -> list[str]:
    return [stem(w.removesuffix("'s")) for w in WORD.findall(text)]


def content(text: str) -> set[str]:
    """The content words of `text`, stemmed: no stopwords, no short words."""
    return {
        stem(w)
        for w in WORD.findall(text)
        if (len(w) > 3 or w[0].isdigit()) and w.lower() not in STOPWORDS
    }


def names_in(text: str) -> set[str]:
    """Capitalised words inside a sentence (not its first word): names of people and teams."""
    found = set()
    for sentence in split_sentences(text):
        words = re.findall(r"[A-Za-z\u00C0-\u024F']+", sentence)
        for word in words[1:]:
            bare = word.removesuffix("'s")
            if bare[:1].isupper() and not bare.isupper() and bare not in NOT_NAMES:
                found.add(bare)
    return found


def derived_keywords(line: str) -> list[str]:
    """The specifics of a line: its numbers, the names in it and its quoted words."""
    keywords: list[str] = []
    for quoted in QUOTED.findall(line):
        keywords.append(quoted.strip(" .,!?"))
    for word in WORD.findall(line):
        lower = word.lower()
        if word[0].isdigit() or (lower in NUMBER_WORDS and lower not in {"one", "half"}):
            keywords.append(word)
    keywords += sorted(names_in(line))
    unique: list[str] = []
    for keyword in keywords:
        if keyword.lower() not in {k.lower() for k in unique}:
            unique.append(keyword)
    return unique


def keywords(fact: HiddenFact) -> list[str]:
    """The fact's keywords as authored, or else the ones taken from its line (or text)."""
    return list(fact.keywords) or derived_keywords(fact.line or fact.text)


def _has(reply_stems: list[str], keyword: str) -> bool:
    for alternative in keyword.split("|"):
        wanted = stems(alternative)
        if not wanted:
            continue
        size = len(wanted)
        if any(reply_stems[i : i + size] == wanted for i in range(len(reply_stems) - size + 1)):
            return True
    return False


def people(persona: Persona) -> set[str]:
    """The people in the persona's story (named in the situation, the worries and the hidden
    facts), without the persona."""
    texts: list[str] = [persona.brief.situation, persona.own_idea.text, *persona.worries]
    for fact in persona.hidden_facts:
        texts += [fact.text, fact.line]
    own = set(persona.name.split())
    return {n for text in texts for n in names_in(text)} - own


def missing(reply: str, fact: HiddenFact, persona: Persona) -> list[str]:
    """What a reply that should carry `fact` lacks; empty when it carried it faithfully."""
    reply_stems = stems(reply)
    found = [f"keyword '{k}'" for k in keywords(fact) if not _has(reply_stems, k)]
    source = fact.line or fact.text
    wanted = content(source)
    if wanted and len(wanted & set(reply_stems)) < MEANING_SHARE * len(wanted):
        found.append("its meaning")
    allowed = names_in(fact.text) | names_in(fact.line) | names_in(" ".join(fact.keywords))
    wrong = {n for n in people(persona) - allowed if re.search(rf"\b{re.escape(n)}\b", reply)}
    found += [f"a name not in the fact: {name}" for name in sorted(wrong)]
    return found


def carries(reply: str, fact: HiddenFact, persona: Persona) -> bool:
    return not missing(reply, fact, persona)


def recites(reply: str, fact: HiddenFact) -> bool:
    """True when `reply` says the fact's authored line more or less word for word instead of
    fitting it to the question: most of the line's five-word runs are in it."""
    line = [w.lower() for w in WORD.findall(fact.line)]
    said = [w.lower() for w in WORD.findall(reply)]
    runs = {tuple(line[i : i + RECITAL_GRAM]) for i in range(len(line) - RECITAL_GRAM + 1)}
    if not runs:
        return False
    found = {tuple(said[i : i + RECITAL_GRAM]) for i in range(len(said) - RECITAL_GRAM + 1)}
    return len(runs & found) >= RECITAL_SHARE * len(runs)


def quote(reply: str, fact: HiddenFact) -> str:
    """The sentences of `reply` that carry the fact's keywords (the whole reply if none do)."""
    words = keywords(fact)
    picked = [s for s in split_sentences(reply) if any(_has(stems(s), k) for k in words)]
    return " ".join(picked) or reply.strip()


def fidelity(reveals: Iterable[bool]) -> float | None:
    """The share of reveals that carried their fact; None when there were none."""
    values = list(reveals)
    return round(sum(values) / len(values), 3) if values else None
