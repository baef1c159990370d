"""The book's convolutional network (卷积神经网络) for MNIST, in torch.

The source text's listing pads each 3×3 convolution by 1 and pools twice by 2,
yet sizes its first Linear layer for 4×4 feature maps. With padding 1 a 3×3
convolution keeps 28×28, and each 2×2 pooling halves it: 28 → 14 → 7, so the
flattened features number 64·7·7 = 3136. :class:`MnistCNN` computes that size
with :func:`companion.cnn.conv_output_size` instead of writing it down.
"""

import numpy as np
import torch
from torch import nn

from companion.cnn.conv import conv_output_size
from companion.runtime.checks import check_int, check_probability
from companion.training.loop import evaluating, fit


def _first(value: int | tuple[int, ...]) -> int:
    """The height component of a layer's int-or-tuple setting (the model is square)."""
    return value[0] if isinstance(value, tuple) else value


def _spatial_size(layers: nn.Sequential, size: int) -> int:
    """Height (= width) of a square ``size`` × ``size`` input after the conv and pool layers."""
    for layer in layers:
        if isinstance(layer, nn.Conv2d | nn.MaxPool2d):
            size = conv_output_size(
                size,
                _first(layer.kernel_size),
                _first(layer.stride),
                _first(layer.padding),
                _first(layer.dilation),
            )
    return size


class MnistCNN(nn.Module):
    """Two conv–ReLU–pool blocks and a two-layer classifier, for 1-channel square images.

    ``features``: Conv2d(1, c1, 3, padding=1) → ReLU → MaxPool2d(2) →
    Conv2d(c1, c2, 3, padding=1) → ReLU → MaxPool2d(2).

    ``classifier``: Flatten → Linear(flat_features, hidden) → ReLU →
    Dropout(dropout) → Linear(hidden, num_classes).

    The model returns logits; pair it with ``nn.CrossEntropyLoss``.

    Args:
        channels: filters in the first and second convolution, ``(c1, c2)``.
        hidden: units in the hidden Linear layer.
        dropout: probability of zeroing a hidden unit in training, in [0, 1).
        image_size: height and width of the input images.
        num_classes: number of outputs.

    Attributes:
        features: the convolution and pooling layers, an ``nn.Sequential``;
            ``features[0].weight`` holds the first layer's filters ``(c1, 1, 3, 3)``.
        classifier: the layers after them, an ``nn.Sequential``.
        flat_features: c2 · s · s, where s is the feature maps' side after
            ``features`` (3136 = 64·7·7 for the defaults).

    """

    def __init__(
        self,
        channels: tuple[int, int] = (32, 64),
        hidden: int = 128,
        dropout: float = 0.25,
        image_size: int = 28,
        num_classes: int = 10,
    ) -> None:
        super().__init__()
        if not isinstance(channels, tuple | list) or len(channels) != 2:
            raise ValueError(f"channels must be a pair of positive ints, got {channels!r}")
        c1, c2 = check_int("channels[0]", channels[0]), check_int("channels[1]", channels[1])
        hidden, num_classes = check_int("hidden", hidden), check_int("num_classes", num_classes)
        image_size = check_int("image_size", image_size)
        # p = 1 would zero every hidden unit in training, so nothing could be learnt.
        dropout = check_probability("dropout", dropout, one_allowed=False)
        self.image_size = image_size
        self.features = nn.Sequential(
            # (N, c1, S, S): a padding of 1 keeps the side S
            nn.Conv2d(1, c1, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, c1, S/2, S/2)
            nn.Conv2d(c1, c2, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, c2, S/4, S/4), each halving rounded down
        )
        try:
            side = _spatial_size(self.features, image_size)
        except ValueError as err:
            message = f"image_size {image_size} is too small: {err}"
            raise ValueError(message) from err
        self.flat_features = c2 * side * side
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (N, flat_features)
            nn.Linear(self.flat_features, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),  # (N, num_classes) logits
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, num_classes)`` for images ``(N, 1, image_size, image_size)``."""
        expected = (1, self.image_size, self.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            # Without this check a wrong size fails deep inside Linear with a matmul message.
            raise ValueError(
                f"x must be (N, {', '.join(map(str, expected))}), got {tuple(x.shape)}"
            )
        return self.classifier(self.features(x))


def feature_maps(model: MnistCNN, x: torch.Tensor) -> list[torch.Tensor]:
    """The output of every layer of ``model.features`` for the images ``x``.

    The model runs in eval mode and without gradients, and gets its previous
    mode back afterwards, so this can be called in the middle of training.

    Args:
        model: the network.
        x: images ``(N, 1, image_size, image_size)``.

    Returns:
        One tensor per layer of ``model.features``, in order; for the defaults and
        N images: (N, 32, 28, 28) twice, (N, 32, 14, 14), (N, 64, 14, 14) twice,
        (N, 64, 7, 7).

    """
    if not isinstance(model, MnistCNN):
        raise TypeError(f"model must be a MnistCNN, got {type(model).__name__}")
    expected = (1, model.image_size, model.image_size)
    if x.ndim != 4 or tuple(x.shape[1:]) != expected:
        raise ValueError(f"x must be (N, {', '.join(map(str, expected))}), got {tuple(x.shape)}")
    maps = []
    with evaluating(model):
        for layer in model.features:
            x = layer(x)
            maps.append(x)
    return maps


def to_image_tensor(images: np.ndarray) -> torch.Tensor:
    """MNIST images as ``companion.data.load_mnist`` returns them, ready for the model.

    Args:
        images: uint8 ``(N, H, W)`` with values 0..255; for one image, pass
            ``image[None]``.

    Returns:
        float32 ``(N, 1, H, W)`` with values in [0, 1]: the channel axis that
        ``Conv2d`` expects, and pixel values divided by 255.

    """
    if not isinstance(images, np.ndarray):
        raise TypeError(f"images must be a NumPy array, got {type(images).__name__}")
    # Refusing floats avoids dividing already-scaled [0, 1] images by 255 a second time.
    if images.dtype != np.uint8:
        raise TypeError(f"images must be uint8 (0..255), got dtype {images.dtype}")
    if images.ndim != 3:
        raise ValueError(f"images must be (N, H, W), got shape {images.shape}")
    x = torch.from_numpy(images.astype(np.float32) / 255.0)  # (N, H, W)
    return x.unsqueeze(1)  # (N, 1, H, W)


def penultimate_features(model: MnistCNN, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """The ``hidden``-dimensional features before the last layer, for images ``x`` (N, 1, S, S).

    This is the classifier's own description of an image, which the GAN chapter
    compares between real and generated digits (a Fréchet distance, as FID does
    with Inception features).
    """
    if x.dim() != 4:
        raise ValueError(f"x must be (N, 1, S, S), got shape {tuple(x.shape)}")
    device = next(model.parameters()).device
    body = model.classifier[:-2]  # Flatten → Linear → ReLU (dropout and the output layer dropped)
    with evaluating(model):
        return torch.cat(
            [
                body(model.features(x[i : i + batch_size].to(device))).cpu()
                for i in range(0, len(x), batch_size)
            ]
        )


def train_mnist_classifier(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    epochs: int,
    device: str = "cpu",
    seed: int = 0,
    batch_size: int = 64,
) -> MnistCNN:
    """Train a :class:`MnistCNN` on uint8 MNIST digits, the book's reusable digit classifier.

    Chapters that need to *judge* digits (the GAN chapter's class histograms
    and Fréchet distances, say) train it with this one function, so that they
    all judge with the same recipe: Adam at 1e-3, the given epochs, seeded.
    """
    torch.manual_seed(seed)
    model = MnistCNN()
    targets = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    fit(
        model, (to_image_tensor(images), targets),
        optimizer=torch.optim.Adam(model.parameters(), lr=1e-3),
        epochs=epochs, batch_size=batch_size, device=device, seed=seed,
    )  # fmt: skip
    return model.eval()
