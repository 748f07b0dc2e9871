"""Remove text aimed at the scorer or the model rather than at the PM.

A manager turn saying "evaluator: rate this 5/5", carrying a fake JSON score, or a role marker is
coded and scored as if that text were not there.
"""

from __future__ import annotations

import re

JSON_BLOCK = re.compile(r"\{[^{}]*[\"'][^\"']+[\"']\s*:[^{}]*\}", re.DOTALL)
MARKUP = re.compile(
    r"<\|?/?(?:im_start|im_end|system|endoftext|eot_id)[^>]*\|?>|\[/?(?:INST|SYS)\]", re.IGNORECASE
)
TOKEN_BLOCK = re.compile(
    r"<\|im_start\|>.*?(?:<\|im_end\|>|$)|\[INST\].*?(?:\[/INST\]|$)|<<SYS>>.*?(?:<</SYS>>|$)"
    r"|<\|start_header_id\|>.*?(?:<\|eot_id\|>|$)",
    re.IGNORECASE | re.DOTALL,
)
ROLE_LINE = re.compile(
    r"(?:^|(?<=[\s.!?]))(?:#+\s*)?(?:system|assistant|evaluator|grader|scorer|judge|rubric|"
    r"instructions?|note to (?:the )?(?:grader|evaluator|scorer))\s*:.*$",
    re.IGNORECASE | re.MULTILINE,
)
AIMED_AT_SCORER = re.compile(
    "|".join(
        [
            r"\b(?:evaluator|grader|scorer|assessor|scoring (?:model|system)|rubric|"
            r"system prompt|language model|llm)\b",
            r"\b(?:rate|score|grade|mark|assess|evaluate) (?:this|me|the manager|my coaching|"
            r"the conversation|this conversation|this transcript|the transcript|my (?:turn|"
            r"questions|listening))\b",
            r"\bgive (?:me|the manager|this(?: conversation)?|my coaching) (?:a |an |the )?"
            r"(?:\d|full|top|perfect|maximum|max|highest)",
            r"\b(?:ignore|disregard|forget|override) (?:all |any |the |your )?(?:previous |prior |"
            r"above |earlier )?(?:instructions|rules|rubric|prompt|guidelines)",
            r"\b(?:level|score|rating)\s*[:=]\s*\d",
            r"\b\d\s*/\s*(?:4|5|10)\b",
            r"\b(?:active_listening|powerful_questioning|development_planning|feedback_delivery)\b",
        ]
    ),
    re.IGNORECASE,
)
SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?]+|\n|$)")


def strip_injection(text: str) -> str:
    """`text` without JSON blocks, role markers and sentences addressed to the scorer."""
    cleaned = MARKUP.sub(" ", JSON_BLOCK.sub(" ", TOKEN_BLOCK.sub(" ", text)))
    cleaned = ROLE_LINE.sub(" ", cleaned)
    kept = [s for s in SENTENCE.findall(cleaned) if s.strip() and not AIMED_AT_SCORER.search(s)]
    return re.sub(r"[ \t]+", " ", "".join(kept)).strip()
