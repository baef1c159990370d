"""The cache directory and file verification."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pooch
import pytest

from companion.data import data_dir
from companion.data.cache import file_problem, is_writable


def test_data_dir_honours_companion_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "mine"


def test_data_dir_expands_user_and_makes_absolute(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("COMPANION_DATA_DIR", "~/data")
    assert data_dir() == tmp_path / "data"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COMPANION_DATA_DIR", "rel")
    assert data_dir() == tmp_path / "rel"


def test_data_dir_defaults_to_xdg_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COMPANION_DATA_DIR", "")  # empty counts as unset
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "companion" == pooch.os_cache("companion")


@pytest.mark.parametrize("xdg", [None, "", "relative/cache"])
def test_data_dir_falls_back_to_home_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, xdg: str | None
) -> None:
    monkeypatch.delenv("COMPANION_DATA_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert data_dir() == tmp_path / ".cache" / "companion"
    assert not data_dir().exists()  # asking for it creates nothing


def test_file_problem(tmp_path: Path) -> None:
    content = b"some bytes"
    digest = hashlib.sha256(content).hexdigest()
    path = tmp_path / "f.bin"
    assert file_problem(path, len(content), digest) == "is missing"
    path.write_bytes(content)
    assert file_problem(path, len(content), digest) is None
    assert file_problem(path, 11, digest) == "has 10 bytes, expected 11"
    assert file_problem(path, 10, "f" * 64) == f"has SHA-256 {digest}, expected {'f' * 64}"
    assert file_problem(tmp_path, 10, digest) == "is not a regular file"


def test_is_writable(tmp_path: Path, make_read_only) -> None:
    assert is_writable(tmp_path)
    assert is_writable(tmp_path / "not" / "yet" / "made")
    locked = tmp_path / "locked"
    locked.mkdir()
    make_read_only(locked)
    assert not is_writable(locked)
    assert not is_writable(locked / "sub")
