import math

import numpy as np
import pytest

from companion.bert.probes import share_interval, swap_verdict


def test_share_interval_is_wilsons_and_stays_in_bounds():
    low, high = share_interval(500, 1000)
    assert low < 0.5 < high and math.isclose(high - 0.5, 0.5 - low)
    assert math.isclose(high - low, 2 * 1.96 * math.sqrt(0.25 / 1000), rel_tol=1e-2)
    low, high = share_interval(0, 50)
    assert abs(low) < 1e-12 and 0.0 < high < 0.1  # not a point at 0
    low, high = share_interval(50, 50)
    assert 0.9 < low < 1.0 and abs(high - 1.0) < 1e-12


def test_share_interval_covers_the_true_share_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    n, p = 400, 0.3
    covered = [
        low <= p <= high
        for low, high in (share_interval(int(k), n) for k in rng.binomial(n, p, size=2000))
    ]
    assert 0.93 < np.mean(covered) < 0.97


def test_share_interval_bad_arguments():
    with pytest.raises(ValueError, match="at most n"):
        share_interval(11, 10)
    with pytest.raises(ValueError):
        share_interval(-1, 10)
    with pytest.raises(ValueError):
        share_interval(0, 0)


TRUE, RANDOM = (0.60, 0.66), (0.30, 0.36)


@pytest.mark.parametrize(
    ("swapped", "verdict"),
    [
        ((0.32, 0.38), "order"),  # overlaps random only
        ((0.20, 0.26), "order"),  # below random: swapping costs even more
        ((0.58, 0.64), "topic"),  # overlaps true only
        ((0.70, 0.76), "topic"),  # above true
        ((0.45, 0.51), "order and topic"),  # strictly between
        ((0.34, 0.62), "undecided"),  # overlaps both
    ],
)
def test_swap_verdict(swapped, verdict):
    assert swap_verdict(TRUE, RANDOM, swapped) == verdict


def test_swap_verdict_is_undecided_when_true_and_random_overlap():
    # The model does not yet tell true pairs from random ones.
    assert swap_verdict((0.48, 0.54), (0.46, 0.52), (0.30, 0.36)) == "undecided"
    assert swap_verdict(RANDOM, TRUE, (0.30, 0.36)) == "undecided"  # upside down


def test_swap_verdict_refuses_what_is_not_an_interval():
    with pytest.raises(ValueError, match="swapped"):
        swap_verdict(TRUE, RANDOM, (0.5, 0.4))
    with pytest.raises(ValueError, match="true"):
        swap_verdict((-0.1, 0.2), RANDOM, RANDOM)
