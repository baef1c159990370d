import numpy as np
import pytest
from scipy import linalg

from companion.gan.frechet import frechet_distance, gaussian_stats


def reference(stats_a, stats_b):
    """The textbook formula with scipy's general matrix square root."""
    (mu_a, cov_a), (mu_b, cov_b) = stats_a, stats_b
    root = linalg.sqrtm(cov_a @ cov_b).real
    return np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a + cov_b - 2 * root)


def test_matches_the_textbook_formula_and_known_cases():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 6))
    b = rng.normal(size=(400, 6)) @ rng.normal(size=(6, 6)) + 2.0
    sa, sb = gaussian_stats(a), gaussian_stats(b)
    assert frechet_distance(sa, sb) == pytest.approx(reference(sa, sb), rel=1e-6)
    assert frechet_distance(sa, sa) == pytest.approx(0.0, abs=1e-8)
    # Two isotropic Gaussians: ‖Δμ‖² + d (σ_a − σ_b)².
    iso_a = (np.zeros(3), np.eye(3))
    iso_b = (np.ones(3), 4 * np.eye(3))
    assert frechet_distance(iso_a, iso_b) == pytest.approx(3 + 3 * (1 - 2) ** 2)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="n >= 2"):
        gaussian_stats(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="do not match"):
        frechet_distance((np.zeros(2), np.eye(2)), (np.zeros(3), np.eye(3)))
