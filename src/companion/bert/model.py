"""BERT (Devlin et al., 2019) from scratch: encoder, pooler, MLM and NSP heads (torch).

The layout and the arithmetic follow the original model, and Hugging Face's
``BertForPreTraining``, exactly, so that weights copy across
(:mod:`companion.bert.hf_bridge`) and both give the same logits:

* embeddings: token + position (learnt) + segment, summed, then LayerNorm
  and dropout;
* ``num_layers`` encoder layers, each self-attention then a GELU
  feed-forward network, each followed by dropout, a residual addition and
  LayerNorm (*post*-LN, as in the original Transformer);
* a pooler, ``tanh(W h_[CLS] + b)``, feeding the NSP head, a linear layer
  onto two classes (0 = B follows A, 1 = B is random);
* the MLM head: dense, GELU, LayerNorm, then a product with the token
  embedding matrix (the *tied* output weights) plus a bias per token.

Attention is :class:`companion.attention.MultiHeadAttention`, the book's own.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from companion.attention.multihead import MultiHeadAttention
from companion.bert.pretraining_data import IGNORE_INDEX
from companion.bert.wordpiece import PAD_ID
from companion.runtime.checks import check_int, check_probability


@dataclass(frozen=True)
class BertConfig:
    """The sizes of a BERT model (BERT-base: 30522, 768, 12, 12, 3072, 512)."""

    vocab_size: int
    hidden_size: int = 128
    num_layers: int = 2
    num_heads: int = 2
    intermediate_size: int = 512
    max_len: int = 128
    type_vocab_size: int = 2
    dropout: float = 0.1
    layer_norm_eps: float = 1e-12
    initializer_range: float = 0.02

    def __post_init__(self):
        sizes = ("vocab_size", "hidden_size", "num_layers", "num_heads", "intermediate_size")
        for name in (*sizes, "max_len", "type_vocab_size"):
            check_int(name, getattr(self, name))
        if self.hidden_size % self.num_heads:
            raise ValueError(
                f"hidden_size ({self.hidden_size}) must be divisible by "
                f"num_heads ({self.num_heads})"
            )
        check_probability("dropout", self.dropout, one_allowed=False)


class BertEmbeddings(nn.Module):
    """Token + position + segment embeddings, summed, then LayerNorm and dropout."""

    def __init__(self, cfg: BertConfig):
        super().__init__()
        self.token = nn.Embedding(cfg.vocab_size, cfg.hidden_size, padding_idx=PAD_ID)
        self.position = nn.Embedding(cfg.max_len, cfg.hidden_size)
        self.segment = nn.Embedding(cfg.type_vocab_size, cfg.hidden_size)
        self.norm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        """(batch, len) ids and segment ids to (batch, len, hidden) vectors."""
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        summed = self.token(input_ids) + self.position(positions) + self.segment(token_type_ids)
        return self.dropout(self.norm(summed))


class BertLayer(nn.Module):
    """Self-attention, then a GELU feed-forward network; each is followed by add & LayerNorm."""

    def __init__(self, cfg: BertConfig):
        super().__init__()
        self.attention = MultiHeadAttention(cfg.hidden_size, cfg.num_heads, cfg.dropout)
        self.attention_norm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.intermediate = nn.Linear(cfg.hidden_size, cfg.intermediate_size)
        self.output = nn.Linear(cfg.intermediate_size, cfg.hidden_size)
        self.output_norm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``x`` (batch, len, hidden); ``mask`` (batch, 1, 1, len), True at real tokens."""
        attended = self.attention(x, x, x, mask)[0]
        x = self.attention_norm(x + self.dropout(attended))
        # BERT's GELU is the exact one, x Φ(x), not the tanh approximation.
        hidden = self.output(F.gelu(self.intermediate(x)))
        return self.output_norm(x + self.dropout(hidden))


class BertForPretraining(nn.Module):
    """The BERT encoder with its two pre-training heads.

    ``forward`` returns ``(mlm_logits, nsp_logits)``. The MLM output layer
    shares its weight matrix with the token embeddings: a word's input vector
    and its output vector are the same, which saves ``vocab × hidden``
    parameters and ties what the model reads to what it predicts.
    """

    def __init__(self, cfg: BertConfig):
        super().__init__()
        self.cfg = cfg
        self.embeddings = BertEmbeddings(cfg)
        self.layers = nn.ModuleList(BertLayer(cfg) for _ in range(cfg.num_layers))
        self.pooler = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.nsp_head = nn.Linear(cfg.hidden_size, 2)
        self.mlm_transform = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.mlm_norm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.mlm_bias = nn.Parameter(torch.zeros(cfg.vocab_size))
        self.apply(self._init_weights)

    def _init_weights(self, module: nn.Module) -> None:
        # BERT's initialisation: N(0, 0.02) weights, zero biases, LayerNorm at identity.
        if isinstance(module, nn.Linear | nn.Embedding):
            nn.init.normal_(module.weight, std=self.cfg.initializer_range)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
        if isinstance(module, nn.Embedding) and module.padding_idx is not None:
            with torch.no_grad():
                module.weight[module.padding_idx].zero_()
        if isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    def encode(
        self,
        input_ids: torch.Tensor,
        token_type_ids: torch.Tensor,
        attention_mask: torch.Tensor,
    ) -> torch.Tensor:
        """The last layer's hidden states (batch, len, hidden)."""
        if input_ids.dim() != 2 or input_ids.shape[1] > self.cfg.max_len:
            raise ValueError(
                f"input_ids must be (batch, len <= {self.cfg.max_len}), "
                f"got {tuple(input_ids.shape)}"
            )
        if token_type_ids.shape != input_ids.shape or attention_mask.shape != input_ids.shape:
            raise ValueError("token_type_ids and attention_mask must be shaped like input_ids")
        mask = attention_mask.bool()[:, None, None, :]  # keys a query may attend to
        x = self.embeddings(input_ids, token_type_ids)
        for layer in self.layers:
            x = layer(x, mask)
        return x

    def mlm_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """Scores over the vocabulary for hidden states (..., hidden)."""
        h = self.mlm_norm(F.gelu(self.mlm_transform(hidden)))
        return h @ self.embeddings.token.weight.T + self.mlm_bias  # tied output weights

    def forward(
        self,
        input_ids: torch.Tensor,
        token_type_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        mlm_positions: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """MLM and NSP logits.

        Args:
            input_ids: token ids (batch, len).
            token_type_ids: segment ids (batch, len), 0 for A, 1 for B.
            attention_mask: (batch, len), 1 at real tokens, 0 at padding.
            mlm_positions: optional boolean (batch, len); if given, MLM logits
                are computed for those positions only, flattened to
                (n_positions, vocab). Training needs only the ~15% chosen
                positions, and the vocabulary projection is the costliest step.

        Returns:
            ``(mlm_logits, nsp_logits)``: (batch, len, vocab) or (n_positions,
            vocab), and (batch, 2).

        """
        hidden = self.encode(input_ids, token_type_ids, attention_mask)
        pooled = torch.tanh(self.pooler(hidden[:, 0]))  # the [CLS] position
        selected = hidden if mlm_positions is None else hidden[mlm_positions]
        return self.mlm_logits(selected), self.nsp_head(pooled)


def pretraining_loss(
    model: BertForPretraining, batch: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """BERT's loss, MLM cross-entropy on the chosen positions plus NSP cross-entropy.

    Args:
        model: the model.
        batch: tensors named as :func:`companion.bert.make_batch` names them.

    Returns:
        ``(loss, parts)``: the summed loss, and detached ``mlm_loss``,
        ``nsp_loss``, ``mlm_correct``, ``mlm_count``, ``nsp_correct`` for
        reporting (counts as tensors, so that nothing waits for the GPU).

    """
    chosen = batch["mlm_labels"] != IGNORE_INDEX
    mlm_logits, nsp_logits = model(
        batch["input_ids"], batch["token_type_ids"], batch["attention_mask"], mlm_positions=chosen
    )
    targets = batch["mlm_labels"][chosen]
    mlm_loss = F.cross_entropy(mlm_logits.float(), targets)
    nsp_loss = F.cross_entropy(nsp_logits.float(), batch["nsp_labels"])
    parts = {
        "mlm_loss": mlm_loss.detach(),
        "nsp_loss": nsp_loss.detach(),
        "mlm_correct": (mlm_logits.argmax(-1) == targets).sum(),
        "mlm_count": chosen.sum(),
        "nsp_correct": (nsp_logits.argmax(-1) == batch["nsp_labels"]).sum(),
    }
    return mlm_loss + nsp_loss, parts


# ---------------------------------------------------------------- Hugging Face
