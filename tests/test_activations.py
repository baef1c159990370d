import keras
import numpy as np
import pytest
import torch

from companion.foundations import activations

TORCH = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}
KERAS = {
    "sigmoid": keras.activations.sigmoid,
    "tanh": keras.activations.tanh,
    "relu": keras.activations.relu,
}


@pytest.mark.parametrize("name", sorted(activations.ACTIVATIONS))
def test_activation_and_derivative_match_torch_autograd(name):
    f, df = activations.ACTIVATIONS[name]
    z = np.linspace(-30, 30, 2001)  # includes 0 exactly, where ReLU's derivative is a choice
    zt = torch.tensor(z, requires_grad=True)
    out = TORCH[name](zt)
    out.sum().backward()
    assert np.allclose(f(z), out.detach().numpy(), atol=1e-15)
    assert np.allclose(df(z), zt.grad.numpy(), atol=1e-15)


@pytest.mark.parametrize("name", sorted(activations.ACTIVATIONS))
def test_activation_matches_keras(name):
    f, _ = activations.ACTIVATIONS[name]
    z = np.linspace(-8, 8, 101).astype("float32")
    assert np.allclose(f(z), keras.ops.convert_to_numpy(KERAS[name](z)), atol=1e-6)


def test_sigmoid_does_not_overflow_and_its_gradient_peaks_at_zero():
    with np.errstate(over="raise"):
        values = activations.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    assert values.tolist() == [0.0, 0.5, 1.0]
    assert activations.sigmoid_grad(0.0) == 0.25
    assert activations.sigmoid_grad(-10.0) < 1e-4 and activations.sigmoid_grad(10.0) < 1e-4
