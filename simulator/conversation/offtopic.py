"""Whether a manager turn is about the PM's situation at all.

"Write me a Python function", "you be the manager", "what's 17 times 23?", "tell me a joke",
"describe yourself as a chatbot": the coder would count some of these as open questions, and
openness would rise for a turn that has nothing to do with coaching. Such a turn moves neither
openness nor the facts, and the PM answers it as a person whose manager said that in a 1:1.

Two ways to tell. A cue that the turn asks for a task, a format, a role swap, trivia, a joke or
talk about the AI, with little overlap with the persona's situation and the conversation so far
(a request about the PM's own work, "can you write up the launch risks?", stays on topic). And,
for requests no cue was written for, relevance: a turn that shares nothing with the situation,
does not address the PM, and is mostly made of words managers do not use in 1:1s ("fill in the
blank: the early bird catches the ___") is off topic too. The meeting's words are learned from
the manager turns of the corpus' training split, not listed by hand.

Turns in between (nothing shared with the situation, a word or two from outside the meeting,
but "you" in them, or mostly meeting words) are `suspect`: the model hears them, and a reply
that takes up the request instead of the situation (`answers`) turns them off topic after all.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Protocol

from simulator.coding.rules import split_sentences
from simulator.conversation import offscript
from simulator.conversation.fidelity import content
from simulator.conversation.guard import repeats_opener
from simulator.conversation.injection import aimed_at_model
from simulator.personas.library import Persona
from simulator.storage.paths import CORPUS_DIR

# Linear patterns only: bounded gaps, no nested quantifiers. Each kind has a gist: what the PM
# hears instead of the request, so the model cannot do the task it never sees.
KINDS: dict[str, tuple[str, str]] = {
    "task": (
        r"\b(?:write|draft|code|generate|compose|produce|create|make|give|send|show|build|"
        r"writing|drafting|composing|translating|rewriting|summari[sz]ing|"
        r"whip up|knock out|put together|sketch|translate|convert|summari[sz]e|rewrite|"
        r"format|spell|list|rank|sort|name)\b.{0,60}\b(?:function|script|program|code|"
        r"snippet|class|regex|query|sql|python|javascript|java|html|css|json|yaml|xml|csv|"
        r"table|spreadsheet|poem|haiku|limerick|song|lyrics|story|essay|recipe|email|"
        r"tweet|slogan|riddle|bullet|list|outline|template|algorithm)s?\b"
        r"|\b(?:json|yaml|xml|csv|markdown|bullet points?|a table|code block|python|"
        r"javascript|typescript|sql|regex|haiku|limerick|sonnet|poem)\b",
        "asks you, out of nowhere, to write or make something for them (code, a poem, a "
        "formatted document) that has nothing to do with your work",
    ),
    "role": (
        r"\b(?:you be (?:the |my )?(?:manager|boss|coach)|you play|you are now|you're now|"
        r"pretend (?:to be|you(?:'re| are))|"
        r"act as|role[- ]?play|swap roles|switch roles|flip (?:it|roles)|trade places|"
        r"play the (?:manager|boss|role)|be my (?:manager|boss|coach|therapist)|"
        r"(?:swap|switch|trade|change) (?:seats|places|chairs|sides)|"
        r"(?:you're|you are|ur|u r|youre) (?:the|my) (?:manager|boss|coach) (?:now|today|for))\b",
        "suggests, out of nowhere, that you swap roles and you play the manager",
    ),
    "trivia": (
        r"\b\d+(?:\.\d+)?\s*(?:[x×*+/^-]|times|plus|minus|divided by|multiplied by|"
        r"squared|to the power)\s*\d"
        r"|\b(?:square root|capital (?:city )?of|who (?:won|invented|wrote|painted|discovered"
        r"|was the first)|what year did|how many (?:moons|planets|countries|continents|"
        r"legs|bones|states)|tallest|longest river|population of|boiling point|speed of "
        r"light|the weather|world cup|super bowl|olympics)\b",
        "asks you, out of nowhere, a quiz question that has nothing to do with your work",
    ),
    "joke": (
        r"\b(?:jokes?|riddle|pun|funny story|knock knock|entertain me|sing)\b",
        "asks you, out of nowhere, to tell them a joke",
    ),
    "ai": (
        r"\b(?:chatbot|chat bot|bot|an ai|the ai|language model|llm|neural|your training|"
        r"your prompt|your instructions|who (?:made|built|created|trained) you|"
        r"are you (?:real|human|a person|a machine|a computer)|as if you were|"
        r"instructions (?:were you|you were|did you)|system prompt|trained on|"
        r"(?:predicting|predict) the next word|next[- ]token|chatgpt|gpt-?\d|"
        r"(?:what|which) (?:model|version) (?:are you|is (?:this|running))|under the hood)\b",
        "asks you, out of nowhere, to talk about yourself as if you were a chatbot",
    ),
}
PATTERNS = {kind: re.compile(pattern, re.IGNORECASE) for kind, (pattern, _) in KINDS.items()}
CUES = re.compile("|".join(f"(?:{pattern})" for pattern, _ in KINDS.values()), re.IGNORECASE)
OVERLAP = 2  # content words shared with the situation or the conversation to count as on topic
# Words any meeting shares; they say nothing about whether a request is about the PM's situation.
GENERIC = content(
    "today time team things thing week weeks work people really maybe right good sure make need "
    "quick start running tips three first help talk mind meeting going again roughly just "
    "actually thanks okay"
)
MEETING_FILE = CORPUS_DIR / "train.jsonl"
MEETING_MIN_COUNT = 2  # a word said once in the corpus may be one manager's odd word
FOREIGN_SHARE = 0.5  # share of a turn's content words from outside the meeting to call it unrelated
OWN_OUTSIDE = 2  # outside words of its own that make a reply an answer to a request
FOREIGN_MIN = 2  # one odd word ("manageable", "headset") is too little to go on
# A turn that speaks to the PM ("you", "we") is about them more often than not: such a turn is
# only suspect, and the reply decides.
ADDRESSED = re.compile(
    r"\b(?:you|your|yours|yourself|you're|you've|you'd|you'll|we|us|our|we're|we've|let's)\b",
    re.IGNORECASE,
)

# A request that the PM make or do something for the manager, as one asks an assistant:
# "can you translate this", "pls convert it to metric", "can you draft my out-of-office reply".
# Verbs of making need "me", "my", "this" or "the following" after them: "would you draft one?"
# and "can you summarise where you've landed?" are work and coaching, not favours. Invitations
# to talk ("can you tell me more", "walk me through it", "give me an example") never match.
ASSIST = r"translate|convert|calculate|compute|proofread|spell"
MAKE = (
    r"write|draft|compose|create|design|make|code|whip up|knock out|put together|tidy up|"
    r"polish|edit|fix|correct|check|look over|format|summari[sz]e|sum up|rewrite|reword|"
    r"rephrase|generate"
)
ASKED = (
    r"\b(?:(?:can|could|would|will|cn)\s(?:you|u|ya)|pls|please|(?:i need|i want|i'd like)"
    r" you to)\s(?:(?:please|pls|quickly|just|maybe|also)\s){0,2}"
    r"|^\W{0,3}(?:(?:ok|okay|hey|so|quick one)\W{1,3})?"
)
REQUEST = re.compile(
    rf"(?:{ASKED})(?:(?:{ASSIST})\b|(?:{MAKE})\s(?:me|my|this|the following)\b)", re.IGNORECASE
)
# "Could you give me a few synonyms for 'ubiquitous'?": a favour asked in everyday words, with
# the turn mostly words from outside the meeting.
FOR_ME = re.compile(
    r"\b(?:give|send|get|find|make|write|draft|show)\s(?:me|us)\b|\bfor me\b", re.IGNORECASE
)
COMMON_MIN = 20  # a word managers said this often in the corpus is talk glue ("before", "back")

# The cues' own words ("write", "list", "joke") never count as overlap: a PM who said "a poem?"
# does not make the next request for a poem part of the situation.
CUE_WORDS = content(
    "write draft code generate compose produce create make give send show build whip knock put "
    "together sketch translate convert summarise summarize rewrite format spell list rank sort "
    "name function script program snippet class regex query python javascript html json yaml "
    "csv table spreadsheet poem haiku limerick song lyrics story essay recipe email tweet "
    "slogan riddle joke bullet outline template algorithm pretend play manager boss coach role "
    "swap switch flip trade places times plus minus divided multiplied squared power capital "
    "year tallest population weather funny entertain sing chatbot language model training "
    "prompt instructions real human person machine computer"
)


POSSESSIVE = re.compile(r"['’]s\b")


def words_of(text: str) -> set[str]:
    """Content words, "what's" and "Skyline's" read as "what" and "Skyline"."""
    return content(POSSESSIVE.sub("", text)) - GENERIC


def situation_words(persona: Persona, said: Iterable[str] = ()) -> set[str]:
    """Content words of what the PM and the manager have in front of them: the brief, the PM's
    own topic and worries, and everything said so far."""
    texts = [
        persona.company,
        persona.brief.situation,
        persona.surface_problem,
        persona.opening_line,
        persona.role,
        persona.big_agenda,
        persona.own_idea.text,
        *persona.worries,
        *(text for fact in persona.hidden_facts for text in (fact.text, fact.line)),
        *said,
    ]
    return set().union(*(words_of(t) for t in texts))


@functools.lru_cache(maxsize=1)
def meeting_words() -> frozenset[str]:
    """Content words managers use in 1:1s: those said at least twice in the manager turns of the
    corpus' training split (any job, any setting: the words of talking about work)."""
    counts = meeting_counts()
    return frozenset(word for word, count in counts.items() if count >= MEETING_MIN_COUNT)


@functools.lru_cache(maxsize=1)
def meeting_counts() -> Counter[str]:
    """How often each content word is said in the manager turns of the training split."""
    counts: Counter[str] = Counter()
    with MEETING_FILE.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                counts.update(content(str(json.loads(line).get("text", ""))))
    return counts


@functools.lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """The words managers say most (at least COMMON_MIN times in the training split's manager
    turns): sharing "before" or "back" with the situation says nothing about a request."""
    counts = meeting_counts()
    return frozenset(word for word, count in counts.items() if count >= COMMON_MIN)


def foreign_words(message: str, persona: Persona, said: Iterable[str] = ()) -> set[str]:
    """Content words of `message` from outside the meeting; empty when the message is about the
    PM's situation or the conversation: it shares one of its own outside words with them
    ("Skyline"), or two everyday ones (one shared "early" or "close" is chance)."""
    words = words_of(message)
    return set() if about_situation(words, persona, said) else words - meeting_words()


def about_situation(words: set[str], persona: Persona, said: Iterable[str]) -> bool:
    """Whether `words` share one of their outside words with the situation or the conversation
    ("Skyline"), or two everyday ones (one shared "early" or "close" is chance)."""
    shared = words & situation_words(persona, said)
    return bool(shared - meeting_words()) or len(shared) >= OVERLAP


def unrelated(message: str, persona: Persona, said: Iterable[str] = ()) -> bool:
    """True when `message` shares nothing with the situation, does not address the PM, and at
    least half its content words are from outside the meeting."""
    foreign = foreign_words(message, persona, said)
    words = words_of(message)
    return (
        len(foreign) >= FOREIGN_MIN
        and not ADDRESSED.search(message)
        and len(foreign) >= FOREIGN_SHARE * len(words)
    )


def suspect(message: str, persona: Persona, said: Iterable[str] = ()) -> bool:
    """True when `message` is not about the situation (see `about_situation`) and brings a word
    from outside the meeting: the reply will show whether it was about the PM."""
    return bool(foreign_words(message, persona, said))


def looks_off_script(message: str, persona: Persona, said: Iterable[str] = ()) -> bool:
    """Whether a turn not taken for off topic still reads like a request from outside the
    meeting: the learned check gives it at least its threshold, or at least SUPPORT and the turn
    brings words from outside the situation (`suspect`)."""
    return offscript.off_script(message) or (
        offscript.chance(message) >= offscript.SUPPORT and suspect(message, persona, said)
    )


def answers(
    reply: str, message: str, persona: Persona, said: Iterable[str] = (), heard: bool = True
) -> bool:
    """True when `reply` takes up `message` rather than the PM's situation: it shares nothing with
    the situation and takes up a word of the request from outside the meeting ("The early bird
    catches the worm.") or brings two of its own ("Messi, easily."; one, "I'm just tired", is
    too little). When the model did not hear the request (`heard` False), only the request's
    own outside words count: a puzzled "a quiz? now?" is not an answer."""
    words = words_of(reply)
    if not words or about_situation(words, persona, said):
        return False
    outside = words - meeting_words()
    return takes_up(reply, message) or (heard and len(outside) >= OWN_OUTSIDE)


def takes_up(reply: str, message: str) -> bool:
    """Whether `reply` takes up a word of `message` from outside the meeting ("odds")."""
    return bool((words_of(reply) - meeting_words()) & words_of(message))


# A question about what the PM thinks, feels or weighed ("What do you think is true in it?",
# "Do you feel you need to learn SQL…?", "what was the formula in your head?") is coaching,
# whatever word in it sets off a cue ("joke", "SQL", "recipe"): the model hears it, and the
# reply shows whether it was about the PM (`answers`).
INNER_VIEW = re.compile(
    r"\b(?:what|how) do you (?:think|feel|make of|see)\b|\b(?:do|did) you (?:feel|think|worry|"
    r"believe|reckon)\b|\bin your (?:head|mind|gut|view)\b|\bwhat (?:do|would) you (?:say|put)\b",
    re.IGNORECASE,
)


# A turn that opens by telling the PM to make or play something ("Tell me a joke, …").
TOLD_TO = re.compile(
    r"^\W{0,3}(?:(?:ok|okay|so|now|hey|right)\W{1,3})?(?:tell|write|give|make|show|draft|"
    r"translate|pretend|play|act|sing|compose|list|be)\b",
    re.IGNORECASE,
)


def off_topic(message: str, persona: Persona, said: Iterable[str] = ()) -> bool:
    """True when `message` asks for something a PM would not do for their manager in a 1:1 and
    is not about the PM's situation."""
    if INNER_VIEW.search(message) and not (
        REQUEST.search(message) or PATTERNS["ai"].search(message) or TOLD_TO.search(message)
    ):
        return False
    if CUES.search(message) or REQUEST.search(message):
        # a favour's or a role swap's everyday words ("before", "back", "went") are no sign
        # that it is about the PM; a task's may be ("list the dates that slipped")
        worded = any(PATTERNS[kind].search(message) for kind in ("task", "trivia", "joke"))
        glue = frozenset() if worded else common_words()
        shared = (content(message) - CUE_WORDS - GENERIC - glue) & situation_words(persona, said)
        return len(shared) < OVERLAP
    if FOR_ME.search(message):  # "could you give me a few synonyms for 'ubiquitous'?"
        foreign = foreign_words(message, persona, said)
        return len(foreign) >= FOREIGN_MIN and len(foreign) >= FOREIGN_SHARE * len(
            words_of(message)
        )
    # Words from outside the meeting count only when the learned check gives the turn at least
    # a small chance of being off script: most of that rule's false alarms on the corpus' 1:1
    # turns ("ok angela. oak hollow. go") read plainly like a 1:1 to it.
    if offscript.chance(message) >= offscript.SUPPORT and unrelated(message, persona, said):
        return True
    # requests no rule was written for ("pls proofread my toast for saturday"), unless they
    # name something of the situation or the conversation ("Skyline", "the partner demo")
    return offscript.off_script(message) and not about_situation(words_of(message), persona, said)


# A first sentence that reacts to an odd remark: a question, a laugh, "you've lost me", "random".
PUZZLED = re.compile(
    r"\?|\b(?:ha|haha|huh|hm+|um+|wait|what|lost me|random|odd|strange|weird|funny|no idea|"
    r"not sure (?:what|why|how)|beside the point|quiz|test|trick|where did that come from|"
    r"(?:don't|do not) (?:follow|know)|i'll pass|pass on|bears on|why we're here|skipping|"
    r"not what i came)\b",
    re.IGNORECASE,
)
INTERJECTION = 2  # a first sentence this short ("Oh.", "Uh. Okay.", "Right.") is a reaction
# ...unless it says yes to the request: "Sure! I think 'Crisis' fits." (a Wordle answer)
AGREES = re.compile(
    r"^\W*(?:sure|yes|yeah|yep|absolutely|certainly|of course|definitely|okay,? so|happy to|"
    r"got it|no problem)\b",
    re.IGNORECASE,
)
# A sentence that takes on what was asked: "Absolutely!", "Okay, I got it. I'll do that.",
# "No problem." (after "you be the manager").
COMPLIES_START = re.compile(
    r"^\W*(?:absolutely|sure thing|certainly|of course|no problem|happy to|gladly|"
    r"okay,? i(?:'ll| will| can)|(?:okay,? )?(?:i )?got it|i'll do (?:that|it)|will do|deal|"
    r"(?:sure|okay|ok|yes|yeah),? (?:try|just|here's|how about|let's do|let me)|"
    r"i'll (?:look into|get on|get right on|have a go at) (?:that|it|this))\b",
    re.IGNORECASE,
)


def takes_on(reply: str) -> bool:
    """Whether a sentence of the reply says yes to doing what was asked."""
    return any(COMPLIES_START.search(sentence) for sentence in split_sentences(reply))


# Leads any PM might use, after the persona's own puzzled lines.
LEADS = (
    "Huh. Random.",
    "Wait, what? Where did that come from?",
    "Ha, that's a new one.",
    "Sorry, what?",
    "Come again?",
    "Okay... that's a curveball.",
    "Hm. Not sure where that's going.",
)


def reacts(reply: str) -> bool:
    """Whether the reply's first sentence reacts to an odd remark at all."""
    first = split_sentences(reply)
    return (
        bool(first)
        and not AGREES.search(first[0])
        and (bool(PUZZLED.search(first[0])) or len(first[0].split()) <= INTERJECTION)
    )


def reaction_lead(persona: Persona, earlier: Sequence[str]) -> str:
    """A short puzzled first sentence to put before a reply that did not react to an odd remark:
    the first sentence of one of the persona's puzzled lines, else a stock one, never opening
    like an earlier reply or said before."""
    said = " ".join(earlier)
    for lead in [*(split_sentences(line)[0] for line in persona.voice.puzzled), *LEADS]:
        if lead not in said and not repeats_opener(lead, earlier):
            return lead
    return ""


def gist(message: str) -> str:
    """What the PM hears instead of an off-topic request: its kind, not its words."""
    for kind, pattern in PATTERNS.items():
        if pattern.search(message):
            return KINDS[kind][1]
    return "says something that has nothing to do with your work or this meeting"


class Said(Protocol):
    """A turn of any kind: the practice loop's or a transcript file's."""

    @property
    def speaker(self) -> str: ...

    @property
    def text(self) -> str: ...


def set_apart(turns: Sequence[Said], persona: Persona) -> tuple[set[int], set[int]]:
    """Indices of the manager turns the practice loop set apart, as it decided them: skipped,
    not about the PM's situation (aimed at the model, or off topic given what was said on topic
    before them), which move nothing and count for nothing, their replies left out of what was
    said too; and held (`looks_off_script`), which move nothing up."""
    skipped: set[int] = set()
    held: set[int] = set()
    said: list[str] = []
    skip = False
    for index, turn in enumerate(turns):
        if turn.speaker == "manager":
            skip = aimed_at_model(turn.text) or off_topic(turn.text, persona, said)
            if skip:
                skipped.add(index)
            elif looks_off_script(turn.text, persona, said):
                held.add(index)
        if not skip:
            said.append(turn.text)
    return skipped, held
