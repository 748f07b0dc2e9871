"""Agreement between the coder and people: the labelled corpus splits (kappa, per-class
precision and recall, confusion matrices, written and spoken parts apart) and the older
hand-labelled sets, for the learned coder and the rule coder side by side."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.coding.labelled import LabelledTurn, read_lines
from simulator.coding.rules import TurnCode, code_turn, code_turn_rules
from simulator.errors import InputError
from simulator.storage.paths import CORPUS_DIR

Coder = Callable[[str, "str | None"], TurnCode]
CODERS: dict[str, Coder] = {"learned": code_turn, "rules": code_turn_rules}
# The corpus fields as reported; `reflection_any` is reflection yes/no.
CORPUS_FIELDS: dict[str, tuple[Hashable, ...]] = {
    "question": ("open", "closed", "none"),
    "reflection": ("simple", "complex", "none"),
    "reflection_any": (True, False),
    "advice": (True, False),
    "leading": (True, False),
    "stacked": (True, False),
    "judgement": (True, False),
    "summary": (True, False),
    "feedback": (True, False),
    "plan": ("asks", "tells", "none"),
}

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
    lines = read_lines(path)
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


def agreement(items: Sequence[Labelled], coder: Coder = code_turn) -> dict[str, dict[str, float]]:
    """Kappa and raw agreement per field, coder against the labels."""
    codes = [coder(item.text, None) for item in items]
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


def corpus_value(code: TurnCode, field: str) -> Hashable:
    """A coded turn's value for a corpus field."""
    if field == "reflection_any":
        return code.reflection != "none"
    if field == "feedback":
        return code.feedback.given and code.feedback.moment
    if field == "plan":
        return "none" if not code.plan.parts() else "asks" if code.plan.asked else "tells"
    return coded_value(code, field)


def label_value(turn: LabelledTurn, field: str) -> Hashable:
    if field == "reflection_any":
        return turn.reflection != "none"
    value: Hashable = getattr(turn, field)
    return value


def field_report(
    human: Sequence[Hashable], machine: Sequence[Hashable], classes: Sequence[Hashable]
) -> dict[str, Any]:
    """Kappa, raw agreement, per-class precision/recall/F1 and the confusion matrix (rows: what
    people said; columns: what the coder said)."""
    n = len(human)
    per_class = {}
    for cls in classes:
        tp = sum(h == cls and m == cls for h, m in zip(human, machine, strict=True))
        said = sum(m == cls for m in machine)
        real = sum(h == cls for h in human)
        precision = tp / said if said else 0.0
        recall = tp / real if real else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[str(cls)] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "support": real,
        }
    confusion = [
        [sum(h == row and m == col for h, m in zip(human, machine, strict=True)) for col in classes]
        for row in classes
    ]
    return {
        "kappa": round(cohen_kappa(human, machine), 3) if n else None,
        "agreement": round(sum(h == m for h, m in zip(human, machine, strict=True)) / n, 3)
        if n
        else None,
        "n": n,
        "classes": per_class,
        "confusion": {"labels": [str(c) for c in classes], "rows": confusion},
    }


def corpus_agreement(
    turns: Sequence[LabelledTurn], coders: dict[str, Coder] = CODERS
) -> dict[str, Any]:
    """Each coder against the labels, for all turns and for the written and spoken parts."""
    parts = {
        "all": list(turns),
        "written": [t for t in turns if t.style == "written"],
        "spoken": [t for t in turns if t.style == "spoken"],
    }
    result: dict[str, Any] = {"utterances": {k: len(v) for k, v in parts.items()}, "coders": {}}
    for name, coder in coders.items():
        codes = {t.id: coder(t.text, t.context or None) for t in turns}
        result["coders"][name] = {
            part: {
                field: field_report(
                    [label_value(t, field) for t in chosen],
                    [corpus_value(codes[t.id], field) for t in chosen],
                    classes,
                )
                for field, classes in CORPUS_FIELDS.items()
            }
            for part, chosen in parts.items()
        }
    return result


def format_corpus_report(name: str, result: dict[str, Any]) -> list[str]:
    """The report as text: a kappa table of both coders, then each field's classes and
    confusion matrix for the learned coder."""
    sizes = result["utterances"]
    coders = result["coders"]
    lines = [
        f"{name}: {sizes['all']} manager turns ({sizes['written']} written, "
        f"{sizes['spoken']} spoken)",
        "",
        f"  {'field':15}" + "".join(f"{c + ' ' + p:>17}" for c in coders for p in coders[c]),
    ]
    for field in CORPUS_FIELDS:
        cells = ""
        for coder in coders.values():
            for part in coder.values():
                kappa = part[field]["kappa"]
                cells += f"{'-' if kappa is None else f'{kappa:.3f}':>17}"
        lines.append(f"  {field:15}{cells}")
    learned = coders.get("learned", next(iter(coders.values())))["all"]
    for field, report in learned.items():
        lines += ["", f"  {field}: kappa {report['kappa']}, agreement {report['agreement']}"]
        lines.append(f"    {'class':9} {'precision':>9} {'recall':>7} {'f1':>6} {'people':>7}")
        for cls, row in report["classes"].items():
            lines.append(
                f"    {cls:9} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1']:>6.3f}"
                f" {row['support']:>7}"
            )
        labels = report["confusion"]["labels"]
        lines.append("    people \\ coder " + "".join(f"{c:>9}" for c in labels))
        for label, row in zip(labels, report["confusion"]["rows"], strict=True):
            lines.append(f"    {label:15} " + "".join(f"{v:>9}" for v in row))
    return lines
