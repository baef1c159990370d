"""Data for the book: a registry of pinned files, a verified cache and the loaders.

All data comes through this package. Each file is listed in :data:`REGISTRY`
with its mirror URLs, size and SHA-256, and lives in a cache directory
(:func:`data_dir`: ``$COMPANION_DATA_DIR``, else the per-user cache, on Linux
``$XDG_CACHE_HOME/companion`` or ``~/.cache/companion``). A file is downloaded
(with pooch) the first time a loader needs it, never at import, and every copy,
cached or fresh, is checked against its hash. ``COMPANION_DATA_DIR`` may point at
a read-only, pre-filled cache.

Loaders:

* :func:`load_mnist` -- MNIST as uint8 arrays, ``"full"`` or the offline ``"small"``;
  :func:`mnist_subset_at_hand` says whether ``"full"`` can be had here;
* :func:`load_tinyshakespeare` -- the Tiny Shakespeare corpus as a string;
* :func:`load_sst2` -- SST-2 sentences and labels.

This package needs NumPy, pooch (with requests) and tqdm only; it never imports a
deep-learning framework.
"""

from .cache import data_dir
from .download import DataUnavailableError, fetch, fetch_file
from .idx import IdxFormatError, parse_idx
from .mnist import load_mnist, mnist_subset_at_hand
from .registry import REGISTRY, RemoteFile
from .text import load_sst2, load_tinyshakespeare

__all__ = [
    "REGISTRY",
    "DataUnavailableError",
    "IdxFormatError",
    "RemoteFile",
    "data_dir",
    "fetch",
    "fetch_file",
    "load_mnist",
    "load_sst2",
    "load_tinyshakespeare",
    "mnist_subset_at_hand",
    "parse_idx",
]
