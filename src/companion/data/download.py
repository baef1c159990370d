"""Verified downloads into the cache, on pooch, with mirror fallback and bounded retries.

One attempt at one URL is :func:`pooch.retrieve`: it streams the body into a
temporary file in the cache folder, checks its SHA-256 and only then renames it
into place, so a failed download never leaves a file that looks like a good one.
Added here: mirrors tried in turn, retries only for failures that may pass (pooch's
``retry_if_failed`` would retry a wrong checksum too), zip members verified, a
read-only cache never written, and an error that says what to do.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pooch
import requests
from tqdm.auto import tqdm

from companion.runtime.checks import check_int, check_number

from .cache import DATA_DIR_ENV, data_dir, file_problem, is_writable
from .registry import RemoteFile, lookup

__all__ = ["ATTEMPTS", "BACKOFF_S", "TIMEOUT_S", "DataUnavailableError", "fetch", "fetch_file"]

#: Attempts per URL before moving on to the next mirror.
ATTEMPTS = 2
#: Seconds to wait for a connection or for the next bytes of a response.
TIMEOUT_S = 30.0
#: Pause before retry number ``k`` is ``BACKOFF_S * k`` seconds (read at call time).
BACKOFF_S = 1.0

_CHUNK = 1 << 16
# The kinds of transient failure, as the message names them.
_KINDS = (
    (requests.Timeout, "timed out"),
    (requests.ConnectionError, "cannot connect"),  # refused, reset, unknown host
    (requests.exceptions.ChunkedEncodingError, "truncated body"),  # fewer bytes than announced
)

# What pooch calls to fetch a URL into a file: (url, output_file, pooch instance).
_Downloader = Callable[[str, str, object], None]


class DataUnavailableError(RuntimeError):
    """A data file is neither in the cache nor downloadable; the message says what to do."""


class _AttemptError(Exception):
    """One attempt at one URL failed; ``transient`` says whether retrying it may help."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


def fetch(path_or_name: str) -> Path:
    """Return the local path of a registry file, downloading it if needed.

    Args:
        path_or_name: A registry path (``"sst2/dev.tsv"``) or an unambiguous file
            name (``"dev.tsv"``); see :data:`companion.data.REGISTRY`.

    Returns:
        The path of a copy in :func:`~companion.data.data_dir` whose size and
        SHA-256 have just been checked.

    Raises:
        TypeError: If ``path_or_name`` is not a str.
        ValueError: If no registry file has that path or name.
        DataUnavailableError: If the file is not cached and cannot be downloaded.

    """
    return fetch_file(lookup(path_or_name), data_dir())


def fetch_file(
    remote: RemoteFile,
    cache_dir: str | os.PathLike[str],
    *,
    attempts: int = ATTEMPTS,
    timeout: float = TIMEOUT_S,
) -> Path:
    """Return the verified path of ``remote`` in ``cache_dir``, downloading it if needed.

    A cached copy is used only if its size and SHA-256 match; a missing or corrupt
    one is (re)downloaded. Each URL of ``remote`` is tried in order, each up to
    ``attempts`` times for errors that may pass (connection errors, timeouts,
    truncated bodies, HTTP 5xx, 408 and 429) and once for those that will not
    (other HTTP 4xx, wrong size or checksum, a bad archive). A cache hit writes
    nothing, so ``cache_dir`` may be read-only.

    Args:
        remote: What to fetch.
        cache_dir: The cache directory; the file lives at ``cache_dir / remote.path``.
        attempts: Attempts per URL, at least 1.
        timeout: Seconds to wait for a connection or for data, greater than 0.

    Raises:
        TypeError: If ``remote`` is not a :class:`RemoteFile`, ``cache_dir`` not a
            path, ``attempts`` not an int or ``timeout`` not a number.
        ValueError: If ``attempts`` or ``timeout`` is out of range.
        DataUnavailableError: If the file is missing or corrupt and either the cache
            directory is read-only or every URL failed. The message names the file,
            the cache directory, each URL tried with its failure, and what to do.

    """
    if not isinstance(remote, RemoteFile):
        raise TypeError(f"remote must be a RemoteFile, got {type(remote).__name__}")
    if not isinstance(cache_dir, (str, os.PathLike)):
        raise TypeError(f"cache_dir must be a path, got {type(cache_dir).__name__}")
    attempts = check_int("attempts", attempts)
    timeout = check_number("timeout", timeout, above=0)
    cache_dir = Path(cache_dir)
    target = cache_dir / remote.path
    problem = file_problem(target, remote.size, remote.sha256)
    if problem is None:
        return target
    if not is_writable(target.parent):
        raise DataUnavailableError(_read_only_message(remote, cache_dir, problem))
    failures: list[str] = []
    # pooch logs each step at INFO: the bar already shows progress, and its hint to pin
    # the zip's hash is not for readers.
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        for url in remote.urls:
            for attempt in range(1, attempts + 1):
                try:
                    _download(url, remote, target, timeout)
                except _AttemptError as failure:
                    failures.append(f"{url} (attempt {attempt}): {failure.reason}")
                    if not failure.transient:
                        break
                    if attempt < attempts:
                        time.sleep(BACKOFF_S * attempt)
                else:
                    return target
    finally:
        logger.setLevel(level)
    raise DataUnavailableError(_offline_message(remote, cache_dir, problem, failures))


def _download(url: str, remote: RemoteFile, target: Path, timeout: float) -> None:
    """Make one attempt at ``url``, turning each way it can fail into an :class:`_AttemptError`."""
    downloader = _downloader(Path(remote.path).name, remote.size, timeout)
    try:
        if remote.member is None:
            # pooch checks the SHA-256 of its temporary file, then renames it to target.
            pooch.retrieve(
                url, remote.sha256, fname=target.name, path=target.parent, downloader=downloader
            )
        else:
            _download_member(url, remote, target, downloader)
    except requests.HTTPError as error:
        code = error.response.status_code
        # Server errors and throttling may clear up; a 404 or 403 will not.
        transient = code >= 500 or code in (408, 429)
        raise _AttemptError(f"HTTP {code} {error.response.reason}", transient=transient) from None
    except requests.RequestException as error:
        # Timeouts, refused or broken connections and truncated bodies may pass; requests'
        # ValueError subclasses (InvalidURL and the like) will not.
        kind = next((text for cls, text in _KINDS if isinstance(error, cls)), type(error).__name__)
        transient = not isinstance(error, ValueError)
        raise _AttemptError(f"{kind}: {_reason(error)}", transient=transient) from None
    except ValueError as error:  # pooch's checksum mismatch; it has deleted the download
        raise _AttemptError(str(error), transient=False) from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise _AttemptError(f"not a valid zip archive: {error}", transient=False) from None


def _download_member(url: str, remote: RemoteFile, target: Path, downloader: _Downloader) -> None:
    """Download the zip at ``url`` and place its verified member ``remote.member`` at ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # The zip and what pooch unpacks stay in a scratch folder on target's file system
    # (so that the final rename is atomic), which goes away whatever happens.
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}.") as scratch:
        unzip = pooch.Unzip(members=[remote.member], extract_dir="unzipped")
        # No known hash: the registry pins the member, not the archive.
        pooch.retrieve(
            url, None, fname="archive.zip", path=scratch, processor=unzip, downloader=downloader
        )
        member = Path(scratch, "unzipped", remote.member)
        problem = file_problem(member, remote.size, remote.sha256)  # "is missing" if absent
        if problem is not None:
            raise _AttemptError(f"archive member {remote.member} {problem}", transient=False)
        os.chmod(member, 0o644)
        os.replace(member, target)


def _downloader(label: str, size: int, timeout: float) -> _Downloader:
    """Return pooch's HTTP downloader, with a bar shown only on a terminal or in a notebook."""

    def download(url: str, output_file: str, pooch_instance: object) -> None:
        # disable=None: silence in logs and tests. pooch uses a bar only if it is truthy
        # (a positive total) and then sets the Content-Length as its total.
        bar_options = {"unit": "B", "unit_scale": True, "leave": False, "disable": None}
        with tqdm(total=max(size, 1), desc=label, **bar_options) as bar:
            http = pooch.HTTPDownloader(progressbar=bar, chunk_size=_CHUNK, timeout=timeout)
            http(url, output_file, pooch_instance)
        # Temporary files are created 0600; pooch renames this one into the cache as it is.
        os.chmod(output_file, 0o644)

    return download


def _reason(error: requests.RequestException) -> str:
    """The useful part of a requests error, which wraps urllib3's and prints it as a tuple."""
    inner = error.args[0] if error.args else error
    inner = getattr(inner, "reason", None) or inner  # urllib3's MaxRetryError: the real cause
    # Its message is its first str argument; others are objects (a connection, a cause).
    return next((arg for arg in getattr(inner, "args", ()) if isinstance(arg, str)), str(inner))


def _how_to_fix(remote: RemoteFile, cache_dir: Path, first: str) -> str:
    target = cache_dir / remote.path
    source = remote.urls[0]
    if remote.member is not None:
        source = f"{source} (then take {remote.member} out of that zip)"
    return (
        f"To fix this, do one of:\n"
        f"  - {first};\n"
        f"  - download the file by hand from {source} and save it as {target} "
        f"({remote.size} bytes, SHA-256 {remote.sha256});\n"
        f"  - set the environment variable {DATA_DIR_ENV} to a folder that already "
        f"holds {remote.path}."
    )


def _offline_message(remote: RemoteFile, cache_dir: Path, problem: str, failures: list[str]) -> str:
    tried = "\n".join(f"  - {failure}" for failure in failures)
    return (
        f"Could not get the data file {remote.path}.\n"
        f"Looked in the cache directory {cache_dir}: {cache_dir / remote.path} {problem}.\n"
        f"Every download failed:\n{tried}\n"
        + _how_to_fix(remote, cache_dir, "connect to the internet and run this again")
    )


def _read_only_message(remote: RemoteFile, cache_dir: Path, problem: str) -> str:
    return (
        f"Could not get the data file {remote.path}.\n"
        f"Looked in the cache directory {cache_dir}: {cache_dir / remote.path} {problem}.\n"
        f"That directory is read-only, so the file cannot be downloaded into it "
        f"(from {', '.join(remote.urls)}).\n"
        + _how_to_fix(
            remote,
            cache_dir,
            f"set {DATA_DIR_ENV} to a writable folder and run this again with an internet "
            "connection, so that the file is downloaded there",
        )
    )
