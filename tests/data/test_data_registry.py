"""The registry's entries and RemoteFile's validation, and fetch() by name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from datatest_support import FileServer, remote_for

from companion.data import REGISTRY, RemoteFile, fetch
from companion.data.registry import lookup

SHA = "0" * 64

# The pinned files, as the project's brief and the pre-filled cache's README list them.
EXPECTED = {
    "mnist/train-images-idx3-ubyte.gz": (
        9912422,
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    ),
    "mnist/train-labels-idx1-ubyte.gz": (
        28881,
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    ),
    "mnist/t10k-images-idx3-ubyte.gz": (
        1648877,
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    ),
    "mnist/t10k-labels-idx1-ubyte.gz": (
        4542,
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    ),
    "mnist/mnist_5k.csv.gz": (
        1106785,
        "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d",
    ),
    "tinyshakespeare/input.txt": (
        1115394,
        "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
    ),
    "sst2/train.tsv": (3806081, "48eac26399f8456935f81dd9e3a745c1430adb6c62e233ccfe22db4a0d15d1d1"),
    "sst2/dev.tsv": (94931, "54a9c12c77e402fc14d6a66a506f24d999f596b0176eb777c972cccc2f9cc4b0"),
}


def test_registry_pins_the_expected_files() -> None:
    assert {path: (e.size, e.sha256) for path, e in REGISTRY.items()} == EXPECTED
    assert all(path == entry.path for path, entry in REGISTRY.items())


def test_mnist_mirrors_in_order() -> None:
    entry = REGISTRY["mnist/t10k-labels-idx1-ubyte.gz"]
    assert entry.urls == (
        "https://storage.googleapis.com/cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz",
        "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz",
    )
    assert entry.member is None


def test_sst2_entries_are_zip_members() -> None:
    for split in ("train", "dev"):
        entry = REGISTRY[f"sst2/{split}.tsv"]
        assert entry.urls == ("https://dl.fbaipublicfiles.com/glue/data/SST-2.zip",)
        assert entry.member == f"SST-2/{split}.tsv"


def test_remote_file_is_frozen_and_normalises_urls() -> None:
    entry = RemoteFile("a/b.bin", ["https://example.org/b.bin"], 3, SHA)
    assert entry.urls == ("https://example.org/b.bin",)
    assert hash(entry) == hash(RemoteFile("a/b.bin", ("https://example.org/b.bin",), 3, SHA))
    with pytest.raises(AttributeError):
        entry.size = 4  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"path": ""}, TypeError, "non-empty str"),
        ({"path": "/etc/passwd"}, ValueError, "relative POSIX path"),
        ({"path": "../outside.bin"}, ValueError, "relative POSIX path"),
        ({"path": "a\\b.bin"}, ValueError, "relative POSIX path"),
        ({"urls": "https://example.org/b.bin"}, TypeError, "not a single str"),
        ({"urls": ()}, ValueError, "at least one URL"),
        ({"urls": ("ftp://example.org/b.bin",)}, ValueError, "not an http"),
        ({"size": -1}, ValueError, "'a/b.bin': size must be an int >= 0, got -1"),
        ({"size": True}, TypeError, "'a/b.bin': size must be an int, got True"),
        ({"size": 3.0}, TypeError, "'a/b.bin': size must be an int, got 3.0"),
        ({"sha256": "ABC"}, ValueError, "64 lower-case hex"),
        ({"sha256": SHA.upper().replace("0", "A")}, ValueError, "64 lower-case hex"),
        ({"member": ""}, ValueError, "member must be"),
    ],
)
def test_remote_file_rejects_bad_fields(kwargs: dict, error: type, message: str) -> None:
    fields = {"path": "a/b.bin", "urls": ("https://example.org/b.bin",), "size": 3, "sha256": SHA}
    with pytest.raises(error, match=message):
        RemoteFile(**{**fields, **kwargs})


def test_remote_file_stores_a_numpy_size_as_int() -> None:
    entry = RemoteFile("a/b.bin", ("https://example.org/b.bin",), np.int64(3), SHA)
    assert type(entry.size) is int and entry.size == 3


def test_lookup_by_path_and_by_name() -> None:
    assert lookup("sst2/dev.tsv") is REGISTRY["sst2/dev.tsv"]
    assert lookup("dev.tsv") is REGISTRY["sst2/dev.tsv"]
    assert lookup("input.txt") is REGISTRY["tinyshakespeare/input.txt"]


def test_lookup_rejects_unknown_and_ambiguous_names(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="no registry file 'nope.bin'; known files: mnist/"):
        lookup("nope.bin")
    with pytest.raises(TypeError, match="registry path or file name"):
        lookup(Path("sst2/dev.tsv"))  # type: ignore[arg-type]
    twin = RemoteFile("other/dev.tsv", ("https://example.org/dev.tsv",), 1, SHA)
    monkeypatch.setitem(REGISTRY, twin.path, twin)
    with pytest.raises(ValueError, match="matches several registry files"):
        lookup("dev.tsv")


def test_fetch_downloads_a_registry_file_into_data_dir(
    server: FileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = b"registered bytes\n" * 10
    entry = remote_for("things/thing.txt", content, [server.serve("/thing.txt", content)])
    monkeypatch.setitem(REGISTRY, entry.path, entry)
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "cache"))
    path = fetch("thing.txt")
    assert path == tmp_path / "cache" / "things" / "thing.txt"
    assert path.read_bytes() == content
