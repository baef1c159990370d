"""LoRA, low-rank adaptation (Hu et al., 2022): parameter-efficient fine-tuning (参数高效微调).

LoRA freezes a pre-trained weight matrix ``W`` (out × in) and learns a
low-rank change to it, ``W + (alpha / r) · B A`` with ``A`` (r × in) and
``B`` (out × r). Only ``A`` and ``B`` train: ``r · (in + out)`` numbers
instead of ``in · out``. ``B`` starts at zero, so training starts from
exactly the pre-trained model. After training, ``B A`` can be added into
``W`` (:meth:`LoRALinear.merged_weight`), and the adapted model is as fast
as the original.

:class:`LoRALinear` is the method written out; :func:`add_lora` applies the
same method to a Hugging Face encoder with the ``peft`` library, which is
what one uses in practice. The tests check that the two compute the same thing.
"""

import math
import warnings
from collections.abc import Sequence

import torch
from torch import nn

from companion.runtime.checks import check_int, check_number

#: The attention projections LoRA adapts by default in BERT-style models.
BERT_TARGETS = ("query", "value")


def _check_rank(rank: int, alpha: float) -> None:
    check_int("rank", rank), check_number("alpha", alpha, above=0)


class LoRALinear(nn.Module):
    """A frozen ``nn.Linear`` plus a trainable low-rank update: ``base(x) + (alpha/r) · x Aᵀ Bᵀ``.

    Args:
        base: the pre-trained layer; its weight and bias are frozen.
        rank: r, the rank of the update.
        alpha: the update is scaled by ``alpha / rank``, so that changing the
            rank does not change the size of the update at the start.
        dropout: dropout on the input of the update path during training.

    Attributes:
        lora_a: ``A`` (r, in), initialised as ``nn.Linear`` initialises its weight (as peft does).
        lora_b: ``B`` (out, r), zeros.
        scaling: ``alpha / rank``.

    """

    def __init__(self, base: nn.Linear, rank: int, alpha: float, dropout: float = 0.0) -> None:
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"base must be an nn.Linear, got {type(base).__name__}")
        _check_rank(rank, alpha)
        self.base = base
        for p in base.parameters():
            p.requires_grad_(False)
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
        self.scaling = alpha / rank
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``base(x)`` plus the scaled low-rank update, for inputs (..., in_features)."""
        update = self.dropout(x) @ self.lora_a.T @ self.lora_b.T  # (..., r) then (..., out)
        return self.base(x) + self.scaling * update

    def merged_weight(self) -> torch.Tensor:
        """``W + (alpha/r) · B A``: one matrix that computes the adapted layer (without dropout)."""
        return self.base.weight + self.scaling * self.lora_b @ self.lora_a


def lora_parameter_count(in_features: int, out_features: int, rank: int) -> int:
    """Trainable numbers of one LoRA-adapted ``in → out`` matrix: ``rank · (in + out)``."""
    check_int("in_features", in_features), check_int("out_features", out_features)
    _check_rank(rank, 1.0)
    return rank * (in_features + out_features)


def add_lora(
    model: nn.Module,
    rank: int = 8,
    alpha: float = 16,
    dropout: float = 0.1,
    target_modules: Sequence[str] = BERT_TARGETS,
) -> nn.Module:
    """Freeze ``model.encoder`` and give its ``target_modules`` LoRA adapters, with ``peft``.

    ``model`` is a :class:`companion.transfer.SentenceClassifier` (anything
    with an ``encoder`` attribute holding a Hugging Face model). Its encoder is
    replaced by a ``peft`` model whose base weights are frozen; everything
    outside the encoder (the classification head) stays trainable. The adapter
    matrices ``A`` are drawn from torch's global generator: seed it first.

    Returns:
        ``model``, changed in place.

    """
    _check_rank(rank, alpha)
    encoder = getattr(model, "encoder", None)
    if not isinstance(encoder, nn.Module):
        raise TypeError("model must have an `encoder` module (a SentenceClassifier)")
    targets = list(target_modules)
    names = {name.rsplit(".", 1)[-1] for name, _ in encoder.named_modules()}
    missing = [t for t in targets if t not in names]
    if not targets or missing:
        raise ValueError(f"target modules {missing or targets} are not in the encoder")
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=dropout, target_modules=targets)
    with warnings.catch_warnings():
        # peft asks transformers about gradient checkpointing with a since-renamed method.
        warnings.simplefilter("ignore", FutureWarning)
        model.encoder = get_peft_model(encoder, config)
    return model
