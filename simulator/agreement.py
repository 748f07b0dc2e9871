"""Agreement between the rule-based coder and a hand-labelled set of manager utterances."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

from simulator.coder import TurnCode, code_turn
from simulator.errors import InputError
from simulator.paths import CORPUS_DIR

DEFAULT_SET = CORPUS_DIR / "labelled_utterances.txt"
BUNDLED_SETS = [
    DEFAULT_SET,
    DEFAULT_SET.with_name("heldout_utterances.txt"),
    DEFAULT_SET.with_name("heldout2_utterances.txt"),
]
FLAGS = {"L": "leading", "S": "stacked", "U": "summary", "A": "advice", "J": "judgement"}
FIELDS = ("question", "reflection", "leading", "stacked", "summary", "advice", "judgement")


@dataclass(frozen=True)
class Labelled:
    line: int
    text: str
    labels: dict[str, Hashable]


def read_set(path: Path = DEFAULT_SET) -> list[Labelled]:
    """Read `question|reflection|flags|text` lines; errors name the file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    items = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("|", 3)
        if (
            len(parts) != 4
            or parts[0] not in {"open", "closed", "none"}
            or parts[1] not in {"simple", "complex", "none"}
            or set(parts[2]) - set(FLAGS) - {"-"}
        ):
            raise InputError(f"{path}:{number}: expected question|reflection|flags|text")
        labels: dict[str, Hashable] = {"question": parts[0], "reflection": parts[1]}
        labels.update({name: letter in parts[2] for letter, name in FLAGS.items()})
        items.append(Labelled(number, parts[3].strip(), labels))
    return items


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa for two raters' labels of the same items (1.0 when both are constant and
    equal, since there is nothing to disagree about)."""
    total = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / total
    count_a, count_b = Counter(a), Counter(b)
    expected = sum(count_a[k] * count_b[k] for k in count_a) / (total * total)
    if expected == 1:
        return 1.0
    return (observed - expected) / (1 - expected)


def coded_value(code: TurnCode, field: str) -> Hashable:
    value: Hashable = getattr(code, field)
    return value


def agreement(items: Sequence[Labelled]) -> dict[str, dict[str, float]]:
    """Kappa and raw agreement per field, coder against the labels."""
    codes = [code_turn(item.text) for item in items]
    result = {}
    for field in FIELDS:
        human = [item.labels[field] for item in items]
        machine = [coded_value(code, field) for code in codes]
        agree = sum(h == m for h, m in zip(human, machine, strict=True)) / len(items)
        result[field] = {
            "kappa": round(cohen_kappa(human, machine), 3),
            "agreement": round(agree, 3),
            "positives": sum(1 for h in human if h not in (False, "none")),
        }
    return result


def disagreements(
    items: Sequence[Labelled], field: str
) -> list[tuple[int, str, Hashable, Hashable]]:
    out = []
    for item in items:
        got = coded_value(code_turn(item.text), field)
        if got != item.labels[field]:
            out.append((item.line, item.text, item.labels[field], got))
    return out
