"""The download machinery against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest
from datatest_support import FileServer, Reply, files_under, remote_for

from companion.data import DataUnavailableError, RemoteFile, fetch_file
from companion.data import download as download_module

PAYLOAD = os.urandom(3000)
GOOD = remote_for("sub/payload.bin", PAYLOAD, ["http://unused.invalid/"])


def with_urls(remote: RemoteFile, *urls: str) -> RemoteFile:
    return RemoteFile(remote.path, urls, remote.size, remote.sha256, remote.member)


def test_download_lands_verified_with_no_temp_files(
    server: FileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote = with_urls(GOOD, server.serve("/payload.bin", PAYLOAD))
    target = tmp_path / "sub" / "payload.bin"
    renames: list[tuple[Path, Path, bool, bytes]] = []
    real_replace = os.replace

    def spy_replace(src: str, dst: str) -> None:
        # At the moment of the rename the target must not exist yet, and the
        # temporary file must already hold the complete, verified content.
        renames.append((Path(src), Path(dst), Path(dst).exists(), Path(src).read_bytes()))
        real_replace(src, dst)

    monkeypatch.setattr(download_module.os, "replace", spy_replace)
    path = fetch_file(remote, tmp_path)

    assert path == target
    assert path.read_bytes() == PAYLOAD
    assert files_under(tmp_path) == ["sub/payload.bin"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    [(src, dst, existed, content)] = renames
    assert src.parent == target.parent and src != target
    assert dst == target and not existed and content == PAYLOAD
    assert server.hits["/payload.bin"] == 1


def test_404_on_the_only_url(server: FileServer, tmp_path: Path) -> None:
    remote = with_urls(GOOD, server.url("/missing.bin"))
    with pytest.raises(DataUnavailableError, match="HTTP 404"):
        fetch_file(remote, tmp_path, attempts=3)
    assert server.hits["/missing.bin"] == 1  # a 404 is not retried
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(body=bytes(reversed(PAYLOAD))), "SHA-256"),  # right size, wrong bytes
        (Reply(body=PAYLOAD[:-1]), "server offers 2999 bytes"),  # wrong declared size
        (Reply(body=PAYLOAD + b"x", length=-1), "more than 3000 bytes"),  # no Content-Length
    ],
)
def test_wrong_content_is_rejected_and_leaves_nothing(
    server: FileServer, tmp_path: Path, reply: Reply, reason: str
) -> None:
    server.routes["/bad.bin"] = reply
    remote = with_urls(GOOD, server.url("/bad.bin"))
    with pytest.raises(DataUnavailableError, match=reason):
        fetch_file(remote, tmp_path, attempts=3)
    assert server.hits["/bad.bin"] == 1  # wrong content will not get better on retry
    assert files_under(tmp_path) == []


def test_truncated_body_is_detected(server: FileServer, tmp_path: Path) -> None:
    server.routes["/cut.bin"] = Reply(body=PAYLOAD[:1000], length=len(PAYLOAD))
    remote = with_urls(GOOD, server.url("/cut.bin"))
    with pytest.raises(DataUnavailableError, match="truncated body: got 1000 of 3000 bytes"):
        fetch_file(remote, tmp_path, attempts=2)
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


def test_zip_member_is_extracted_and_verified(server: FileServer, tmp_path: Path) -> None:
    wanted = b"sentence\tlabel\nfine film\t1\n" * 50
    archive = make_zip({"SET/train.tsv": wanted, "SET/dev.tsv": b"other"})
    url = server.serve("/SET.zip", archive)
    remote = remote_for("set/train.tsv", wanted, [url], member="SET/train.tsv")
    path = fetch_file(remote, tmp_path)
    assert path == tmp_path / "set" / "train.tsv"
    assert path.read_bytes() == wanted
    assert files_under(tmp_path) == ["set/train.tsv"]  # the zip itself is not kept


@pytest.mark.parametrize(
    ("archive", "reason"),
    [
        (make_zip({"SET/dev.tsv": b"abc"}), "archive has no member SET/train.tsv"),
        (make_zip({"SET/train.tsv": b"abd"}), "archive member SET/train.tsv has SHA-256"),
        (make_zip({"SET/train.tsv": b"abcd"}), "inflates to 4 bytes, expected 3"),
        (b"this is not a zip file", "not a valid zip archive"),
    ],
)
def test_bad_zip_member_is_rejected(
    server: FileServer, tmp_path: Path, archive: bytes, reason: str
) -> None:
    remote = remote_for(
        "set/train.tsv", b"abc", [server.serve("/SET.zip", archive)], "SET/train.tsv"
    )
    with pytest.raises(DataUnavailableError, match=reason):
        fetch_file(remote, tmp_path)
    assert files_under(tmp_path) == []


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
        ({"attempts": 1.5}, ValueError, "attempts must be an int >= 1, got 1.5"),
        ({"timeout": 0}, ValueError, "timeout must be > 0 seconds, got 0"),
    ],
)
def test_fetch_file_rejects_bad_arguments(
    tmp_path: Path, kwargs: dict, error: type, message: str
) -> None:
    arguments = {"remote": GOOD, "cache_dir": tmp_path, **kwargs}
    with pytest.raises(error, match=message):
        fetch_file(**arguments)
