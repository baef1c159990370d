"""A small, honest training loop for the torch chapters.

It keeps the data on the device when it fits (small datasets then train
without a host-to-device copy per batch), shuffles with its own seeded
generator, uses bfloat16 autocast on CUDA, clips gradients on request, and
shows a ``tqdm`` progress bar over epochs.
"""

import time
from dataclasses import dataclass, field

import torch
from torch import nn

from companion.progress import progress_bar

Data = tuple[torch.Tensor, torch.Tensor]
# Tensors up to this size go to the device once; larger ones go batch by batch.
DEVICE_BUDGET_BYTES = 2 * 2**30


@dataclass
class History:
    """Per-epoch training loss, and validation loss and accuracy when validation data is given."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0


def _check_data(data: Data, name: str) -> None:
    if not (isinstance(data, tuple | list) and len(data) == 2):
        raise TypeError(f"{name} must be a pair (inputs, targets) of tensors")
    x, y = data
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
        raise TypeError(
            f"{name} must hold torch tensors, got {type(x).__name__}, {type(y).__name__}"
        )
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(
            f"{name}: inputs and targets need the same, non-zero length: {len(x)}, {len(y)}"
        )


def _place(data: Data, device: torch.device) -> Data:
    size = sum(t.element_size() * t.nelement() for t in data)
    return tuple(t.to(device) for t in data) if size <= DEVICE_BUDGET_BYTES else data


def _autocast(device: torch.device) -> torch.autocast:
    # bfloat16 keeps float32's exponent range, so no loss scaling is needed.
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")


@torch.no_grad()
def evaluate(
    model: nn.Module, data: Data, loss_fn: nn.Module, batch_size: int = 1024, device: str = "cpu"
) -> tuple[float, float | None]:
    """Mean loss over ``data`` and, for integer class targets, the accuracy (else ``None``).

    For sequence targets ``(batch, time)`` the accuracy counts every position.
    """
    _check_data(data, "data")
    device = torch.device(device)
    model.eval()
    x_all, y_all = _place(data, device)
    total, correct = 0.0, 0
    for start in range(0, len(x_all), batch_size):
        x = x_all[start : start + batch_size].to(device)
        y = y_all[start : start + batch_size].to(device)
        with _autocast(device):
            out = model(x)
        total += loss_fn(out.float(), y).item() * len(x)
        if not y.is_floating_point():
            # The last axis holds the classes: (batch, classes) or (batch, time, classes).
            correct += (out.argmax(dim=-1) == y).sum().item()
    return total / len(x_all), (None if y_all.is_floating_point() else correct / y_all.numel())


def fit(
    model: nn.Module,
    train: Data,
    *,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    batch_size: int,
    loss_fn: nn.Module | None = None,
    val: Data | None = None,
    device: str = "cpu",
    clip_grad_norm: float | None = None,
    seed: int = 0,
    progress: bool = True,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train`` and return its :class:`History`.

    Args:
        model: the network; moved to ``device``.
        train: ``(inputs, targets)`` tensors.
        optimizer: built over ``model.parameters()``.
        epochs: passes over ``train``.
        batch_size: examples per gradient step.
        loss_fn: defaults to cross-entropy on logits.
        val: optional ``(inputs, targets)`` evaluated after each epoch.
        device: where to train (see :func:`companion.device.resolve_device`).
        clip_grad_norm: if given, rescale the gradient to at most this norm.
        seed: seeds the shuffling, so that the batch order is reproducible.
        progress: show a progress bar over epochs.

    """
    _check_data(train, "train")
    if val is not None:
        _check_data(val, "val")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"need epochs >= 1 and batch_size >= 1, got {epochs}, {batch_size}")
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    device = torch.device(device)
    model.to(device)
    x_all, y_all = _place(train, device)
    shuffle = torch.Generator().manual_seed(seed)
    history = History()
    start_time = time.perf_counter()
    bar = progress_bar(range(epochs), desc="epochs", enabled=progress)
    for _ in bar:
        model.train()
        order = torch.randperm(len(x_all), generator=shuffle)
        running = torch.zeros((), device=device)  # summed on the device: no sync per step
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size].to(x_all.device)
            x, y = x_all[idx].to(device), y_all[idx].to(device)
            with _autocast(device):
                loss = loss_fn(model(x).float(), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if clip_grad_norm is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
            optimizer.step()
            running += loss.detach() * len(idx)
        history.train_loss.append(running.item() / len(x_all))
        if val is not None:
            val_loss, val_acc = evaluate(model, val, loss_fn, device=str(device))
            history.val_loss.append(val_loss)
            if val_acc is not None:
                history.val_accuracy.append(val_acc)
        bar.set_postfix(loss=f"{history.train_loss[-1]:.4f}")
    history.seconds = time.perf_counter() - start_time
    return history
