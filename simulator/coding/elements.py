"""Feedback and development-plan elements in a manager's turn.

Feedback that helps is tied to a moment, names what the person did, says what it led to, and
asks what they want to do differently. A plan that sticks has a goal, a measure, a timeframe, a
first step and support, and is proposed by the report rather than handed down.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

DAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
EVENTS = (
    r"(?:meeting|review|standup|stand-up|demo|call|session|presentation|planning|retro|"
    r"retrospective|1:1|one-to-one|one on one|launch|sync|offsite|kickoff|kick-off|interview|"
    r"workshop|all-hands|pitch|readout|post-mortem|postmortem|update|email|message|doc|document)"
)


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


MOMENT = _rx(
    rf"\b(?:in|at|during|after|before) (?:the|yesterday's|today's|this morning's|last week's|"
    rf"{DAYS}'s|our|your|that) (?:\w+ )?{EVENTS}\b",
    rf"\b(?:yesterday|this morning|earlier today|last (?:week|night|time|sprint|quarter|month|"
    rf"{DAYS})|on {DAYS})\b",
    r"\bwhen you (?:said|presented|told|did|walked|cut|moved|agreed|showed|sent|shared|ran|"
    r"interrupted|asked|answered|pushed|shipped|opened|closed|started|responded|replied|"
    r"explained|skipped|jumped|took|gave|raised)\b",
)
BEHAVIOUR = _rx(
    r"\byou (?:said|presented|told|cut|moved|agreed|showed|sent|interrupted|skipped|missed|spoke|"
    r"talked|explained|framed|opened|brought|answered|stayed|kept|handled|led|ran|asked|wrote|"
    r"shared|pushed|gave|took|jumped|dismissed|listened|paused|summari[sz]ed|used|started|"
    r"didn't|did not|went)\b",
    r"\bi (?:noticed|saw|observed|heard|watched) (?:that |how )?you\b",
)
IMPACT = _rx(
    r"\bthe (?:result|effect|impact|outcome|consequence) (?:was|is|of that)\b",
    r"\bas a result\b",
    r"\bbecause of (?:that|this)\b",
    r"\b(?:which|that|this|it) (?:meant|means|made|makes|led|leads|caused|left|helped|gave|cost|"
    r"landed|came across|put)\b",
    r"\b(?:the (?:team|room|client|customer|execs?|executives|stakeholders?|engineers?)|people|"
    r"everyone) (?:felt|seemed|looked|was|were|went|got|lost|stopped)\b",
    r"\bimpact\b",
)
DIFFERENTLY = _rx(
    r"\b(?:differently|next time|going forward|in (?:the )?future|instead|change|again|"
    r"would you (?:do|try|approach|handle)|want to (?:do|try|keep|change)|might you|"
    r"take away|takeaway|learn|learned|learnt)\b"
)
EVALUATIVE = _rx(
    r"\bfeedback\b",
    r"\bi (?:noticed|observed|saw)\b",
    r"\b(?:worked|went|landed) (?:really )?"
    r"(?:well|badly)\b",
    r"\bdidn't (?:work|land|go well)\b",
    r"\b(?:great|good|nice|excellent|strong|solid|poor) (?:job|work|call|move|presentation)\b",
    r"\bwell done\b",
    r"\b(?:not|wasn't) (?:great|good enough|ideal)\b",
)


def _word_rx(patterns: list[str]) -> re.Pattern[str]:
    """Patterns written in lower case, each starting at the start of a word, searched in
    lower-cased text: a position inside a word is refused once, not by each alternative (these
    run on every turn)."""
    return re.compile(r"\b(?=[a-z])(?:" + "|".join(f"(?:{p})" for p in patterns) + ")")


# Feedback as people say it, without "feedback" or "I noticed": a moment (a day, a time, "when
# she asked…", "the part where…"), what the person did in it ("you said", "you didn't", "you'd
# already…") and what it led to ("and the room went quiet", "that saved us…"). Broad on purpose:
# these are evidence for the learned coder, which weighs them with the wording.
SAID_DAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
FB_MOMENT = _word_rx(
    [
        rf"\b{SAID_DAYS}(?:'s)?\b",
        r"\b(?:yesterday|last night|this morning|the other day|earlier today|last week|"
        r"on the day|that night|that morning|afterwards|after the meeting)\b",
        r"\b(?:at|around|about|by) (?:like |about |around )?(?:\d{1,2}[:.]\d\d|"
        r"\d{1,2} ?(?:am|pm|a\.m\.|p\.m\.)|minute \w+|(?:quarter|half|ten|twenty|"
        r"twenty-five) (?:past|to) \w+|the (?:start|end|hour mark))\b",
        r"\bwhen (?:[\w'-]+ ){1,4}?(?:still |first |just )?(?:asked|died|crashed|wasn't|"
        r"weren't|didn't|said|started|went|came|pushed|raised|mentioned|put|interrupted|"
        r"cancelled|fired|arrived|tried|got|called|rang|emailed|walked|had|gave|showed|was|"
        r"were|jumped|brought|wanted|started)\b",
        r"\bwhen you (?:\w+ed|said|went|took|gave|told|put|left|did|got|kept|made|ran|sent|"
        r"spoke|let|stood|found|caught|wrote|brought|came|sat|were|had|saw|heard|knew|"
        r"thought)\b",
        r"\bthe (?:part|bit|moment|point|time|one time) (?:where|when)\b",
        r"\b(?:the|your) (?:start|beginning|end|opening|opener|close|ending|first time|"
        r"last time|way you)\b",
        r"\bon (?:the )?\d{1,2}(?:st|nd|rd|th)?\b|\b(?:at|by|within) (?:like |about |"
        r"around )?(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
        r"twenty|thirty|forty) ?(?:minutes?|mins?|hours?|seconds?|o'clock|am|pm|past|to)?\b",
        r"\bin the (?:[\w-]+ )?(?:part|section|bit|middle)\b",
        r"\b(?:in|at|on|during|after) (?:the |your |our |their |that |this |today's |"
        r"yesterday's |last week's |\w+'s )?(?:[\w-]+ )?(?:meeting|review|standup|stand-up|"
        r"demo|call|session|presentation|planning|retro|1:1|launch|sync|interview|workshop|"
        r"pitch|readout|handover|shift|round|visit|crit|briefing|huddle|service|changeover|"
        r"footage|recording|pr|rfc|thread|channel|email|slide|deck|run|walk|check|close|open|"
        r"bake|inspection|hearing|trial|panel|assessment|consultation|debrief|brief|cutover|"
        r"incident|visit)\b",
    ]
)
PAST = (  # "need", "feed" and "proceed" end in -ed but tell nothing about the past
    r"(?:(?!(?:need|feed|proceed|exceed|succeed|speed|shed|bed)\b)\w+ed|said|went|took|gave|told|put|left|did|got|kept|made|ran|sent|spoke|let|stood|"
    r"found|caught|wrote|brought|came|sat|were|had|saw|held|led|built|chose|drove|shouted|"
    r"swore|knew|thought|paid|read|set|cut|felt|hit|lost|won|began|forgot|spent|rang|"
    r"dealt|stuck|threw|fed|heard|meant|taught|bought|sold|sent|shut)"
)
FB_BEHAVIOUR = _word_rx(
    [
        rf"\b(?:you|u) (?:(?:just|then|also|kind of|kinda|sort of|actually|basically|really|"
        rf"still|immediately|straight away|never|already|clearly|even) )?{PAST}\b",
        r"\b(?:you|u) (?:didn't|did not|never|wouldn't|couldn't|weren't|wasn't)\b",
        r"\b(?:you|u) were (?:\w+ )?\w+ing\b",
        r"\b(?:you'd|you had) (?:\w+ed|already|made|got|done|set|put|left|sent|built|written|"
        r"gone|taken|given|told)\b",
        r"\byour (?:\w+ )?(?:was|were|went|got|came|ran|made|had|did)\b",
    ]
)
FB_IMPACT = _word_rx(
    [
        r"\b(?:which|that|this|it) (?:meant|made|led|caused|left|helped|gave|cost|saved|"
        r"landed|put|got|turned|ate|calmed|changed|lost|won|bought|set)\b",
        r"\b(?:and|so) (?:then |now )?(?:the |their |his |her |our |"
        r"a )?[\w'-]+(?: [\w'-]+)? (?:\w+ed|went|got|lost|stopped|sat|looked|said|asked|had|"
        r"came|left|felt|was|were|did|didn't|couldn't|never|kind of|kinda|just)\b",
        r"\b(?:that|this|it)(?:'s| was| is) (?:\w+ )?(?:great|brilliant|perfect|spot on|"
        r"exactly|good|strong|smart|really good|the best|the right call|why|what|where|how|"
        r"a big|not great|not a)\b",
        r"\b(?:that|which) (?:was|is) (?:\w+ )?(?:why|how|what|where)\b",
        r"\bas a result\b|\bbecause of (?:that|this)\b|\bthat's why\b|\bwhich is why\b",
    ]
)


def said_feedback(text: str) -> tuple[bool, bool, bool]:
    """Whether the turn names a moment, what the person did, and what it led to."""
    low = text.lower()
    return bool(FB_MOMENT.search(low)), bool(FB_BEHAVIOUR.search(low)), bool(FB_IMPACT.search(low))


GOAL = _rx(
    r"\b(?:goal|aim|objective|outcome|aspiration|target)s?\b",
    r"\bwant to (?:achieve|get to|be|become|grow|build|learn|improve)\b",
    r"\bsuccess (?:look|looks|would look)\b",
    r"\bwhat does good look like\b",
    r"\bwhere (?:do|would) you (?:want|like) to be\b",
    r"\bwhat do you want (?:from|out of)\b",
)
MEASURE = _rx(
    r"\b(?:measure|measurable|metric|kpi|track|evidence|benchmark)s?\b",
    r"\bhow (?:will|would|could) (?:you|we|they) (?:know|tell|see)\b",
    r"(?<!\d)\d+\s?%|\bpercent\b",  # a number starts once, not at each of its digits
)
TIMEFRAME = _rx(
    rf"\bby (?:{DAYS}|tomorrow|next \w+|the end of|end of|the next|q[1-4]|then|when|"
    r"(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december))\b",
    r"\bnext (?:week|month|sprint|quarter|cycle|review|one-to-one|1:1)\b",
    r"\bin (?:two|three|four|six|a few|\d+) (?:weeks|days|months)\b",
    r"\b(?:timeline|deadline|timeframe|by when|when will you|this (?:week|month|quarter))\b",
)
NEXT_STEP = _rx(
    r"\b(?:first|next) (?:step|move|thing)\b",
    r"\bstart (?:with|by)\b",
    r"\bwhat (?:will|are) you (?:going to )?(?:do|try)\b",
    r"\bcommit(?:ted|ting)? to\b",
    r"\baction(?:s| items?)?\b",
    r"\bgoing to (?:try|do|start|talk|ask|write|set)\b",
)
SUPPORT = _rx(
    r"\bwhat (?:do|would) you need from me\b",
    r"\bsupport\b",
    r"\bhelp from me\b",
    r"\bhow can i (?:help|support)\b",
    r"\bresources?\b",
    r"\bcheck[- ]in\b",
    r"\bfollow[- ]up\b",
    r"\bwhat would help\b",
    r"\bwho (?:else )?could help\b",
)
PROPOSAL = _rx(
    r"\bi (?:could|might|should|will|'ll|want to|'d like to|am going to|'m going to|plan to)\b",
    r"\bi'll\b",
    r"\bmaybe i\b",
    r"\bmy (?:plan|idea|goal)\b",
    r"\bwhat if i\b",
)
PLAN_PARTS = {
    "goal": GOAL,
    "measure": MEASURE,
    "timeframe": TIMEFRAME,
    "next_step": NEXT_STEP,
    "support": SUPPORT,
}


class FeedbackCode(BaseModel):
    """Feedback elements in one turn; `given` marks a feedback moment."""

    model_config = ConfigDict(frozen=True)

    given: bool = False
    moment: bool = False
    behaviour: bool = False
    impact: bool = False
    forward_question: bool = False

    def count(self) -> int:
        return sum([self.moment, self.behaviour, self.impact, self.forward_question])


class PlanCode(BaseModel):
    """Development-plan elements in one turn, and who proposed them."""

    model_config = ConfigDict(frozen=True)

    goal: bool = False
    measure: bool = False
    timeframe: bool = False
    next_step: bool = False
    support: bool = False
    asked: bool = False
    report_proposed: bool = False

    def parts(self) -> list[str]:
        return [name for name in PLAN_PARTS if getattr(self, name)]


def code_feedback(sentences: list[str], questions: list[str], judgement: bool) -> FeedbackCode:
    text = " ".join(sentences)
    moment = bool(MOMENT.search(text))
    behaviour = bool(BEHAVIOUR.search(text))
    impact = bool(IMPACT.search(text))
    forward = any(DIFFERENTLY.search(q) for q in questions)
    given = judgement or bool(EVALUATIVE.search(text)) or (behaviour and (moment or impact))
    if not given:
        return FeedbackCode()
    return FeedbackCode(
        given=True, moment=moment, behaviour=behaviour, impact=impact, forward_question=forward
    )


def code_plan(sentences: list[str], questions: list[str], previous: str | None) -> PlanCode:
    found = {name: any(rx.search(s) for s in sentences) for name, rx in PLAN_PARTS.items()}
    if not any(found.values()):
        return PlanCode()
    asked = any(rx.search(q) for q in questions for rx in PLAN_PARTS.values())
    proposed = bool(previous) and bool(PROPOSAL.search(previous or ""))
    return PlanCode(**found, asked=asked, report_proposed=proposed)
