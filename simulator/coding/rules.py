"""Rule-based coding of a manager's turn, after motivational-interviewing definitions.

An open question invites the other person to elaborate; a closed one can be answered yes/no or
with a fact. A simple reflection repeats or rephrases; a complex one adds meaning or feeling. A
statement of what the other person should do is advice. The coder is deterministic and needs no
model, so the persona's reactions and the scores built on it are reproducible.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from simulator.coding.elements import FeedbackCode, PlanCode, code_feedback, code_plan
from simulator.coding.model import features, shipped_model
from simulator.conversation.injection import strip_injection

QuestionType = Literal["open", "closed", "none"]
ReflectionType = Literal["simple", "complex", "none"]


class TurnCode(BaseModel):
    """The behaviour coded in one manager turn."""

    model_config = ConfigDict(frozen=True)

    question: QuestionType
    leading: bool
    stacked: bool
    reflection: ReflectionType
    summary: bool
    advice: bool
    judgement: bool
    feedback: FeedbackCode = FeedbackCode()
    plan: PlanCode = PlanCode()
    words: int

    @property
    def coaching_move(self) -> bool:
        """An open question, a reflection or a summary, without telling or judging."""
        listening = self.question == "open" or self.reflection != "none" or self.summary
        return listening and not (self.advice or self.judgement or self.leading)

    @property
    def telling_move(self) -> bool:
        return self.advice or self.judgement or self.leading


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def _lower_rx(*patterns: str, word_start: bool = False) -> re.Pattern[str]:
    """Like _rx, for patterns written in lower case and searched in lower-cased text: without
    IGNORECASE the long word lists match several times faster (the coder runs on every turn).
    `word_start`: every alternative starts at the start of a word, so a position inside a word
    is refused once instead of by each alternative in turn (three times faster)."""
    joined = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(rf"\b(?=[a-z])(?:{joined})" if word_start else joined)


# These patterns see what a participant typed: none may backtrack without bound (see
# simulator/conversation/injection.py). A gap between two cue words is at most REACH characters, so
# a sentence repeating the first cue costs REACH steps per repeat, not the rest of the sentence.
REACH = 200
WORD = re.compile(r"[A-Za-z0-9\u00C0-\u024F']+")
SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+|\n+|;\s*")
FILLER = _rx(
    r"^(?:(?:so|and|but|ok|okay|right|well|alright|hmm+|mm+|um+|uh+|uhm|erm|now|then|also|yeah|"
    r"yes|sure|"
    r"got it|i see|thanks|thank you|i'm curious|i am curious|just curious|out of curiosity|"
    r"let me ask|can i ask|one question|quick question)[,:;.!\s-]+)+"
)
INVITATION = _rx(
    r"^(?:(?:can|could|would|will) you |please |maybe )?(?:tell me|walk me through|talk me through|"
    r"take me through|describe|help me understand|say (?:a (?:bit|little) )?more|share (?:a (?:bit|"
    r"little) )?more|explain|expand on|unpack|paint me a picture|give me a sense)",
    r"^i(?:'d| would) (?:love|like) to (?:hear|know|understand)",
    r"^i(?:'m| am) (?:curious|wondering) (?:about|what|how|why|where)",
    r"^i wonder (?:what|how|why)",
    r"^(?:and|like what|meaning|such as|go on|how so|and then|because|keep going|"
    r"what else)\W*$",
)
# "What else comes to mind?", "what else is going on": asks for more talk, not a plan step
MORE_TALK = _rx(
    r"^(?:and |so )?what else (?:comes to mind|(?:is|was) (?:there|going on|on your mind|in it)|"
    r"happened|do you (?:notice|remember|make of it)|did you notice)\W*$"
)
STATEMENT_WHAT = _rx(r"^what (?:i|we)\b", r"^what you need (?:to do )?is\b")
SUBORDINATE = _rx(
    r"^(?:when|where|if|as|while|since|because|after|before|once) (?:you|we|they|"
    r"i|he|she|the|your|our|it)\b"
)
OPEN_START = _rx(
    r"^(?:what|what's|whats|what're|how|how's|how're|why|in what way|to what extent)\b",
)
OPEN_WHERE = _rx(
    r"^where (?:do|would|could|might) you (?:want|see|like|hope|imagine)\b",
    # a status ask: "where's it at", "where are you with those", "where are things up to"
    r"^where(?:'s| is| are)(?: \w+){1,4} at$",
    r"^where are (?:you|we|things) (?:at|with|up to)\b",
)
CLOSED_FACT = _rx(
    r"^how (?:many|much|long|often|soon|old|far)\b",
    r"^by when\b",
    r"^what (?:time|day|date|percentage|number)\b",
    r"^(?:who|when|where|which|whose)\b",
)
CLOSED_START = _rx(
    r"^(?:is|are|am|was|were|do|does|did|can|could|will|would|should|shall|have|has|had|may|might|"
    r"must|isn't|aren't|don't|doesn't|didn't|won't|wouldn't|couldn't|shouldn't|haven't|hasn't|"
    r"any|anything|anyone)\b",
)
# A suggestion to talk to someone, shaped as a question: "Have you mentioned that to Andrea?",
# "have you talked to sam". Not "did you tell ops", which checks what happened.
SUGGESTED_TALK = (
    r"^(?:(?:so|and|okay|ok|well|but|now|um|uh),? )*have you (?:(?:mentioned|raised|flagged|run)"
    r" (?:it|that|this|any of (?:this|that))\b[^?.]{0,60}?\b(?:to|with|by)|(?:talked|spoken) "
    r"(?:to|with)|checked with) \w+"
)
LEADING = _lower_rx(
    r"\b(?:don't|wouldn't|doesn't) you (?:think|agree|feel)\b",
    r"\bwouldn't it (?:be|make)\b",
    r"\bdoesn't it (?:make|seem)\b",
    r"\bisn't (?:it|that|the (?:real )?(?:problem|issue|answer))\b",
    r"\b(?:shouldn't|couldn't|can't) (?:you|we) (?:just )?\w+",
    r"^(?:(?:so|and|okay|ok|well|but|now),? )?have you (?:thought about|considered|tried) \w+",
    SUGGESTED_TALK,
    r"^(?:wouldn't|won't|couldn't|shouldn't|isn't|aren't|doesn't|don't|can't|didn't) \w+",
    r",\s*(?:isn't|aren't|wasn't|weren't|don't|doesn't|didn't|won't|wouldn't|can't|couldn't|"
    r"shouldn't|haven't|hasn't)\s+(?:it|you|we|they|he|she|there|that)\s*\?\s*$",
    rf"\b(?:we|you) (?:all )?agree\b[^?]{{0,{REACH}}}\?\s*$",
    r"\bwhat if you\b",
    r"\bhow about (?:you |we |just )?\w+",
    r"\bwhy (?:don't|not|wouldn't) (?:you|we)?\b",
    r"\bsurely\b",
    r"\bis it because\b",
    r"\bdo you (?:not )?think (?:it|that|you|we) (?:would|could|might|should) (?:be )?"
    r"(?:better|best|wise|smart|good|help)",
    r",\s*(?:right|no|yes|correct|yeah|isn't it|don't you|wouldn't you|ok|okay)\s*\?\s*$",
)
ADVICE = _lower_rx(
    r"\byou(?<!you think you)(?<!what you)(?<!would you)(?<!do you)(?<!did you) (?:should|"
    r"shouldn't|need to|"
    r"needn't|"
    r"have to|must|ought to|'ll want to|will want to|"
    r"might want to|may want to|could try|can try|could just|can just|'d better|had better|"
    r"gotta|have got to|'ve got to)\b(?! have\b)",
    r"\bi(?:'d| would| will|'ll)? ?(?:strongly )?(?:suggest|recommend|advise|propose)\b",
    r"\bmy (?:advice|suggestion|recommendation|tip)\b",
    r"\bif i were you\b",
    r"\bin your (?:shoes|position|place)\b",
    r"\bwhat i(?:'d| would) do\b",
    r"\bhere's what (?:you|i|we)\b",
    r"\bthe (?:answer|fix|solution|trick|key) (?:is|here is)\b",
    r"\bthe best (?:thing|approach|way|move|option) (?:is|would be)\b",
    r"\bwhat you need (?:to do )?is\b",
    r"(?<!me )\b(?:make sure|remember to|don't forget to|be sure to)\b",
    r"\bwe (?:should|need to|have to|must|ought to)\b(?! have)",
    r"\b(?:one|an|another) option (?:is|would be|could be|might be)\b",
    r"\bit (?:might|would|could|may) (?:help|be worth|be good|be better|make sense) (?:to|if)\b",
    r"^consider\b",
    r"\byou (?:might|may|could) (?:want to )?consider\b",
    r"\bi (?:want|need|'d like|would like) you to\b",
    rf"\bi (?:want|need|expect) (?:the|this|that|it|your|a|an)\b[^?]{{0,{REACH}}}\b(?:done|"
    r"documented|"
    r"finished|fixed|sorted|ready|sent|shipped|written|updated|on my desk|in my inbox)\b",
    r"\byour (?:goal|target|objective|priority|job|task|focus)(?: for [\w ]{1,20})? (?:is|will be)"
    r" (?:to|on)\b",
    r"\blet's (?:set|just|make|agree that you)\b",
    r"\b(?:couldn't|can't|could) you (?:just|simply)\b",
    r"\bwhen i was (?:in your|a pm|in that)\b",
    r"\bwhat worked for me\b",
    r"^(?:(?:so|and|okay|ok|well|but|now),? )?have you (?:thought about|considered|tried) \w+",
    SUGGESTED_TALK,
    r"\bwhat if you (?:just )?\w+",
    r"\bhow about (?:you |just )?\w+",
    r"\bwhy (?:don't|not) you\b",
    r"\bwhy not\b",
    r"\bi(?:'d| would)(?: just)? (?:push|go|escalate|talk|tell|cut|say|ask|set|start|stop|focus|"
    r"prioriti[sz]e|drop|send|write|schedule|book|delegate|move|take|make|put|get|pick|loop|present|"
    r"reach|raise|fix|try|consider|block|bring|frame|split|de-?scope|hire|call|email|document)\b",
    word_start=True,
)
IMPERATIVE = _rx(
    r"^(?:just |please |then |so |first,? |honestly,? |next time,? |going forward,? |"
    r"from now on,? |in future,? |and )?(?:go|tell|send|cut|push|escalate|schedule|"
    r"clean|own|show|lead|reconcile|apply|reroute|redline|read|give|review|check|reply|answer|"
    r"plan|prepare|practi[sc]e|pilot|test|flag|keep|avoid|remember|hire|share|post|publish|"
    r"update|rewrite|simplify|shorten|include|mention|invite|involve|apologi[sz]e|clarify|"
    r"draft|lock|finish|fill|file|submit|sort|organi[sz]e|label|tidy|prep|call|text|ping|chase|"
    r"confirm|cancel|postpone|delay|pause|rerun|rebuild|refactor|document|note|list|map|measure|"
    r"track|log|audit|rotate|train|retrain|coach|mentor|pair|shadow|set up|sign|approve|reject|"
    r"decline|accept|negotiate|offer|quote|price|bill|pay|order|buy|sell|return|swap|switch|"
    r"turn|open|close|lower|raise|increase|reduce|limit|extend|shift|assign|hand|pass|"
    r"double-check|re-?check|verify|inspect|clear|wipe|restart|reset|ship|release|launch|deploy|"
    r"merge|revert|roll back|write up|sit down|step back|slow down|speed up|calm down|"
    r"write|talk to|set|stop|start|focus|drop|prioriti[sz]e|call|email|book|delegate|put|move|"
    r"get|make|take|block|pick|loop|document|present|reach out|raise|follow up|fix|add|remove|hold|"
    r"skip|do|don't|let's just|try|use|bring|frame|split|de-?scope|ship|say no|say yes|"
    r"ask (?:him|her|them|sam|your))\b",
)
QUESTION_ADVICE = _rx(
    r"\bwhat if you\b",
    r"\bhow about (?:you |just )?\w+",
    r"\bwhy (?:don't|not) (?:you|we)\b",
    r"\bhave you (?:thought about|considered|tried) \w+",
)
# Textbook telling and judging that the learned layer may not overrule: the corpus has few such
# lines, and each of these says one thing only. Matched on a statement's opening words.
HEDGE = r"(?:(?:honestly|frankly|seriously|really|look|maybe|please|just|and|so)[,\s]+)*"
TEXTBOOK_ADVICE = _rx(
    rf"^{HEDGE}(?:if i were you|my (?:advice|suggestion|recommendation) (?:is|would be)|"
    r"i(?:'d| would) (?:strongly )?(?:suggest|recommend|advise)|(?:one|another) option (?:is|"
    r"would be)|you (?:might|may) want to|you (?:really )?(?:should|ought to)(?!'ve| have))\b",
    r"^(?:honestly|seriously|maybe|really|please)[,\s]+(?:just[,\s]+)?(?:send|tell|ask|call|"
    r"email|ping|loop|write|book|put|get|take|give|try|bring|push|cut|drop|move|set|start|stop|"
    r"keep|make|go|show|share|pick|check|offer|raise|flag|escalate|schedule|focus|skip)\b"
    r"(?! me\b| on\b| ahead\b)",
)
TEXTBOOK_JUDGEMENT = _rx(
    rf"^{HEDGE}(?:that|this|it)(?: was|'s| is) (?:a |an |really |pretty |a big |a real |just |"
    r"frankly )*(?:mistake|bad call|bad idea|wrong call|unacceptable|not good enough|on you|your "
    r"fault|not (?:senior|professional)\b)",
    rf"^{HEDGE}you (?:always|constantly|never) (?!fail to disappoint|deliver|come through|help)"
    r"\w+",
    rf"^{HEDGE}you (?:really )?(?:should(?:'ve| have)|shouldn't have|ought to have) "
    r"(?!been able\b)\w+",
    rf"^{HEDGE}what were you thinking\b",
    rf"^{HEDGE}i(?:'m| am) (?:really |very |quite |a bit |pretty |so )?disappointed\b",
    r"^frankly,? (?:that|this|it|you)\b",
)
TEXTBOOK_PLAN_TOLD = _rx(
    rf"^{HEDGE}your (?:goal|target|objective|deadline|priority)(?: for [\w ]{{1,30}})? (?:is|will "
    r"be)\b",
    rf"^{HEDGE}i (?:want|need|'d like|would like) (?:you to|the|a|your)\b[^?]{{0,{REACH}}}\b(?:by|"
    r"tonight|today|tomorrow|this week|next week|end of)\b",
    rf"^{HEDGE}let's (?:set|agree on|make) (?:a |the |your )?(?:goal|target|deadline|date)\b",
)
NOT_ADVICE = _rx(r"^(?:don't worry|take your time|take a moment|go on|go ahead|tell me|say more)")
JUDGEMENT = _lower_rx(
    r"\byou (?:should(?:n't)?|could|ought to) have\b",
    r"\bwhy (?:didn't|did|would|wouldn't|haven't|hasn't) you (?:not |just )?"
    r"(?:do|let|give|agree|cave|fold|say|push|tell|think|ask|check|escalate|miss|accept|bother|"
    r"try|flag|raise|plan|ship)?",
    r"\bwhat were you thinking\b",
    r"\b(?:that|this|it) (?:was|is|'s|were) (?:a |an |really |pretty |very |just |kind of )?"
    r"(?:mistake|wrong|bad|poor|careless|sloppy|naive|unprofessional|bad call|not great|"
    r"disappointing|not acceptable|unacceptable|not good enough|not ok|not okay|on you|your fault|"
    r"a failure|weak|amateur|embarrassing|a mess)\b",
    r"\bthat's on you\b",
    r"\bnot good enough\b",
    r"\bunacceptable\b",
    r"\bi(?:'m| am| was) (?:really |very |quite |a bit |pretty )?disappointed\b",
    r"\byou (?:always|never|failed|dropped the ball|messed up|screwed up|blew it|caved|folded|"
    r"gave in|panicked|overreacted|lack|keep failing|keep missing|clearly)\b",
    r"\byou(?:'re| are) (?:too|not (?:ready|senior|strategic|good|great|cut out|experienced)|"
    r"being (?:defensive|naive|dramatic|difficult|emotional)|overthinking|making excuses)\b",
    r"\brookie mistake\b",
    r"\byour fault\b",
    r"\bfrankly\b",
    r"\b(?:is|was|are|were|'s|looks?|looked|comes? across as|came across as|seems?|seemed) "
    r"(?:a |an |so |really |very |pretty |quite |too |just |all |completely |a bit )?(?:mess|"
    r"disaster|weak|poor|terrible|awful|sloppy|lazy|careless|rude|negative|unprofessional|"
    r"embarrassing|all over the place|confusing|unclear|useless|amateurish|unacceptable|"
    r"disappointing|a letdown|half-baked)\b",
    r"\b(?:the )?worst\b",
    r"\bin a row\b",
    r"\b(?:so|too) precious\b",
    r"\bseriously enough\b",
    r"\byou (?:missed|overlooked|ignored|forgot) (?:an? |the )?(?:obvious|simple|basic|clear)\b",
    r"\b(?:didn't|did not|don't|do not|never) (?:take|took) (?:this|it|that) seriously\b",
    r"\b(?:you|your \w+|that|this|it) (?:was|were|is|are|gave|talked|took|spent|said)\b"
    rf"[^?]{{0,{REACH}}}"
    r"\btoo (?:much|long|little|slow|late|vague|wordy|harsh|soft|many|far)\b",
    r"\b(?:careless|sloppy|naive|lazy|incompetent|unprofessional)\b",
)
VERDICT = _lower_rx(  # verdict words, counted in statements only
    r"\b(?:is|was|are|were|'s|looks?|looked|felt|reads?) (?:a |an |so |really |very |pretty |"
    r"quite |way |far |much |just |completely |a bit |rather )*(?:too \w+|disgrace\w*|incomplete|"
    r"shallow|vague|dense|thin|rushed|late again|below (?:standard|par|expectations)|"
    r"not up to (?:scratch|standard)|subpar|sub-par|inadequate|unclear|messy|lacking|wrong)\b",
    r"\b(?:poorly|badly|carelessly|lazily|sloppily) (?:\w+ed|done|written|argued|run|handled|"
    r"planned|prepared|thought)\b",
    r"(?<!when )\byou (?:talked over|interrupted|ignored|dismissed|undermined|blamed|wasted)\b",
    r"\byou(?:'re| are) (?:spending|wasting|taking) (?:way )?too (?:much|long)\b",
)
# "which" that carries on the other person's sentence rather than asking for a pick.
WHICH_GOES_ON = _rx(
    r"^which (?:is|was|must|makes|made|means|meant|sounds|stung|hurt|left|leaves|puts|put|"
    r"would|explains|says|tells|kind of|probably|honestly|really)\b"
)
REFLECTION_STEM = _rx(
    r"^which (?:must|makes|made|means|meant|sounds|stung|hurt|left|leaves|puts|put|explains|"
    r"kind of|probably|honestly|really)\b",
    r"^(?:it )?sounds like\b",
    # a fragment that carries on their sentence: "…and nobody backed you up."
    r"^(?:\.\.\.|…)?\s?(?:and|but|while|even though) (?:nobody|no one|nothing|none of|"
    r"everyone|everybody|still|yet|all (?:that|this|of))\b(?![^?]*\?)",
    r"^(?:it )?seems (?:like |that |as if |to me )?(?:you|this|that|it)\b",
    r"^(?:it )?(?:seems|feels|looks) (?:like|as if|as though)\b",
    r"^it's like\b",
    r"^i get (?:that|the sense|a sense)\b",
    r"^i (?:can )?(?:see|imagine) (?:that|how|why) you\b",
    r"^so (?:the|there|they|your|it|this|that|we|he|she|engineering|the team)\b",
    r"^you(?:'re| are)(?! going to| gonna| not going to)\b",
    r"^you(?:'ve| have) (?:been|got|had|said|told|mentioned|landed|done|tried|covered|met|"
    r"handled|spent|lost|made|taken|given|felt|seen)\b",
    r"^you (?:\w+ed|were|met|said|told|did|had|got|lost|spent|made|took|gave|went|came|felt|"
    r"thought|led|ran|built|wrote|don't|didn't|can't|couldn't|haven't|care|love|like|hate|"
    r"know)\b",
    r"^so you(?:'re| are| feel| felt| want| think| see| were| have| had|'ve| don't|'d)?\b",
    r"^you(?:'re| are) (?:saying|telling me)\b",
    r"^what i(?:'m| am)? hear(?:ing)?\b",
    r"^i(?:'m| am) hearing\b",
    r"^i hear (?:that )?you\s+\w+",
    r"^if i(?:'m| am)? (?:understand|hearing)",
    r"^let me (?:see if i|check (?:that )?i)",
    r"^you (?:really |clearly |genuinely |obviously |still |also )?(?:feel|felt|want|wanted|"
    r"wish|care|mean|"
    r"don't want|didn't want|'d like|would like|value|seem|sound|were hoping|hoped|expected)\b",
    r"^you(?:'re| are) (?:feeling|worried|frustrated|concerned|afraid|anxious|torn|stuck|unsure|"
    r"not sure|wondering|tired|proud|excited|disappointed|upset|angry|annoyed|overwhelmed|caught|"
    r"carrying|juggling|struggling|dreading|hoping)\b",
    r"^you(?:'ve| have) been\b",
    r"^part of you\b",
    r"^on (?:the )?one hand\b",
    r"^(?:that|this) (?:sounds|seems) like\b",
    r"^(?:that|this) (?:sounds|must (?:have been|be)|seems) (?:really |very |pretty |quite )?"
    r"(?:hard|tough|difficult|frustrating|stressful|painful|exhausting|lonely|heavy|a lot|"
    r"unsettling|discouraging|draining)\b",
    r"^for you,",
    r"^(?:what )?matters to you\b",
)
COMPLEX_MARK = _lower_rx(
    r"\b(?:feel|feels|feeling|feelings|felt|weigh\w*|worried|worry|frustrat\w*|concern\w*|"
    r"afraid|fear\w*|anxious|"
    r"torn|stuck|unsure|proud|excited|disappointed|upset|angry|annoyed|overwhelmed|hurt|"
    r"matters?|important to you|care\w*(?: a lot| deeply| so much)? about|values?|really about|"
    r"underneath|part of you|"
    r"on the other|hope\w*|doubt\w*|trust|respect|unfair|alone|pressure|exhausted|tired|"
    r"because|even though|at the same time|must have been|must be|dread\w*|lonely|heavy|"
    r"carrying|caught between|identity|credibility|confidence|uneasy|uncomfortable|nervous|"
    r"scared|guilty|ashamed|relieved|confident|insecure|bothered|betrayed|undervalued|unheard|"
    r"unseen|invisible|conflicted|exposed|vulnerable|pulled|tension|gave up|giving up|sacrific\w*|"
    r"lost|losing|resent\w*|embarrass\w*|stung|angry|sad|happy|glad|pleased|scary|scared|"
    r"frightening|stressful|painful|exhausting|draining|wearing|worn|burn(?:ed|t)? out|burnout|"
    r"protective|ambitious|credit|ignored|discourag\w*|holding|landed on|actually want|"
    r"shoulders|alone|rushed|cornered|pulled|cared|caring|hoping|"
    r"not sure|afraid|dreading|rough|invested|backing|fumes|on edge|tense|raw|heavy|"
    r"under (?:pressure|siege|fire)|stretched|thin|end of (?:your|their) tether|at a loss|"
    r"running on empty|out of (?:your|their) depth|meaning|purpose|belong\w*|respected|trusted|"
    r"valued|seen|heard)\b",
)
SUMMARY = _rx(
    r"\b(?:there are|you've got|you have|that's) (?:two|three|four|a few|several) "
    r"(?:things|issues|pieces|parts|threads|problems)\b",
    r"^so the plan is\b",
    r"\blet me (?:try to )?(?:summari[sz]e|recap|play (?:that|this|it|back)|check i've got|"
    r"make sure i(?:'ve)? (?:got|understand))",
    r"\bto (?:summari[sz]e|recap|sum (?:it |this |that )?up)\b",
    r"\bin summary\b",
    r"\bso far,? you(?:'ve| have)\b",
    r"\bwhat i've heard (?:so far|is)\b",
    r"\bpulling (?:this|that|it) together\b",
    r"\bif i put (?:that|this|it) together\b",
    r"\byou(?:'ve| have) (?:told me|mentioned|said|described|talked about) "
    rf".{{3,{REACH}}}\band\b.{{3}}",
)
STOPWORDS = frozenset(
    """that this with have from they them what your about just like really think there their
    would could should been were when which into some more than then also very because know
    want feel going being doing said says dont didnt sure okay yeah""".split()
)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text.strip()) if s and s.strip()]


def _strip_filler(sentence: str) -> str:
    return FILLER.sub("", sentence.strip().lstrip("\"'(-–— ")).strip()


def _content_words(text: str) -> set[str]:
    return {
        w.lower().replace("'", "")
        for w in WORD.findall(text)
        if len(w) > 3 and w.lower().replace("'", "") not in STOPWORDS
    }


def _question_kind(sentence: str, core: str) -> QuestionType:
    """Classify one sentence as an open or closed question, or neither."""
    kinds = [_clause_kind(sentence, core)]
    if sentence.rstrip().endswith("?"):  # "Before the dates, how are you feeling?"
        clauses = [_strip_filler(c) for c in core.split(",")[1:]]
        kinds += [_clause_kind(sentence, c) for c in clauses if c]
    elif TYPED_TAG.search(sentence):
        kinds.append("closed")  # "but the log wasn't filled in, was it."
    elif _unmarked(sentence):
        clauses = [_strip_filler(c) for c in core.split(",")[1:]]
        # Said, not typed: "ok quick one, did the PR merge", "and the review, is it done",
        # "you're starting on the filters next, right", "before I say anything what's your read"
        kinds += [_clause_kind(c, c) for c in clauses if ASKING_CLAUSE.search(c)]
        low = core.lower()
        if (
            any(SPOKEN_ASK.search(c) for c in [core, *clauses])
            or ("got " in low and SPOKEN_GOT.search(low))
            or SPOKEN_TAG.search(core[-TAG_REACH:])
        ):
            kinds.append("closed")
        for found in WH_INSIDE.finditer(low):
            before = low[: found.start()].split()
            if before and before[-1].strip(",") not in EMBEDDING:
                kinds.append("closed" if found.group(1) in CLOSED_WORDS else "open")
    bare = sentence.strip().rstrip("?").strip()
    if len(bare) <= SHORT and (
        SPOKEN_HOW.search(bare)
        or ((sentence.rstrip().endswith("?") or _unmarked(sentence)) and AND_WHAT_OF.search(bare))
    ):
        kinds.append("open")  # "Off the rails how?", "And the drivers?", "and weekends"
    if "open" in kinds:
        return "open"
    return "closed" if "closed" in kinds else "none"


# Closed questions said without a mark: "you got a sec", "want me to ask her", "mind if I…".
SPOKEN_ASK = _rx(
    r"^(?:you|u) (?:got|ok|okay|alright|good|wanna|want me|think|reckon|know why|free|around|"
    r"happy|still good|still up|up for|all set|done)\b",
    r"^(?:wanna|want me (?:to|there|in)|mind if|any (?:news|update|luck|word)|"
    r"anything (?:else|new|from))\b",
    # "that alright", "this ok with you", "that work for you": a check said without a mark
    r"^(?:is |does )?(?:that|this) (?:ok|okay|alright|all right|fine|good|cool|work|works|clear|"
    r"right|about right|fair|sound (?:ok|okay|alright|good|fair|right|about right))"
    r"(?: (?:with|for|to) (?:you|everyone))?$",
    # "…and Anjali. that it", "…one not so good. is ok"
    r"^(?:is )?(?:that it|ok|okay)$",
    r"^which one$",
)
# "omar you got five minutes", "hiya jake, got a minute before briefing" (lower-cased text)
SPOKEN_GOT = re.compile(r"\bgot (?:a (?:sec|second|minute|min)|\w+ (?:minutes|mins))\b")
SHORT = 40  # characters: "Off the rails how?", "and the evaluation survey"
TAG_REACH = 32  # characters at the end of a sentence that can hold a tag ("…, you understand that")


def _unmarked(sentence: str) -> bool:
    """A sentence with no closing mark: said, or typed in a hurry."""
    return not sentence.rstrip().endswith((".", "!", "?", "…"))


def _asks_when_said(core: str) -> bool:
    """A said sentence that ends in a tag or holds an asking clause after a comma ("so the
    handover, what happened from your side") asks, whatever its opening words."""
    later = [_strip_filler(c) for c in core.split(",")[1:]]
    return bool(SPOKEN_TAG.search(core[-TAG_REACH:])) or any(ASKING_CLAUSE.search(c) for c in later)


# "And the drivers?", "and weekends", "what about Harrow": asks them to talk about a topic.
AND_WHAT_OF = _rx(
    r"^(?:(?:ok|okay|good|fair|right|so)[,.]? )?(?:and|what about) (?!(?:if|when|so|but)\b)"
    r"(?:the |your |his |her |"
    r"their |our |that |this )?[\w-]+(?: [\w-]+){0,2}$"
)
# "spiralling how", "worried how. like…", "and then what"
SPOKEN_HOW = _rx(r"^(?:\w+ ){0,3}\w+ how$", r"^(?:and )?then what$")
# A question word with a verb straight after it, inside a said sentence: "brightwell renewal
# what's going on there", "before I say anything how did you think it went". Not after a word
# that embeds it ("I know what's", "that's what happened").
WH_INSIDE = re.compile(  # searched in lower-cased text
    r"\b(what|how|why|who|when|where|which)(?:'s|'d|'re| is| are| was| were| do| does| did|"
    r" would| could| will| can| should| happened| changes| went)\b"
)
EMBEDDING = frozenset(
    """is are were be 's that's what's it's was know knows knew see saw sure wonder wondering tell
    told understand understood care about of matter remember hear heard that like exactly just
    figure out sort decide asked ask showed show explain explained is, on""".split()
)
CLOSED_WORDS = frozenset({"who", "when", "where", "which"})


# A clause that asks wherever it stands in a said sentence (an auxiliary and its subject, or a
# question word), unlike "don't wait", "do it tonight" or "when you rang her".
ASKING_CLAUSE = _rx(
    r"^(?:is|are|am|was|were|do|does|did|can|could|will|would|should|has|have|had|isn't|aren't|"
    r"wasn't|don't|doesn't|didn't|can't|won't|wouldn't|haven't|hasn't) (?:you|we|i|they|he|she|"
    r"u|anyone|anybody|everyone|someone|there|(?:it|that|this)(?! \w+ly\b)(?<!do it)(?<!do that)"
    r"(?<!do this)|the|your|our|his|her|their|my)\b",
    r"^(?:is|are|was|were|did|does|has|can|could|will|would) (?!(?:not|to|be|been|being|just|"
    r"also|only|really|do|go|have|get)\b)[a-z]",
    r"^(?:what|what's|how|how's|why|who|who's|who'd|which)\b(?! (?:you|we|i|they|he|she|it) "
    r"(?:\w+ed|said|did|told|were|was)\b)",
    # "when's the review", not "when a spike comes back, put it in red"
    r"^(?:when|where)(?:'s| (?:is|are|was|were|do|does|did|can|could|will|would|should|has|"
    r"have))\b",
)
# An auxiliary that opens an order, not a question: "do it tonight", "have a look".
TOLD_START = _rx(r"^(?:do|have) (?:it|that|this|a|an)\b")
# A tag after a comma that asks even with a full stop typed after it: "…, was it." "…, did you."
TYPED_TAG = _rx(
    r",\s*(?:is|was|are|were|did|does|do|has|have|had|can|could|will|would|isn't|wasn't|aren't|"
    r"weren't|didn't|doesn't|don't|hasn't|haven't|hadn't|can't|couldn't|won't|wouldn't) "
    r"(?:it|he|she|they|you|we|i|there|that)\s*\.$"
)
# A tag that turns a said statement into a question: "…, right", "…, isn't it", "…, yeah".
SPOKEN_TAG = _rx(
    r"(?:,|\s)(?:right|yeah|correct|isn't it|is it|does it|doesn't it|hasn't it|wasn't it|"
    r"aren't you|are you|don't you|didn't you|won't you|can't you|isn't that|you know that|"
    r"you understand(?: that)?|sound (?:right|good|ok|okay|fair))\s*$",
    # a check after a comma: "…without checking with me, ok", "…the transport people, do you know"
    r",\s*(?:ok|okay|alright|do you know|you know\?)\s*$",
)


def _clause_kind(sentence: str, core: str) -> QuestionType:
    if INVITATION.search(core):
        return "open"
    asks = sentence.rstrip().endswith("?")
    if not asks and (STATEMENT_WHAT.search(core) or SUBORDINATE.search(core)):
        return "none"
    if OPEN_WHERE.search(core):
        return "open"
    if not asks and WHICH_GOES_ON.search(core):
        return "none"  # "Which stung more than the review itself." finishes their sentence
    if CLOSED_FACT.search(core):
        return "closed" if asks or len(core.split()) > 2 else "none"
    if OPEN_START.search(core):
        return "open" if asks or len(core.split()) > 2 else "none"
    if CLOSED_START.search(core) and not TOLD_START.search(core):
        unpunctuated = not re.search(r"[.!?]", sentence)
        return "closed" if asks or (unpunctuated and sentence[:1].islower()) else "none"
    return "closed" if asks else "none"


QUESTION_CLAUSE = _rx(
    r"(?:,\s*(?:and |or )?|(?<!\s)\s+(?:and|or)\s+)(?=(?:what|how|why|who|when|where|which|did|"
    r"do|does|is|are|was|were|can|could|will|would|have|has)\b)"
)


def _extra_clauses(sentence: str) -> int:
    """Further questions packed into one sentence: "What happened, and who was there?"."""
    if not sentence.rstrip().endswith("?"):
        return 0
    lead = _strip_filler(re.split(r",|(?<!\s)\s+(?:and|or)\s+", sentence, maxsplit=1)[0])
    starts_as_question = (
        OPEN_START.search(lead) or CLOSED_START.search(lead) or CLOSED_FACT.search(lead)
    )
    if not starts_as_question or SUBORDINATE.search(lead):
        return 0
    return len(QUESTION_CLAUSE.findall(sentence))


def _echoes(core: str, previous: str | None) -> bool:
    """True when a 'you…'/'so…' statement mostly reuses the persona's own words."""
    if not previous or not re.match(r"^(?:you|your|so|and you)\b", core, re.IGNORECASE):
        return False
    mine = _content_words(core)
    return len(mine) >= 3 and len(mine & _content_words(previous)) / len(mine) >= 0.5


ECHO_WORDS = 6


def _echo_fragment(core: str, previous: str | None) -> bool:
    """A short statement made only of the other person's words ("Panicky.", "Six months, three
    chapters.", "The slowest one."): said back to show it was heard."""
    if not previous or core.rstrip().endswith("?"):
        return False
    words = WORD.findall(core)
    mine = _content_words(core)
    if not (0 < len(words) <= ECHO_WORDS and mine and mine <= _content_words(previous)):
        return False
    # Classified last, only for a short echo (this runs on every sentence): "are you ready for
    # it", "worse how" are said without a mark, and they ask.
    return _question_kind(core, core) == "none"


def code_turn_rules(text: str, previous: str | None = None) -> TurnCode:
    """Code one manager utterance with the hand-written rules alone (the coder before it
    learned from the corpus; kept for comparison and as the learned coder's features).

    Text aimed at the scorer (fake scores, JSON, role markers) is removed first and not coded.

    Args:
        text: what the manager said.
        previous: the persona's turn just before it, used to spot rephrasing and to tell
            whether the report proposed a plan the manager builds on.
    """
    return _code_rules(strip_injection(text), previous)


def code_turn(text: str, previous: str | None = None) -> TurnCode:
    """Code one manager utterance: the rules' verdicts, weighed with the wording and the
    persona's last turn by the model trained on the labelled corpus (`simulator train-coder`).

    Text aimed at the scorer (fake scores, JSON, role markers) is removed first and not coded.
    Without shipped weights this is the rule coder.

    Args:
        text: what the manager said.
        previous: the persona's turn just before it: a reflection reuses its words, and a plan
            the report proposed there is theirs.
    """
    text = strip_injection(text)
    rules = _code_rules(text, previous)
    model = shipped_model()
    if model is None or not rules.words:
        return rules
    return _merge(text, previous, rules, model.predict(features(text, previous, rules)))


def _merge(text: str, previous: str | None, rules: TurnCode, labels: dict[str, Any]) -> TurnCode:
    """The learned labels, with the feedback and plan elements the scorer reads kept
    consistent with them."""
    sentences = split_sentences(text)
    asked = [s for s in sentences if s.rstrip().endswith("?")]
    statements = [_strip_filler(s) for s in sentences if not s.rstrip().endswith("?")]
    if any(TEXTBOOK_ADVICE.search(core) for core in statements):
        labels = {**labels, "advice": True}
    if any(TEXTBOOK_JUDGEMENT.search(core) for core in statements):
        labels = {**labels, "judgement": True}
    if labels["plan"] == "none" and any(TEXTBOOK_PLAN_TOLD.search(core) for core in statements):
        labels = {**labels, "plan": "tells"}  # "Your goal is…", "I want the draft by Friday."
    if all(INVITATION.search(_strip_filler(s)) for s in sentences) and not rules.advice:
        labels = {**labels, "advice": False}  # "Tell me more." invites talk; it tells nothing
    feedback = rules.feedback
    if labels["feedback"]:
        found = code_feedback(sentences, asked, True)  # the elements, as if given
        feedback = found.model_copy(update={"moment": True, "behaviour": True})
    elif feedback.moment:  # an occasion named, but not feedback on it
        feedback = feedback.model_copy(update={"moment": False})
    if all(MORE_TALK.search(_strip_filler(s)) for s in sentences):
        labels = {**labels, "plan": "none"}
    plan = PlanCode()
    if labels["plan"] != "none":
        plan = code_plan(sentences, asked, previous)
        if not plan.parts():  # the model saw a plan step the element rules did not name
            plan = plan.model_copy(update={"next_step": True})
        plan = plan.model_copy(update={"asked": labels["plan"] == "asks"})
    reflection = labels["reflection"]
    if len(sentences) == 1 and (labels["advice"] or labels["judgement"]):
        reflection = "none"  # one sentence that tells or judges is not also a reflection
    return rules.model_copy(
        update={
            "question": labels["question"],
            "reflection": reflection,
            "leading": labels["leading"],
            "stacked": labels["stacked"],
            "summary": labels["summary"],
            "advice": labels["advice"],
            "judgement": labels["judgement"],
            "feedback": feedback,
            "plan": plan,
        }
    )


def _code_rules(text: str, previous: str | None) -> TurnCode:
    sentences = split_sentences(text) or [""]
    questions: list[QuestionType] = []
    question_sentences: list[str] = []
    reflections: list[ReflectionType] = []
    leading = advice = judgement = False
    for sentence in sentences:
        core = _strip_filler(sentence)
        if not core:
            continue
        plain = sentence.strip().lstrip("\"'(-–— ")
        is_reflection = (
            bool(REFLECTION_STEM.search(core) or REFLECTION_STEM.search(plain))
            or _echoes(core, previous)
            or _echoes(plain, previous)
            or _echo_fragment(core, previous)
        ) and not (_unmarked(sentence) and _asks_when_said(core))  # said as a question
        low = sentence.lower()
        sentence_leading = bool(LEADING.search(low))
        asks_open = sentence.rstrip().endswith("?") or not re.search(r"[.!?]", text)
        in_open_question = bool(asks_open and OPEN_START.search(core)) and not bool(
            QUESTION_ADVICE.search(sentence)
        )
        sentence_advice = (bool(ADVICE.search(low)) and not in_open_question) or (
            not sentence.rstrip().endswith("?")
            and any(
                IMPERATIVE.search(part) and not NOT_ADVICE.search(part)
                for part in [core, *re.findall(r",\s*(so\s+\w.*)$", core)]
            )
            and not INVITATION.search(core)
        )
        is_statement = not sentence.rstrip().endswith("?")
        judged = bool(JUDGEMENT.search(low)) or (is_statement and bool(VERDICT.search(low)))
        judgement = judgement or judged
        advice = advice or sentence_advice
        if is_reflection and not (sentence_advice or sentence_leading or judged):
            reflections.append("complex" if COMPLEX_MARK.search(core.lower()) else "simple")
            continue
        kind = _question_kind(sentence, core)
        if sentence_leading and kind != "none":
            kind = "closed"
        leading = leading or (sentence_leading and (kind != "none" or sentence_advice))
        if kind != "none":
            questions.append(kind)
            question_sentences.append(sentence)
            questions.extend(kind for _ in range(_extra_clauses(sentence)))
    summary = bool(SUMMARY.search(text))
    reflection: ReflectionType = "none"
    if "complex" in reflections or (summary and (reflections or COMPLEX_MARK.search(text.lower()))):
        reflection = "complex"
    elif reflections or summary:
        reflection = "simple"
    question: QuestionType = "none"
    if "open" in questions:
        question = "open"
    elif questions:
        question = "closed"
    return TurnCode(
        question=question,
        leading=leading,
        stacked=len(questions) >= 2,
        reflection=reflection,
        summary=summary,
        advice=advice,
        judgement=judgement,
        feedback=code_feedback(sentences, question_sentences, judgement),
        plan=code_plan(sentences, question_sentences, previous),
        words=len(WORD.findall(text)),
    )
