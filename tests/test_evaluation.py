import numpy as np
import pytest
from sklearn import metrics as skm

from companion.frameworks.evaluation import (
    area_under_curve,
    class_scores,
    confusion_matrix,
    most_confident_mistakes,
    one_vs_rest_roc,
    roc_curve,
)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def noisy_predictions(rng, n=500, classes=5):
    y_true = rng.integers(0, classes, n)
    # Right 70% of the time, so every cell of the matrix has something in it.
    y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, classes, n))
    return y_true, y_pred


def test_confusion_matrix_matches_sklearn(rng):
    y_true, y_pred = noisy_predictions(rng)
    ours = confusion_matrix(y_true, y_pred, num_classes=5)
    assert ours.shape == (5, 5) and ours.sum() == 500
    np.testing.assert_array_equal(ours, skm.confusion_matrix(y_true, y_pred, labels=range(5)))


def test_confusion_matrix_rows_are_true_classes():
    counts = confusion_matrix([0, 0, 1, 2], [0, 1, 1, 1])
    np.testing.assert_array_equal(counts, [[1, 1, 0], [0, 1, 0], [0, 1, 0]])
    # An unseen last class still gets its row and column when num_classes says so.
    assert confusion_matrix([0, 1], [1, 0], num_classes=4).shape == (4, 4)


def test_confusion_matrix_rejects_bad_labels():
    with pytest.raises(ValueError, match="differ in shape"):
        confusion_matrix([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match="out of range"):
        confusion_matrix([0, 3], [0, 1], num_classes=3)
    with pytest.raises(TypeError, match="integer class labels"):
        confusion_matrix([0.2, 0.8], [0, 1])
    with pytest.raises(ValueError, match=">= 0"):
        confusion_matrix([0, -1], [0, 1])
    with pytest.raises(ValueError, match="non-empty 1-D"):
        confusion_matrix([], [])


def test_class_scores_match_sklearn(rng):
    y_true, y_pred = noisy_predictions(rng)
    ours = class_scores(confusion_matrix(y_true, y_pred, num_classes=5))
    precision, recall, f1, support = skm.precision_recall_fscore_support(y_true, y_pred)
    np.testing.assert_allclose(ours.precision, precision, atol=1e-12)
    np.testing.assert_allclose(ours.recall, recall, atol=1e-12)
    np.testing.assert_allclose(ours.f1, f1, atol=1e-12)
    np.testing.assert_array_equal(ours.support, support)
    assert ours.macro_f1 == pytest.approx(skm.f1_score(y_true, y_pred, average="macro"), abs=1e-12)


def test_class_scores_zero_division_is_zero_as_in_sklearn():
    # Class 2 is never predicted (no precision) and class 3 never occurs (no recall).
    y_true, y_pred = np.array([0, 1, 2, 2, 0]), np.array([0, 1, 1, 3, 0])
    ours = class_scores(confusion_matrix(y_true, y_pred, num_classes=4))
    theirs = skm.precision_recall_fscore_support(y_true, y_pred, labels=range(4), zero_division=0)
    for mine, sk in zip((ours.precision, ours.recall, ours.f1), theirs[:3], strict=True):
        np.testing.assert_allclose(mine, sk, atol=1e-12)
    assert ours.precision[2] == 0 and ours.recall[3] == 0


def test_class_scores_rejects_a_non_square_or_negative_matrix():
    with pytest.raises(ValueError, match="square"):
        class_scores(np.ones((2, 3)))
    with pytest.raises(ValueError, match="negative"):
        class_scores(np.array([[1, -1], [0, 1]]))


def test_roc_curve_matches_sklearn_with_ties(rng):
    positive = rng.random(300) < 0.3
    scores = np.round(positive * 0.4 + rng.random(300), 1)  # rounding makes many ties
    ours = roc_curve(positive, scores)
    fpr, tpr, thresholds = skm.roc_curve(positive, scores, drop_intermediate=False)
    np.testing.assert_allclose(ours.fpr, fpr)
    np.testing.assert_allclose(ours.tpr, tpr)
    np.testing.assert_allclose(ours.thresholds[1:], thresholds[1:])
    assert ours.thresholds[0] == np.inf
    assert ours.auc == pytest.approx(skm.roc_auc_score(positive, scores), abs=1e-12)


def test_roc_curve_of_perfect_random_and_reversed_scores():
    positive = np.array([False, False, True, True])
    assert roc_curve(positive, [0.1, 0.2, 0.8, 0.9]).auc == 1.0
    assert roc_curve(positive, [0.5, 0.5, 0.5, 0.5]).auc == 0.5  # one tie: the diagonal
    assert roc_curve(positive, [0.9, 0.8, 0.2, 0.1]).auc == 0.0


def test_roc_curve_rejects_bad_input():
    with pytest.raises(ValueError, match="both positive and negative"):
        roc_curve(np.array([True, True]), [0.1, 0.2])
    with pytest.raises(TypeError, match="booleans"):
        roc_curve(np.array([0, 1]), [0.1, 0.2])
    with pytest.raises(ValueError, match="one length"):
        roc_curve(np.array([True, False]), [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="finite"):
        roc_curve(np.array([True, False]), [np.nan, 0.2])


def test_area_under_curve():
    assert area_under_curve([0, 1], [0, 1]) == 0.5
    x, y = np.sort(np.random.default_rng(1).random(20)), np.random.default_rng(2).random(20)
    assert area_under_curve(x, y) == pytest.approx(skm.auc(x, y), abs=1e-12)
    with pytest.raises(ValueError, match="non-decreasing"):
        area_under_curve([0, 1, 0.5], [0, 1, 1])
    with pytest.raises(ValueError, match="length >= 2"):
        area_under_curve([0], [0])


def test_one_vs_rest_roc_matches_sklearn_macro_auc(rng):
    y_true = rng.integers(0, 4, 400)
    logits = rng.normal(size=(400, 4)) + 1.5 * np.eye(4)[y_true]
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    curves = one_vs_rest_roc(y_true, probabilities)
    assert len(curves) == 4
    theirs = skm.roc_auc_score(y_true, probabilities, multi_class="ovr", average="macro")
    assert np.mean([c.auc for c in curves]) == pytest.approx(theirs, abs=1e-12)


def test_one_vs_rest_roc_rejects_mismatched_probabilities():
    with pytest.raises(ValueError, match=r"\(N, C\) with N = 3"):
        one_vs_rest_roc([0, 1, 1], np.ones((2, 2)) / 2)
    with pytest.raises(ValueError, match="no column"):
        one_vs_rest_roc([0, 1, 2], np.ones((3, 2)) / 2)


def test_most_confident_mistakes_orders_by_the_wrong_class_probability():
    y_true = np.array([0, 1, 2, 1])
    probabilities = np.array(
        [
            [0.9, 0.1, 0.0],  # right
            [0.6, 0.4, 0.0],  # wrong, 0.6 sure
            [0.05, 0.95, 0.0],  # wrong, 0.95 sure
            [0.2, 0.8, 0.0],  # right
        ]
    )
    np.testing.assert_array_equal(most_confident_mistakes(y_true, probabilities), [2, 1])
    assert len(most_confident_mistakes([0], np.array([[1.0, 0.0]]))) == 0
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        most_confident_mistakes([0, 1], np.ones(2))
