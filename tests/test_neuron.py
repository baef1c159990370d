import numpy as np
import pytest
import torch
from torch.nn import functional as F

from companion.foundations.neuron import neuron_gradients


@pytest.mark.parametrize("loss", ["squared", "cross_entropy"])
def test_hand_gradients_match_autograd(loss):
    rng = np.random.default_rng(3)
    x, y = 3 * rng.normal(size=(40, 6)), rng.integers(0, 2, size=40).astype(float)
    w, b = rng.normal(size=6), -0.4
    value, dw, db = neuron_gradients(w, b, x, y, loss=loss)
    wt, bt = (
        torch.tensor(w, requires_grad=True),
        torch.tensor(b, dtype=torch.float64, requires_grad=True),
    )
    z = torch.tensor(x) @ wt + bt
    if loss == "squared":
        expected = (0.5 * (torch.sigmoid(z) - torch.tensor(y)) ** 2).mean()
    else:
        expected = F.binary_cross_entropy_with_logits(z, torch.tensor(y))
    expected.backward()
    assert value == pytest.approx(expected.item(), abs=1e-12)
    assert np.allclose(dw, wt.grad.numpy(), atol=1e-12)
    assert db == pytest.approx(bt.grad.item(), abs=1e-12)


def test_cross_entropy_gradient_survives_saturation_where_squared_error_vanishes():
    x, w, y = np.array([[1.0]]), np.array([-8.0]), np.array([1.0])
    _, dw_squared, _ = neuron_gradients(w, 0.0, x, y, loss="squared")
    _, dw_ce, _ = neuron_gradients(w, 0.0, x, y, loss="cross_entropy")
    assert abs(dw_squared[0]) < 1e-3 < 0.99 < abs(dw_ce[0])


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="need x"):
        neuron_gradients(np.zeros(3), 0.0, np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="loss must be"):
        neuron_gradients(np.zeros(2), 0.0, np.zeros((4, 2)), np.zeros(4), loss="hinge")
