"""One-line argument checks, shared by every module of the package.

A public function of :mod:`companion` checks its arguments so that a wrong
call fails at once with a message that names the argument, says what was
expected and shows what was passed. These helpers keep each such check to one
readable line in the code that a chapter shows on its page::

    d_model = check_int("d_model", d_model)
    p = check_probability("dropout", dropout, one_allowed=False)

Each returns the value it checked (as a plain ``int`` or ``float``), raises
:class:`TypeError` for a value of the wrong kind and :class:`ValueError` for one
out of range. ``True`` and ``False`` are refused where a number is expected:
``bool`` is a subclass of ``int`` in Python, and passing one is nearly always a
bug. This module imports no framework; :func:`check_tensor` imports torch only
when it is called.
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Collection
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import torch

__all__ = ["check_choice", "check_int", "check_number", "check_probability", "check_tensor"]

T = TypeVar("T")

_COMPARE = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def check_int(name: str, value: object, minimum: int | None = 1) -> int:
    """Return ``value`` as an ``int``, refusing bools, floats and values below ``minimum``.

    NumPy integers are accepted (indices and sizes often come from arrays).

    Args:
        name: The argument's name, for the message.
        value: What was passed.
        minimum: The smallest value allowed, or None for no lower bound.

    Raises:
        TypeError: If ``value`` is not an integer (``True``, ``2.0`` and ``"2"`` are not).
        ValueError: If ``value`` is below ``minimum``.

    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def check_number(
    name: str,
    value: object,
    *,
    above: float | None = None,
    at_least: float | None = None,
    below: float | None = None,
    at_most: float | None = None,
) -> float:
    """Return ``value`` as a ``float``, checking it against open or closed bounds.

    Args:
        name: The argument's name, for the message.
        value: What was passed: an int or a float (NaN is refused).
        above: If given, ``value`` must be greater than this.
        at_least: If given, ``value`` must be at least this.
        below: If given, ``value`` must be less than this.
        at_most: If given, ``value`` must be at most this.

    Raises:
        TypeError: If ``value`` is not a real number, or is a bool.
        ValueError: If ``value`` is NaN or outside the bounds.

    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    number = float(value)
    # Each bound that was given: its text for the message, and whether it holds.
    bounds = [
        (f"{op} {limit}", _COMPARE[op](number, limit))
        for op, limit in ((">", above), (">=", at_least), ("<", below), ("<=", at_most))
        if limit is not None
    ]
    if number != number or not all(holds for _, holds in bounds):  # NaN fails every bound
        wanted = " and ".join(text for text, _ in bounds) or "(not NaN)"
        raise ValueError(f"{name} must be a number {wanted}, got {value!r}")
    return number


def check_probability(name: str, value: object, *, one_allowed: bool = True) -> float:
    """Return ``value`` as a ``float`` in [0, 1], or in [0, 1) if ``one_allowed`` is false.

    Raises:
        TypeError: If ``value`` is not a real number, or is a bool.
        ValueError: If ``value`` lies outside the interval.

    """
    if one_allowed:
        return check_number(name, value, at_least=0.0, at_most=1.0)
    return check_number(name, value, at_least=0.0, below=1.0)


def check_choice(name: str, value: T, choices: Collection[T]) -> T:
    """Return ``value`` if it is one of ``choices``.

    Raises:
        ValueError: If it is not; the message lists the choices.

    """
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_tensor(name: str, value: object, *, min_dim: int = 0) -> torch.Tensor:
    """Return ``value`` if it is a ``torch.Tensor`` with at least ``min_dim`` dimensions.

    Raises:
        TypeError: If ``value`` is not a tensor.
        ValueError: If it has fewer than ``min_dim`` dimensions.

    """
    import torch  # here, not at the top: this module must not import a framework

    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if value.dim() < min_dim:
        raise ValueError(
            f"{name} must have at least {min_dim} dims, got shape {tuple(value.shape)}"
        )
    return value
