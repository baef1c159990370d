"""Transfer learning (迁移学习) as code: freezing, trainable-parameter counts, few-label tasks.

The words of the transfer chapter, each as something that can be counted:

* **feature extraction** (特征提取): the pre-trained backbone frozen, a new head
  trained on its output (:func:`backbone_features` gives that output);
* **partial unfreezing**: the top of the backbone trainable again, the bottom frozen;
* **full fine-tuning** (微调): every weight trainable, starting from the pre-trained ones;
* **from scratch**: the same architecture, freshly initialised, every weight trainable.

:func:`transfer_cnn` prepares a pre-trained :class:`companion.cnn.MnistCNN` for
the last three; :func:`companion.training.count_parameters` says how many
weights each one trains. The vision experiment (digits 0–4 → digits 5–9 with
few labels) takes its data through :mod:`companion.transfer.selection`.
"""

import copy
import math
from collections.abc import Iterable

import numpy as np
import torch
from torch import nn

from companion.cnn.mnist_cnn import MnistCNN, to_image_tensor
from companion.runtime.checks import check_choice, check_int
from companion.training.loop import History, evaluating, fit

#: The ways :func:`transfer_cnn` prepares a network for the new task.
STRATEGIES = ("scratch", "partial", "full")


def set_trainable(modules: nn.Module | Iterable[nn.Module], trainable: bool) -> None:
    """Freeze (``trainable=False``) or unfreeze every parameter of one or several modules.

    A frozen parameter gets no gradient, so the optimiser leaves it alone and
    backpropagation stops at the lowest layer that still trains.
    """
    if not isinstance(trainable, bool):
        raise TypeError(f"trainable must be True or False, got {trainable!r}")
    for module in [modules] if isinstance(modules, nn.Module) else list(modules):
        if not isinstance(module, nn.Module):
            raise TypeError(f"expected torch modules, got {type(module).__name__}")
        for p in module.parameters():
            p.requires_grad_(trainable)


def trainable_parameters(model: nn.Module) -> list[nn.Parameter]:
    """The parameters an optimiser should be given: those with ``requires_grad``."""
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("the model has no trainable parameter: everything is frozen")
    return params


def transfer_cnn(pretrained: MnistCNN, strategy: str, num_classes: int) -> MnistCNN:
    """A copy of ``pretrained`` with a new output layer, prepared for one transfer strategy.

    The new head, ``Linear(hidden, num_classes)``, is drawn from torch's global
    generator: seed it first for a reproducible head. ``pretrained`` itself is
    never changed.

    Args:
        pretrained: the network trained on the source task.
        strategy: one of :data:`STRATEGIES`:
            ``"scratch"`` re-initialises every layer (the baseline: pre-training unused);
            ``"partial"`` freezes the first convolution block and trains the rest;
            ``"full"`` trains everything, starting from the pre-trained weights.
        num_classes: outputs of the new head.

    """
    if not isinstance(pretrained, MnistCNN):
        raise TypeError(f"pretrained must be a MnistCNN, got {type(pretrained).__name__}")
    check_choice("strategy", strategy, STRATEGIES), check_int("num_classes", num_classes)
    model = copy.deepcopy(pretrained).train()
    if strategy == "scratch":
        for module in model.modules():
            if module is not model and hasattr(module, "reset_parameters"):
                module.reset_parameters()
    old_head = model.classifier[-1]
    model.classifier[-1] = nn.Linear(old_head.in_features, num_classes)
    set_trainable(model, True)
    if strategy == "partial":
        set_trainable(model.features[:3], False)  # the first conv–ReLU–pool block
    return model


def backbone_features(
    model: MnistCNN, images: np.ndarray, batch_size: int = 500, device: str = "cpu"
) -> np.ndarray:
    """What the frozen convolutional backbone sees: ``model.features`` of uint8 images, flattened.

    Returns float32 ``(N, flat_features)`` (3136 = 64·7·7 for the default
    MnistCNN), computed in eval mode without gradients: the input of a new
    head in feature extraction.
    """
    if not isinstance(model, MnistCNN):
        raise TypeError(f"model must be a MnistCNN, got {type(model).__name__}")
    x = to_image_tensor(images)
    model.to(device)
    with evaluating(model):
        parts = [
            model.features(x[i : i + batch_size].to(device)).flatten(1).cpu()
            for i in range(0, len(x), batch_size)
        ]
    return torch.cat(parts).numpy()


def train_for_steps(
    model: nn.Module,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    steps: int,
    lr: float = 1e-3,
    batch_size: int = 32,
    device: str = "cpu",
    seed: int = 0,
) -> History:
    """Train ``model``'s trainable parameters with Adam for about ``steps`` gradient steps.

    With 50 labelled images an epoch is two steps, with 1,000 it is 32: a
    budget in epochs would give the small data sets almost no training. This
    picks the number of epochs that comes closest to ``steps`` (at least one)
    and trains with :func:`companion.training.fit` on uint8 MNIST images.
    The model and the images are stored channels last, which makes PyTorch's
    CPU convolutions faster; the shapes and the arithmetic are unchanged.
    """
    check_int("steps", steps)
    steps_per_epoch = math.ceil(len(labels) / batch_size)
    epochs = max(1, round(steps / steps_per_epoch))
    model.to(memory_format=torch.channels_last)
    x = to_image_tensor(images).contiguous(memory_format=torch.channels_last)
    return fit(
        model,
        (x, torch.as_tensor(np.asarray(labels), dtype=torch.long)),
        # the fused kernel: one pass over all tensors, the same update rule
        optimizer=torch.optim.Adam(
            trainable_parameters(model),
            lr=lr,
            fused=torch.device(device).type in ("cpu", "cuda") or None,
        ),
        epochs=epochs,
        batch_size=batch_size,
        device=device,
        seed=seed,
        progress=False,
    )
