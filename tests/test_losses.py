import keras
import numpy as np
import pytest
import torch
from torch.nn import functional as F

from companion.foundations import losses


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_mse_matches_torch_and_keras(rng):
    y_true, y_pred = rng.normal(size=(50, 4)), rng.normal(size=(50, 4))
    ours = losses.mse(y_pred, y_true)
    assert ours == pytest.approx(
        F.mse_loss(torch.tensor(y_pred), torch.tensor(y_true)).item(), abs=1e-12
    )
    assert ours == pytest.approx(float(keras.losses.MeanSquaredError()(y_true, y_pred)), rel=1e-6)


def test_mse_refuses_shapes_that_would_broadcast():
    with pytest.raises(ValueError, match="shapes differ"):
        losses.mse(np.zeros(5), np.zeros((5, 1)))
    with pytest.raises(ValueError, match="empty"):
        losses.mse(np.zeros(0), np.zeros(0))


def test_cross_entropy_matches_torch_and_keras(rng):
    logits, labels = 4 * rng.normal(size=(64, 7)), rng.integers(0, 7, size=64)
    ours = losses.cross_entropy(logits, labels)
    theirs = F.cross_entropy(torch.tensor(logits), torch.tensor(labels)).item()
    assert ours == pytest.approx(theirs, abs=1e-12)
    keras_ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    assert ours == pytest.approx(float(keras_ce(labels, logits)), rel=1e-5)


def test_cross_entropy_is_finite_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [0.0, 2000.0, 0.0]])
    value = losses.cross_entropy(logits, np.array([2, 1]))
    # Example 1: 2000 nats for the wrong class; example 2: exactly right, loss ~0.
    assert value == pytest.approx(1000.0)
    assert value == pytest.approx(
        F.cross_entropy(torch.tensor(logits), torch.tensor([2, 1])).item()
    )


def test_cross_entropy_rejects_bad_input():
    with pytest.raises(ValueError, match=r"\(batch, classes\)"):
        losses.cross_entropy(np.zeros(3), np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="labels must be"):
        losses.cross_entropy(np.zeros((3, 2)), np.zeros(2, dtype=int))
    with pytest.raises(TypeError, match="integer"):
        losses.cross_entropy(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        losses.cross_entropy(np.zeros((3, 2)), np.array([0, 1, 2]))


def test_logsumexp_and_softmax_match_torch(rng):
    z = 300 * rng.normal(size=(20, 9))  # values whose plain exp overflows
    assert np.allclose(losses.logsumexp(z), torch.logsumexp(torch.tensor(z), dim=-1).numpy())
    assert np.allclose(losses.softmax(z, axis=0), torch.softmax(torch.tensor(z), dim=0).numpy())
    assert np.allclose(losses.softmax(z).sum(axis=-1), 1.0)
