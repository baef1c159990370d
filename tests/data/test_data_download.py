"""The download machinery against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import stat
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pooch
import pytest
from datatest_support import FileServer, Reply, entries_under, files_under, remote_for

from companion.data import DataUnavailableError, RemoteFile, fetch_file

PAYLOAD = os.urandom(3000)
GOOD = remote_for("sub/payload.bin", PAYLOAD, ["http://unused.invalid/"])


def with_urls(remote: RemoteFile, *urls: str) -> RemoteFile:
    return RemoteFile(remote.path, urls, remote.size, remote.sha256, remote.member)


@pytest.fixture
def renames(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, Path, bool, bytes, int]]:
    """Record every rename (pooch's shutil.move uses os.rename; the zip path os.replace).

    Each entry is (source, destination, whether the destination existed, the source's
    content and its mode), taken at the moment of the rename.
    """
    seen: list[tuple[Path, Path, bool, bytes, int]] = []

    def spy(real: Callable[[str, str], None]) -> Callable[[str, str], None]:
        def rename(src: str, dst: str) -> None:
            src_path, dst_path = Path(src), Path(dst)
            mode = stat.S_IMODE(src_path.stat().st_mode)
            seen.append((src_path, dst_path, dst_path.exists(), src_path.read_bytes(), mode))
            real(src, dst)

        return rename

    monkeypatch.setattr(os, "rename", spy(os.rename))
    monkeypatch.setattr(os, "replace", spy(os.replace))
    return seen


@pytest.fixture
def private_umask() -> Iterator[None]:
    """A umask of 077, under which new files are 0600 unless the code sets their mode."""
    previous = os.umask(0o077)
    yield
    os.umask(previous)


def test_download_lands_verified_with_no_temp_files(
    server: FileServer, tmp_path: Path, renames: list, private_umask: None
) -> None:
    remote = with_urls(GOOD, server.serve("/payload.bin", PAYLOAD))
    target = tmp_path / "sub" / "payload.bin"
    path = fetch_file(remote, tmp_path)

    assert path == target
    assert path.read_bytes() == PAYLOAD
    assert files_under(tmp_path) == ["sub/payload.bin"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    # One rename, from a temporary file beside the target that already held the complete,
    # verified content with its final mode, onto a target that did not exist yet.
    [(src, dst, existed, content, mode)] = renames
    assert src.parent == target.parent and src != target
    assert dst == target and not existed and content == PAYLOAD and mode == 0o644
    assert server.hits["/payload.bin"] == 1


def test_downloads_are_silent_off_a_terminal(
    server: FileServer, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # Under pytest stderr is not a terminal: no progress bar, and none of pooch's log lines
    # (its logger's handler holds the stderr of import time, so catch its records directly).
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.DEBUG)  # as a user may have set it
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        wanted = b"sentence\tlabel\nfine film\t1\n"
        archive = server.serve("/SET.zip", make_zip({"SET/train.tsv": wanted}))
        fetch_file(with_urls(GOOD, server.serve("/payload.bin", PAYLOAD)), tmp_path)
        remote = remote_for("set/train.tsv", wanted, [archive], member="SET/train.tsv")
        fetch_file(remote, tmp_path)
        assert logger.level == logging.DEBUG  # quietened only during each call
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert capfd.readouterr() == ("", "")
    assert [record.getMessage() for record in records] == []


def test_404_on_the_only_url(server: FileServer, tmp_path: Path) -> None:
    remote = with_urls(GOOD, server.url("/missing.bin"))
    with pytest.raises(DataUnavailableError, match="HTTP 404"):
        fetch_file(remote, tmp_path, attempts=3)
    assert server.hits["/missing.bin"] == 1  # a 404 is not retried
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    "reply",
    [
        Reply(body=bytes(reversed(PAYLOAD))),  # right size, wrong bytes
        # pooch has no Content-Length pre-check: a body of the wrong declared size, or one
        # longer than the registry's size with no Content-Length (read to its end, not cut
        # off), is downloaded in full and caught by the checksum.
        Reply(body=PAYLOAD[:-1]),
        Reply(body=PAYLOAD + b"x", length=-1),
    ],
    ids=["wrong-bytes", "wrong-declared-size", "too-long-undeclared"],
)
def test_wrong_content_is_rejected_and_leaves_nothing(
    server: FileServer, tmp_path: Path, reply: Reply
) -> None:
    server.routes["/bad.bin"] = reply
    remote = with_urls(GOOD, server.url("/bad.bin"))
    with pytest.raises(DataUnavailableError) as caught:
        fetch_file(remote, tmp_path, attempts=3)
    message = str(caught.value)
    assert "SHA256 hash of downloaded file (payload.bin) does not match" in message
    assert f"expected {GOOD.sha256} but got {hashlib.sha256(reply.body).hexdigest()}" in message
    assert server.hits["/bad.bin"] == 1  # wrong content will not get better on retry
    assert files_under(tmp_path) == []


def test_truncated_body_is_detected(server: FileServer, tmp_path: Path) -> None:
    server.routes["/cut.bin"] = Reply(body=PAYLOAD[:1000], length=len(PAYLOAD))
    remote = with_urls(GOOD, server.url("/cut.bin"))
    with pytest.raises(DataUnavailableError) as caught:
        fetch_file(remote, tmp_path, attempts=2)
    reason = (
        "truncated body: Connection broken: IncompleteRead(1000 bytes read, 2000 more expected)"
    )
    assert f"/cut.bin (attempt 2): {reason}" in str(caught.value)
    assert server.hits["/cut.bin"] == 2  # a broken transfer is worth a retry
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    "first",
    [Reply(404), Reply(body=bytes(len(PAYLOAD))), Reply(body=PAYLOAD[:10], length=len(PAYLOAD))],
    ids=["404", "bad-checksum", "truncated"],
)
def test_mirror_fallback(server: FileServer, tmp_path: Path, first: Reply) -> None:
    server.routes["/first.bin"] = first
    remote = with_urls(GOOD, server.url("/first.bin"), server.serve("/second.bin", PAYLOAD))
    path = fetch_file(remote, tmp_path, attempts=2)
    assert path.read_bytes() == PAYLOAD
    assert files_under(tmp_path) == ["sub/payload.bin"]
    assert server.hits["/first.bin"] >= 1 and server.hits["/second.bin"] == 1


def test_mirror_fallback_after_refused_connection(
    server: FileServer, tmp_path: Path, closed_url: str
) -> None:
    remote = with_urls(GOOD, closed_url, server.serve("/good.bin", PAYLOAD))
    assert fetch_file(remote, tmp_path).read_bytes() == PAYLOAD


def test_offline_error_says_what_to_do(tmp_path: Path, closed_url: str) -> None:
    second = closed_url.replace("nothing-here", "mirror")
    remote = with_urls(GOOD, closed_url, second)
    with pytest.raises(DataUnavailableError) as caught:
        fetch_file(remote, tmp_path, attempts=2)
    message = str(caught.value)
    assert isinstance(caught.value, RuntimeError)
    assert "sub/payload.bin" in message
    for url in (closed_url, second):
        assert f"{url} (attempt 1): cannot connect" in message
        assert f"{url} (attempt 2): cannot connect" in message
    assert str(tmp_path) in message  # the cache directory it looked in
    assert str(tmp_path / "sub" / "payload.bin") in message  # where to put it by hand
    assert "connect to the internet" in message
    assert "COMPANION_DATA_DIR" in message
    assert files_under(tmp_path) == []


def test_corrupt_cached_file_is_replaced(server: FileServer, tmp_path: Path) -> None:
    remote = with_urls(GOOD, server.serve("/payload.bin", PAYLOAD))
    target = tmp_path / "sub" / "payload.bin"
    target.parent.mkdir()
    target.write_bytes(bytes(len(PAYLOAD)))  # right size, wrong content
    assert fetch_file(remote, tmp_path).read_bytes() == PAYLOAD
    assert server.hits["/payload.bin"] == 1
    assert files_under(tmp_path) == ["sub/payload.bin"]


def test_corrupt_cached_file_is_named_when_download_fails(tmp_path: Path, closed_url: str) -> None:
    target = tmp_path / "sub" / "payload.bin"
    target.parent.mkdir()
    target.write_bytes(b"short")
    with pytest.raises(DataUnavailableError, match="has 5 bytes, expected 3000"):
        fetch_file(with_urls(GOOD, closed_url), tmp_path)


def test_cache_hit_makes_no_request(server: FileServer, tmp_path: Path) -> None:
    remote = with_urls(GOOD, server.serve("/payload.bin", PAYLOAD))
    first = fetch_file(remote, tmp_path)
    mtime = first.stat().st_mtime_ns
    second = fetch_file(remote, tmp_path)
    assert second == first and second.stat().st_mtime_ns == mtime
    assert sum(server.hits.values()) == 1


@pytest.mark.parametrize("attempts", [1, 3])
def test_retries_are_bounded(server: FileServer, tmp_path: Path, attempts: int) -> None:
    server.routes["/flaky.bin"] = Reply(503)
    remote = with_urls(GOOD, server.url("/flaky.bin"), server.url("/also-flaky.bin"))
    server.routes["/also-flaky.bin"] = Reply(500)
    with pytest.raises(DataUnavailableError, match="HTTP 503") as caught:
        fetch_file(remote, tmp_path, attempts=attempts)
    assert server.hits["/flaky.bin"] == attempts
    assert server.hits["/also-flaky.bin"] == attempts
    assert str(caught.value).count("HTTP 50") == 2 * attempts


@pytest.mark.parametrize(
    ("status", "tries"), [(403, 1), (404, 1), (410, 1), (408, 3), (429, 3), (500, 3), (502, 3)]
)
def test_which_http_errors_are_retried(
    server: FileServer, tmp_path: Path, status: int, tries: int
) -> None:
    server.routes["/status.bin"] = Reply(status)
    with pytest.raises(DataUnavailableError, match=f"HTTP {status} "):
        fetch_file(with_urls(GOOD, server.url("/status.bin")), tmp_path, attempts=3)
    assert server.hits["/status.bin"] == tries


def test_timeouts_are_retried(server: FileServer, tmp_path: Path) -> None:
    server.routes["/slow.bin"] = Reply(body=PAYLOAD, delay=1.0)
    with pytest.raises(DataUnavailableError) as caught:
        fetch_file(with_urls(GOOD, server.url("/slow.bin")), tmp_path, attempts=2, timeout=0.1)
    message = str(caught.value)
    assert "/slow.bin (attempt 1): timed out: " in message and "Read timed out" in message
    assert server.hits["/slow.bin"] == 2
    assert files_under(tmp_path) == []
    server.routes["/slow-once.bin"] = [Reply(body=PAYLOAD, delay=1.0), Reply(body=PAYLOAD)]
    remote = with_urls(GOOD, server.url("/slow-once.bin"))
    assert fetch_file(remote, tmp_path, attempts=2, timeout=0.1).read_bytes() == PAYLOAD


def test_retry_recovers_from_a_transient_error(server: FileServer, tmp_path: Path) -> None:
    server.routes["/once.bin"] = [Reply(503), Reply(body=PAYLOAD)]
    remote = with_urls(GOOD, server.url("/once.bin"))
    assert fetch_file(remote, tmp_path, attempts=2).read_bytes() == PAYLOAD
    assert server.hits["/once.bin"] == 2


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, content in members.items():
            bundle.writestr(name, content)
    return buffer.getvalue()


def corrupt_data(archive: bytes) -> bytes:
    """Flip the first byte of the first member's compressed data; the zip's index stays valid."""
    data = bytearray(archive)
    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        first = bundle.infolist()[0]
    data[first.header_offset + 30 + len(first.filename)] ^= 0xFF  # 30-byte local header, name
    return bytes(data)


def test_zip_member_is_extracted_and_verified(
    server: FileServer, tmp_path: Path, renames: list, private_umask: None
) -> None:
    wanted = b"sentence\tlabel\nfine film\t1\n" * 50
    archive = make_zip({"SET/train.tsv": wanted, "SET/dev.tsv": b"other"})
    url = server.serve("/SET.zip", archive)
    remote = remote_for("set/train.tsv", wanted, [url], member="SET/train.tsv")
    path = fetch_file(remote, tmp_path)
    assert path == tmp_path / "set" / "train.tsv"
    assert path.read_bytes() == wanted
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    # Neither the zip nor the scratch folder it was unpacked in is kept.
    assert entries_under(tmp_path) == ["set", "set/train.tsv"]
    [(src, dst, existed, content, mode)] = [r for r in renames if r[1] == path]
    # From a hidden scratch folder beside the target: <scratch>/unzipped/SET/train.tsv.
    assert src.relative_to(path.parent).parts[0].startswith(".train.tsv.")
    assert not existed and content == wanted and mode == 0o644


@pytest.mark.parametrize(
    ("archive", "reason"),
    [
        (make_zip({"SET/dev.tsv": b"abc"}), "archive member SET/train.tsv is missing"),
        (make_zip({"SET/train.tsv": b"abd"}), "archive member SET/train.tsv has SHA-256"),
        # pooch unpacks the member before it can be checked: the size is caught after
        # inflating, no longer before.
        (make_zip({"SET/train.tsv": b"abcd"}), "member SET/train.tsv has 4 bytes, expected 3"),
        (b"this is not a zip file", "not a valid zip archive: File is not a zip file"),
        (corrupt_data(make_zip({"SET/train.tsv": b"abc"})), "not a valid zip archive"),
    ],
    ids=["missing-member", "wrong-member", "member-too-big", "not-a-zip", "corrupt-data"],
)  # fmt: skip
def test_bad_zip_member_is_rejected(
    server: FileServer, tmp_path: Path, archive: bytes, reason: str
) -> None:
    remote = remote_for(
        "set/train.tsv", b"abc", [server.serve("/SET.zip", archive)], "SET/train.tsv"
    )
    with pytest.raises(DataUnavailableError, match=reason):
        fetch_file(remote, tmp_path, attempts=3)
    assert server.hits["/SET.zip"] == 1  # a bad archive is not retried
    assert entries_under(tmp_path) == ["set"]  # no zip, no scratch folder


def test_read_only_cache_with_verified_file(
    server: FileServer, tmp_path: Path, make_read_only
) -> None:
    remote = with_urls(GOOD, server.url("/payload.bin"))
    target = tmp_path / "sub" / "payload.bin"
    target.parent.mkdir()
    target.write_bytes(PAYLOAD)
    make_read_only(tmp_path, target.parent)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    assert fetch_file(remote, tmp_path) == target
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == before
    assert sum(server.hits.values()) == 0


def test_read_only_cache_with_corrupt_file(
    server: FileServer, tmp_path: Path, make_read_only
) -> None:
    remote = with_urls(GOOD, server.serve("/payload.bin", PAYLOAD))
    target = tmp_path / "sub" / "payload.bin"
    target.parent.mkdir()
    target.write_bytes(bytes(len(PAYLOAD)))
    make_read_only(tmp_path, target.parent)
    with pytest.raises(DataUnavailableError) as caught:
        fetch_file(remote, tmp_path)
    message = str(caught.value)
    assert "read-only" in message and "COMPANION_DATA_DIR" in message
    assert f"{target} has SHA-256" in message
    assert target.read_bytes() == bytes(len(PAYLOAD))  # left alone
    assert files_under(tmp_path) == ["sub/payload.bin"]
    assert sum(server.hits.values()) == 0  # no point downloading what cannot be stored


def test_read_only_cache_with_missing_file(tmp_path: Path, make_read_only) -> None:
    make_read_only(tmp_path)
    with pytest.raises(DataUnavailableError, match=r"sub/payload.bin is missing"):
        fetch_file(GOOD, tmp_path)
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"remote": "sub/payload.bin"}, TypeError, "remote must be a RemoteFile, got str"),
        ({"cache_dir": 42}, TypeError, "cache_dir must be a path, got int"),
        ({"attempts": 0}, ValueError, "attempts must be an int >= 1, got 0"),
        ({"attempts": 1.5}, TypeError, "attempts must be an int, got 1.5"),
        ({"attempts": True}, TypeError, "attempts must be an int, got True"),
        ({"timeout": 0}, ValueError, "timeout must be a number > 0, got 0"),
        ({"timeout": float("nan")}, ValueError, "timeout must be a number > 0, got nan"),
        ({"timeout": "30"}, TypeError, "timeout must be a number, got '30'"),
    ],
)
def test_fetch_file_rejects_bad_arguments(
    tmp_path: Path, kwargs: dict, error: type, message: str
) -> None:
    arguments = {"remote": GOOD, "cache_dir": tmp_path, **kwargs}
    with pytest.raises(error, match=message):
        fetch_file(**arguments)
    assert entries_under(tmp_path) == []
