"""The book's two MNIST models in Keras 3, and their training.

The same models in PyTorch are :func:`companion.frameworks.torch_models.build_mlp` and
:class:`companion.cnn.MnistCNN`. Keras 3 runs on several backends
(TensorFlow, PyTorch, JAX), chosen by the environment variable
``KERAS_BACKEND`` *before* ``keras`` is first imported; this module works on
whichever backend the process has. To train on another backend than the
current one, start a fresh process:
:func:`companion.frameworks.keras_backends.run_in_backend` does that.
"""

import time
from dataclasses import dataclass

from companion.runtime.checks import check_int, check_number
from companion.runtime.tensorflow_beside_torch import load_triton_first

load_triton_first()  # before Keras brings in TensorFlow: see its module's docstring

import keras  # noqa: E402
import numpy as np  # noqa: E402

MODELS = ("mlp", "cnn")


def build_mlp(hidden: int = 128) -> keras.Sequential:
    """The source's MLP: Flatten, Dense + ReLU, Dense + softmax."""
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28)),  # Keras 3: shape goes here
            keras.layers.Flatten(),  # (N, 784)
            keras.layers.Dense(hidden, activation="relu"),
            # Probabilities, as in the source.
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="mlp",
    )


def build_cnn(
    channels: tuple[int, int] = (32, 64),
    hidden: int = 128,
    dropout: float = 0.25,
) -> keras.Sequential:
    """The corrected CNN, layer for layer as the PyTorch one."""
    c1, c2 = channels
    conv = dict(kernel_size=3, padding="same", activation="relu")
    return keras.Sequential(
        [
            # Keras puts the channels last: (N, H, W, C).
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(c1, **conv),
            keras.layers.MaxPooling2D(2),  # (N, 14, 14, c1)
            keras.layers.Conv2D(c2, **conv),
            keras.layers.MaxPooling2D(2),  # (N, 7, 7, c2)
            keras.layers.Flatten(),  # (N, 7 * 7 * c2) = (N, 3136)
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="cnn",
    )


def build(kind: str) -> keras.Sequential:
    """``build_mlp()`` for ``"mlp"``, ``build_cnn()`` for ``"cnn"``."""
    if kind not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {kind!r}")
    return build_mlp() if kind == "mlp" else build_cnn()


def to_inputs(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """uint8 MNIST images ``(N, 28, 28)`` as float32 in [0, 1], shaped for ``model``'s input."""
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8 or images.ndim != 3:
        # Refusing floats avoids dividing already-scaled images by 255 a second time.
        raise TypeError(
            "images must be a uint8 NumPy array (N, 28, 28), as load_mnist returns, got "
            f"{type(images).__name__} {getattr(images, 'dtype', '')} {getattr(images, 'shape', '')}"
        )
    x = images.astype(np.float32) / 255.0
    return x.reshape(len(x), *model.input_shape[1:])  # adds the channel axis for the CNN


@dataclass
class KerasTraining:
    """What :func:`train` returns: the mean training loss of each epoch and the wall time."""

    train_loss: list[float]
    seconds: float


def train(
    model: keras.Model,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    seed: int = 0,
) -> KerasTraining:
    """Train ``model`` with Adam and cross-entropy, like the source.

    Seeds Keras first (Python, NumPy and the backend's generators),
    so the same seed gives the same shuffling and dropout masks.
    """
    check_int("epochs", epochs), check_int("batch_size", batch_size)
    check_number("learning_rate", learning_rate, above=0)
    labels = np.asarray(labels)
    if len(labels) != len(images):
        n, m = len(images), len(labels)
        raise ValueError(f"{n} images but {m} labels")
    x = to_inputs(model, images)
    keras.utils.set_random_seed(seed)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        # Integer labels against softmax outputs.
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    history = model.fit(
        x,
        labels.astype(np.int64),
        epochs=epochs,
        batch_size=batch_size,
        shuffle=True,
        verbose=0,
    )
    losses = [float(v) for v in history.history["loss"]]
    return KerasTraining(losses, time.perf_counter() - start)


def predict_proba(
    model: keras.Model,
    images: np.ndarray,
    batch_size: int = 1000,
) -> np.ndarray:
    """Class probabilities ``(N, 10)`` of uint8 images (float32)."""
    x = to_inputs(model, images)
    p = model.predict(x, batch_size=batch_size, verbose=0)
    return np.asarray(p)


def count_parameters(model: keras.Model) -> int:
    """The number of weights in ``model``, trainable or not."""
    return int(model.count_params())
