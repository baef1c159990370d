"""The shared one-line argument checks, and the lazily imported names of a package."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from companion.runtime.checks import (
    check_choice,
    check_int,
    check_number,
    check_probability,
    check_tensor,
)
from companion.runtime.lazy import lazy_names


def test_check_int_returns_a_plain_int():
    assert check_int("n", 3) == 3
    assert type(check_int("n", np.int64(3))) is int  # NumPy sizes are accepted, as ints
    assert check_int("k", -5, minimum=None) == -5
    assert check_int("padding", 0, minimum=0) == 0


@pytest.mark.parametrize(
    ("value", "minimum", "error", "message"),
    [
        (True, 1, TypeError, "n must be an int, got True"),  # bool is an int subclass
        (2.0, 1, TypeError, "n must be an int, got 2.0"),
        ("2", 1, TypeError, "n must be an int, got '2'"),
        (0, 1, ValueError, "n must be an int >= 1, got 0"),
        (1, 2, ValueError, "n must be an int >= 2, got 1"),
    ],
)
def test_check_int_refuses(value, minimum, error, message):
    with pytest.raises(error, match=message):
        check_int("n", value, minimum)


def test_check_number_bounds():
    assert check_number("lr", 1e-3, above=0) == 1e-3
    assert check_number("w", 0, at_least=0, at_most=1) == 0.0
    assert type(check_number("w", 1)) is float
    with pytest.raises(ValueError, match=r"lr must be a number > 0, got 0"):
        check_number("lr", 0, above=0)
    with pytest.raises(ValueError, match=r"p must be a number >= 0 and < 1, got 1"):
        check_number("p", 1, at_least=0, below=1)
    with pytest.raises(ValueError, match="x must be a number <= 2, got 3"):
        check_number("x", 3, at_most=2)
    with pytest.raises(ValueError, match="got nan"):
        check_number("x", float("nan"))  # NaN fails even with no bound
    for bad in (True, "0.1", None):
        with pytest.raises(TypeError, match="x must be a number"):
            check_number("x", bad)


def test_check_probability():
    assert check_probability("p", 1.0) == 1.0
    assert check_probability("p", 0) == 0.0
    with pytest.raises(ValueError, match="dropout must be a number >= 0.0 and < 1.0"):
        check_probability("dropout", 1.0, one_allowed=False)
    with pytest.raises(ValueError, match="p must be a number >= 0.0 and <= 1.0, got -0.1"):
        check_probability("p", -0.1)


def test_check_choice():
    assert check_choice("subset", "small", ("full", "small")) == "small"
    with pytest.raises(ValueError, match=r"subset must be one of \('full', 'small'\), got 'tiny'"):
        check_choice("subset", "tiny", ("full", "small"))


def test_check_tensor():
    x = torch.zeros(2, 3)
    assert check_tensor("x", x, min_dim=2) is x
    with pytest.raises(TypeError, match="x must be a torch.Tensor, got ndarray"):
        check_tensor("x", np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"x must have at least 3 dims, got shape \(2, 3\)"):
        check_tensor("x", x, min_dim=3)


def test_the_checks_import_no_framework():
    code = "import sys, companion.runtime.checks; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_lazy_names_import_on_first_use():
    code = (
        "import sys, companion.cnn, companion.foundations\n"
        "before = 'torch' in sys.modules\n"
        "from companion.cnn import MnistCNN\n"
        "from companion.foundations import deep_mlp\n"
        "print(before, 'torch' in sys.modules, MnistCNN.__module__, deep_mlp.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [
        "False",
        "True",
        "companion.cnn.mnist_cnn",
        "companion.foundations.gradients",
    ]


def test_lazy_names_refuse_an_unknown_name():
    getattr_ = lazy_names("companion.cnn", {"MnistCNN": "mnist_cnn"})
    with pytest.raises(AttributeError, match="module 'companion.cnn' has no attribute 'Cnn'"):
        getattr_("Cnn")
    with pytest.raises(ImportError):
        from companion.cnn import NoSuchName  # noqa: F401
