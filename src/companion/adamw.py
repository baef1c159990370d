"""AdamW as BERT and its fine-tuning recipes set it up: no weight decay on biases or LayerNorm.

AdamW (Loshchilov and Hutter, 2019) shrinks the weights towards zero by
``lr * weight_decay`` at every step, apart from the gradient step. Shrinking
a weight matrix is a regulariser; shrinking a LayerNorm gain or a bias is
not (the gain would pull every feature towards zero, whatever the data
says), so BERT, and most Transformer recipes since, exempt every parameter
with fewer than two dimensions and every normalisation parameter. The same
optimiser serves pre-training (:mod:`companion.bert_train`) and fine-tuning
(:mod:`companion.finetune`).
"""

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
