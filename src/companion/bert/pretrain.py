"""Pre-training BERT: AdamW, linear warm-up and decay, gradient clipping, bfloat16 on CUDA.

Batches are drawn fresh at every step (:func:`companion.bert.make_batch`),
so every step sees new sentence pairs and new masks (RoBERTa's "dynamic
masking"; the original BERT fixed the masks once per copy of the data). A
fixed held-out batch is evaluated every ``eval_every`` steps.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from companion.bert.model import BertForPretraining, pretraining_loss
from companion.runtime.progress import progress_bar
from companion.training.loop import evaluating, mixed_precision
from companion.training.optim import adamw, warmup_linear

Batch = dict[str, np.ndarray]


@dataclass
class PretrainHistory:
    """Held-out metrics at each evaluated step, and the running training loss."""

    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    mlm_loss: list[float] = field(default_factory=list)
    mlm_accuracy: list[float] = field(default_factory=list)
    nsp_loss: list[float] = field(default_factory=list)
    nsp_accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0


def to_tensors(batch: Batch, device: str | torch.device) -> dict[str, torch.Tensor]:
    """A NumPy batch as int64 tensors on ``device``."""
    return {k: torch.as_tensor(v, dtype=torch.long).to(device) for k, v in batch.items()}


@torch.no_grad()
def evaluate_pretraining(
    model: BertForPretraining, batches: list[Batch], device: str | torch.device
) -> dict[str, float]:
    """MLM loss and accuracy over the chosen positions, NSP loss and accuracy, on ``batches``."""
    if not batches:
        raise ValueError("evaluate_pretraining needs at least one batch")
    device = torch.device(device)
    totals = dict.fromkeys(("mlm_loss", "nsp_loss", "mlm_correct", "nsp_correct"), 0.0)
    mlm_count = nsp_count = 0
    with evaluating(model):
        for batch in batches:
            tensors = to_tensors(batch, device)
            with mixed_precision(device):
                _, parts = pretraining_loss(model, tensors)
            n_mlm, n_nsp = int(parts["mlm_count"]), len(batch["nsp_labels"])
            totals["mlm_loss"] += parts["mlm_loss"].item() * n_mlm
            totals["nsp_loss"] += parts["nsp_loss"].item() * n_nsp
            totals["mlm_correct"] += parts["mlm_correct"].item()
            totals["nsp_correct"] += parts["nsp_correct"].item()
            mlm_count, nsp_count = mlm_count + n_mlm, nsp_count + n_nsp
    return {
        "mlm_loss": totals["mlm_loss"] / mlm_count,
        "mlm_accuracy": totals["mlm_correct"] / mlm_count,
        "nsp_loss": totals["nsp_loss"] / nsp_count,
        "nsp_accuracy": totals["nsp_correct"] / nsp_count,
    }


def pretrain(
    model: BertForPretraining,
    next_batch: Callable[[], Batch],
    *,
    steps: int,
    lr: float,
    warmup_steps: int,
    held_out: list[Batch],
    eval_every: int,
    device: str = "cpu",
    clip_grad_norm: float = 1.0,
    weight_decay: float = 0.01,
    progress: bool = True,
) -> PretrainHistory:
    """Pre-train ``model`` for ``steps`` steps on batches from ``next_batch()``.

    Args:
        model: the model; moved to ``device``.
        next_batch: returns a fresh NumPy batch on each call (seed its
            generator for a reproducible run).
        steps: optimiser steps.
        lr: the peak learning rate, reached at the end of the warm-up.
        warmup_steps: steps of linear warm-up, then linear decay to 0.
        held_out: batches evaluated at step 0, every ``eval_every`` steps and
            at the end.
        eval_every: steps between evaluations.
        device: where to train; on CUDA the forward pass runs in bfloat16.
        clip_grad_norm: rescale the gradient to at most this norm.
        weight_decay: AdamW's decoupled weight decay on weight matrices.
        progress: show a progress bar.

    Returns:
        The :class:`PretrainHistory`; ``train_loss[i]`` is the mean training
        loss over the steps since the previous evaluation.

    """
    if steps < 1 or eval_every < 1:
        raise ValueError(f"steps and eval_every must be >= 1, got {steps}, {eval_every}")
    device = torch.device(device)
    model.to(device)
    optimizer = adamw(model, lr, weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_linear(warmup_steps, steps))
    history = PretrainHistory()

    def log(step: int, train_loss: float) -> None:
        metrics = evaluate_pretraining(model, held_out, device)
        history.steps.append(step)
        history.train_loss.append(train_loss)
        for name, value in metrics.items():
            getattr(history, name).append(value)

    start = time.perf_counter()
    log(0, float("nan"))
    running = torch.zeros((), device=device)  # summed on the device: no sync per step
    since_log = 0
    for step in progress_bar(range(1, steps + 1), desc="pre-training", enabled=progress):
        model.train()
        batch = to_tensors(next_batch(), device)
        with mixed_precision(device):
            loss, _ = pretraining_loss(model, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
        optimizer.step()
        scheduler.step()
        running += loss.detach()
        since_log += 1
        if step % eval_every == 0 or step == steps:
            log(step, running.item() / since_log)
            running.zero_()
            since_log = 0
    history.seconds = time.perf_counter() - start
    return history
