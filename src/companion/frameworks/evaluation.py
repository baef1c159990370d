"""Evaluating a classifier: confusion matrix, precision, recall, F1, ROC curves and AUC.

Everything here is NumPy only, so that it can judge the predictions of any
framework; the tests check every function against scikit-learn. The
definitions, for one class $c$ among several (one-vs-rest):

* precision (精确率) = TP / (TP + FP): of the examples predicted as $c$, the
  share that are $c$;
* recall (召回率) = TP / (TP + FN): of the examples that are $c$, the share
  predicted as $c$;
* F1 = 2 · precision · recall / (precision + recall), their harmonic mean;
* the ROC curve plots the true-positive rate (= recall) against the
  false-positive rate FP / (FP + TN) as the decision threshold on the score
  for $c$ falls, and the AUC is the area under it.
"""

from dataclasses import dataclass

import numpy as np


def _labels(y: object, name: str) -> np.ndarray:
    """``y`` as a 1-D array of non-negative integer labels, or a clear error."""
    y = np.asarray(y)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of labels, got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        # Floats or strings here usually mean probabilities passed instead of labels.
        raise TypeError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    if y.min() < 0:
        raise ValueError(f"{name} must hold labels >= 0, got {y.min()}")
    return y.astype(np.int64)


def confusion_matrix(y_true: object, y_pred: object, num_classes: int | None = None) -> np.ndarray:
    """Count how often each true class was predicted as each class.

    Args:
        y_true: true labels, integers ``0 .. num_classes - 1``, shape ``(N,)``.
        y_pred: predicted labels, the same shape.
        num_classes: the number of classes; by default one more than the
            largest label seen in either array.

    Returns:
        ``counts`` of shape ``(num_classes, num_classes)``, int64:
        ``counts[i, j]`` is the number of examples of class ``i`` predicted as
        ``j``, so rows are true classes and the diagonal holds the correct ones
        (scikit-learn's convention).

    """
    y_true, y_pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {y_true.shape} vs {y_pred.shape}")
    largest = int(max(y_true.max(), y_pred.max()))
    if num_classes is None:
        num_classes = largest + 1
    elif largest >= num_classes:
        raise ValueError(f"label {largest} is out of range for num_classes={num_classes}")
    # Each (true, predicted) pair is one cell of a flattened matrix: one bincount counts them all.
    cells = np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    return cells.reshape(num_classes, num_classes)


@dataclass(frozen=True)
class ClassScores:
    """Per-class precision, recall, F1 and support, each an array of shape ``(num_classes,)``."""

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray

    @property
    def macro_f1(self) -> float:
        """The unweighted mean of the per-class F1 scores."""
        return float(self.f1.mean())


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator``, and 0 where the denominator is 0 (``zero_division=0``)."""
    out = np.zeros(numerator.shape, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def class_scores(confusion: np.ndarray) -> ClassScores:
    """Precision, recall and F1 of every class, one-vs-rest, from a confusion matrix.

    A class that is never predicted has no defined precision; like
    scikit-learn with ``zero_division=0``, it is reported as 0 (and so is a
    recall without true examples, and an F1 whose two parts are both 0).

    Args:
        confusion: counts ``(C, C)``, rows true classes, as from :func:`confusion_matrix`.

    """
    confusion = np.asarray(confusion)
    if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1] or confusion.size == 0:
        raise ValueError(f"confusion must be a square (C, C) matrix, got shape {confusion.shape}")
    if (confusion < 0).any():
        raise ValueError("confusion holds counts, which cannot be negative")
    tp = np.diag(confusion).astype(np.float64)
    predicted = confusion.sum(axis=0)  # column sums: TP + FP
    actual = confusion.sum(axis=1)  # row sums: TP + FN
    precision, recall = _ratio(tp, predicted), _ratio(tp, actual)
    f1 = _ratio(2 * precision * recall, precision + recall)
    return ClassScores(precision, recall, f1, actual.astype(np.int64))


@dataclass(frozen=True)
class RocCurve:
    """One ROC curve: false- and true-positive rates at each threshold, and the area under it."""

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray
    auc: float


def roc_curve(is_positive: object, scores: object) -> RocCurve:
    """The ROC curve of one binary decision, "score ≥ threshold means positive".

    Every distinct score is a threshold, from the highest down; the curve
    starts at (0, 0), where the threshold is above every score (infinite), and
    ends at (1, 1). Tied scores move the curve diagonally, which is what the
    area then counts as half a correct ranking.

    Args:
        is_positive: booleans ``(N,)``, true for the positive class.
        scores: higher means more likely positive, shape ``(N,)``: a
            probability, a logit, any score.

    Raises:
        ValueError: if both classes are not present (the curve is then undefined).

    """
    positive = np.asarray(is_positive)
    scores = np.asarray(scores, dtype=np.float64)
    if positive.dtype != bool:
        raise TypeError(f"is_positive must be booleans, got dtype {positive.dtype}")
    if positive.ndim != 1 or positive.shape != scores.shape:
        raise ValueError(
            "is_positive and scores must be 1-D of one length, "
            f"got {positive.shape}, {scores.shape}"
        )
    if not np.isfinite(scores).all():
        raise ValueError("scores must be finite")
    n_pos = int(positive.sum())
    if n_pos == 0 or n_pos == len(positive):
        raise ValueError("the ROC curve needs both positive and negative examples")
    order = np.argsort(-scores, kind="stable")
    scores, positive = scores[order], positive[order]
    # The last example of each run of equal scores: a threshold takes all of a tie at once.
    last_of_tie = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]
    tp = np.cumsum(positive)[last_of_tie]
    fp = (last_of_tie + 1) - tp
    fpr = np.r_[0.0, fp / (len(positive) - n_pos)]
    tpr = np.r_[0.0, tp / n_pos]
    thresholds = np.r_[np.inf, scores[last_of_tie]]
    return RocCurve(fpr, tpr, thresholds, area_under_curve(fpr, tpr))


def area_under_curve(x: object, y: object) -> float:
    """Area under the piecewise-linear curve through the points ``(x, y)`` (trapezoidal rule).

    Args:
        x: non-decreasing x coordinates, at least two.
        y: the y coordinate of each point.

    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape or len(x) < 2:
        raise ValueError(f"need two 1-D arrays of one length >= 2, got {x.shape}, {y.shape}")
    if (np.diff(x) < 0).any():
        raise ValueError("x must be non-decreasing")
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))


def one_vs_rest_roc(y_true: object, probabilities: object) -> list[RocCurve]:
    """One ROC curve per class: class ``c`` against all others, scored by its probability.

    Args:
        y_true: true labels ``(N,)``, integers ``0 .. C - 1``.
        probabilities: the model's scores ``(N, C)``, column ``c`` for class ``c``.

    Returns:
        ``C`` curves; the mean of their ``auc`` is scikit-learn's
        ``roc_auc_score(..., multi_class="ovr", average="macro")``.

    """
    y_true = _labels(y_true, "y_true")
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2 or len(probabilities) != len(y_true):
        raise ValueError(
            f"probabilities must be (N, C) with N = {len(y_true)}, got {probabilities.shape}"
        )
    if y_true.max() >= probabilities.shape[1]:
        raise ValueError(f"label {y_true.max()} has no column in probabilities")
    return [roc_curve(y_true == c, probabilities[:, c]) for c in range(probabilities.shape[1])]


def most_confident_mistakes(y_true: object, probabilities: object) -> np.ndarray:
    """Indices of the misclassified examples, the most confidently wrong first.

    The prediction is the class of highest probability; an example is a
    mistake when that is not its label. Confidence is the probability of
    the predicted class.
    """
    y_true = _labels(y_true, "y_true")
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2 or len(probabilities) != len(y_true):
        raise ValueError(
            f"probabilities must be (N, C) with N = {len(y_true)}, got {probabilities.shape}"
        )
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != y_true)
    confidence = probabilities[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")]
