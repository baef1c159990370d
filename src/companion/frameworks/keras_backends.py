"""Running the book's Keras models on another backend, in a fresh Python process.

Keras 3 runs on several backends (TensorFlow, PyTorch, JAX), chosen by the
environment variable ``KERAS_BACKEND`` *before* ``keras`` is first imported; a
notebook's kernel that has imported Keras cannot switch. :func:`run_in_backend`
starts this module as a script with ``KERAS_BACKEND`` set, which trains one model
of :mod:`companion.frameworks.keras_models` and prints a JSON record::

    KERAS_BACKEND=torch python -m companion.frameworks.keras_backends --model mlp --epochs 5

This module imports Keras only in :func:`main`, the child process's entry point.
"""

import argparse
import json
import math
import os
import subprocess
import sys

BACKENDS = ("tensorflow", "torch", "jax")
_SCRIPT = "companion.frameworks.keras_backends"


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
    ``python -m companion.frameworks.keras_backends`` with ``KERAS_BACKEND`` set, in the
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
    command = [sys.executable, "-m", _SCRIPT]
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
    from companion.runtime.tensorflow_beside_torch import load_triton_first

    # Before Keras brings in TensorFlow: with a CUDA build of PyTorch, Triton
    # loaded after TensorFlow crashes the process (see that module).
    load_triton_first()
    import keras
    import numpy as np

    from companion.data import load_mnist
    from companion.frameworks.keras_models import (
        MODELS,
        build,
        count_parameters,
        predict_proba,
        train,
    )

    parser = argparse.ArgumentParser(
        prog=f"python -m {_SCRIPT}",
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
