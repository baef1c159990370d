"""The book's two MNIST models in Keras 3, their training, and a command line to run them.

The same models in PyTorch are :func:`companion.mnist_torch.build_mlp` and
:class:`companion.cnn.MnistCNN`. Keras 3 runs on several backends
(TensorFlow, PyTorch, JAX), chosen by the environment variable
``KERAS_BACKEND`` *before* ``keras`` is first imported; this module works on
whichever backend the process has. To train on another backend than the
current one, start a fresh process: :func:`run_in_backend` does that, running
this module as a script::

    KERAS_BACKEND=torch python -m companion.mnist_keras --model mlp --epochs 5
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass

from companion.tensorflow_beside_torch import load_triton_first

load_triton_first()  # before Keras brings in TensorFlow: see companion.tensorflow_beside_torch

import keras  # noqa: E402
import numpy as np  # noqa: E402

MODELS = ("mlp", "cnn")
BACKENDS = ("tensorflow", "torch", "jax")


def build_mlp(hidden: int = 128) -> keras.Sequential:
    """The source's multilayer perceptron: Flatten, Dense(hidden, ReLU), Dense(10, softmax)."""
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28)),  # Keras 3: the input shape goes here, not on Flatten
            keras.layers.Flatten(),  # (N, 784)
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),  # probabilities, as in the source
        ],
        name="mlp",
    )


def build_cnn(
    channels: tuple[int, int] = (32, 64), hidden: int = 128, dropout: float = 0.25
) -> keras.Sequential:
    """The book's corrected CNN, layer for layer as :class:`companion.cnn.MnistCNN`."""
    c1, c2 = channels
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),  # Keras puts channels last: (N, H, W, C)
            keras.layers.Conv2D(c1, 3, padding="same", activation="relu"),  # (N, 28, 28, c1)
            keras.layers.MaxPooling2D(2),  # (N, 14, 14, c1)
            keras.layers.Conv2D(c2, 3, padding="same", activation="relu"),
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
    """Train ``model`` with Adam and sparse categorical cross-entropy, as the source compiles it.

    Seeds Keras first (Python, NumPy and the backend's generators), so the
    same seed gives the same shuffling and the same dropout masks.
    """
    if epochs < 1 or batch_size < 1 or not learning_rate > 0:
        raise ValueError(
            f"need epochs >= 1, batch_size >= 1, learning_rate > 0; "
            f"got {epochs}, {batch_size}, {learning_rate}"
        )
    labels = np.asarray(labels)
    if len(labels) != len(images):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    x = to_inputs(model, images)
    keras.utils.set_random_seed(seed)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",  # integer labels against softmax outputs
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    history = model.fit(x, labels.astype(np.int64), epochs=epochs, batch_size=batch_size,
                        shuffle=True, verbose=0)  # fmt: skip
    return KerasTraining([float(v) for v in history.history["loss"]], time.perf_counter() - start)


def predict_proba(model: keras.Model, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """The model's class probabilities ``(N, 10)`` for uint8 images, as a float32 NumPy array."""
    return np.asarray(model.predict(to_inputs(model, images), batch_size=batch_size, verbose=0))


def count_parameters(model: keras.Model) -> int:
    """The number of weights in ``model``, trainable or not."""
    return int(model.count_params())


class BackendRun:
    """A Keras training run in another Python process; :func:`start_in_backend` starts one."""

    def __init__(self, backend: str, process: subprocess.Popen) -> None:
        self.backend = backend
        self.process = process

    def result(self, timeout: float | None = 1800) -> dict:
        """Wait for the process and return the JSON record it printed (see :func:`main`).

        Raises:
            RuntimeError: the process failed or ran past ``timeout`` seconds (it
                is then stopped); the message ends with its error output.

        """
        try:
            out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
            raise RuntimeError(
                f"Keras on the {self.backend} backend ran past {timeout} s:\n{err[-3000:]}"
            ) from None
        if self.process.returncode != 0:
            raise RuntimeError(
                f"Keras on the {self.backend} backend failed "
                f"(exit {self.process.returncode}):\n{err[-3000:]}"
            )
        return json.loads(out.strip().splitlines()[-1])


def start_in_backend(
    backend: str, *, extra_env: dict[str, str] | None = None, **options: object
) -> BackendRun:
    """Start training one model in a fresh Python process whose Keras uses ``backend``.

    A process picks its Keras backend once, at ``import keras``; a notebook's
    kernel that has imported Keras cannot switch. This runs
    ``python -m companion.mnist_keras`` with ``KERAS_BACKEND`` set, in the
    background: call ``.result()`` on what it returns for the record.

    Args:
        backend: ``"tensorflow"``, ``"torch"`` or ``"jax"``.
        extra_env: more environment variables for the process.
        **options: the command line's options, by their Python names:
            ``model="cnn"``, ``subset="small"``, ``epochs=5``, ``batch_size=32``,
            ``learning_rate=1e-3``, ``seed=0``, ``train_size=1000``, ``test_size=500``.

    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    known = {"model", "subset", "epochs", "batch_size", "learning_rate", "seed",
             "train_size", "test_size"}  # fmt: skip
    if set(options) - known:
        raise TypeError(f"unknown options {sorted(set(options) - known)}; use {sorted(known)}")
    command = [sys.executable, "-m", "companion.mnist_keras"]
    for name, value in options.items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    env = {**os.environ, **(extra_env or {}), "KERAS_BACKEND": backend}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    return BackendRun(backend, process)


def run_in_backend(
    backend: str,
    *,
    timeout: float = 1800,
    extra_env: dict[str, str] | None = None,
    **options: object,
) -> dict:
    """:func:`start_in_backend`, then wait for its record: train and evaluate in ``backend``."""
    return start_in_backend(backend, extra_env=extra_env, **options).result(timeout)


def main(argv: list[str] | None = None) -> dict:
    """Train one model on MNIST in this process's Keras backend; print and return a JSON record.

    The record holds ``backend``, ``model``, ``test_accuracy``, ``parameters``,
    ``seconds_per_epoch``, ``train_size`` and ``test_size``.
    """
    from companion.data import load_mnist

    parser = argparse.ArgumentParser(
        prog="python -m companion.mnist_keras",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model", choices=MODELS, default="mlp")
    parser.add_argument("--subset", choices=("full", "small"), default="small")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--train-size", type=int, default=None, help="N training images, drawn at random"
    )
    parser.add_argument("--test-size", type=int, default=None, help="first N test images")
    args = parser.parse_args(argv)
    (x_train, y_train), (x_test, y_test) = load_mnist(args.subset)
    # A seeded random sample, not the first N: the small subset is sorted by digit.
    keep = np.random.default_rng(args.seed).permutation(len(y_train))[: args.train_size]
    x_train, y_train = x_train[np.sort(keep)], y_train[np.sort(keep)]
    x_test, y_test = x_test[: args.test_size], y_test[: args.test_size]
    keras.utils.set_random_seed(args.seed)  # the weights are drawn when the model is built
    model = build(args.model)
    done = train(model, x_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
                 learning_rate=args.learning_rate, seed=args.seed)  # fmt: skip
    accuracy = float((predict_proba(model, x_test).argmax(axis=1) == y_test).mean())
    record = {
        "backend": keras.backend.backend(),
        "model": args.model,
        "test_accuracy": accuracy,
        "parameters": count_parameters(model),
        "seconds_per_epoch": done.seconds / args.epochs,
        "final_train_loss": done.train_loss[-1],
        "train_size": len(y_train),
        "test_size": len(y_test),
    }
    if not math.isfinite(record["final_train_loss"]):
        raise SystemExit(f"training diverged: {record}")
    print(json.dumps(record))
    return record


if __name__ == "__main__":
    main()
