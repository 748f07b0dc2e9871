"""Train the off-script check (`simulator train-offscript`); needs scikit-learn (test extras).

Off-script: offscript-negatives.jsonl (requests written for this purpose, and the held-out sets
of earlier red-team rounds once they had been measured). In the 1:1: every manager turn of the
labelled corpus and offscript-positives.jsonl (turns that look like requests but belong there).
The threshold is the lowest on a grid whose out-of-fold false alarms on the in-1:1 turns stay at
or below MAX_FALSE_ALARMS; a rerun with the same seed writes the same file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simulator.conversation.offscript import WEIGHTS_FILE, OffScriptModel, features
from simulator.errors import InputError
from simulator.storage.paths import CORPUS_DIR

NEGATIVES = CORPUS_DIR / "offscript-negatives.jsonl"
POSITIVES = CORPUS_DIR / "offscript-positives.jsonl"
CORPUS_FILES = ("train", "dev", "test", "fresh", "fresh2")
C = 3.0
FOLDS = 5
MAX_FALSE_ALARMS = 0.005
GRID = tuple(round(0.5 + 0.025 * k, 3) for k in range(19))  # 0.5 … 0.95
KEEP = 0.01  # weights smaller than this are dropped from the file


def texts(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [str(json.loads(line)["text"]) for line in lines if line.strip()]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(f"{path}: cannot read its turns ({error})") from error


def data() -> tuple[list[str], list[int]]:
    inside = [t for name in CORPUS_FILES for t in texts(CORPUS_DIR / f"{name}.jsonl")]
    inside += texts(POSITIVES)
    outside = texts(NEGATIVES)
    return inside + outside, [0] * len(inside) + [1] * len(outside)


def _fit(x: Any, y: Any) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, class_weight="balanced", max_iter=5000).fit(x, y)


def train(seed: int = 0) -> tuple[dict[str, Any], dict[str, float]]:
    """The weights file's content and the out-of-fold figures at its threshold."""
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.model_selection import StratifiedKFold

    turns, labels = data()
    y = np.array(labels)
    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform([features(t) for t in turns])
    out_of_fold = np.zeros(len(y))
    for fit_rows, held in StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(x, y):
        out_of_fold[held] = _fit(x[fit_rows], y[fit_rows]).predict_proba(x[held])[:, 1]
    inside, outside = out_of_fold[y == 0], out_of_fold[y == 1]
    threshold = next((t for t in GRID if float(np.mean(inside >= t)) <= MAX_FALSE_ALARMS), GRID[-1])
    figures = {
        "threshold": threshold,
        "false_alarms": float(np.mean(inside >= threshold)),
        "recall": float(np.mean(outside >= threshold)),
        "in_1on1": float(len(inside)),
        "off_script": float(len(outside)),
    }
    final = _fit(x, y)
    names = vectorizer.get_feature_names_out()
    weights = {
        str(name): round(float(w), 4)
        for name, w in zip(names, final.coef_[0], strict=True)
        if abs(w) >= KEEP
    }
    content = {
        "bias": round(float(final.intercept_[0]), 4),
        "threshold": threshold,
        "weights": dict(sorted(weights.items())),
    }
    OffScriptModel(content)  # the file must load before it is written
    return content, figures


def run(out: Path = WEIGHTS_FILE, seed: int = 0) -> int:
    content, figures = train(seed)
    out.write_text(json.dumps(content, separators=(",", ":")) + "\n", encoding="utf-8")
    print(
        f"out-of-fold ({FOLDS} folds): {figures['off_script']:.0f} off-script turns, "
        f"{figures['in_1on1']:.0f} in the 1:1; threshold {figures['threshold']}: "
        f"recall {figures['recall']:.3f}, false alarms {figures['false_alarms']:.4f}"
    )
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")
    return 0
