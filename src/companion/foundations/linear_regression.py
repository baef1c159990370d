"""Linear regression fitted by gradient descent (梯度下降) and by least squares.

The model is y ≈ X w, with a column of ones in X standing for the bias. The
loss is the mean squared error L(w) = (1/n) ||X w - y||^2, whose gradient is
∇L(w) = (2/n) Xᵀ (X w - y).
"""

from dataclasses import dataclass, field

import numpy as np

from companion.runtime.checks import check_int, check_number


def add_bias_column(X: np.ndarray) -> np.ndarray:
    """Append a column of ones so that the last weight plays the role of the bias."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be (samples, features), got shape {X.shape}")
    return np.hstack([X, np.ones((X.shape[0], 1))])


def make_regression(
    n: int, w: np.ndarray, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Sample ``n`` points y = X w + noise, X with a bias column (its last weight is the bias).

    Args:
        n: number of samples.
        w: true weights, the last one the bias: shape ``(features + 1,)``.
        noise: standard deviation of the Gaussian noise added to y.
        rng: the NumPy generator to draw from.

    Returns:
        ``X`` of shape ``(n, features + 1)`` and ``y`` of shape ``(n,)``.

    """
    w = np.asarray(w, dtype=float)
    if n < 1 or w.ndim != 1 or w.size < 2 or noise < 0:
        raise ValueError("need n >= 1, w of shape (features + 1,) with features >= 1, noise >= 0")
    X = add_bias_column(rng.normal(size=(n, w.size - 1)))
    return X, X @ w + noise * rng.normal(size=n)


def mse_loss(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """L(w) = (1/n) ||X w - y||^2."""
    r = X @ w - y
    return float(r @ r / len(y))


def mse_gradient(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∇L(w) = (2/n) Xᵀ (X w - y), derived by hand in the chapter."""
    return 2.0 / len(y) * X.T @ (X @ w - y)


def least_squares(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The closed-form minimiser of the MSE, solved stably (SVD) rather than with (XᵀX)⁻¹."""
    return np.linalg.lstsq(X, y, rcond=None)[0]


def max_stable_learning_rate(X: np.ndarray) -> float:
    """The largest learning rate for which full-batch gradient descent converges: 2 / λ_max.

    The Hessian of the MSE is H = (2/n) XᵀX; along its top eigenvector each
    step multiplies the error by (1 - lr λ_max), which shrinks only while
    lr < 2 / λ_max.
    """
    hessian = 2.0 / X.shape[0] * X.T @ X
    return float(2.0 / np.linalg.eigvalsh(hessian)[-1])


@dataclass
class GDResult:
    """What a gradient-descent run returns: final weights and the loss after each epoch."""

    w: np.ndarray
    losses: list[float] = field(default_factory=list)
    steps: int = 0


def gradient_descent(
    X: np.ndarray,
    y: np.ndarray,
    lr: float,
    epochs: int,
    batch_size: int | None = None,
    rng: np.random.Generator | None = None,
) -> GDResult:
    """Minimise the MSE by gradient descent from w = 0, in batches or not.

    Args:
        X: inputs with a bias column, ``(n, d)``.
        y: targets, ``(n,)``.
        lr: learning rate (学习率), > 0.
        epochs: passes over the data.
        batch_size: ``None`` for full-batch gradient descent, 1 for
            stochastic gradient descent, anything between for mini-batch.
        rng: shuffles the samples each epoch; needed unless full-batch.

    Returns:
        The weights, the full-data loss before training and after each epoch
        (``epochs + 1`` values), and the number of update steps taken.

    """
    X, y, size = _descent_arguments(X, y, lr, epochs, batch_size, rng)
    n = len(y)
    result = GDResult(w=np.zeros(X.shape[1]))
    result.losses.append(mse_loss(result.w, X, y))
    for _ in range(epochs):
        order = np.arange(n) if size == n else rng.permutation(n)
        for start in range(0, n, size):
            batch = order[start : start + size]
            gradient = mse_gradient(result.w, X[batch], y[batch])
            result.w = result.w - lr * gradient
            result.steps += 1
        result.losses.append(mse_loss(result.w, X, y))
    return result


def _descent_arguments(
    X: object, y: object, lr: float, epochs: int, batch_size: int | None, rng: object
) -> tuple[np.ndarray, np.ndarray, int]:
    """Check :func:`gradient_descent`'s arguments; return X, y and the batch size."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    n = len(y)
    if X.ndim != 2 or X.shape[0] != n:
        raise ValueError(f"X must be (n, d) with n = len(y) = {n}, got shape {X.shape}")
    check_number("lr", lr, above=0), check_int("epochs", epochs, minimum=0)
    size = n if batch_size is None else check_int("batch_size", batch_size)
    if size > n:
        raise ValueError(f"batch_size must be in 1..{n} or None, got {batch_size}")
    if size < n and rng is None:
        raise ValueError("stochastic and mini-batch descent need an rng to shuffle with")
    return X, y, size
