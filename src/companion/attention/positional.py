"""Sinusoidal positional encoding (位置编码) from "Attention Is All You Need" (torch).

Attention treats its inputs as a set, so the order of the tokens has to be
added to their embeddings. The sinusoidal table pairs the dimensions
(2i, 2i+1) and gives each pair its own frequency ω_i = 1 / 10000^(2i / d_model):

    PE[pos, 2i] = sin(pos · ω_i),    PE[pos, 2i+1] = cos(pos · ω_i).

Each pair is a point on the unit circle at angle pos · ω_i, so moving k
positions on rotates it by k · ω_i whatever pos is: PE[pos + k] is a fixed
linear function (:func:`shift_matrix`) of PE[pos].
"""

import math

import torch
from torch import nn

from companion.runtime.checks import check_int


def _check_d_model(d_model: int) -> None:
    if check_int("d_model", d_model, minimum=2) % 2:
        raise ValueError(
            f"d_model must be even and >= 2 (dimensions come in sin/cos pairs), got {d_model}"
        )


def _frequencies(d_model: int) -> torch.Tensor:
    """ω_i = 1 / 10000^(2i / d_model) for i = 0 … d_model/2 - 1, in float64."""
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)  # (d_model/2,)
    return torch.exp(-two_i * (math.log(10000.0) / d_model))


def sinusoidal_encoding(
    max_len: int, d_model: int, dtype: torch.dtype | None = None
) -> torch.Tensor:
    """The sinusoidal position table, one row per position.

    Args:
        max_len: number of positions, >= 1.
        d_model: size of each encoding, even and >= 2.
        dtype: dtype of the result; ``None`` for torch's default (float32).

    Returns:
        PE (max_len, d_model) with PE[pos, 2i] = sin(pos ω_i) and
        PE[pos, 2i+1] = cos(pos ω_i).

    Raises:
        TypeError: if ``max_len`` or ``d_model`` is not an int.
        ValueError: if ``max_len`` < 1 or ``d_model`` is odd or < 2.

    """
    check_int("max_len", max_len)
    _check_d_model(d_model)
    # Angles in float64: in float32, pos · ω near pos = 5000 is off by up to ~2e-4
    # radians, more than the table's float32 rounding.
    positions = torch.arange(max_len, dtype=torch.float64)[:, None]  # (max_len, 1)
    angles = positions * _frequencies(d_model)  # (max_len, d_model/2)
    table = torch.empty(max_len, d_model, dtype=torch.float64)
    table[:, 0::2] = torch.sin(angles)
    table[:, 1::2] = torch.cos(angles)
    return table.to(dtype or torch.get_default_dtype())


def shift_matrix(k: int, d_model: int, dtype: torch.dtype | None = None) -> torch.Tensor:
    """The rotation M_k that moves every encoding k positions on.

    For every position pos (column-vector form, PE[pos] a (d_model,) vector)::

        PE[pos + k] = M_k @ PE[pos],   i.e. for the whole table   PE[k:] = PE[:-k] @ M_kᵀ.

    M_k is block diagonal; the 2×2 block of pair (2i, 2i+1), with φ = k ω_i, is
    [[cos φ, sin φ], [-sin φ, cos φ]], from sin(θ + φ) = sin θ cos φ + cos θ sin φ
    and cos(θ + φ) = cos θ cos φ - sin θ sin φ. It does not depend on pos, and
    M_{-k} = M_kᵀ = M_k⁻¹.

    Args:
        k: the shift, any integer (negative moves back, 0 gives the identity).
        d_model: size of the encodings, even and >= 2.
        dtype: dtype of the result; ``None`` for torch's default (float32).

    Returns:
        M_k (d_model, d_model).

    Raises:
        TypeError: if ``k`` or ``d_model`` is not an int.
        ValueError: if ``d_model`` is odd or < 2.

    """
    check_int("k", k, minimum=None)
    _check_d_model(d_model)
    phi = k * _frequencies(d_model)  # (d_model/2,)
    cos, sin = torch.cos(phi), torch.sin(phi)
    m = torch.zeros(d_model, d_model, dtype=torch.float64)
    even, odd = torch.arange(0, d_model, 2), torch.arange(1, d_model, 2)
    m[even, even], m[even, odd] = cos, sin  # new sin = cos φ · sin + sin φ · cos
    m[odd, even], m[odd, odd] = -sin, cos  # new cos = -sin φ · sin + cos φ · cos
    return m.to(dtype or torch.get_default_dtype())


class PositionalEncoding(nn.Module):
    """Add the sinusoidal table to a batch of embeddings, then apply dropout.

    The Transformer also multiplies the token embeddings by √d_model before
    this; that belongs to the embedding layer, not here.

    Args:
        d_model: size of each embedding, even and >= 2.
        max_len: the longest sequence accepted.
        dropout: probability of zeroing an element in training, in [0, 1).

    Attributes:
        pe: the (max_len, d_model) table, a non-persistent buffer: it follows
            ``.to(...)`` but stays out of ``state_dict`` since it is recomputed.

    """

    pe: torch.Tensor

    def __init__(self, d_model: int, max_len: int = 5000, dropout: float = 0.0):
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.d_model, self.max_len = d_model, max_len
        self.register_buffer("pe", sinusoidal_encoding(max_len, d_model), persistent=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return dropout(x + PE[:seq]).

        Args:
            x: embeddings (batch, seq, d_model) with seq <= max_len.

        Returns:
            A tensor shaped like ``x``.

        Raises:
            TypeError: if ``x`` is not a tensor.
            ValueError: if ``x`` is not (batch, seq, d_model) or seq > max_len.

        """
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
        if x.dim() != 3 or x.shape[-1] != self.d_model:
            raise ValueError(f"x must be (batch, seq, {self.d_model}), got {tuple(x.shape)}")
        seq = x.shape[1]
        if seq > self.max_len:
            raise ValueError(
                f"sequence length {seq} exceeds max_len={self.max_len}; "
                "build the PositionalEncoding with a larger max_len"
            )
        # Cast so that a half-precision x is not promoted by the float32 table.
        return self.dropout(x + self.pe[:seq].to(x.dtype))  # (batch, seq, d_model)
