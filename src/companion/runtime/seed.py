"""Seeding every random number generator a chapter may touch."""

import random
import sys

import numpy as np

from companion.runtime.checks import check_int


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy, and every deep-learning framework already imported.

    torch, Keras and TensorFlow are seeded only when the chapter has imported
    them before this call: importing TensorFlow just to seed it would cost
    seconds and memory in chapters that never use it. Import your frameworks
    first, then seed.

    Args:
        seed: a non-negative integer.

    Returns:
        A fresh NumPy ``Generator`` seeded with ``seed``, for the chapter's own
        sampling (preferred over the legacy global ``np.random`` state).

    """
    seed = check_int("seed", seed, minimum=0)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)  # seeds CPU and every CUDA device
    if "tensorflow" in sys.modules:
        if "keras" in sys.modules:
            # Also resets Keras's global SeedGenerator. Not called without TensorFlow
            # loaded: it would import TensorFlow (seconds, and log noise) just to seed it.
            sys.modules["keras"].utils.set_random_seed(seed)
        else:
            sys.modules["tensorflow"].random.set_seed(seed)
    # Keras on the torch backend without TensorFlow: its layers draw from torch's
    # generator (seeded above) and keras.random from a SeedGenerator that starts
    # from Python's random module (seeded above).
    return np.random.default_rng(seed)
