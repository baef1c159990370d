"""An encoder–decoder Transformer (Vaswani et al., 2017) built on the book's attention.

Normalisation placement: *pre-LN* (LayerNorm before each sub-layer, inside
the residual branch, plus a final LayerNorm on each stack), as in GPT-2 and
most current models, rather than the original paper's post-LN. Pre-LN keeps
an unnormalised residual path from input to output, so it trains stably
without the learning-rate warm-up that post-LN needs.
"""

import math

import torch
from torch import nn

from companion.attention.masks import causal_mask
from companion.attention.multihead import MultiHeadAttention
from companion.attention.positional import PositionalEncoding


def _feed_forward(d_model: int, d_ff: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(d_model, d_ff), nn.ReLU(), nn.Dropout(dropout), nn.Linear(d_ff, d_model)
    )


class EncoderLayer(nn.Module):
    """Self-attention then a position-wise feed-forward network, each in a pre-LN residual."""

    def __init__(self, d_model: int, num_heads: int, d_ff: int, dropout: float):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.self_attn = MultiHeadAttention(d_model, num_heads, dropout)
        self.ff = _feed_forward(d_model, d_ff, dropout)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``x`` (batch, src_len, d_model); ``mask`` hides padding keys."""
        h = self.norm1(x)
        x = x + self.dropout(self.self_attn(h, h, h, mask)[0])
        return x + self.dropout(self.ff(self.norm2(x)))


class DecoderLayer(nn.Module):
    """Masked self-attention, cross-attention over the encoder's output, then feed-forward."""

    def __init__(self, d_model: int, num_heads: int, d_ff: int, dropout: float):
        super().__init__()
        self.norms = nn.ModuleList(nn.LayerNorm(d_model) for _ in range(3))
        self.self_attn = MultiHeadAttention(d_model, num_heads, dropout)
        self.cross_attn = MultiHeadAttention(d_model, num_heads, dropout)
        self.ff = _feed_forward(d_model, d_ff, dropout)
        self.dropout = nn.Dropout(dropout)
        self.cross_weights: torch.Tensor | None = None  # kept for the chapter's pictures

    def forward(
        self,
        y: torch.Tensor,
        memory: torch.Tensor,
        self_mask: torch.Tensor,
        memory_mask: torch.Tensor,
    ) -> torch.Tensor:
        """``y`` (batch, tgt_len, d_model) attends to itself causally, then to ``memory``."""
        h = self.norms[0](y)
        y = y + self.dropout(self.self_attn(h, h, h, self_mask)[0])
        h = self.norms[1](y)
        out, self.cross_weights = self.cross_attn(h, memory, memory, memory_mask, need_weights=True)
        y = y + self.dropout(out)
        return y + self.dropout(self.ff(self.norms[2](y)))


class Seq2SeqTransformer(nn.Module):
    """Embeddings × √d_model + sinusoidal positions → encoder, decoder stacks → vocabulary."""

    def __init__(
        self,
        src_vocab: int,
        tgt_vocab: int,
        d_model: int = 128,
        num_heads: int = 4,
        num_layers: int = 2,
        d_ff: int = 512,
        dropout: float = 0.1,
        max_len: int = 128,
        pad_id: int = 0,
    ):
        super().__init__()
        if min(src_vocab, tgt_vocab, d_model, num_layers, d_ff) < 1:
            raise ValueError("vocabulary sizes, d_model, num_layers and d_ff must be >= 1")
        self.d_model, self.pad_id = d_model, pad_id
        self.src_embed = nn.Embedding(src_vocab, d_model)
        self.tgt_embed = nn.Embedding(tgt_vocab, d_model)
        self.position = PositionalEncoding(d_model, max_len, dropout)
        self.encoder = nn.ModuleList(
            EncoderLayer(d_model, num_heads, d_ff, dropout) for _ in range(num_layers)
        )
        self.decoder = nn.ModuleList(
            DecoderLayer(d_model, num_heads, d_ff, dropout) for _ in range(num_layers)
        )
        self.encoder_norm, self.decoder_norm = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.output = nn.Linear(d_model, tgt_vocab)

    def _embed(self, embedding: nn.Embedding, tokens: torch.Tensor) -> torch.Tensor:
        # The √d_model factor brings the embeddings to the scale of the positional
        # encoding (entries in [-1, 1]), so neither drowns the other.
        return self.position(embedding(tokens) * math.sqrt(self.d_model))

    def source_mask(self, src: torch.Tensor) -> torch.Tensor:
        """True for real (non-padding) source tokens, shaped (batch, 1, 1, src_len)."""
        return (src != self.pad_id)[:, None, None, :]

    def encode(self, src: torch.Tensor) -> torch.Tensor:
        """The encoder's output ("memory") for source tokens ``src`` (batch, src_len)."""
        x, mask = self._embed(self.src_embed, src), self.source_mask(src)
        for layer in self.encoder:
            x = layer(x, mask)
        return self.encoder_norm(x)

    def decode(self, tgt_in: torch.Tensor, memory: torch.Tensor, src: torch.Tensor) -> torch.Tensor:
        """Logits (batch, tgt_len, tgt_vocab) for the target prefix ``tgt_in``, given the memory."""
        size = tgt_in.shape[1]
        # Position i may see positions <= i (causal) that are not padding.
        self_mask = (
            causal_mask(size, tgt_in.device)[None, None] & (tgt_in != self.pad_id)[:, None, None, :]
        )
        y = self._embed(self.tgt_embed, tgt_in)
        for layer in self.decoder:
            y = layer(y, memory, self_mask, self.source_mask(src))
        return self.output(self.decoder_norm(y))

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits: the decoder reads the true target shifted right."""
        return self.decode(tgt_in, self.encode(src), src)

    @torch.no_grad()
    def greedy_decode(self, src: torch.Tensor, bos_id: int, steps: int) -> torch.Tensor:
        """Generate ``steps`` tokens after BOS, each the most likely given those before it.

        Returns the generated tokens (batch, steps), without the BOS.
        """
        self.eval()
        memory = self.encode(src)
        out = torch.full((src.shape[0], 1), bos_id, dtype=torch.long, device=src.device)
        for _ in range(steps):
            logits = self.decode(out, memory, src)[:, -1]  # (batch, tgt_vocab)
            out = torch.cat([out, logits.argmax(dim=-1, keepdim=True)], dim=1)
        return out[:, 1:]
