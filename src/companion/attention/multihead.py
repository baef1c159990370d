"""Multi-head attention (多头注意力): attention in several learnt subspaces at once.

Project Q, K and V, split d_model into ``num_heads`` heads of size
d_model / num_heads, attend in each head, concatenate the heads and project the
result: MultiHead(Q, K, V) = Concat(head_1, …, head_h) W_O, with
head_i = Attention(Q W_Q^i, K W_K^i, V W_V^i) (Vaswani et al., 2017).
"""

import torch
from torch import nn

from companion.attention.scores import attention
from companion.runtime.checks import check_int, check_tensor


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
        check_int("d_model", d_model), check_int("num_heads", num_heads)
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
            check_tensor(name, x, min_dim=3)
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
