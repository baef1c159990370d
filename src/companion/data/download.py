"""Verified, atomic downloads into the cache, with mirror fallback and bounded retries.

Every download goes to a temporary file next to its destination and is renamed
into place (``os.replace``, atomic on one file system) only once its size and
SHA-256 match the registry. An interrupted or wrong download therefore never
leaves a file that looks like a good one, and two processes filling the same
cache cannot see each other's half-written files.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from tqdm.auto import tqdm

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
_USER_AGENT = "companion-data (Python urllib)"


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
    truncated bodies, HTTP 5xx) and once for those that will not (HTTP 4xx, wrong
    size or checksum, a bad archive). A cache hit writes nothing, so ``cache_dir``
    may be read-only.

    Args:
        remote: What to fetch.
        cache_dir: The cache directory; the file lives at ``cache_dir / remote.path``.
        attempts: Attempts per URL, at least 1.
        timeout: Seconds to wait for a connection or for data, greater than 0.

    Raises:
        TypeError: If ``remote`` is not a :class:`RemoteFile` or ``cache_dir`` not a path.
        ValueError: If ``attempts`` or ``timeout`` is out of range.
        DataUnavailableError: If the file is missing or corrupt and either the cache
            directory is read-only or every URL failed. The message names the file,
            the cache directory, each URL tried with its failure, and what to do.

    """
    if not isinstance(remote, RemoteFile):
        raise TypeError(f"remote must be a RemoteFile, got {type(remote).__name__}")
    if not isinstance(cache_dir, (str, os.PathLike)):
        raise TypeError(f"cache_dir must be a path, got {type(cache_dir).__name__}")
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise ValueError(f"attempts must be an int >= 1, got {attempts!r}")
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
    cache_dir = Path(cache_dir)
    target = cache_dir / remote.path
    problem = file_problem(target, remote.size, remote.sha256)
    if problem is None:
        return target
    if not is_writable(target.parent):
        raise DataUnavailableError(_read_only_message(remote, cache_dir, problem))
    failures: list[str] = []
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
    raise DataUnavailableError(_offline_message(remote, cache_dir, problem, failures))


def _download(url: str, remote: RemoteFile, target: Path, timeout: float) -> None:
    """Fetch ``url`` and atomically place the verified file at ``target``."""
    with _open(url, timeout) as response:
        # Only now, with a server answering, is anything written to the cache.
        target.parent.mkdir(parents=True, exist_ok=True)
        with _temp_path(target) as part:
            # A zip's own size is unknown: only the member's size can be enforced.
            limit = None if remote.member is not None else remote.size
            with open(part, "wb") as sink:
                _receive(response, sink, limit=limit, label=target.name)
            if remote.member is None:
                _install(part, remote, target)
                return
            with _temp_path(target) as member_part:
                _extract(part, remote, member_part)
                _install(member_part, remote, target)


def _open(url: str, timeout: float) -> http.client.HTTPResponse:
    """Open ``url``, turning every failure into an :class:`_AttemptError`."""
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        error.close()
        # Server errors and throttling may clear up; a 404 or 403 will not.
        transient = error.code >= 500 or error.code in (408, 429)
        raise _AttemptError(f"HTTP {error.code} {error.reason}", transient=transient) from None
    except urllib.error.URLError as error:
        raise _AttemptError(f"cannot connect: {error.reason}", transient=True) from None
    except (OSError, http.client.HTTPException) as error:  # timeouts, resets, bad replies
        raise _AttemptError(f"{type(error).__name__}: {error}", transient=True) from None


def _receive(
    response: http.client.HTTPResponse, sink: BinaryIO, *, limit: int | None, label: str
) -> None:
    """Copy the response body into ``sink``, checking it against Content-Length and ``limit``."""
    declared = response.headers.get("Content-Length", "")
    expected = int(declared) if declared.isdigit() else None
    if limit is not None and expected is not None and expected != limit:
        raise _AttemptError(f"server offers {expected} bytes, expected {limit}", transient=False)
    received = 0
    # disable=None: a bar on a terminal or in a notebook, silence in logs and tests.
    with tqdm(
        total=expected,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=label,
        leave=False,
        disable=None,
    ) as bar:
        while True:
            try:
                chunk = response.read(_CHUNK)
            except (OSError, http.client.HTTPException) as error:
                reason = f"connection broke after {received} bytes: {error}"
                raise _AttemptError(reason, transient=True) from None
            if not chunk:
                break
            received += len(chunk)
            if limit is not None and received > limit:
                raise _AttemptError(f"server sent more than {limit} bytes", transient=False)
            sink.write(chunk)
            bar.update(len(chunk))
    # http.client returns a short body without complaint when the server hangs up early.
    if expected is not None and received != expected:
        reason = f"truncated body: got {received} of {expected} bytes"
        raise _AttemptError(reason, transient=True)


def _extract(archive: Path, remote: RemoteFile, dest: Path) -> None:
    """Copy member ``remote.member`` of the zip ``archive`` to ``dest``."""
    member = remote.member
    try:
        with zipfile.ZipFile(archive) as bundle:
            size = bundle.getinfo(member).file_size
            # Refuse a wrong member before inflating it: it could be huge.
            if size != remote.size:
                reason = f"archive member {member} inflates to {size} bytes, expected {remote.size}"
                raise _AttemptError(reason, transient=False)
            with bundle.open(member) as source, open(dest, "wb") as sink:
                shutil.copyfileobj(source, sink, _CHUNK)
    except KeyError:
        raise _AttemptError(f"archive has no member {member}", transient=False) from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise _AttemptError(f"not a valid zip archive: {error}", transient=False) from None


def _install(part: Path, remote: RemoteFile, target: Path) -> None:
    """Verify the temporary file ``part`` and rename it to ``target``."""
    problem = file_problem(part, remote.size, remote.sha256)
    if problem is not None:
        what = f"archive member {remote.member}" if remote.member else "downloaded file"
        raise _AttemptError(f"{what} {problem}", transient=False)
    os.chmod(part, 0o644)  # mkstemp creates 0600; a cache file is as readable as any download
    os.replace(part, target)


@contextlib.contextmanager
def _temp_path(target: Path) -> Iterator[Path]:
    """Yield a fresh temporary file next to ``target``; remove it unless it was renamed."""
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(handle)
    try:
        yield Path(name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


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
