"""The book's two MNIST models in PyTorch, trained the way their Keras twins are.

The Keras models are in :mod:`companion.frameworks.keras_models`. The CNN is
:class:`companion.cnn.MnistCNN`; this module adds the source's
multilayer perceptron, a training function with the Keras side's recipe (Adam,
cross-entropy, a batch size and learning rate given explicitly) and the class
probabilities that the evaluation needs.
"""

import numpy as np
import torch
from torch import nn

from companion.cnn.mnist_cnn import to_image_tensor
from companion.runtime.checks import check_number
from companion.training.loop import History, evaluating, fit


def _channels_last(images: np.ndarray) -> torch.Tensor:
    """uint8 images ``(N, H, W)`` as float32 ``(N, 1, H, W)`` in [0, 1], stored channels last."""
    return to_image_tensor(images).contiguous(memory_format=torch.channels_last)


def build_mlp(hidden: int = 128) -> nn.Sequential:
    """The source's MLP: Flatten, Linear + ReLU, Linear.

    It returns logits; pair it with ``nn.CrossEntropyLoss``.
    """
    return nn.Sequential(
        nn.Flatten(),  # (N, 1, 28, 28) -> (N, 784)
        nn.Linear(28 * 28, hidden),
        nn.ReLU(),
        nn.Linear(hidden, 10),  # logits: the loss takes the softmax
    )


def train(
    model: nn.Module,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    seed: int = 0,
    device: str = "cpu",
) -> History:
    """Train ``model`` with Adam and cross-entropy on uint8 images.

    ``seed`` fixes the batch order (see ``companion.training.fit``);
    seed torch before building the model to fix its weights too.
    """
    check_number("learning_rate", learning_rate, above=0)
    targets = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    # Channels-last memory (N, H, W, C in memory, as Keras stores
    # images) makes PyTorch's CPU convolutions about a third faster;
    # the shapes stay (N, C, H, W).
    model.to(memory_format=torch.channels_last)
    adam = torch.optim.Adam(model.parameters(), lr=learning_rate)
    return fit(
        model, (_channels_last(images), targets), optimizer=adam,
        epochs=epochs, batch_size=batch_size, device=device,
        seed=seed,
    )  # fmt: skip


def predict_proba(
    model: nn.Module,
    images: np.ndarray,
    batch_size: int = 1000,
    device: str = "cpu",
) -> np.ndarray:
    """Class probabilities ``(N, 10)`` of uint8 images."""
    x = _channels_last(images)
    model.to(device, memory_format=torch.channels_last)
    with evaluating(model):  # dropout off, no gradients
        logits = torch.cat(
            [
                model(x[i : i + batch_size].to(device)).float().cpu()
                for i in range(0, len(x), batch_size)
            ]
        )
    return torch.softmax(logits, dim=1).numpy()
