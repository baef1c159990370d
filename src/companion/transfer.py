"""Transfer learning (迁移学习) as code: freezing, trainable-parameter counts, few-label tasks.

The words of the transfer chapter, each as something that can be counted:

* **feature extraction** (特征提取): the pre-trained backbone frozen, a new head
  trained on its output (:func:`backbone_features` gives that output);
* **partial unfreezing**: the top of the backbone trainable again, the bottom frozen;
* **full fine-tuning** (微调): every weight trainable, starting from the pre-trained ones;
* **from scratch**: the same architecture, freshly initialised, every weight trainable.

:func:`transfer_cnn` prepares a pre-trained :class:`companion.cnn.MnistCNN` for
the last three; :func:`count_parameters` says how many weights each one
trains. The vision experiment (digits 0–4 → digits 5–9 with few labels) takes
its data through :func:`select_digits` and :func:`sample_per_class`.
"""

import copy
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from companion.cnn import MnistCNN, to_image_tensor
from companion.train import History, evaluating, fit

#: The ways :func:`transfer_cnn` prepares a network for the new task.
STRATEGIES = ("scratch", "partial", "full")


@dataclass(frozen=True)
class ParameterCount:
    """How many parameters a model has, and how many of them an optimiser would update."""

    trainable: int
    total: int

    @property
    def fraction(self) -> float:
        """The trainable share of all parameters, in [0, 1]."""
        return self.trainable / self.total if self.total else 0.0


def count_parameters(model: nn.Module) -> ParameterCount:
    """Count ``model``'s parameters, and those with ``requires_grad`` (the trainable ones).

    Shared tensors (tied weights) are counted once, as ``model.parameters()`` yields them.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
    params = list(model.parameters())
    return ParameterCount(
        trainable=sum(p.numel() for p in params if p.requires_grad),
        total=sum(p.numel() for p in params),
    )


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
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
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


def select_digits(
    images: np.ndarray, labels: np.ndarray, digits: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the images of the given ``digits`` and relabel them 0, 1, … in that order.

    ``select_digits(x, y, [5, 6, 7, 8, 9])`` turns the digit 5 into class 0,
    6 into 1 and so on, the labels a 5-way classifier is trained on.

    Returns:
        ``(images, labels)``: the selected images in their original order, and
        int64 labels.

    """
    labels = np.asarray(labels)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    digits = [int(d) for d in digits]
    if not digits or len(set(digits)) != len(digits):
        raise ValueError(f"digits must be distinct and non-empty, got {digits}")
    missing = [d for d in digits if not np.any(labels == d)]
    if missing:
        raise ValueError(f"no image of digit(s) {missing} in the labels")
    keep = np.isin(labels, digits)
    lookup = np.full(int(labels.max()) + 1, -1, dtype=np.int64)
    lookup[digits] = np.arange(len(digits))
    return images[keep], lookup[labels[keep]]


def sample_per_class(labels: np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of ``per_class`` randomly chosen examples of every class, sorted.

    This is how a few-label data set is drawn: the same number of labelled
    examples of each class, and a different draw for a different ``seed``.

    Raises:
        ValueError: if ``per_class`` is not positive or a class has fewer examples.

    """
    labels = np.asarray(labels)
    if isinstance(per_class, bool) or not isinstance(per_class, int) or per_class < 1:
        raise ValueError(f"per_class must be a positive int, got {per_class!r}")
    rng = np.random.default_rng(seed)
    chosen = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if len(members) < per_class:
            raise ValueError(f"class {c} has {len(members)} examples, fewer than {per_class}")
        chosen.append(rng.choice(members, size=per_class, replace=False))
    return np.sort(np.concatenate(chosen))


def split_validation(n: int, val_size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Split ``range(n)`` at random into training and validation indices (each sorted).

    The validation part is for every choice made while training (epochs,
    hyper-parameters, which checkpoint to keep); the test set is not touched
    until the end.
    """
    for name, value in (("n", n), ("val_size", val_size)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise TypeError(f"{name} must be an int, got {value!r}")
    if not 0 < val_size < n:
        raise ValueError(f"need 0 < val_size < n, got val_size={val_size}, n={n}")
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[val_size:]), np.sort(order[:val_size])


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
    and trains with :func:`companion.train.fit` on uint8 MNIST images.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    steps_per_epoch = math.ceil(len(labels) / batch_size)
    epochs = max(1, round(steps / steps_per_epoch))
    return fit(
        model,
        (to_image_tensor(images), torch.as_tensor(np.asarray(labels), dtype=torch.long)),
        optimizer=torch.optim.Adam(trainable_parameters(model), lr=lr),
        epochs=epochs,
        batch_size=batch_size,
        device=device,
        seed=seed,
        progress=False,
    )
