"""Attention (注意力机制) written from its equations (torch tensors, batch first).

- Dot-product scores: s(q, k) = q · k; scaled: s(q, k) = q · k / √d_k.
- Additive (Bahdanau) scores: s(q, k) = vᵀ tanh(W_q q + W_k k).
- Attention: softmax over the keys of the scores, then a weighted sum of the
  values: Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V.
- Multi-head attention: project Q, K, V, split d_model into ``num_heads``
  heads of size d_model / num_heads, attend in each head, concatenate the
  heads and project the result.

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

_INT_DTYPES = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_tensor(name: str, x: object, min_dim: int = 2) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() < min_dim:
        raise ValueError(
            f"{name} must have at least {min_dim} dims (..., len, features), "
            f"got shape {tuple(x.shape)}"
        )


def _check_qk(q: torch.Tensor, k: torch.Tensor) -> None:
    _check_tensor("q", q)
    _check_tensor("k", k)
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
        sizes = {"d_q": d_q, "d_k": d_k, "d_hidden": d_hidden}
        if not all(_is_int(s) and s >= 1 for s in sizes.values()):
            raise ValueError(f"sizes must be integers >= 1, got {sizes}")
        self.d_q, self.d_k, self.d_hidden = d_q, d_k, d_hidden
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
        _check_tensor("q", q)
        _check_tensor("k", k)
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
    _check_tensor("v", v)
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
        ValueError: if ``lengths`` is not 1-D or some length is outside [1, max_len].

    """
    if not isinstance(lengths, torch.Tensor) or lengths.dtype not in _INT_DTYPES:
        got = lengths.dtype if isinstance(lengths, torch.Tensor) else type(lengths).__name__
        raise TypeError(f"lengths must be an integer torch.Tensor of shape (batch,), got {got}")
    if not _is_int(max_len):
        raise TypeError(f"max_len must be an int, got {type(max_len).__name__}")
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
    if not _is_int(size):
        raise TypeError(f"size must be an int, got {type(size).__name__}")
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    return torch.ones(size, size, dtype=torch.bool, device=device).tril()


class MultiHeadAttention(nn.Module):
    """Multi-head attention (多头注意力) with separate Q, K, V and output projections.

    Each head attends in its own d_model / num_heads dimensional subspace, so
    the heads together cost about as much as one head of size d_model.

    Args:
        d_model: size of the inputs and outputs; divisible by ``num_heads``.
        num_heads: number of heads.
        dropout: probability of zeroing an attention weight in training, in [0, 1).
        bias: give the four projections biases.

    Attributes:
        w_q, w_k, w_v, w_o: the ``nn.Linear(d_model, d_model)`` projections of
            queries, keys, values and the concatenated heads.
        d_head: size of each head, d_model // num_heads.

    """

    def __init__(self, d_model: int, num_heads: int, dropout: float = 0.0, bias: bool = True):
        super().__init__()
        if not (_is_int(d_model) and _is_int(num_heads) and d_model >= 1 and num_heads >= 1):
            raise ValueError(
                f"d_model and num_heads must be integers >= 1, got {d_model}, {num_heads}"
            )
        if d_model % num_heads:
            raise ValueError(
                f"d_model ({d_model}) must be divisible by num_heads ({num_heads}) "
                "so that every head gets the same size"
            )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.d_model, self.num_heads, self.d_head = d_model, num_heads, d_model // num_heads
        self.dropout = dropout
        self.w_q = nn.Linear(d_model, d_model, bias=bias)
        self.w_k = nn.Linear(d_model, d_model, bias=bias)
        self.w_v = nn.Linear(d_model, d_model, bias=bias)
        self.w_o = nn.Linear(d_model, d_model, bias=bias)

    @classmethod
    def from_torch(cls, module: nn.MultiheadAttention) -> "MultiHeadAttention":
        """Build one with the weights, dropout and train/eval mode of a torch module.

        ``nn.MultiheadAttention`` packs the three input projections into one
        ``in_proj_weight`` (3·d_model, d_model), stacked q, k, v; they are
        split here. Its weights do not depend on ``batch_first``, but this
        module always takes batch-first inputs.

        Args:
            module: an ``nn.MultiheadAttention`` with kdim = vdim = embed_dim
                and neither ``add_bias_kv`` nor ``add_zero_attn``.

        Returns:
            A :class:`MultiHeadAttention` of the same dtype and device.

        Raises:
            TypeError: if ``module`` is not an ``nn.MultiheadAttention``.
            ValueError: if it uses kdim/vdim, add_bias_kv or add_zero_attn,
                which this module does not implement.

        """
        if not isinstance(module, nn.MultiheadAttention):
            raise TypeError(f"expected an nn.MultiheadAttention, got {type(module).__name__}")
        if module.kdim != module.embed_dim or module.vdim != module.embed_dim:
            raise ValueError("copy from a module with kdim = vdim = embed_dim")
        if module.bias_k is not None or module.add_zero_attn:
            raise ValueError("copy from a module without add_bias_kv or add_zero_attn")
        weight = module.in_proj_weight
        bias = module.in_proj_bias is not None
        ours = cls(module.embed_dim, module.num_heads, dropout=module.dropout, bias=bias)
        ours = ours.to(dtype=weight.dtype, device=weight.device)
        with torch.no_grad():
            for linear, w in zip((ours.w_q, ours.w_k, ours.w_v), weight.chunk(3), strict=True):
                linear.weight.copy_(w)
            ours.w_o.weight.copy_(module.out_proj.weight)
            if bias:
                for linear, b in zip(
                    (ours.w_q, ours.w_k, ours.w_v), module.in_proj_bias.chunk(3), strict=True
                ):
                    linear.bias.copy_(b)
                ours.w_o.bias.copy_(module.out_proj.bias)
        return ours.train(module.training)

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, _ = x.shape
        # (batch, len, d_model) -> (batch, len, heads, d_head) -> (batch, heads, len, d_head)
        return x.view(batch, length, self.num_heads, self.d_head).transpose(1, 2)

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        mask: torch.Tensor | None = None,
        need_weights: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Attend from each query position to the key/value positions, in every head.

        Args:
            query: (batch, q_len, d_model).
            key: (batch, k_len, d_model).
            value: (batch, k_len, d_model).
            mask: boolean, ``True`` = may attend: (q_len, k_len),
                (batch, q_len, k_len) (the same for every head) or anything
                broadcastable to (batch, heads, q_len, k_len), such as
                :func:`padding_mask`'s (batch, 1, 1, k_len).
            need_weights: also return the per-head attention weights.

        Returns:
            ``(output, weights)``: output (batch, q_len, d_model); weights
            (batch, heads, q_len, k_len) if ``need_weights`` else ``None``.
            Average them over dim 1 to compare with ``nn.MultiheadAttention``'s
            default ``average_attn_weights=True``.

        Raises:
            TypeError: if an input is not a tensor or ``mask`` is not boolean.
            ValueError: on inputs not shaped as above or a bad mask (see
                :func:`attention`).

        """
        for name, x in (("query", query), ("key", key), ("value", value)):
            _check_tensor(name, x, min_dim=3)
            if x.dim() != 3 or x.shape[-1] != self.d_model:
                raise ValueError(
                    f"{name} must be (batch, len, {self.d_model}), got {tuple(x.shape)}"
                )
        if not (query.shape[0] == key.shape[0] == value.shape[0]) or key.shape[1] != value.shape[1]:
            raise ValueError(
                "query, key and value must share the batch size and key/value the length, "
                f"got {tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}"
            )
        batch, q_len, _ = query.shape
        # 1. Project, then 2. split d_model into heads.
        q = self._split_heads(self.w_q(query))  # (batch, heads, q_len, d_head)
        k = self._split_heads(self.w_k(key))  # (batch, heads, k_len, d_head)
        v = self._split_heads(self.w_v(value))  # (batch, heads, k_len, d_head)
        if isinstance(mask, torch.Tensor) and mask.dim() == 3:
            # A (batch, q_len, k_len) mask would otherwise line its batch axis up with heads.
            mask = mask.unsqueeze(1)  # (batch, 1, q_len, k_len)
        # 3. Scaled dot-product attention in every head at once; dropout only in training.
        out, weights = attention(
            q, k, v, mask, dropout_p=self.dropout if self.training else 0.0
        )  # (batch, heads, q_len, d_head), (batch, heads, q_len, k_len)
        # 4. Concatenate the heads: undo the split.
        out = out.transpose(1, 2).reshape(batch, q_len, self.d_model)  # (batch, q_len, d_model)
        # 5. Output projection mixes information across heads.
        return self.w_o(out), weights if need_weights else None


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
