"""The practice loop: a manager turn in, a streamed in-character persona reply out.

Prompt layout, kept stable so llama.cpp reuses the evaluated prefix from turn to turn:
system prompt (persona and difficulty, fixed for the conversation), the history as it was sent
(manager turns with the stage note they had), then the new manager turn with its stage note.
Per-turn guidance never goes into the system prompt.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from simulator.backends.base import ChatBackend, Message
from simulator.coding.rules import code_turn
from simulator.conversation import fidelity, guard
from simulator.conversation.injection import aimed_at_model
from simulator.conversation.offtopic import (
    answers,
    common_words,
    gist,
    looks_off_script,
    off_topic,
    reaction_lead,
    reacts,
    situation_words,
    suspect,
    takes_on,
    takes_up,
    words_of,
)
from simulator.conversation.prompts import render
from simulator.conversation.state import (
    DIFFICULTY,
    DifficultyName,
    PersonaState,
    advance,
    initial_state,
)
from simulator.conversation.transcript import Conversation, Turn
from simulator.errors import InputError, SimulatorError
from simulator.personas.library import HiddenFact, Persona
from simulator.storage.store import Store

MAX_MESSAGE_CHARS = 2000
REPLY_TOKENS = 160
HINT_TOKENS = 80  # room for the note a later attempt adds after the history
ATTEMPTS = 3  # a reply that is out of character or repeats itself is generated again
OPENING_CUE = "(Your one-to-one with your manager is starting. You speak first.)"
STOP = ["\nManager:", "\nYou:", "\nMe:", "\n\n\n", "(Stage note", "<|im_end|>", "<|im_start|>"]
MOODS = ((0.55, "open"), (0.35, "warming"), (0.0, "guarded"))
IDEA_AS_ADVICE = re.compile(r"^you could\b", re.IGNORECASE)
# Said when every attempt failed; each opens differently, so two in one session do not repeat.
FALLBACKS = (
    "Hmm. Give me a second, I'm trying to work out how to put this.",
    "Sorry, I lost my thread there. Where was I?",
    "Let me think about that for a moment.",
)
MAX_AFTER_LEAD = 2  # sentences of the model's reply kept after a puzzled lead
BARE = frozenset("huh hm hmm what wait uh um er".split())  # a reaction with nothing in it
BRIEF = 4  # words of a brush-off kept after it ("Not today.")
ANSWER_BITS = re.compile(r"(?<!\w)[\"'‘“]\w|\d")
# A PM who did nothing wrong does not apologise for an odd remark; the model, unsure what it
# was asked, does ("Sorry, I'm really sorry.", "I didn't mean to say that.").
APOLOGY = re.compile(
    r"\b(?:i'm|i am) (?:so |really |very )?sorry\b(?! to hear)|\bmy apologies\b|"
    r"\bi didn't mean (?:to|that)\b|\bapologi[sz]e\b|^\W*(?:oh,? )?(?:so )?sorry\W*$|"
    r"^\W*sorry,? but\b|\bi regret (?:my|the|it|that|this)\b",
    re.IGNORECASE,
)
# ...nor offers its services, as the model does when it cannot tell what it was asked ("What can
# I do instead?", "Just tell me what to say or do next.", "I tried to help you").
OFFER = re.compile(
    r"\bwhat (?:else )?(?:can|should|shall) i (?:do|say)\b|\btell me what (?:to|you want)\b|"
    r"\bi (?:tried|was trying|wanted) to help\b|\bhow can i\b|\bwhat are you trying to\b",
    re.IGNORECASE,
)
# A PM who goes quiet when told what to do says a few flat words; the model instead apologises
# at length ("I apologize. I did not see it coming. It's a critical issue that needs immediate
# attention."). What it says is cut to this many words, apologies dropped.
QUIET_WORDS = 10
QUIET_LINES = ("Okay.", "Right.", "Mm. Fine.", "If you say so.", "Sure.")
QUIET_ANSWER_WORDS = 24  # asked a question while quiet, the PM still answers it, flatly
ASK_BACK_EVERY = 4  # now and then the PM asks the manager something back
# Problems worth another attempt; the rest are repaired in code.
RETRY_ON = {
    "assistant_speak",
    "empty",
    "repetition",
    "echoes_note",
    "parrots_manager",
    "role_label",
    "complies",
    "stock_filler",
    "repeated_opener",
    "unfaithful",
    "answers_request",
    "recital",
}
log = logging.getLogger(__name__)


KEPT_FORMAT = "\u200c\u200d\u200e\u200f\u061c"  # joiners (emoji, Indic scripts), RTL/LTR marks


def keep_char(ch: str) -> bool:
    """Whether a typed character is kept: not control characters, bidi overrides, unassigned
    code points or lone surrogates; joiners and direction marks stay (emoji, Arabic, Hebrew)."""
    if ch in "\n\t" or ch in KEPT_FORMAT:
        return True
    return unicodedata.category(ch)[0] != "C"


def clean_message(text: str) -> str:
    """Check a manager message: not empty, not over-long, no control characters."""
    cleaned = "".join(ch for ch in text if keep_char(ch)).strip()
    if not cleaned:
        raise InputError("the message is empty: type what you want to say to the PM")
    if len(cleaned) > MAX_MESSAGE_CHARS:
        raise InputError(
            f"the message is {len(cleaned)} characters long; the limit is {MAX_MESSAGE_CHARS}. "
            "Shorten it (a coaching question is usually one or two sentences)."
        )
    return cleaned


def mood(state: PersonaState) -> str:
    if state.last_move == "telling":
        return "telling"
    return next(name for floor, name in MOODS if state.openness >= floor)


@dataclass
class Reply:
    """A persona reply as it streams: `text` grows; `done` is set on the last update."""

    text: str
    done: bool = False
    notice: str = ""
    stats: dict[str, object] = field(default_factory=dict)


class Practice:
    """Runs conversations for one backend and one store."""

    def __init__(
        self, backend: ChatBackend, store: Store, *, seed: int = 7, prime: bool = False
    ) -> None:
        self.backend = backend
        self.store = store
        self.seed = seed
        self.prime = prime
        self.last_prompt: list[Message] = []

    def start(self, persona: Persona, difficulty: DifficultyName, owner: str = "") -> Conversation:
        """Begin a conversation; the persona's opening line is its first turn. `owner` is the
        secret of whoever may list and resume it."""
        if difficulty not in DIFFICULTY:
            raise InputError(f"difficulty must be one of easy, medium, hard (got '{difficulty}')")
        conversation = Conversation(
            id=uuid.uuid4().hex[:12],
            persona=persona,
            difficulty=difficulty,
            model=getattr(self.backend, "name", ""),
            owner=owner,
            turns=[
                Turn(speaker="persona", text=persona.opening_line, state=initial_state(difficulty))
            ],
        )
        self.store.create(conversation)
        if self.prime:
            threading.Thread(target=self.warm, args=(conversation,), daemon=True).start()
        return conversation

    def warm(self, conversation: Conversation) -> None:
        """Evaluate the fixed start of the prompt while the manager reads and types, so the
        first reply only costs the manager's words."""
        self._warm(self.messages(conversation))

    def _warm(self, prompt: list[Message]) -> None:
        """Evaluate the fixed start of the prompt while the manager reads and types, so the
        first reply only costs the manager's words."""
        try:
            for _ in self.backend.stream(prompt, max_tokens=1, temperature=0.0, seed=0, stop=[]):
                pass
        except SimulatorError as exc:  # the model is unavailable: the real turn says so
            log.warning("warming the prompt prefix failed: %s", exc)
        except Exception:  # a failed warm-up only costs time; the real turn reports errors
            log.exception("warming the prompt prefix failed")

    def system_prompt(self, conversation: Conversation) -> str:
        return render(
            "system.j2",
            persona=conversation.persona,
            manner=DIFFICULTY[conversation.difficulty].manner,
        )

    def messages(self, conversation: Conversation) -> list[Message]:
        """The prompt for the next reply, trimmed to fit the context if needed."""
        while True:
            built = self._build(conversation)
            budget = self.backend.context_size - REPLY_TOKENS - HINT_TOKENS - 64
            if self.backend.count_tokens(built) <= budget or not self._trim(conversation):
                return built

    def _build(self, conversation: Conversation) -> list[Message]:
        turns = conversation.turns
        built: list[Message] = [
            {"role": "system", "content": self.system_prompt(conversation)},
            {"role": "user", "content": OPENING_CUE},
            {"role": "assistant", "content": turns[0].text},
        ]
        start = max(1, conversation.trim_from)
        for index in range(start, len(turns)):
            turn = turns[index]
            if turn.speaker == "persona":
                built.append({"role": "assistant", "content": turn.text})
                continue
            content = turn.prompt_text or turn.text
            if index == start and start > 1:
                content = render(
                    "earlier.j2", shared=self._shared(conversation), first_message=content
                )
            built.append({"role": "user", "content": content})
        return built

    @staticmethod
    def _shared(conversation: Conversation) -> list[str]:
        facts = {f.id: f.text for f in conversation.persona.hidden_facts}
        return [facts[i] for i in conversation.state.revealed if i in facts]

    @staticmethod
    def _trim(conversation: Conversation) -> bool:
        """Drop the older half of the middle of the conversation. False when nothing is left to
        drop. Cutting a large block at once keeps the new prefix stable for many turns."""
        turns = conversation.turns
        start = max(1, conversation.trim_from)
        remaining = len(turns) - start
        if remaining <= 4:
            return False
        cut = start + max(2, remaining // 2)
        while cut < len(turns) - 1 and turns[cut].speaker != "manager":
            cut += 1
        if cut >= len(turns) - 1 or cut <= start:
            return False
        conversation.trim_from = cut
        return True

    def say(self, conversation: Conversation, text: str) -> Iterator[Reply]:
        """Record the manager's turn, then stream the persona's reply and save it."""
        message = clean_message(text)
        if conversation.awaiting_reply:
            raise InputError(
                "the PM has not answered your last message yet (the model may have been "
                "unavailable): send it again, or send an empty message, to retry"
            )
        persona = conversation.persona
        fact: HiddenFact | None = None
        extra: dict[str, object] = {}
        said = on_topic_text(conversation)
        if aimed_at_model(message):
            # Talk aimed at the model behind the persona never reaches it word for word: the
            # persona hears an odd remark, and nothing about the meeting changes.
            state = conversation.state
            code = code_turn("", "")
            prompt_text = render("offscript.j2", name=persona.name)
            reaction = prompt_text  # the guard then catches a reply that quotes it
            extra["off_topic"] = True
        elif off_topic(message, persona, said):
            # A task, a format, trivia or a joke is not coaching: nothing about the meeting
            # changes, and the PM reacts as a person whose manager said that in a 1:1.
            state = conversation.state
            code = code_turn("", "")
            reaction, prompt_text = off_topic_prompt(conversation, message)
            extra["off_topic"] = True
        else:
            code = code_turn(message, conversation.turns[-1].text)
            # Not taken for off topic, but it may read like a request from outside the meeting:
            # then it moves nothing up (no openness, nothing shared); telling still costs.
            held = looks_off_script(message, persona, said)
            state, fact, idea_now = advance(
                conversation.state, code, persona, conversation.difficulty, held=held
            )
            if held:
                extra["held"] = True
            reaction = self.mood_note(
                conversation, state, code.reflection != "none", code.question != "none"
            )
            prompt_text = render(
                "turn.j2",
                manager_text=message,
                name=persona.name,
                reaction=reaction,
                fact=(fact.line or fact.text) if fact else "",
                idea=persona.own_idea.spoken() if idea_now else "",
                max_sentences=3,
            )
            if fact:
                extra["fact"] = fact.id
            if idea_now:
                extra["idea"] = True
            if suspect(message, persona, said):
                extra["suspect"] = True  # the reply shows whether it was about the PM
        turn = Turn(
            speaker="manager",
            text=message,
            prompt_text=prompt_text,
            stats={
                "code": code.model_dump(mode="json"),
                "pending_state": state.model_dump(mode="json"),
                "note": reaction,
                **extra,
            },
        )
        self.store.add_turn(conversation, turn)
        yield from self._reply(conversation, state)

    @staticmethod
    def mood_note(
        conversation: Conversation, state: PersonaState, reflection: bool, question: bool = False
    ) -> str:
        """This turn's note on how the PM feels: the mood, a reaction to being heard after a
        reflection, and now and then a question back. A PM who goes quiet when told what to do
        still answers a question, flatly."""
        persona = conversation.persona
        current = mood(state)
        replies = sum(1 for t in conversation.turns if t.speaker == "persona")
        ask_back = current in {"warming", "open"} and replies % ASK_BACK_EVERY == ASK_BACK_EVERY - 1
        return render(
            "mood.j2",
            name=persona.name.split()[0],
            mood=current,
            reaction=persona.reaction_to_telling,
            reflection=reflection and current != "telling",
            question=question,
            ask_back=ask_back,
        )

    def wrap_up(self, conversation: Conversation) -> Iterator[Reply]:
        """Time is up: the persona closes the meeting in character (a persona turn, no manager
        turn), with the state unchanged."""
        name = conversation.persona.name
        cue = render("wrap_up.j2", name=name)
        prompt = [*self.messages(conversation), {"role": "user", "content": cue}]
        earlier = [t.text for t in conversation.turns if t.speaker == "persona"]
        text = ""
        for piece in self.backend.stream(
            prompt, max_tokens=80, temperature=0.7, seed=self.seed, stop=STOP
        ):
            text += piece
            yield Reply(text=text.strip())
        final = guard.repair(text, earlier, name) or "We're out of time. Thanks for this, really."
        turn = Turn(
            speaker="persona", text=final, state=conversation.state, stats={"wrap_up": True}
        )
        self.store.add_turn(conversation, turn)
        yield Reply(text=final, done=True)

    def resume(self, conversation: Conversation) -> Iterator[Reply]:
        """Generate the reply a crash or a closed window cut off, if there is one."""
        if not conversation.awaiting_reply:
            return
        pending = conversation.turns[-1].stats.get("pending_state")
        state = PersonaState.model_validate(pending) if pending else conversation.state
        yield from self._reply(conversation, state)

    def _reply(self, conversation: Conversation, state: PersonaState) -> Iterator[Reply]:
        trimmed_before = conversation.trim_from
        prompt = self.messages(conversation)
        self.last_prompt = prompt
        notice = ""
        if conversation.trim_from != trimmed_before:
            notice = (
                "This conversation is long: the oldest turns are no longer sent to the "
                "model (what the PM has shared is kept)."
            )
        persona = conversation.persona
        earlier = [t.text for t in conversation.turns if t.speaker == "persona"]
        asked = conversation.turns[-1].stats
        note = str(asked.get("note", ""))
        fact = next((f for f in persona.hidden_facts if f.id == asked.get("fact")), None)
        manager = "\n".join(t.text for t in conversation.turns if t.speaker == "manager")
        name = persona.name
        avoid = persona.avoid_phrases
        # The voice samples are examples, not lines: a reply that copies one is treated like one
        # that parrots the manager (found, regenerated, and the copied sentence cut). The
        # puzzled lines are the one exception, on an off-topic turn only: that turn is steered
        # by one of them. Anywhere else a puzzled line is a copy, and the wrong reaction ("I'm
        # not sure what that has to do with the postmortem" after "You should have pushed back").
        off_topic_turn = bool(conversation.turns[-1].stats.get("off_topic"))
        samples = "\n".join(
            line
            for mood, lines in persona.voice.samples()
            if mood != "puzzled" or not off_topic_turn
            for line in lines
        )
        manager = f"{manager}\n{samples}"

        request = conversation.turns[-1].text
        said = on_topic_text(conversation, end=len(conversation.turns) - 1)

        def check(reply: str) -> list[str]:
            found = guard.problems(reply, earlier, name, note=note, manager=manager, avoid=avoid)
            if fact and not fidelity.carries(reply, fact, persona):
                found.append("unfaithful")
            elif fact and fidelity.recites(reply, fact) and len(attempts) < ATTEMPTS:
                found.append("recital")  # a faithful recital is kept on the last attempt
            heard = not asked.get("off_topic")  # an off-topic turn's request is never sent
            doubtful = asked.get("suspect") or asked.get("held")
            if (doubtful or not heard) and answers(reply, request, persona, said, heard=heard):
                found.append("answers_request")
            elif asked.get("held") and takes_up(reply, request):
                # it read like a request: taking up its words ("The odds are 1 in 36.") answers
                # it, even when a word happens to match the situation ("36 hours")
                found.append("answers_request")
            elif doubtful and takes_on(reply):
                found.append("answers_request")  # "Absolutely!" to "answer in all caps"
            return found

        text = ""
        stats: dict[str, object] = {}
        reply_started = time.perf_counter()
        first_ttft: float | None = None
        attempts: list[str] = []
        found: list[str] = []  # the previous attempt's problems
        tried: list[list[str]] = []
        for attempt in range(ATTEMPTS):
            text = ""
            stats = {"attempt": attempt + 1}
            started = time.perf_counter()
            first = last = started
            pieces = 0
            attempt_prompt = self._retry_prompt(prompt, found, attempts, fact, name, attempt)
            for piece in self.backend.stream(
                attempt_prompt,
                max_tokens=REPLY_TOKENS,
                temperature=0.7 + 0.2 * attempt,
                seed=self.seed + len(conversation.turns) + 1000 * attempt,
                stop=STOP,
                avoid=earlier if "repetition" in found else (),
            ):
                last = time.perf_counter()
                if pieces == 0:
                    first = last
                pieces += 1
                text += piece
                if guard.ASSISTANT_SPEAK.search(text) or guard.MANAGER_LINE.search(text):
                    break
                yield Reply(text=text.strip(), notice=notice)
            if first_ttft is None:
                first_ttft = first - started
            stats.update(
                ttft_s=round(first_ttft, 4),
                tokens=pieces,
                gen_s=round(last - first, 4),
                total_s=round(time.perf_counter() - reply_started, 4),
            )
            attempts.append(text)
            found = check(text)
            tried.append(found)
            stats["problems"] = found
            if "answers_request" in found and not asked.get("off_topic"):
                # The model took the turn as a request, and the reply shows it was not about the
                # PM's situation: the turn becomes off topic (it moves nothing) and the next
                # attempt hears only what kind of remark it was. The prompt's prefix is kept.
                state, fact = conversation.state, None
                note = self._turn_off_topic(conversation)
                prompt = self.messages(conversation)
            if not RETRY_ON & set(found):
                break
        if len(tried) > 1:
            stats["attempt_problems"] = tried
        final = (
            guard.repair(text, earlier, name, note=note, manager=manager, avoid=avoid)
            if stats["problems"]
            else text.strip()
        )
        if "answers_request" in found or (asked.get("off_topic") and guard.complies(final)):
            final = ""  # whatever is left of an answer to the request is not the PM talking
        if fact and not fidelity.carries(final, fact, persona):
            final = best_reveal(attempts, fact, persona, check) or final
        if not final:  # every attempt only echoed or repeated: better that than a stock line
            candidates = [c for c in (guard.usable(t, name) for t in reversed(attempts)) if c]
            candidates = [
                c for c in candidates if not guard.complies(c) and "answers_request" not in check(c)
            ]
            fresh = [c for c in candidates if "repetition" not in guard.problems(c, earlier)]
            final = (fresh or candidates or [""])[0]
            stats["relaxed"] = bool(final)
        if fact and not fidelity.carries(final, fact, persona) and fact.line:
            # The model lost the fact: say the authored line, after a short reaction of the
            # model's own when it has one that is fine on its own.
            final = authored_reveal(final, fact, earlier)
            stats["fact_fallback"] = True
        if final and asked.get("off_topic"):
            # The model never hears the request, so after its first reaction it often makes
            # something up ("Oh, sorry! I didn't mean to say that.", "I need to speak with the
            # director first."): keep its reaction and what it says about the situation.
            final, stats["lead"] = off_topic_reaction(persona, final, earlier, said)
        if not final:
            final = fallback_line(persona, earlier, bool(asked.get("off_topic")))
            stats["fallback"] = True
        if mood(state) == "telling" and persona.reaction_to_telling == "goes_quiet":
            question = asked.get("code", {}).get("question", "none") != "none"
            quiet = quiet_reply(
                persona, final, earlier, QUIET_ANSWER_WORDS if question else QUIET_WORDS
            )
            stats["quiet"] = quiet != final
            final = quiet
        if asked.get("idea"):  # an idea without a first-person `line` is authored as "you could"
            final = IDEA_AS_ADVICE.sub("Maybe I could", final, count=1)
        if fact:
            stats["fact"] = fact.id
            stats["faithful"] = fidelity.carries(final, fact, persona)
            stats["recited"] = fidelity.recites(final, fact)
        if asked.get("off_topic"):
            stats["off_topic"] = True
        turn = Turn(speaker="persona", text=final, state=state, stats=stats)
        self.store.add_turn(conversation, turn)
        yield Reply(text=final, done=True, notice=notice, stats=stats)

    def _turn_off_topic(self, conversation: Conversation) -> str:
        """Make the last manager turn an off-topic one after the fact: the PM hears the kind of
        remark, not the request; the coder's code and the released fact are dropped and the
        state stays where it was. Returns the turn's new stage note."""
        turn = conversation.turns[-1]
        note, turn.prompt_text = off_topic_prompt(conversation, turn.text)
        for key in ("fact", "idea", "suspect", "held"):
            turn.stats.pop(key, None)
        turn.stats.update(
            off_topic=True,
            code=code_turn("", "").model_dump(mode="json"),
            pending_state=conversation.state.model_dump(mode="json"),
            note=note,
        )
        self.store.update_turn(conversation, len(conversation.turns) - 1)
        return note

    @staticmethod
    def _retry_prompt(
        prompt: list[Message],
        found: list[str],
        attempts: list[str],
        fact: HiddenFact | None,
        name: str,
        attempt: int,
    ) -> list[Message]:
        """The prompt for this attempt: the first as built; a later one says, after the history,
        what went wrong last time (so the cached prefix is kept)."""
        if not attempt or not found:
            return prompt
        last = prompt[-1]
        message = str(last["content"])
        first_name = name.split()[0]
        if attempt == ATTEMPTS - 1 and "repetition" in found:
            message = render("retry.j2", message=message, name=first_name)
        previous = attempts[-1] if attempts else ""
        hint = render(
            "fix.j2",
            message=message,
            name=first_name,
            keep=fidelity.keywords(fact) if fact and "unfaithful" in found else [],
            opener=" ".join(guard.opener(previous)) if "repeated_opener" in found else "",
            phrase=guard.stock_filler(previous) if "stock_filler" in found else "",
            task=bool({"complies", "answers_request"} & set(found)),
            own_words="recital" in found,
        )
        return [*prompt[:-1], {"role": last["role"], "content": hint}]


def best_reveal(
    attempts: list[str], fact: HiddenFact, persona: Persona, check: Callable[[str], list[str]]
) -> str:
    """The first attempt that carried the fact and has nothing worth another attempt in it."""
    for attempt in attempts:
        cleaned = guard.usable(attempt, persona.name)
        if cleaned and not RETRY_ON & set(check(cleaned)):
            return cleaned
    return ""


def off_topic_prompt(conversation: Conversation, message: str) -> tuple[str, str]:
    """The stage note (as the guard checks it) and the text the model hears for an off-topic
    turn. The model hears what
    kind of request it was, never the request itself: a small model told "do not write the
    code" still writes it when it sees the request. One of the persona's authored puzzled lines
    (one not said yet) shows how this PM reacts: a small model imitates an example far better
    than it follows a description."""
    persona = conversation.persona
    earlier = [t.text for t in conversation.turns if t.speaker == "persona"]
    lines = [line for line in persona.voice.puzzled if line not in earlier]
    name = persona.name.split()[0]
    note = render("offtopic_note2.j2", name=name, example=lines[0] if lines else "")
    # The guard checks replies against the note without the example: saying the PM's own
    # puzzled line is not reading the stage directions aloud.
    return render("offtopic_note2.j2", name=name, example=""), render(
        "offtopic_turn.j2", gist=gist(message), note=note
    )


def off_topic_reaction(
    persona: Persona, reply: str, earlier: list[str], said: list[str]
) -> tuple[str, bool]:
    """What the PM says to an odd remark: the reply's first sentence when it reacts to it
    (else the PM's own puzzled line while one is left, else a puzzled lead), then at most
    MAX_AFTER_LEAD of its sentences that react too, brush it off or are about the situation;
    never an apology (brush-offs of up to BRIEF words do not count against the limit).
    Also whether the lead was put in by us."""
    sentences = [
        s for s in guard.split_sentences(reply) if not APOLOGY.search(s) and not OFFER.search(s)
    ]
    if sentences and reacts(sentences[0]) and not opens_like(sentences[0], earlier):
        lead, rest, added = sentences[0], sentences[1:], False
    else:
        unsaid = [
            line
            for line in persona.voice.puzzled
            if line not in earlier and not opens_like(line, earlier)
        ]
        if unsaid:
            return unsaid[0], True
        lead, rest, added = reaction_lead(persona, earlier), sentences, True
    situation = situation_words(persona, said)
    kept: list[str] = []
    longer = 0
    for sentence in rest:
        # a brush-off has no quoted word or number in it: "I think 'Crisis' fits." answers
        brief = len(sentence.split()) <= BRIEF and not ANSWER_BITS.search(sentence)
        if brief and (takes_on(sentence) or stacked(sentence, [lead, *kept])):
            continue  # no "No problem.", and not "Sorry, what? Huh. What? Huh."
        if (brief or longer < MAX_AFTER_LEAD) and (
            brief or reacts(sentence) or words_of(sentence) & situation - common_words()
        ):
            kept.append(sentence)
            longer += not brief
    if not lead:  # every lead is used up: what is left of the reply, or nothing
        return " ".join(kept) if kept and reacts(kept[0]) else "", added
    return " ".join([lead, *kept]), added


def stacked(sentence: str, before: list[str]) -> bool:
    """Whether a short sentence only says again what the reply has said ("What?" after "Sorry,
    what?"), or is a bare "Huh."/"Wait, what?" after one already."""
    words = set(guard.WORDS.findall(sentence.lower()))
    said = set(guard.WORDS.findall(" ".join(before).lower()))
    return bool(words) and (words <= said or (words <= BARE and bool(said & BARE)))


def quiet_reply(persona: Persona, reply: str, earlier: list[str], words: int = QUIET_WORDS) -> str:
    """What a PM who goes quiet says when told what to do: the reply's first sentences up to
    `words` words (more when the manager asked a question: the answer stays), never an
    apology; else one of the persona's own "told what to do" lines, else a flat word, never one
    that opens like an earlier reply."""
    kept: list[str] = []
    for sentence in guard.split_sentences(reply):
        if APOLOGY.search(sentence):
            continue
        if len(" ".join([*kept, sentence]).split()) > words:
            break
        kept.append(sentence)
    if kept and not opens_like(kept[0], earlier):
        return " ".join(kept)
    lines = [*persona.voice.told_what_to_do, *QUIET_LINES]
    fresh = [line for line in lines if line not in earlier and not opens_like(line, earlier)]
    return (fresh or [QUIET_LINES[0]])[0]


def opens_like(sentence: str, earlier: list[str]) -> bool:
    """Whether an earlier reply opened with this sentence, or with the same first words (a short
    "Uh." said twice is a repeat too, though too short for `guard.repeats_opener`)."""
    said = {guard.opener((guard.split_sentences(turn) or [turn])[0]) for turn in earlier}
    return guard.repeats_opener(sentence, earlier) or guard.opener(sentence) in said


def fallback_line(persona: Persona, earlier: list[str], off_topic: bool) -> str:
    """A line for when every attempt failed: after an off-topic turn one of the persona's own
    puzzled lines, else a pause; never one that opens like an earlier reply."""
    lines = [*(persona.voice.puzzled if off_topic else ()), *FALLBACKS]
    fresh = [line for line in lines if not guard.repeats_opener(line, earlier)]
    unsaid = [line for line in fresh if line not in earlier]
    return (unsaid or fresh or lines)[0]


def on_topic_text(conversation: Conversation, end: int | None = None) -> list[str]:
    """What has been said so far (up to turn `end`), without off-topic turns and the replies
    to them."""
    said: list[str] = []
    skip = False
    for turn in conversation.turns[:end]:
        if turn.speaker == "manager":
            skip = bool(turn.stats.get("off_topic"))
        if not skip:
            said.append(turn.text)
    return said


def authored_reveal(reply: str, fact: HiddenFact, earlier: list[str]) -> str:
    """The fact's authored line, after the reply's first sentence when that is a short reaction
    ("Yeah, exactly.") that neither repeats an earlier opening nor names anyone."""
    sentences = guard.split_sentences(reply)
    lead = sentences[0] if sentences else ""
    if (
        lead
        and len(lead.split()) <= 6
        and not fidelity.names_in(lead)
        and not guard.problems(lead, earlier)
        and not guard.repeats_opener(fact.line, [lead])
    ):
        return f"{lead} {fact.line}"
    return fact.line
