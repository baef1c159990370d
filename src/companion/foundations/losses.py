"""Loss functions (损失函数) written from their definitions, in NumPy.

Shapes follow the frameworks: ``logits`` is ``(batch, classes)`` and
``labels`` holds class indices ``(batch,)``, as in
``torch.nn.functional.cross_entropy`` and Keras's
``SparseCategoricalCrossentropy(from_logits=True)``.
"""

import numpy as np


def mse(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    """Mean squared error (均方误差): the mean of (y_pred - y_true)^2 over every element."""
    y_pred, y_true = np.asarray(y_pred, dtype=float), np.asarray(y_true, dtype=float)
    if y_pred.shape != y_true.shape:
        # Broadcasting (n,) against (n, 1) silently builds an (n, n) matrix: refuse it.
        raise ValueError(f"shapes differ: y_pred {y_pred.shape} vs y_true {y_true.shape}")
    if y_pred.size == 0:
        raise ValueError("mse of empty arrays is undefined")
    return float(np.mean((y_pred - y_true) ** 2))


def logsumexp(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(sum(exp(z))) along ``axis``, as m + log(sum(exp(z - m))).

    Here m = max(z). Subtracting the maximum makes the largest exponent
    exp(0) = 1, so nothing overflows, and the sum is at least 1, so the log
    never sees 0.
    """
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=axis, keepdims=True)
    total = np.sum(np.exp(z - m), axis=axis)  # at least 1
    return np.squeeze(m, axis=axis) + np.log(total)


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z) / sum(exp(z)) along ``axis``, through the stable log-sum-exp."""
    z = np.asarray(z, dtype=float)
    return np.exp(z - np.expand_dims(logsumexp(z, axis=axis), axis))


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy (交叉熵) of class labels under softmax(logits).

    Per example: -log softmax(z)[y] = logsumexp(z) - z[y]. Working with
    logits instead of probabilities keeps it finite where log(softmax)
    would give log(0) = -inf.
    """
    # (batch, classes) and (batch,)
    logits, labels = _logits_and_labels(logits, labels)
    picked = logits[np.arange(len(labels)), labels]  # z_y of each example
    return float(np.mean(logsumexp(logits, axis=1) - picked))


def _logits_and_labels(logits: object, labels: object) -> tuple[np.ndarray, np.ndarray]:
    """``logits`` as floats ``(batch, classes)`` and ``labels`` as class indices ``(batch,)``."""
    logits, labels = np.asarray(logits, dtype=float), np.asarray(labels)
    if logits.ndim != 2:
        raise ValueError(f"logits must be (batch, classes), got shape {logits.shape}")
    if labels.shape != logits.shape[:1]:
        raise ValueError(f"labels must be ({logits.shape[0]},), got shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"labels must be integer class indices, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= logits.shape[1]):
        raise ValueError(
            f"labels must lie in [0, {logits.shape[1]}), got {labels.min()}..{labels.max()}"
        )
    return logits, labels
