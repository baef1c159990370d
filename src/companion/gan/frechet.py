"""The Fréchet distance between two Gaussians fitted to features (the idea behind FID).

FID (Heusel et al., 2017) fits a Gaussian to Inception-v3 features of real
images and another to those of generated images and reports the Fréchet
(2-Wasserstein) distance between them. The book uses the same formula in the
feature space of its own MNIST classifier, so its numbers are comparable with
each other, not with published FIDs.
"""

import numpy as np


def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``(d,)`` and covariance ``(d, d)`` of ``features`` ``(n, d)``, n >= 2."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError(f"features must be (n >= 2, d), got shape {features.shape}")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    # Symmetric square root through the eigendecomposition; rounding can make
    # tiny eigenvalues negative, which are clipped to 0.
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance(
    stats_a: tuple[np.ndarray, np.ndarray], stats_b: tuple[np.ndarray, np.ndarray]
) -> float:
    """‖μ_a − μ_b‖² + tr(Σ_a + Σ_b − 2 (Σ_a^½ Σ_b Σ_a^½)^½) for two (mean, covariance) pairs.

    Written with symmetric square roots only, which is exact for covariance
    matrices and avoids the complex numbers that a general matrix square root
    of Σ_a Σ_b can produce through rounding.
    """
    (mu_a, cov_a), (mu_b, cov_b) = stats_a, stats_b
    if mu_a.shape != mu_b.shape or cov_a.shape != cov_b.shape or cov_a.shape != mu_a.shape * 2:
        raise ValueError(
            f"statistics do not match: {mu_a.shape}, {cov_a.shape} vs {mu_b.shape}, {cov_b.shape}"
        )
    root_a = _sqrt_psd(cov_a)
    cross = np.trace(_sqrt_psd(root_a @ cov_b @ root_a))
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * cross)
