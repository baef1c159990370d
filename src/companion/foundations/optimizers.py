"""SGD, momentum, RMSprop and Adam (优化器) in NumPy, step for step as ``torch.optim`` does them.

Each optimiser keeps its own state (velocity, running averages, step count)
and maps (parameters, gradient) to new parameters. The formulas follow
PyTorch's documented algorithms, defaults included, so the tests can compare
whole trajectories with ``torch.optim`` to rounding error.
"""

from collections.abc import Callable

import numpy as np

from companion.runtime.checks import check_number, check_probability


class Optimizer:
    """The common part: a learning rate and a ``step`` that returns updated parameters."""

    def __init__(self, lr: float):
        self.lr = check_number("lr", lr, above=0)

    def step(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Return the parameters after one update with gradient ``grad``."""
        raise NotImplementedError


class SGD(Optimizer):
    """Plain gradient descent: θ ← θ - lr g."""

    def step(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Return θ - lr g."""
        return params - self.lr * grad


class Momentum(Optimizer):
    """SGD with momentum (动量): v ← μ v + g (v = g at the first step), θ ← θ - lr v."""

    def __init__(self, lr: float, momentum: float = 0.9):
        super().__init__(lr)
        self.momentum = check_probability("momentum", momentum, one_allowed=False)
        self.velocity = None

    def step(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Accumulate the velocity, then move along it."""
        self.velocity = (
            grad.copy() if self.velocity is None else self.momentum * self.velocity + grad
        )
        return params - self.lr * self.velocity


class RMSprop(Optimizer):
    """RMSprop: s ← α s + (1 - α) g², θ ← θ - lr g / (√s + ε)."""

    def __init__(self, lr: float, alpha: float = 0.99, eps: float = 1e-8):
        super().__init__(lr)
        self.alpha = check_probability("alpha", alpha, one_allowed=False)
        self.eps, self.square_avg = check_number("eps", eps, above=0), None

    def step(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Scale each coordinate's step by its running root-mean-square gradient."""
        if self.square_avg is None:
            self.square_avg = np.zeros_like(grad)
        self.square_avg = self.alpha * self.square_avg + (1 - self.alpha) * grad**2
        return params - self.lr * grad / (np.sqrt(self.square_avg) + self.eps)


class Adam(Optimizer):
    """Adam: momentum on g, RMSprop on g², both bias-corrected."""

    def __init__(
        self,
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ):
        super().__init__(lr)
        beta1, beta2 = betas
        self.betas = (
            check_probability("beta1", beta1, one_allowed=False),
            check_probability("beta2", beta2, one_allowed=False),
        )
        self.eps, self.t = check_number("eps", eps, above=0), 0
        self.m = self.v = None  # running means of g and g², made at step 1

    def step(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """One update; dividing by 1 - β^t undoes m's and v's zero start."""
        b1, b2 = self.betas
        if self.m is None:
            self.m, self.v = np.zeros_like(grad), np.zeros_like(grad)
        self.t += 1
        self.m = b1 * self.m + (1 - b1) * grad
        self.v = b2 * self.v + (1 - b2) * grad**2
        m_hat, v_hat = self.m / (1 - b1**self.t), self.v / (1 - b2**self.t)
        return params - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def descend(
    optimizer: Optimizer,
    grad_fn: Callable[[np.ndarray], np.ndarray],
    start: np.ndarray,
    steps: int,
) -> np.ndarray:
    """Run ``steps`` updates from ``start`` and return the path, shape ``(steps + 1, d)``."""
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    path = [np.asarray(start, dtype=float)]
    for _ in range(steps):
        path.append(optimizer.step(path[-1], grad_fn(path[-1])))
    return np.stack(path)


def elongated_bowl(p: np.ndarray) -> np.ndarray:
    """f(x, y) = 0.1 x² + 2 y²: a valley 20 times steeper across than along, minimum at 0.

    Works on a point of shape ``(2,)`` or on grids ``(2, ...)`` for contour plots.
    """
    return 0.1 * p[0] ** 2 + 2.0 * p[1] ** 2


def elongated_bowl_grad(p: np.ndarray) -> np.ndarray:
    """∇f(x, y) = (0.2 x, 4 y)."""
    return np.array([0.2 * p[0], 4.0 * p[1]])
