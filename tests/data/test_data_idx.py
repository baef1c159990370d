"""parse_idx on hand-built IDX bytes."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from companion.data import IdxFormatError, parse_idx

CODES = {
    "uint8": 0x08,
    "int8": 0x09,
    "int16": 0x0B,
    "int32": 0x0C,
    "float32": 0x0D,
    "float64": 0x0E,
}


def idx_bytes(array: np.ndarray, code: int) -> bytes:
    """Encode ``array`` by hand, following the IDX spec: big-endian header and values."""
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("dtype", list(CODES))
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5), (2, 1, 3, 2)])
def test_round_trip(dtype: str, shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(sum(shape))
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    if info is not None:
        array = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)
    else:
        array = rng.standard_normal(shape).astype(dtype)
    parsed = parse_idx(idx_bytes(array, CODES[dtype]))
    assert parsed.dtype == np.dtype(dtype) and parsed.dtype.isnative
    assert parsed.shape == shape
    np.testing.assert_array_equal(parsed, array)
    assert parsed.flags.writeable


def test_known_big_endian_values() -> None:
    # Two int16 values 0x0102 = 258 and 0xFFFE = -2, written out byte by byte.
    data = bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE])
    np.testing.assert_array_equal(parse_idx(data), np.array([258, -2], dtype=np.int16))


def test_accepts_bytearray_and_memoryview() -> None:
    data = idx_bytes(np.arange(6, dtype=np.uint8).reshape(2, 3), 0x08)
    for view in (bytearray(data), memoryview(data)):
        np.testing.assert_array_equal(parse_idx(view), np.arange(6).reshape(2, 3))


def test_zero_sized_dimension() -> None:
    assert parse_idx(bytes([0, 0, 8, 2, 0, 0, 0, 0, 0, 0, 0, 28])).shape == (0, 28)


GOOD = idx_bytes(np.arange(12, dtype=np.int32).reshape(3, 4), 0x0C)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "0 bytes long; expected at least the 4-byte magic"),
        (b"\x00\x00\x08", "3 bytes long"),
        (b"\x01" + GOOD[1:], "two zero bytes, got 01 00"),
        (gzip.compress(GOOD), "still gzip-compressed"),
        (GOOD[:2] + b"\x0a" + GOOD[3:], r"unknown IDX type code 0x0A; expected one of 0x08 \(u"),
        (GOOD[:3] + b"\x05" + GOOD[4:8], "declares 5 dimensions, which need 24 header bytes"),
        (GOOD[:-1], "too short: shape \\(3, 4\\) of int32 needs 48 bytes .* got 47"),
        (GOOD + b"\x00", "too long: shape \\(3, 4\\) of int32 needs 48 bytes .* got 49"),
        (GOOD[:3] + b"\x01" + GOOD[4:], "too long: shape \\(3,\\) of int32 needs 12 bytes"),
    ],
    ids=[
        "empty", "short-magic", "bad-magic", "gzipped", "type-code", "dims-mismatch",
        "payload-short", "payload-long", "ndim-too-small",
    ],
)  # fmt: skip
def test_header_errors(data: bytes, message: str) -> None:
    with pytest.raises(IdxFormatError, match=message):
        parse_idx(data)


def test_idx_format_error_is_a_value_error() -> None:
    assert issubclass(IdxFormatError, ValueError)


@pytest.mark.parametrize("data", ["\x00\x00\x08\x01", [0, 0, 8, 1], None, np.zeros(4, np.uint8)])
def test_non_bytes_is_a_type_error(data: object) -> None:
    with pytest.raises(TypeError, match="parse_idx needs bytes"):
        parse_idx(data)  # type: ignore[arg-type]
