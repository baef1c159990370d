"""Activation functions (激活函数) and their derivatives, in NumPy.

Each derivative is written in terms of the function's own output where that
is how backpropagation uses it: a layer keeps its activations from the forward
pass, so ``sigmoid_grad`` needs no second ``exp``.
"""

from collections.abc import Callable

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), never overflowing."""
    z = np.asarray(z, dtype=float)
    # exp(-|z|) never overflows; pick the algebraically equal form per sign.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    """D sigmoid / dz = s (1 - s): at most 1/4, at z = 0, and near 0 once |z| is large."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: np.ndarray) -> np.ndarray:
    """The hyperbolic tangent, 2 sigmoid(2z) - 1."""
    return np.tanh(np.asarray(z, dtype=float))


def tanh_grad(z: np.ndarray) -> np.ndarray:
    """D tanh / dz = 1 - tanh(z)^2: at most 1, at z = 0."""
    return 1.0 - np.tanh(np.asarray(z, dtype=float)) ** 2


def relu(z: np.ndarray) -> np.ndarray:
    """The rectified linear unit max(0, z)."""
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def relu_grad(z: np.ndarray) -> np.ndarray:
    """D relu / dz: 1 for z > 0 and 0 otherwise (0 at z = 0, as torch and Keras choose)."""
    return (np.asarray(z, dtype=float) > 0).astype(float)


ACTIVATIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], ...]] = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
}
