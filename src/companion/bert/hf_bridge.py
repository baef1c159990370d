"""The bridge to Hugging Face: the book's BERT and ``BertForPreTraining`` share weights.

:func:`to_hf` copies a :class:`companion.bert.BertForPretraining` into
``transformers``' ``BertForPreTraining`` and :func:`from_hf` copies back, name by
name (:func:`hf_config` builds the matching configuration). The bert chapter
uses the copy to check the from-scratch model against the library: the same
weights must give the same logits. ``transformers`` is imported only here, and
only when a function is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from companion.bert.model import BertConfig, BertForPretraining
from companion.bert.wordpiece import PAD_ID

if TYPE_CHECKING:
    from transformers import BertConfig as HFBertConfig
    from transformers import BertForPreTraining


def hf_config(cfg: BertConfig) -> HFBertConfig:
    """The ``transformers.BertConfig`` of the same model (exact GELU, post-LN, tied MLM weights)."""
    from transformers import BertConfig as HFBertConfig

    return HFBertConfig(
        vocab_size=cfg.vocab_size,
        hidden_size=cfg.hidden_size,
        num_hidden_layers=cfg.num_layers,
        num_attention_heads=cfg.num_heads,
        intermediate_size=cfg.intermediate_size,
        max_position_embeddings=cfg.max_len,
        type_vocab_size=cfg.type_vocab_size,
        hidden_dropout_prob=cfg.dropout,
        attention_probs_dropout_prob=cfg.dropout,
        layer_norm_eps=cfg.layer_norm_eps,
        initializer_range=cfg.initializer_range,
        hidden_act="gelu",
        pad_token_id=PAD_ID,
        tie_word_embeddings=True,
    )


def _name_pairs(cfg: BertConfig) -> list[tuple[str, str]]:
    """(our parameter name, Hugging Face's) for every parameter of the model."""
    pairs = [
        ("embeddings.token.weight", "bert.embeddings.word_embeddings.weight"),
        ("embeddings.position.weight", "bert.embeddings.position_embeddings.weight"),
        ("embeddings.segment.weight", "bert.embeddings.token_type_embeddings.weight"),
        ("pooler.weight", "bert.pooler.dense.weight"),
        ("pooler.bias", "bert.pooler.dense.bias"),
        ("nsp_head.weight", "cls.seq_relationship.weight"),
        ("nsp_head.bias", "cls.seq_relationship.bias"),
        ("mlm_transform.weight", "cls.predictions.transform.dense.weight"),
        ("mlm_transform.bias", "cls.predictions.transform.dense.bias"),
        ("mlm_bias", "cls.predictions.bias"),
    ]
    norms = [
        ("embeddings.norm", "bert.embeddings.LayerNorm"),
        ("mlm_norm", "cls.predictions.transform.LayerNorm"),
    ]
    linears = []
    for i in range(cfg.num_layers):
        ours, theirs = f"layers.{i}", f"bert.encoder.layer.{i}"
        linears += [
            (f"{ours}.attention.w_q", f"{theirs}.attention.self.query"),
            (f"{ours}.attention.w_k", f"{theirs}.attention.self.key"),
            (f"{ours}.attention.w_v", f"{theirs}.attention.self.value"),
            (f"{ours}.attention.w_o", f"{theirs}.attention.output.dense"),
            (f"{ours}.intermediate", f"{theirs}.intermediate.dense"),
            (f"{ours}.output", f"{theirs}.output.dense"),
        ]
        norms += [
            (f"{ours}.attention_norm", f"{theirs}.attention.output.LayerNorm"),
            (f"{ours}.output_norm", f"{theirs}.output.LayerNorm"),
        ]
    for ours, theirs in linears + norms:
        pairs += [(f"{ours}.weight", f"{theirs}.weight"), (f"{ours}.bias", f"{theirs}.bias")]
    return pairs


def to_hf(model: BertForPretraining) -> BertForPreTraining:
    """A Hugging Face ``BertForPreTraining`` with a copy of ``model``'s weights.

    Raises:
        TypeError: if ``model`` is not a :class:`BertForPretraining`.

    """
    from transformers import BertForPreTraining

    if not isinstance(model, BertForPretraining):
        raise TypeError(f"expected a companion BertForPretraining, got {type(model).__name__}")
    weight = model.embeddings.token.weight
    hf = BertForPreTraining(hf_config(model.cfg)).to(dtype=weight.dtype, device=weight.device)
    ours, theirs = dict(model.named_parameters()), dict(hf.named_parameters())
    with torch.no_grad():
        for our_name, hf_name in _name_pairs(model.cfg):
            theirs[hf_name].copy_(ours[our_name])
    # The decoder must be the embedding matrix itself, not a copy of it.
    if hf.cls.predictions.decoder.weight is not hf.bert.embeddings.word_embeddings.weight:
        raise RuntimeError("transformers did not tie the MLM decoder to the word embeddings")
    return hf.train(model.training)


def from_hf(hf: BertForPreTraining) -> BertForPretraining:
    """A :class:`BertForPretraining` with a copy of a Hugging Face model's weights.

    Raises:
        TypeError: if ``hf`` is not a ``transformers.BertForPreTraining``.
        ValueError: if its activation is not the exact GELU or its embeddings
            are not absolute positions, which this model does not implement.

    """
    from transformers import BertForPreTraining

    if not isinstance(hf, BertForPreTraining):
        raise TypeError(f"expected a transformers BertForPreTraining, got {type(hf).__name__}")
    c = hf.config
    if c.hidden_act != "gelu" or getattr(c, "position_embedding_type", "absolute") != "absolute":
        raise ValueError("only hidden_act='gelu' and absolute position embeddings are supported")
    if c.attention_probs_dropout_prob != c.hidden_dropout_prob:
        raise ValueError("this model uses one dropout rate for attention and hidden states")
    cfg = BertConfig(
        vocab_size=c.vocab_size,
        hidden_size=c.hidden_size,
        num_layers=c.num_hidden_layers,
        num_heads=c.num_attention_heads,
        intermediate_size=c.intermediate_size,
        max_len=c.max_position_embeddings,
        type_vocab_size=c.type_vocab_size,
        dropout=c.hidden_dropout_prob,
        layer_norm_eps=c.layer_norm_eps,
        initializer_range=c.initializer_range,
    )
    model = BertForPretraining(cfg)
    weight = hf.bert.embeddings.word_embeddings.weight
    model = model.to(dtype=weight.dtype, device=weight.device)
    ours, theirs = dict(model.named_parameters()), dict(hf.named_parameters())
    with torch.no_grad():
        for our_name, hf_name in _name_pairs(cfg):
            ours[our_name].copy_(theirs[hf_name])
    return model.train(hf.training)
