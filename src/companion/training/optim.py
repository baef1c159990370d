"""Optimisers and schedules: AdamW without decay on biases or LayerNorm, and BERT's warm-up.

AdamW (Loshchilov and Hutter, 2019) shrinks the weights towards zero by
``lr * weight_decay`` at every step, apart from the gradient step. Shrinking
a weight matrix is a regulariser; shrinking a LayerNorm gain or a bias is
not (the gain would pull every feature towards zero, whatever the data
says), so BERT, and most Transformer recipes since, exempt every parameter
with fewer than two dimensions and every normalisation parameter. The same
optimiser serves pre-training (:mod:`companion.bert.pretrain`) and fine-tuning
(:mod:`companion.transfer.finetune`), with the linear warm-up and decay of
:func:`warmup_linear`.
"""

from collections.abc import Callable

import torch
from torch import nn


def adamw(
    model: nn.Module,
    lr: float,
    weight_decay: float = 0.01,
    eps: float = 1e-6,
    fused: bool = False,
) -> torch.optim.AdamW:
    """AdamW over ``model``'s trainable parameters, with decay on its weight matrices only.

    Args:
        model: the model; parameters with ``requires_grad=False`` (frozen
            layers, a LoRA model's base weights) are left out.
        lr: the learning rate (a scheduler may scale it).
        weight_decay: the decoupled weight decay of the weight matrices.
        eps: Adam's denominator term; BERT's value, 1e-6, is the default.
        fused: use PyTorch's fused kernel (CPU and CUDA), which updates all
            tensors in one pass with the same rule.

    Returns:
        The optimiser, with two parameter groups: decayed, then not decayed.

    Raises:
        ValueError: if ``lr`` or ``eps`` is not positive, ``weight_decay`` is
            negative, or ``model`` has no trainable parameter.

    """
    if not lr > 0 or not eps > 0 or not weight_decay >= 0:
        raise ValueError(
            f"need lr > 0, eps > 0 and weight_decay >= 0; got {lr}, {eps}, {weight_decay}"
        )
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            (no_decay if p.dim() < 2 or "norm" in name.lower() else decay).append(p)
    if not decay and not no_decay:
        raise ValueError("the model has no trainable parameter: unfreeze some before training")
    groups = [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=eps, fused=fused or None)


# Learning-rate schedules, as factors for torch.optim.lr_scheduler.LambdaLR.


def warmup_linear(warmup_steps: int, total_steps: int) -> Callable[[int], float]:
    """BERT's schedule as a learning-rate factor: up to 1 over the warm-up, then linearly to 0.

    The first steps of a fresh network (or of a new head on a pre-trained one)
    have large, badly scaled gradients, and Adam's second-moment estimates are
    still poor; the warm-up keeps those steps small.

    Raises:
        ValueError: unless ``0 <= warmup_steps < total_steps``.

    """
    if not 0 <= warmup_steps < total_steps:
        raise ValueError(f"need 0 <= warmup_steps < total_steps, got {warmup_steps}, {total_steps}")

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        return max(0.0, (total_steps - step) / (total_steps - warmup_steps))

    return factor
