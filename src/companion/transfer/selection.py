"""Choosing the data of a few-label transfer task: digits, labels per class, a validation split.

Every choice is seeded, and every index set is disjoint from the ones the
chapter holds out, so that no test image leaks into training.
"""

from collections.abc import Sequence

import numpy as np

from companion.runtime.checks import check_int


def select_digits(
    images: np.ndarray, labels: np.ndarray, digits: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the images of the given ``digits`` and relabel them 0, 1, … in that order.

    ``select_digits(x, y, [5, 6, 7, 8, 9])`` turns the digit 5 into class 0,
    6 into 1 and so on, the labels a 5-way classifier is trained on.

    Returns:
        ``(images, labels)``: the selected images in their original order, and
        int64 labels.

    """
    labels = np.asarray(labels)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    digits = [int(d) for d in digits]
    if not digits or len(set(digits)) != len(digits):
        raise ValueError(f"digits must be distinct and non-empty, got {digits}")
    missing = [d for d in digits if not np.any(labels == d)]
    if missing:
        raise ValueError(f"no image of digit(s) {missing} in the labels")
    keep = np.isin(labels, digits)
    lookup = np.full(int(labels.max()) + 1, -1, dtype=np.int64)
    lookup[digits] = np.arange(len(digits))
    return images[keep], lookup[labels[keep]]


def sample_per_class(labels: np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of ``per_class`` randomly chosen examples of every class, sorted.

    This is how a few-label data set is drawn: the same number of labelled
    examples of each class, and a different draw for a different ``seed``.

    Raises:
        ValueError: if ``per_class`` is not positive or a class has fewer examples.

    """
    labels = np.asarray(labels)
    check_int("per_class", per_class)
    rng = np.random.default_rng(seed)
    chosen = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if len(members) < per_class:
            raise ValueError(f"class {c} has {len(members)} examples, fewer than {per_class}")
        chosen.append(rng.choice(members, size=per_class, replace=False))
    return np.sort(np.concatenate(chosen))


def split_validation(n: int, val_size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Split ``range(n)`` at random into training and validation indices (each sorted).

    The validation part is for every choice made while training (epochs,
    hyper-parameters, which checkpoint to keep); the test set is not touched
    until the end.
    """
    check_int("n", n, minimum=None), check_int("val_size", val_size, minimum=None)
    if not 0 < val_size < n:
        raise ValueError(f"need 0 < val_size < n, got val_size={val_size}, n={n}")
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[val_size:]), np.sort(order[:val_size])
