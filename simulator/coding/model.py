"""The learned part of the behaviour coder: features of a manager turn and a small linear model.

People code a turn from its wording, its opening words once the fillers are gone, its
punctuation, and what it does with the other person's last turn (a reflection reuses their
words). The features below say the same things, plus the rule coder's verdicts, and a logistic
regression per field (trained by `simulator train-coder` from the labelled corpus) weighs them.
Inference looks each feature up in the model's vocabulary and sums its weights with numpy, so it
needs no scikit-learn and no network.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.coding.elements import said_feedback
from simulator.errors import InputError
from simulator.storage.paths import CORPUS_DIR

if TYPE_CHECKING:
    from simulator.coding.rules import TurnCode

WEIGHTS_FILE = CORPUS_DIR / "coder-weights.json"
# Each field and its classes; a field with two classes is a yes/no field read by a sigmoid.
FIELDS: dict[str, tuple[Any, ...]] = {
    "question": ("none", "open", "closed"),
    "reflection": ("none", "simple", "complex"),
    "plan": ("none", "asks", "tells"),
    "advice": (False, True),
    "leading": (False, True),
    "stacked": (False, True),
    "judgement": (False, True),
    "summary": (False, True),
    "feedback": (False, True),
}
FILLERS = frozenset(
    """uh um uhm erm er ah hmm mm mhm so and but okay ok right well yeah yes yep like alright
    now oh look listen anyway sure actually just""".split()
)
FILLER_PAIRS = frozenset({("you", "know"), ("i", "mean"), ("i", "guess"), ("kind", "of")})
STOPWORDS = frozenset(
    """the a an and or but so to of in on at for with from by it is was are were be been this that
    these those i you we they he she me my your our their his her them us its as if then than
    just like really very do did does done have has had not no yes yeah okay ok um uh what how
    why when where which who would could should will can about there here into out up""".split()
)

# Sounds that carry no words: dropped anywhere in a turn, so spoken and written wording share
# features ("so uh have you" reads as "so have you").
HESITATIONS = frozenset("uh um uhm erm er ah hmm mm mhm eh".split())
# Softeners before an imperative: "honestly, just send him…", "maybe try…".
HEDGES = frozenset(
    "honestly maybe perhaps just probably seriously definitely please then first also really "
    "personally".split()
)
SUBJECTS = frozenset("you we i they he she it u ya everyone".split())
# Verbs that, opening a clause with no subject, tell someone what to do.
IMPERATIVES = frozenset(
    """send tell ask talk call email ping loop write book put get take give try bring push cut
    drop move set start stop keep make go show share use pick check offer raise flag escalate
    schedule focus do build say run let block draft prep prepare plan test pilot post reply
    answer update add remove skip hold lead own read review follow reach invite involve mention
    sit document note list track log chase confirm cancel split frame present delegate
    hire swap switch lock finish fill file submit sort leave wait think consider look treat
    pull""".split()
)
INVITES = frozenset("me more on going".split())  # "tell me", "say more", "go on", "keep going"
SUGGEST_VERBS = frozenset(
    """tried considered thought talked spoken asked told mentioned checked looked run reached
    flagged logged raised try consider talk speak ask tell mention check look reach flag log
    raise shown show offered offer""".split()
)
# A clause that opens with one of these asks, with or without a question mark.
AUXILIARIES = frozenset(
    """is are am was were do does did can could will would should has have had may might shall
    isn't aren't wasn't weren't don't doesn't didn't can't couldn't won't wouldn't shouldn't
    hasn't haven't""".split()
)
ASKED_ABOUT = frozenset(
    "you we i they he she it that this there the your our his her their anyone anything "
    "everyone everything someone something a an".split()
)
OPEN_WH = frozenset("what what's whats how how's how'd why what're how're".split())
CLOSED_WH = frozenset("who who's when where where's which whose".split())
# An auxiliary and a pronoun that tell, not ask: "do it tonight", "have a think".
TOLD = frozenset(itertools.product(("do", "have"), ("it", "that", "this", "a", "an")))
TAGS = frozenset("right correct yeah yes no ok okay true".split())
MODALS = frozenset("should could might may need have must ought gotta can 'd".split())

# One run of letters or digits, optionally joined by apostrophes ("don't"), or a '?'. Each
# repetition must start with an apostrophe, so there is one way to match: linear time.
TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|\?")


CHAR_NGRAMS = (4,)
RULE_PREFIX = "r:"  # the rule coder's verdicts (training may weigh them up per field)


def tokens(text: str) -> list[str]:
    """Lower-case words (apostrophes kept) and each '?' as its own token."""
    return [t.replace("’", "'") for t in TOKEN.findall(text.lower())]


# Each sentence mark keeps its place and is followed by a cut; a line break becomes a cut.
_CUTS = str.maketrans({**{mark: mark + "\0" for mark in ".!?;…"}, "\n": "\0"})


def sentences(text: str) -> list[str]:
    """Split after . ! ? ; … and at line breaks, keeping the mark, without a regular
    expression (one pass in C: this runs on every turn)."""
    parts = (p.strip() for p in text.translate(_CUTS).split("\0"))
    return [p for p in parts if p.strip(" .!?;…\"'")]


def _core(words: list[str]) -> list[str]:
    """The words after the leading fillers and discourse markers ("uh, so, yeah, and …")."""
    i = 0
    while i < len(words):
        if words[i] in FILLERS or words[i] == "?":
            i += 1
        elif tuple(words[i : i + 2]) in FILLER_PAIRS:
            i += 2
        else:
            break
    return words[i:]


def _content(words: Iterable[str]) -> set[str]:
    return {w for w in words if len(w) > 2 and w not in STOPWORDS and w != "?"}


def _bin(value: float, edges: tuple[float, ...]) -> int:
    return sum(value >= e for e in edges)


def spoken_plain(words: list[str]) -> list[str]:
    """The words without hesitations and with a word said twice in a row said once ("i i
    think" is "i think"), so a spoken turn yields the features of its written form."""
    out: list[str] = []
    for w in words:
        if w in HESITATIONS or (out and out[-1] == w):
            continue
        out.append(w)
    return out


def cues(clauses: list[list[str]]) -> dict[str, float]:
    """Cues of telling that hold in any style, from each clause's words (fillers and hesitations
    gone): an imperative with no subject (after a hedge or not), "you could / might want to",
    "I'd …", a suggestion shaped as a question, a request to the manager, an invitation."""
    f: dict[str, float] = {}
    last = len(clauses) - 1
    for k, clause in enumerate(clauses):
        i = 0
        while i < len(clause) and clause[i] in HEDGES:
            i += 1
        head = clause[i : i + 3]
        if not head:
            continue
        second = head[1] if len(head) > 1 else ""
        where = "last" if k == last else "early"
        if head[0] in AUXILIARIES and second in ASKED_ABOUT and (head[0], second) not in TOLD:
            f["cq:aux_" + where] = 1.0
        elif head[0] in OPEN_WH:
            f["cq:open_" + where] = 1.0
        elif head[0] in CLOSED_WH:
            f["cq:closed_" + where] = 1.0
        if k and k == last and len(clause) <= 2 and clause[-1] in TAGS | {"isn't", "it"}:
            f["cq:tag"] = 1.0
        if head[0] in IMPERATIVES and second not in SUBJECTS:
            kind = "invite" if second in INVITES or head[0] == "think" else "imp"
            f["cue:" + kind] = 1.0
            if kind == "imp":
                f["cue:imp_hedged" if i else "cue:imp_plain"] = 1.0
                f["cue:imp_last" if k == last else "cue:imp_early"] = 1.0
                if second in {"me", "us"}:
                    f["cue:imp_to_me"] = 1.0
        elif head[0] == "don't" and second not in SUBJECTS and second != "worry":
            f["cue:dont"] = 1.0
        elif head[0] in {"have", "did"} and second == "you" and len(head) > 2:
            if head[2] in SUGGEST_VERBS:
                f["cue:suggest_q"] = 1.0
        elif head[0] in {"maybe", "perhaps"} or (i and clause[i - 1] in {"maybe", "perhaps"}):
            f["cue:maybe"] = 1.0
        for a, b in itertools.pairwise(clause):
            if a in {"you", "i", "we"} and b in MODALS:
                f[f"cue:{a}_{b}"] = 1.0
            elif a in {"i'd", "i'll", "we'll", "we'd", "you'd", "you'll"}:
                f[f"cue:{a}"] = 1.0
    return f


def features(text: str, previous: str | None, rules: TurnCode) -> dict[str, float]:
    """Named features of one manager turn (`text` already cleaned of text aimed at the scorer)."""
    f: dict[str, float] = {"bias": 1.0}
    words = spoken_plain(tokens(text))
    plain = [w for w in words if w != "?"]
    # Built with dict.fromkeys over lists: the same keys in the same order as one assignment
    # per feature, at a fraction of the cost (this runs on every turn).
    f.update(dict.fromkeys(["w:" + w for w in plain], 1.0))
    f.update(dict.fromkeys([f"b:{a}_{b}" for a, b in itertools.pairwise(words)], 1.0))
    trigrams = zip(words, words[1:], words[2:], strict=False)
    f.update(dict.fromkeys([f"t:{a}_{b}_{c}" for a, b, c in trigrams], 1.0))
    padded = " " + " ".join(words) + " "
    for n in CHAR_NGRAMS:
        f.update(dict.fromkeys(["c:" + padded[i : i + n] for i in range(len(padded) - n + 1)], 1.0))
    parts = sentences(text)
    every_clause: list[list[str]] = []
    for position, sentence in enumerate(parts):
        core = _core(spoken_plain(tokens(sentence)))
        where = "first" if position == 0 else "last" if position == len(parts) - 1 else "mid"
        asks = sentence.rstrip().endswith("?")
        head = core[:3] + ["<end>"] * (3 - len(core[:3]))
        f[f"s1:{head[0]}"] = 1.0
        f[f"s2:{head[0]}_{head[1]}"] = 1.0
        f[f"s3:{head[0]}_{head[1]}_{head[2]}"] = 1.0
        f[f"{where}1:{head[0]}"] = 1.0
        f[f"{where}2:{head[0]}_{head[1]}"] = 1.0
        if asks:
            f[f"q1:{head[0]}"] = 1.0
            f[f"q2:{head[0]}_{head[1]}"] = 1.0
        f[f"end:{core[-1] if core else '<none>'}"] = 1.0
        f[f"end2:{'_'.join(core[-2:])}"] = 1.0
        # Spoken questions hide behind a comma: "ok quick one, did the PR merge".
        clauses = [_core(spoken_plain(tokens(c))) for c in sentence.split(",")]
        every_clause += clauses
        for k, clause in enumerate(c for c in clauses if c):
            f[f"k1:{clause[0]}"] = 1.0
            f[f"k2:{'_'.join(clause[:2])}"] = 1.0
            if k and asks:
                f[f"kq:{clause[0]}"] = 1.0
        last = next((c for c in reversed(clauses) if c), [])
        if last and position == len(parts) - 1:
            f[f"lk1:{last[0]}"] = 1.0
            f[f"lk2:{'_'.join(last[:2])}"] = 1.0
    f.update(cues([c for c in every_clause if c]))
    marks = text.count("?")
    f[f"qmarks:{min(marks, 3)}"] = 1.0
    f["ends?"] = float(text.rstrip().endswith("?"))
    f["no_punct"] = float(not any(ch in ".!?" for ch in text))
    f["lower_start"] = float(text[:1].islower())
    f[f"sentences:{min(len(parts), 5)}"] = 1.0
    f[f"words:{_bin(len(plain), (3, 6, 10, 16, 25, 40))}"] = 1.0
    f["you"] = min(sum(w in {"you", "you're", "you've", "you'd", "your"} for w in plain), 4) / 4
    f["i"] = min(sum(w in {"i", "i'm", "i've", "i'd", "my", "me"} for w in plain), 4) / 4
    f["we"] = min(sum(w in {"we", "we're", "we've", "let's", "our", "us"} for w in plain), 4) / 4
    # What the turn does with the other person's last turn (none: nothing to overlap with).
    theirs = tokens(previous or "")
    mine_c, theirs_c = _content(plain), _content(theirs)
    shared = mine_c & theirs_c
    f["ctx:shared"] = min(len(shared), 6) / 6
    f[f"ctx:mine_b{_bin(len(shared) / max(len(mine_c), 1), (0.2, 0.4, 0.6, 0.8))}"] = 1.0
    f[f"ctx:theirs_b{_bin(len(shared) / max(len(theirs_c), 1), (0.1, 0.2, 0.35, 0.5))}"] = 1.0
    pairs = set(itertools.pairwise(theirs))
    echoed = sum(p in pairs for p in itertools.pairwise(plain))
    f["ctx:bigrams"] = min(echoed, 6) / 6
    f["ctx:asked"] = float("?" in (previous or ""))
    f["ctx:first_person"] = min(sum(w in {"i", "i'm", "my", "me"} for w in theirs), 6) / 6
    for w in shared:
        f["sh:" + w] = 1.0
    # The rule coder's verdicts.
    rule = {"r:q=" + rules.question: 1.0, "r:r=" + rules.reflection: 1.0}
    rule["r:reflection"] = float(rules.reflection != "none")
    for name in ("leading", "stacked", "summary", "advice", "judgement"):
        rule["r:" + name] = float(getattr(rules, name))
    fb = rules.feedback
    for name in ("given", "moment", "behaviour", "impact", "forward_question"):
        rule["r:fb_" + name] = float(getattr(fb, name))
    rule["r:fb_moment_behaviour"] = float(fb.moment and fb.behaviour)
    moment, did, led = said_feedback(text)
    rule["r:fbs_moment"], rule["r:fbs_did"], rule["r:fbs_led"] = (
        float(moment),
        float(did),
        float(led),
    )
    rule["r:fbs_moment_did"] = float(moment and did)
    rule["r:fbs_all"] = float(moment and did and (led or len(text) > 150))
    for name in rules.plan.parts():
        rule["r:plan_" + name] = 1.0
    rule["r:plan_asked"] = float(rules.plan.asked)
    rule["r:plan_any"] = float(bool(rules.plan.parts()))
    f.update({name: value for name, value in rule.items() if value})
    return f


# The rule verdict each yes/no decision may trust at a lower threshold (chosen on dev).
RULE_FLAGS = {
    "reflection": "r:reflection",
    "advice": "r:advice",
    "leading": "r:leading",
    "stacked": "r:stacked",
    "judgement": "r:judgement",
    "summary": "r:summary",
    "feedback": "r:fbs_moment_did",
}


def rule_says(named: Mapping[str, float], field: str) -> bool:
    flag = RULE_FLAGS.get(field)
    return bool(flag and named.get(flag))


def threshold_for(thresholds: Mapping[str, float], rule: bool) -> float:
    """The decision threshold of a yes/no field: a lower one when the rules agree."""
    plain = thresholds.get("true", 0.5)
    return thresholds.get("true_if_rule", plain) if rule else plain


@dataclass(frozen=True)
class FieldModel:
    classes: tuple[Any, ...]
    columns: slice
    thresholds: dict[str, float]


class CoderModel:
    """The trained weights: one row per known feature, all fields' columns side by side."""

    def __init__(self, data: Mapping[str, Any], source: str = "<weights>") -> None:
        try:
            fields = data["fields"]
            self.vocabulary = {name: row for row, name in enumerate(data["vocabulary"])}
            total = sum(1 if len(FIELDS[name]) == 2 else len(FIELDS[name]) for name in fields)
            # one more row than features: the zero row unknown features look up
            self.weights = np.zeros((len(self.vocabulary) + 1, total), dtype=np.float32)
            self.bias = np.zeros(total, dtype=np.float64)
            self.fields: dict[str, FieldModel] = {}
            start = 0
            for name, spec in fields.items():
                classes = FIELDS[name]
                width = 1 if len(classes) == 2 else len(classes)
                columns = zip(spec["rows"], spec["values"], strict=True)
                for column, (rows, values) in enumerate(columns):
                    self.weights[np.asarray(rows, dtype=np.int64), start + column] = values
                self.bias[start : start + width] = spec["bias"]
                self.fields[name] = FieldModel(
                    classes, slice(start, start + width), dict(spec.get("thresholds", {}))
                )
                start += width
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise InputError(f"{source}: not a coder weights file: {exc}") from None

    def scores(self, named: Mapping[str, float]) -> list[float]:
        # Unknown features map to the last row, which is all zeros; the lookups run in C.
        count = len(named)
        unknown = itertools.repeat(len(self.vocabulary), count)
        rows = np.fromiter(map(self.vocabulary.get, named, unknown), dtype=np.intp, count=count)
        values = np.fromiter(named.values(), dtype=np.float32, count=count)
        total: list[float] = (values @ self.weights[rows] + self.bias).tolist()
        return total

    def probabilities(self, named: Mapping[str, float]) -> dict[str, dict[Any, float]]:
        """Each field's probability per class."""
        raw = self.scores(named)
        out: dict[str, dict[Any, float]] = {}
        for name, field in self.fields.items():
            part = raw[field.columns]
            if len(field.classes) == 2:
                p = _sigmoid(part[0])
                out[name] = {False: 1.0 - p, True: p}
            else:
                top = max(part)
                e = [math.exp(x - top) for x in part]
                out[name] = {c: x / sum(e) for c, x in zip(field.classes, e, strict=True)}
        return out

    def predict(self, named: Mapping[str, float]) -> dict[str, Any]:
        """Each field's label: yes/no fields and 'any reflection' use the thresholds chosen on
        the dev split (lower where the rules agree), the others the most likely class."""
        raw = self.scores(named)
        labels: dict[str, Any] = {}
        for name, field in self.fields.items():
            part = raw[field.columns]
            if len(field.classes) == 2:
                cut = threshold_for(field.thresholds, rule_says(named, name))
                labels[name] = _sigmoid(part[0]) >= cut
            elif name == "reflection":  # classes none, simple, complex
                top = max(part)
                none, simple, complex_ = (math.exp(x - top) for x in part)
                cut = threshold_for(field.thresholds, rule_says(named, name))
                if (simple + complex_) / (none + simple + complex_) < cut:
                    labels[name] = "none"
                else:
                    labels[name] = "complex" if complex_ >= simple else "simple"
            else:
                labels[name] = field.classes[part.index(max(part))]
        return labels


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-min(max(x, -50.0), 50.0)))


def read_weights(path: Path) -> CoderModel:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read the coder weights: {exc}") from None
    return CoderModel(data, str(path))


@lru_cache(maxsize=1)
def shipped_model() -> CoderModel | None:
    """The weights bundled with the package, or None when they have not been trained yet."""
    return read_weights(WEIGHTS_FILE) if WEIGHTS_FILE.exists() else None
