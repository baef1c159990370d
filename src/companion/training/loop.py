"""A small, honest training loop for the torch chapters.

It keeps the data on the device when it fits (small datasets then train
without a host-to-device copy per batch), shuffles with its own seeded
generator, uses bfloat16 autocast on CUDA, clips gradients on request, and
shows a ``tqdm`` progress bar over epochs. Weights are saved and loaded as
tensors only (:func:`save_weights`, :func:`load_weights`).
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from companion.runtime.progress import progress_bar

# (inputs, targets); inputs may be one tensor or a tuple of tensors that the
# model takes as separate arguments, e.g. (source, target prefix) for seq2seq.
Inputs = torch.Tensor | tuple[torch.Tensor, ...]
Data = tuple[Inputs, torch.Tensor]
# Tensors up to this size go to the device once; larger ones go batch by batch.
DEVICE_BUDGET_BYTES = 2 * 2**30


@dataclass
class History:
    """Per-epoch training loss, and validation loss and accuracy when validation data is given."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0


def _tensors(data: Data, name: str) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
    """Check ``data`` and return its inputs as a tuple of tensors, and its targets."""
    if not (isinstance(data, tuple | list) and len(data) == 2):
        raise TypeError(f"{name} must be a pair (inputs, targets) of tensors")
    x, y = data
    xs = tuple(x) if isinstance(x, tuple | list) else (x,)
    if not all(isinstance(t, torch.Tensor) for t in (*xs, y)):
        raise TypeError(
            f"{name} must hold torch tensors, got {type(x).__name__}, {type(y).__name__}"
        )
    if not xs or any(len(t) != len(y) for t in xs) or len(y) == 0:
        raise ValueError(f"{name}: inputs and targets need the same, non-zero length")
    return xs, y


def _place(tensors: tuple[torch.Tensor, ...], device: torch.device) -> tuple[torch.Tensor, ...]:
    size = sum(t.element_size() * t.nelement() for t in tensors)
    return tuple(t.to(device) for t in tensors) if size <= DEVICE_BUDGET_BYTES else tensors


def mixed_precision(device: torch.device | str) -> torch.autocast:
    """A context in which the forward pass runs in bfloat16 on CUDA, and in float32 elsewhere.

    bfloat16 keeps float32's exponent range, so unlike float16 it needs no
    loss scaling. On a CPU or MPS device the context changes nothing, so the
    same training code runs everywhere and CPU runs stay exactly reproducible.
    """
    device = torch.device(device)
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")


@contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """Run a block with ``model`` in eval mode and without gradients, then restore its mode.

    Eval mode makes dropout a no-op and batch norm use its running statistics;
    restoring the previous mode lets a helper be called in the middle of
    training (a GAN's snapshots, say) without switching training off.
    """
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        model.train(was_training)


@torch.no_grad()
def evaluate(
    model: nn.Module, data: Data, loss_fn: nn.Module, batch_size: int = 1024, device: str = "cpu"
) -> tuple[float, float | None]:
    """Mean loss over ``data`` and, for integer class targets, the accuracy (else ``None``).

    For sequence targets ``(batch, time)`` the accuracy counts every position.
    """
    xs, y_all = _tensors(data, "data")
    device = torch.device(device)
    model.eval()
    *xs, y_all = _place((*xs, y_all), device)
    total, correct = 0.0, 0
    for start in range(0, len(y_all), batch_size):
        x = [t[start : start + batch_size].to(device) for t in xs]
        y = y_all[start : start + batch_size].to(device)
        with mixed_precision(device):
            out = model(*x)
        total += loss_fn(out.float(), y).item() * len(y)
        if not y.is_floating_point():
            # The last axis holds the classes: (batch, classes) or (batch, time, classes).
            correct += (out.argmax(dim=-1) == y).sum().item()
    return total / len(y_all), (None if y_all.is_floating_point() else correct / y_all.numel())


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
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    seed: int = 0,
    progress: bool = True,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train`` and return its :class:`History`.

    Args:
        model: the network; moved to ``device``.
        train: ``(inputs, targets)``; inputs a tensor, or a tuple of tensors that
            the model takes as separate arguments.
        optimizer: built over ``model.parameters()``.
        epochs: passes over ``train``.
        batch_size: examples per gradient step.
        loss_fn: defaults to cross-entropy on logits.
        val: optional ``(inputs, targets)`` evaluated after each epoch.
        device: where to train (see :func:`companion.runtime.resolve_device`).
        clip_grad_norm: if given, rescale the gradient to at most this norm.
        scheduler: a learning-rate schedule over ``optimizer``, stepped after
            every optimiser step (so set it up in steps, not epochs).
        seed: seeds the shuffling, so that the batch order is reproducible.
        progress: show a progress bar over epochs.

    """
    xs, y_all = _tensors(train, "train")
    if val is not None:
        _tensors(val, "val")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"need epochs >= 1 and batch_size >= 1, got {epochs}, {batch_size}")
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    device = torch.device(device)
    model.to(device)
    *xs, y_all = _place((*xs, y_all), device)
    shuffle = torch.Generator().manual_seed(seed)
    history = History()
    start_time = time.perf_counter()
    bar = progress_bar(range(epochs), desc="epochs", enabled=progress)
    for _ in bar:
        model.train()
        order = torch.randperm(len(y_all), generator=shuffle)
        # Summed on the device: no synchronisation per step.
        running = torch.zeros((), device=device)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size].to(y_all.device)
            x, y = [t[idx].to(device) for t in xs], y_all[idx].to(device)
            with mixed_precision(device):
                loss = loss_fn(model(*x).float(), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if clip_grad_norm is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            running += loss.detach() * len(idx)
        history.train_loss.append(running.item() / len(y_all))
        if val is not None:
            val_loss, val_acc = evaluate(
                model,
                val,
                loss_fn,
                device=str(device),
            )
            history.val_loss.append(val_loss)
            if val_acc is not None:
                history.val_accuracy.append(val_acc)
        bar.set_postfix(loss=f"{history.train_loss[-1]:.4f}")
    history.seconds = time.perf_counter() - start_time
    return history


# Saving and loading model weights safely.


def save_weights(model: nn.Module, path: str | Path) -> Path:
    """Write ``model``'s state dict (tensors only, no pickled code) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
    return path


def load_weights(model: nn.Module, path: str | Path) -> nn.Module:
    """Load weights saved by :func:`save_weights` into ``model`` and return it.

    ``weights_only=True`` makes ``torch.load`` refuse anything but tensors and
    plain containers: a checkpoint downloaded from elsewhere cannot run code
    when it is opened, as a full pickle can.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}: train the model first, or fix the path")
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model
