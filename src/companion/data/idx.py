"""The IDX format of the MNIST files, parsed with every header check.

An IDX file is: two zero bytes; a type code; the number of dimensions ``n``;
``n`` big-endian uint32 sizes; then the values, big-endian, in C order.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["IdxFormatError", "parse_idx"]

# IDX type code -> big-endian NumPy dtype.
_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class IdxFormatError(ValueError):
    """Bytes that are not a well-formed IDX file; the message says what was expected."""


def parse_idx(data: bytes) -> np.ndarray:
    """Parse the bytes of an (uncompressed) IDX file into an array.

    Args:
        data: The whole file: bytes, bytearray or memoryview.

    Returns:
        A writable array of the shape the header gives, in native byte order.

    Raises:
        TypeError: If ``data`` is not bytes-like.
        IdxFormatError: If the header is malformed or the payload is not exactly
            as long as the header says.

    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"parse_idx needs bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) < 4:
        raise IdxFormatError(
            f"IDX data is {len(data)} bytes long; expected at least the 4-byte magic number"
        )
    if data[0] != 0 or data[1] != 0:
        raise IdxFormatError(
            f"IDX magic number must start with two zero bytes, got {data[:2].hex(' ')} "
            "(is the file still gzip-compressed?)"
        )
    code, ndim = data[2], data[3]
    if code not in _DTYPES:
        known = ", ".join(f"0x{c:02X} ({d.name})" for c, d in _DTYPES.items())
        raise IdxFormatError(f"unknown IDX type code 0x{code:02X}; expected one of {known}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IdxFormatError(
            f"IDX header declares {ndim} dimensions, which need {header} header bytes, "
            f"but the data has only {len(data)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = _DTYPES[code]
    expected = math.prod(shape) * dtype.itemsize
    payload = len(data) - header
    if payload != expected:
        problem = "too short" if payload < expected else "too long"
        raise IdxFormatError(
            f"IDX payload is {problem}: shape {shape} of {dtype.name} needs {expected} bytes "
            f"after the {header}-byte header, got {payload}"
        )
    values = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    # astype copies: the result is writable (frombuffer's view of bytes is not) and native-endian.
    return values.astype(dtype.newbyteorder("="))
