"""The cache directory, and checking that a file in it is the right one."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

__all__ = ["DATA_DIR_ENV", "data_dir", "file_problem", "is_writable", "sha256_of"]

#: Environment variable that overrides the cache directory.
DATA_DIR_ENV = "COMPANION_DATA_DIR"

_CHUNK = 1 << 20


def data_dir() -> Path:
    """Return the cache directory that the data layer reads and downloads into.

    ``$COMPANION_DATA_DIR`` if it is set and not empty (it may point at a read-only,
    pre-filled cache); otherwise ``$XDG_CACHE_HOME/companion``, or
    ``~/.cache/companion`` when ``XDG_CACHE_HOME`` is unset or not absolute (as the
    XDG spec asks). The directory is not created here: only a download creates it.
    """
    override = os.environ.get(DATA_DIR_ENV, "")
    if override:
        return Path(override).expanduser().absolute()
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "companion"


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of the file at ``path``, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


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
    actual_sha = sha256_of(path)
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
