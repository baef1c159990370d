"""Reading a pre-trained BERT's NSP head: shares with their intervals, and the swap test.

ALBERT's authors (Lan et al., 2020) argued that NSP mixes two questions, *are
A and B about the same topic?* and *does B continue A?*, and separated them
by swapping true pairs: the topic stays, the order goes. A model that judges
topic calls swapped pairs ``IsNext`` about as often as true ones; one that
judges order calls them ``IsNext`` about as rarely as random pairs.
:func:`swap_verdict` says which, from the three shares and their 95%
intervals, and says ``"undecided"`` when the intervals cannot tell.
"""

from __future__ import annotations

import math

from companion.runtime.checks import check_int

#: The normal quantile of a two-sided 95% interval.
Z_95 = 1.959963984540054


def share_interval(hits: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson's interval for a share ``hits / n`` (95% by default).

    Unlike the textbook ``p ± z·sqrt(p(1-p)/n)``, Wilson's interval stays
    inside [0, 1] and does not shrink to a point when ``hits`` is 0 or ``n``.

    Raises:
        ValueError: unless ``0 <= hits <= n`` and ``n >= 1``.

    """
    check_int("n", n)
    check_int("hits", hits, minimum=0)
    if hits > n:
        raise ValueError(f"hits must be at most n, got {hits} of {n}")
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)  # rounding


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def swap_verdict(
    true: tuple[float, float], random: tuple[float, float], swapped: tuple[float, float]
) -> str:
    """What the swap test says NSP judges, from three intervals of the IsNext share.

    Args:
        true: the interval of the share of true pairs called ``IsNext``.
        random: the same for random pairs (B from another document).
        swapped: the same for true pairs with A and B swapped.

    Returns:
        ``"undecided"`` if the true and random intervals overlap (the model
        does not tell true pairs from random ones well enough for the test to
        mean anything) or if the swapped interval overlaps both; otherwise
        ``"order"`` if the swapped share's interval overlaps the random
        share's or lies below it (swapping costs what a random B costs, or
        more), ``"topic"`` if it overlaps the true share's or lies above it
        (swapping costs nothing), and ``"order and topic"`` if it lies
        strictly between the two (swapping costs something, a random B
        more).

    """
    for name, (low, high) in (("true", true), ("random", random), ("swapped", swapped)):
        if not 0.0 <= low <= high <= 1.0:
            raise ValueError(f"{name} must be an interval (low, high) inside [0, 1]")
    if not random[1] < true[0]:
        return "undecided"
    near_true, near_random = _overlap(swapped, true), _overlap(swapped, random)
    if near_true and near_random:
        return "undecided"
    if near_random or swapped[1] < random[0]:
        return "order"
    if near_true or swapped[0] > true[1]:
        return "topic"
    return "order and topic"
