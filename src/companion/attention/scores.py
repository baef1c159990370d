"""Attention (注意力机制) written from its equations (torch tensors, batch first).

- Dot-product scores: s(q, k) = q · k; scaled: s(q, k) = q · k / √d_k.
- Additive (Bahdanau) scores: s(q, k) = vᵀ tanh(W_q q + W_k k).
- Attention: softmax over the keys of the scores, then a weighted sum of the
  values: Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V.

Masks are in :mod:`companion.attention.masks`; multi-head attention in
:mod:`companion.attention.multihead`.

Boolean masks follow ``torch.nn.functional.scaled_dot_product_attention``:
``True`` means "this query may attend to this key", ``False`` means "masked
out". Beware that ``nn.MultiheadAttention``'s boolean ``attn_mask`` and
``key_padding_mask`` use the opposite convention (``True`` = ignore), so pass
them ``~mask``.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from companion.runtime.checks import check_int, check_tensor


def _check_qk(q: torch.Tensor, k: torch.Tensor) -> None:
    check_tensor("q", q, min_dim=2)  # (..., len, features)
    check_tensor("k", k, min_dim=2)
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"q and k must share their last dim d_k, got q {tuple(q.shape)}, k {tuple(k.shape)}"
        )


def dot_product_scores(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Dot-product scores ``q @ kᵀ``: how well each query matches each key.

    Args:
        q: queries (..., q_len, d_k).
        k: keys (..., k_len, d_k); leading dims broadcast against ``q``'s.

    Returns:
        The scores (..., q_len, k_len).

    Raises:
        TypeError: if ``q`` or ``k`` is not a tensor.
        ValueError: if either has fewer than 2 dims or their last dims differ.

    """
    _check_qk(q, k)
    return q @ k.transpose(-2, -1)  # (..., q_len, d_k) @ (..., d_k, k_len)


def scaled_dot_product_scores(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Dot-product scores divided by √d_k.

    With q and k of independent unit-variance entries, q · k is a sum of d_k
    unit-variance terms, so its standard deviation grows like √d_k. Dividing by
    √d_k keeps the scores near unit scale whatever d_k is, so the softmax does
    not saturate into a one-hot with vanishing gradients.

    Args:
        q: queries (..., q_len, d_k).
        k: keys (..., k_len, d_k).

    Returns:
        The scaled scores (..., q_len, k_len).

    Raises:
        TypeError: if ``q`` or ``k`` is not a tensor.
        ValueError: if either has fewer than 2 dims or their last dims differ.

    """
    return dot_product_scores(q, k) / math.sqrt(q.shape[-1])


class AdditiveScores(nn.Module):
    """Bahdanau's additive scores s(q, k) = vᵀ tanh(W_q q + W_k k).

    A one-hidden-layer network scores each (query, key) pair, so queries and
    keys may have different sizes, unlike dot-product scores.

    Args:
        d_q: size of each query.
        d_k: size of each key.
        d_hidden: size of the hidden layer, the rows of W_q and W_k.

    Attributes:
        w_q: ``nn.Linear(d_q, d_hidden, bias=False)``.
        w_k: ``nn.Linear(d_k, d_hidden, bias=False)``.
        v: ``nn.Linear(d_hidden, 1, bias=False)``.

    """

    def __init__(self, d_q: int, d_k: int, d_hidden: int):
        super().__init__()
        self.d_q, self.d_k = check_int("d_q", d_q), check_int("d_k", d_k)
        self.d_hidden = check_int("d_hidden", d_hidden)
        # No biases, as in Bahdanau et al. (2015); a bias on v would add the same
        # constant to every key's score and cancel in the softmax anyway.
        self.w_q = nn.Linear(d_q, d_hidden, bias=False)
        self.w_k = nn.Linear(d_k, d_hidden, bias=False)
        self.v = nn.Linear(d_hidden, 1, bias=False)

    def forward(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """Score every query against every key.

        Args:
            q: queries (..., q_len, d_q).
            k: keys (..., k_len, d_k); leading dims broadcast against ``q``'s.

        Returns:
            The scores (..., q_len, k_len).

        Raises:
            TypeError: if ``q`` or ``k`` is not a tensor.
            ValueError: if their last dims are not ``d_q`` and ``d_k``.

        """
        check_tensor("q", q, min_dim=2)
        check_tensor("k", k, min_dim=2)
        if q.shape[-1] != self.d_q or k.shape[-1] != self.d_k:
            raise ValueError(
                f"expected q (..., q_len, {self.d_q}) and k (..., k_len, {self.d_k}), "
                f"got q {tuple(q.shape)}, k {tuple(k.shape)}"
            )
        # Insert axes so every query meets every key by broadcasting.
        q_h = self.w_q(q).unsqueeze(-2)  # (..., q_len, 1, d_hidden)
        k_h = self.w_k(k).unsqueeze(-3)  # (..., 1, k_len, d_hidden)
        return self.v(torch.tanh(q_h + k_h)).squeeze(-1)  # (..., q_len, k_len)


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Softmax over the keys (last axis), giving masked-out keys weight 0.

    Masked scores are set to -inf so that exp(-inf) = 0. A query whose keys are
    all masked would be a softmax over nothing, 0/0 = NaN, so it is refused.

    Args:
        scores: (..., q_len, k_len), e.g. from :func:`scaled_dot_product_scores`
            or :class:`AdditiveScores`.
        mask: boolean, ``True`` = may attend; broadcastable to ``scores``'s
            shape without enlarging it, or ``None`` for no mask.

    Returns:
        The attention weights (..., q_len, k_len); each row sums to 1.

    Raises:
        TypeError: if ``mask`` is not a boolean tensor.
        ValueError: if ``mask`` does not broadcast to ``scores``'s shape, or
            masks out every key of some query.

    """
    if mask is None:
        return torch.softmax(scores, dim=-1)
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        got = mask.dtype if isinstance(mask, torch.Tensor) else type(mask).__name__
        raise TypeError(f"mask must be a boolean tensor (True = may attend), got {got}")
    try:
        broadcast = torch.broadcast_shapes(mask.shape, scores.shape)
    except RuntimeError:
        broadcast = None
    if broadcast != scores.shape:
        raise ValueError(
            f"mask {tuple(mask.shape)} must broadcast to the scores' shape "
            f"(..., q_len, k_len) = {tuple(scores.shape)}"
        )
    if not mask.expand(scores.shape).any(dim=-1).all():
        raise ValueError(
            "some query has every key masked out (a mask row of all False); its softmax "
            "would be 0/0 = NaN. Give each query at least one key it may attend to."
        )
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)


def attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None = None,
    scale: bool = True,
    *,
    dropout_p: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(Scaled) dot-product attention: softmax(q kᵀ / √d_k) v.

    Args:
        q: queries (..., q_len, d_k).
        k: keys (..., k_len, d_k).
        v: values (..., k_len, d_v), one per key.
        mask: boolean, ``True`` = may attend, ``False`` = masked out;
            broadcastable to (..., q_len, k_len), e.g. :func:`causal_mask`
            (q_len, k_len) or :func:`padding_mask` (batch, 1, 1, k_len).
        scale: divide the scores by √d_k (``False`` gives plain dot-product
            attention, to show the softmax saturating).
        dropout_p: probability of zeroing each attention weight (the
            survivors are scaled by 1 / (1 - p)); pass 0 outside training.

    Returns:
        ``(output, weights)``: output (..., q_len, d_v) and the weights
        (..., q_len, k_len). With ``dropout_p > 0`` the weights are the
        dropped-out ones actually used, as ``nn.MultiheadAttention`` returns,
        so that ``output == weights @ v`` always holds.

    Raises:
        TypeError: if an input is not a tensor or ``mask`` is not boolean.
        ValueError: on mismatched shapes, a mask that does not broadcast, a
            query with every key masked, or ``dropout_p`` outside [0, 1).

    """
    _check_qk(q, k)
    check_tensor("v", v, min_dim=2)
    if v.shape[-2] != k.shape[-2]:
        raise ValueError(
            f"k and v must have the same length (one value per key), "
            f"got k {tuple(k.shape)}, v {tuple(v.shape)}"
        )
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"dropout_p must be in [0, 1), got {dropout_p}")
    scores = scaled_dot_product_scores(q, k) if scale else dot_product_scores(q, k)
    weights = masked_softmax(scores, mask)  # (..., q_len, k_len)
    if dropout_p > 0.0:
        weights = F.dropout(weights, p=dropout_p, training=True)
    return weights @ v, weights  # (..., q_len, d_v), (..., q_len, k_len)


def attention_entropy(weights: torch.Tensor) -> torch.Tensor:
    """Entropy, in nats, of each attention distribution (along the last axis).

    H(p) = -Σ p log p, taking 0 · log 0 = 0. It is log(k_len) for uniform
    attention and 0 for one-hot attention, so it measures how saturated the
    softmax is.

    Args:
        weights: attention weights (..., k_len), each row a distribution.

    Returns:
        The entropies (...,).

    Raises:
        TypeError: if ``weights`` is not a floating-point tensor.
        ValueError: if it has no dims or a negative entry.

    """
    if not isinstance(weights, torch.Tensor) or not weights.is_floating_point():
        raise TypeError("weights must be a floating-point torch.Tensor")
    if weights.dim() < 1:
        raise ValueError("weights must have at least 1 dim (..., k_len)")
    if (weights < 0).any():
        raise ValueError("weights must be non-negative (probabilities)")
    # xlogy(p, p) is exactly 0 at p = 0, where p * log(p) would be 0 * -inf = NaN.
    return -torch.xlogy(weights, weights).sum(dim=-1)
