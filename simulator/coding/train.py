"""Train the learned coder from the labelled corpus: `simulator train-coder`.

A logistic regression per field is fitted on the training files (the train split unless told
otherwise; the shipped weights use train, test and fresh to fresh5, each measured once:
corpus/README.md). The regularisation strength and class weighting of each field, and the
decision thresholds of the yes/no fields, are chosen by cross-validation on the training files
(folds by conversation), so the dev split is never tuned on; dev is only reported. The weights
are written as a small JSON file that the coder reads with numpy alone. scikit-learn is needed
here only (it is a test extra).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from simulator.coding.agreement import cohen_kappa
from simulator.coding.labelled import LabelledTurn, read_corpus, split_path
from simulator.coding.model import (
    FIELDS,
    RULE_PREFIX,
    WEIGHTS_FILE,
    CoderModel,
    features,
    rule_says,
)
from simulator.coding.rules import code_turn_rules
from simulator.conversation.injection import strip_injection
from simulator.errors import SimulatorError

# (regularisation C, class weighting, rule scale) tried per field. The rule scale multiplies the
# rule coder's verdicts during training: under the same regularisation the model then leans on
# them more (short textbook turns stay coded as the rules say). It is folded into the exported
# weights, so the features at run time stay 0/1.
GRID: tuple[tuple[float, str | None, float], ...] = tuple(
    (c, w, r) for c in (0.03, 0.1, 0.3, 1.0) for w in (None, "balanced") for r in (1.0, 3.0)
)
# Three-class fields fit slowly (lbfgs), so they try a smaller grid.
MULTI_GRID: tuple[tuple[float, str | None, float], ...] = tuple(
    (c, w, r) for c in (0.3, 1.0) for w in (None, "balanced") for r in (1.0, 3.0)
)
FOLDS = 5
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(2, 19))
PRUNE = 1e-2
MIN_DF = 2  # weights smaller than this change no decision; dropping them keeps the file small


def turn_features(turn: LabelledTurn) -> dict[str, float]:
    text = strip_injection(turn.text)
    return features(text, turn.context or None, code_turn_rules(text, turn.context or None))


def vocabulary(named: Sequence[dict[str, float]]) -> list[str]:
    """Features seen in at least MIN_DF training turns, in a fixed order (one-off features are
    mostly names and typos: they teach nothing and would bloat the weights file)."""
    seen: Counter[str] = Counter()
    for features_of_turn in named:
        seen.update(features_of_turn.keys())
    return sorted(name for name, count in seen.items() if count >= MIN_DF)


def matrix(named: Sequence[dict[str, float]], vocab: Sequence[str]) -> Any:
    from scipy.sparse import csr_matrix

    index = {name: i for i, name in enumerate(vocab)}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for i, features_of_turn in enumerate(named):
        for name, value in features_of_turn.items():
            if name in index:
                rows.append(i)
                cols.append(index[name])
                vals.append(value)
    return csr_matrix((vals, (rows, cols)), shape=(len(named), len(vocab)), dtype=np.float64)


def target(turns: Sequence[LabelledTurn], field: str) -> list[Any]:
    return [getattr(t, field) for t in turns]


def _fit(x: Any, y: list[Any], c: float, weighting: str | None, seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    solver = "liblinear" if len(set(y)) == 2 else "lbfgs"  # liblinear is quick on yes/no fields
    model = LogisticRegression(
        C=c, class_weight=weighting, solver=solver, max_iter=5000, random_state=seed
    )
    return model.fit(x, y)


def _scaled(x: Any, columns: Any, scale: float) -> Any:
    """`x` with the rule columns multiplied by `scale`."""
    from scipy.sparse import diags

    return x @ diags(np.where(columns, scale, 1.0)) if scale != 1.0 else x


def _any_reflection(labels: Sequence[Any]) -> list[bool]:
    return [label != "none" for label in labels]


def _said(probs: Any, classes: list[Any], field: str, y: list[Any]) -> tuple[Any, list[Any]]:
    """The probability of 'yes' (any reflection, for reflection) and the yes/no labels."""
    if field == "reflection":
        return 1.0 - probs[:, classes.index("none")], _any_reflection(y)
    return probs[:, classes.index(True)], list(y)


def _kappa_at(
    probs: Any,
    classes: list[Any],
    field: str,
    y: list[Any],
    rule: list[bool],
    thresholds: dict[str, float],
) -> float:
    """Kappa of the labels the run-time coder would give at these thresholds."""
    if not thresholds:
        return cohen_kappa(y, [classes[i] for i in probs.argmax(axis=1)])
    said, gold = _said(probs, classes, field, y)
    cuts = [thresholds["true_if_rule" if r else "true"] for r in rule]
    return cohen_kappa(gold, [bool(p >= c) for p, c in zip(said, cuts, strict=True)])


def _choose(
    probs: Any, classes: list[Any], field: str, y: list[Any], rule: list[bool]
) -> tuple[float, dict[str, float]]:
    """The best kappa of class probabilities against the labels, and the thresholds that give
    it: yes/no fields (and 'any reflection') get one threshold for turns the rules flag and one
    for the rest (the rules are right more often than not on textbook phrasings the corpus has
    few of)."""
    if field != "reflection" and len(FIELDS[field]) != 2:
        return _kappa_at(probs, classes, field, y, rule, {}), {}

    def kappa(plain: float, flagged: float) -> float:
        cuts = {"true": plain, "true_if_rule": flagged}
        return _kappa_at(probs, classes, field, y, rule, cuts)

    plain = max(THRESHOLDS, key=lambda t: kappa(t, t))
    # the rules are trusted, never doubted: a flagged turn's threshold is at most the plain one
    flagged = max((t for t in THRESHOLDS if t <= plain), key=lambda t: kappa(plain, t))
    return kappa(plain, flagged), {"true": plain, "true_if_rule": flagged}


def folds_of(turns: Sequence[LabelledTurn], folds: int) -> list[int]:
    """Each turn's fold: conversations dealt round-robin in a fixed order, so a conversation
    never straddles two folds and the split is the same on every run."""
    order = {c: i % folds for i, c in enumerate(sorted({t.conversation for t in turns}))}
    return [order[t.conversation] for t in turns]


def _out_of_fold(
    x: Any, y: list[Any], fold: list[int], folds: int, c: float, weighting: str | None, seed: int
) -> tuple[Any, list[Any]]:
    """Class probabilities of every training turn from a model that did not see its fold."""
    classes = sorted(set(y), key=str)
    probs = np.zeros((len(y), len(classes)))
    fold_array = np.asarray(fold)
    for k in range(folds):
        held = np.flatnonzero(fold_array == k)
        kept = np.flatnonzero(fold_array != k)
        model = _fit(x[kept], [y[i] for i in kept], c, weighting, seed)
        columns = np.array([classes.index(cls) for cls in model.classes_], dtype=np.intp)
        probs[np.ix_(held, columns)] = model.predict_proba(x[held])
    return probs, classes


def _export(model: Any, field: str, thresholds: dict[str, float]) -> dict[str, Any]:
    classes = list(model.classes_)
    if len(FIELDS[field]) == 2:
        coef = model.coef_[:1]  # the score of True
        bias = [float(model.intercept_[0])]
    else:
        order = [classes.index(c) for c in FIELDS[field]]
        coef = model.coef_[order]
        bias = [float(model.intercept_[i]) for i in order]
    rows, values = [], []
    for column in coef:
        keep = np.flatnonzero(np.abs(column) >= PRUNE)
        rows.append([int(i) for i in keep])
        values.append([round(float(column[i]), 3) for i in keep])  # 3 places: the file stays small
    spec: dict[str, Any] = {"bias": [round(b, 4) for b in bias], "rows": rows, "values": values}
    if thresholds:
        spec["thresholds"] = thresholds
    return spec


def _compact(vocab: Sequence[str], fields: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Keep only the features some field still weighs, and renumber the rows."""
    used = sorted({row for spec in fields.values() for rows in spec["rows"] for row in rows})
    new = {old: i for i, old in enumerate(used)}
    for spec in fields.values():
        spec["rows"] = [[new[row] for row in rows] for rows in spec["rows"]]
    return [vocab[i] for i in used], fields


def train(
    train_paths: Sequence[Path],
    dev_path: Path,
    seed: int = 0,
    log: Any = print,
    grid: Sequence[tuple[float, str | None, float]] = GRID,
    multi_grid: Sequence[tuple[float, str | None, float]] = MULTI_GRID,
    folds: int = FOLDS,
    only: Sequence[str] = tuple(FIELDS),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fit every field on the training files (read as one set) with the settings and thresholds
    that cross-validation on them chose; report (never tune on) dev. Return the weights and the
    choices."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise SimulatorError(
            "training needs scikit-learn: pip install 'coaching-simulator[test]'"
        ) from None
    train_turns = [turn for path in train_paths for turn in read_corpus(path)]
    dev_turns = read_corpus(dev_path)
    named_train = [turn_features(t) for t in train_turns]
    vocab = vocabulary(named_train)
    x_train = matrix(named_train, vocab)
    named_dev = [turn_features(t) for t in dev_turns]
    x_dev = matrix(named_dev, vocab)
    fold = folds_of(train_turns, folds)
    fields: dict[str, Any] = {}
    choices: dict[str, Any] = {}
    rule_columns = np.array([name.startswith(RULE_PREFIX) for name in vocab])
    for field in only:
        y_train, y_dev = target(train_turns, field), target(dev_turns, field)
        rule_train = [rule_says(named, field) for named in named_train]
        best: tuple[float, dict[str, float], float, str | None, float] | None = None
        for c, weighting, scale in grid if len(FIELDS[field]) == 2 else multi_grid:
            probs, classes = _out_of_fold(
                _scaled(x_train, rule_columns, scale), y_train, fold, folds, c, weighting, seed
            )
            kappa, threshold = _choose(probs, classes, field, y_train, rule_train)
            if best is None or kappa > best[0] + 1e-9:
                best = (kappa, threshold, c, weighting, scale)
        assert best is not None
        kappa, threshold, c, weighting, scale = best
        model = _fit(_scaled(x_train, rule_columns, scale), y_train, c, weighting, seed)
        dev_kappa = _kappa_at(
            model.predict_proba(_scaled(x_dev, rule_columns, scale)),
            list(model.classes_),
            field,
            y_dev,
            [rule_says(named, field) for named in named_dev],
            threshold,
        )
        model.coef_[:, rule_columns] *= scale  # so run time can feed the rules' 0/1 unscaled
        fields[field] = _export(model, field, threshold)
        choices[field] = {
            "C": c,
            "class_weight": weighting,
            "rule_scale": scale,
            "thresholds": threshold,
            "cv_kappa": round(kappa, 3),
            "dev_kappa": round(dev_kappa, 3),
        }
        log(
            f"{field:11} cv kappa {kappa:.3f} dev kappa {dev_kappa:.3f}  C={c} "
            f"weighting={weighting} rule scale={scale} thresholds={threshold}"
        )
    vocab, fields = _compact(vocab, fields)
    names = " + ".join(path.name for path in train_paths)
    weights = {
        "format": 1,
        "vocabulary": vocab,
        "trained_on": names,
        "tuned_on": f"{names} ({folds}-fold cross-validation by conversation)",
        "reported_on": dev_path.name,
        "seed": seed,
        "choices": choices,
        "fields": fields,
    }
    if set(only) == set(FIELDS):
        CoderModel(weights)  # the file must load before it is written
    return weights, choices


def run(
    train_paths: Sequence[Path] | None = None,
    dev_path: Path | None = None,
    out: Path = WEIGHTS_FILE,
    seed: int = 0,
) -> int:
    weights, _ = train(train_paths or [split_path("train")], dev_path or split_path("dev"), seed)
    out.write_text(json.dumps(weights, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")
    return 0
