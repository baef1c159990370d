"""Saving and loading model weights safely."""

from pathlib import Path

import torch
from torch import nn


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
