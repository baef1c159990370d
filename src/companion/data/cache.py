"""The cache directory, and checking that a file in it is the right one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pooch

__all__ = ["DATA_DIR_ENV", "data_dir", "file_problem", "is_writable"]

#: Environment variable that overrides the cache directory.
DATA_DIR_ENV = "COMPANION_DATA_DIR"


def data_dir() -> Path:
    """Return the cache directory that the data layer reads and downloads into.

    ``$COMPANION_DATA_DIR`` if it is set and not empty (it may point at a read-only,
    pre-filled cache); otherwise the per-user cache :func:`pooch.os_cache` gives for
    ``companion``: ``$XDG_CACHE_HOME/companion`` or ``~/.cache/companion`` on Linux,
    ``~/Library/Caches/companion`` on macOS. The directory is not created here:
    only a download creates it.
    """
    override = os.environ.get(DATA_DIR_ENV, "")
    if override:
        return Path(override).expanduser().absolute()
    return pooch.os_cache("companion")


def file_problem(path: Path, size: int, sha256: str) -> str | None:
    """Say what is wrong with the file at ``path``, or return None if it is right.

    The size is compared first because it is free; the hash is computed only for
    a file of the right size.
    """
    if not path.is_file():
        return "is missing" if not path.exists() else "is not a regular file"
    actual_size = path.stat().st_size
    if actual_size != size:
        return f"has {actual_size} bytes, expected {size}"
    actual_sha = pooch.file_hash(str(path), alg="sha256")
    if actual_sha != sha256:
        return f"has SHA-256 {actual_sha}, expected {sha256}"
    return None


def is_writable(directory: Path) -> bool:
    """Whether a file can be created in ``directory`` (or in it once it is created).

    Looks at the nearest existing ancestor. A directory with no write permission
    bits counts as read-only even for root, who could write there anyway: a cache
    shipped read-only (such as CI's pre-filled one) must never be modified.
    """
    existing = directory
    while not existing.exists():  # ends at the root or at "." at the latest
        existing = existing.parent
    mode = existing.stat().st_mode
    return (
        stat.S_ISDIR(mode)
        and bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        and os.access(existing, os.W_OK)
    )
