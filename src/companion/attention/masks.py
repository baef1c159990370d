"""Boolean attention masks: which keys each query may attend to.

``True`` means "may attend", as in ``torch.nn.functional.scaled_dot_product_attention``
(``nn.MultiheadAttention``'s boolean masks use the opposite convention: pass them ``~mask``).

- A padding mask hides the padded positions of shorter sequences in a batch.
- A causal mask lets position *i* attend to positions ``<= i`` only, so that a
  decoder cannot look at the tokens it is asked to predict.
"""

import torch

from companion.runtime.checks import check_int

_INT_DTYPES = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


def padding_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """Key mask for padded sequences: ``True`` at the real tokens, ``False`` at the padding.

    Args:
        lengths: (batch,) integer tensor, the true length of each sequence,
            each in [1, max_len].
        max_len: the padded length (the number of keys).

    Returns:
        A boolean mask (batch, 1, 1, max_len), which broadcasts over heads and
        queries in :func:`attention`. Its inverse ``~mask[:, 0, 0]`` is
        ``nn.MultiheadAttention``'s ``key_padding_mask``.

    Raises:
        TypeError: if ``lengths`` is not an integer tensor or ``max_len`` not an int.
        ValueError: if ``lengths`` is not 1-D, ``max_len`` < 1, or some length is
            outside [1, max_len].

    """
    if not isinstance(lengths, torch.Tensor) or lengths.dtype not in _INT_DTYPES:
        got = lengths.dtype if isinstance(lengths, torch.Tensor) else type(lengths).__name__
        raise TypeError(f"lengths must be an integer torch.Tensor of shape (batch,), got {got}")
    check_int("max_len", max_len)
    if lengths.dim() != 1:
        raise ValueError(f"lengths must be 1-D (batch,), got shape {tuple(lengths.shape)}")
    # A length of 0 would leave a sequence with no key to attend to (NaN weights).
    if lengths.numel() and (lengths.min() < 1 or lengths.max() > max_len):
        raise ValueError(f"each length must be in [1, max_len={max_len}], got {lengths.tolist()}")
    positions = torch.arange(max_len, device=lengths.device)  # (max_len,)
    return (positions < lengths[:, None])[:, None, None, :]  # (batch, 1, 1, max_len)


def causal_mask(size: int, device: torch.device | str | None = None) -> torch.Tensor:
    """Look-ahead mask: position i may attend to positions j ≤ i only.

    Args:
        size: sequence length (queries = keys).
        device: where to create the mask.

    Returns:
        A lower-triangular boolean (size, size) mask, ``True`` on and below the diagonal.

    Raises:
        TypeError: if ``size`` is not an int.
        ValueError: if ``size`` < 1.

    """
    check_int("size", size)
    return torch.ones(size, size, dtype=torch.bool, device=device).tril()
