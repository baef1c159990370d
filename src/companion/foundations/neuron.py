"""Backpropagation (反向传播) by hand through one sigmoid neuron.

Forward: z = x w + b, a = σ(z), then a loss. Backward, by the chain rule:
∂L/∂w = xᵀ (∂L/∂a · σ'(z)) and ∂L/∂b = Σ ∂L/∂a · σ'(z), with σ'(z) = a (1 - a).
"""

import numpy as np

from companion.foundations.activations import sigmoid
from companion.runtime.checks import check_choice

LOSSES = ("squared", "cross_entropy")


def neuron_gradients(
    w: np.ndarray,
    b: float,
    x: np.ndarray,
    y: np.ndarray,
    loss: str = "squared",
) -> tuple[float, np.ndarray, float]:
    """Loss and gradients of a sigmoid neuron on a batch, by the chain rule.

    Args:
        w: weights ``(d,)``.
        b: bias.
        x: inputs ``(n, d)``.
        y: targets in [0, 1], ``(n,)``.
        loss: ``"squared"`` for mean ½(a - y)², whose gradient carries
            the factor σ'(z) and so vanishes when the neuron saturates, or
            ``"cross_entropy"`` for the mean binary cross-entropy, where
            that factor cancels and ∂L/∂z = a - y.

    Returns:
        ``(loss, dL/dw, dL/db)``.

    """
    w, x, y = _batch(w, x, y)
    check_choice("loss", loss, LOSSES)
    n = len(y)
    z = x @ w + b  # (n,)
    a = sigmoid(z)
    if loss == "squared":
        value = float(np.mean(0.5 * (a - y) ** 2))
        dz = (a - y) / n * a * (1 - a)  # ∂L/∂a · σ'(z)
    else:
        # -[y log a + (1-y) log(1-a)] = softplus(z) - y z, written so that
        # exp never overflows.
        softplus = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
        value = float(np.mean(softplus - y * z))
        dz = (a - y) / n  # σ'(z) cancels the 1/(a(1-a)) of the log-loss
    return value, x.T @ dz, float(dz.sum())


def _batch(w: object, x: object, y: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``w`` (d,), ``x`` (n, d) and ``y`` (n,) as float arrays, or a ValueError."""
    w, x, y = (np.asarray(v, dtype=float) for v in (w, x, y))
    if x.ndim != 2 or w.shape != x.shape[1:] or y.shape != x.shape[:1]:
        raise ValueError(f"need x (n, d), w (d,), y (n,); got {x.shape}, {w.shape}, {y.shape}")
    return w, x, y
