import itertools
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from companion.cnn.conv import conv2d, conv_output_size, max_pool2d


def pair(value):
    return value if isinstance(value, tuple) else (value, value)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# (x shape, weight shape, stride, padding, dilation): square and non-square images
# and kernels, int and (h, w) settings, 1x1 kernels and kernels as big as the input.
CONV_CASES = [
    ((2, 1, 7, 7), (3, 1, 3, 3), 1, 0, 1),
    ((2, 3, 8, 8), (4, 3, 3, 3), 1, 1, 1),
    ((1, 2, 9, 6), (5, 2, 2, 3), 2, 0, 1),
    ((3, 4, 10, 11), (2, 4, 3, 2), (2, 1), (1, 2), (2, 1)),
    ((2, 3, 12, 9), (6, 3, 3, 3), 3, 2, 2),
    ((1, 5, 6, 7), (3, 5, 1, 1), 1, 0, 1),
    ((2, 2, 5, 5), (3, 2, 5, 5), 1, 0, 1),
    ((2, 1, 13, 8), (2, 1, 4, 3), (3, 2), 1, (1, 3)),
]


@pytest.mark.parametrize("with_bias", [False, True])
@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation", CONV_CASES)
def test_conv2d_matches_torch(rng, x_shape, w_shape, stride, padding, dilation, with_bias):
    x, weight = rng.normal(size=x_shape), rng.normal(size=w_shape)
    bias = rng.normal(size=w_shape[0]) if with_bias else None
    ours = conv2d(x, weight, bias, stride=stride, padding=padding, dilation=dilation)
    theirs = F.conv2d(
        torch.tensor(x),
        torch.tensor(weight),
        None if bias is None else torch.tensor(bias),
        stride=stride,
        padding=padding,
        dilation=dilation,
    ).numpy()
    assert ours.shape == theirs.shape
    assert np.max(np.abs(ours - theirs)) <= 1e-10
    # The shape is the one the formula predicts, axis by axis.
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    assert ours.shape == (
        x_shape[0],
        w_shape[0],
        conv_output_size(x_shape[2], w_shape[2], sh, ph, dh),
        conv_output_size(x_shape[3], w_shape[3], sw, pw, dw),
    )


def test_conv2d_by_hand():
    # A 2x2 kernel of ones sums each 2x2 window: 0+1+4+5 = 10 at the top left.
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    out = conv2d(x, np.ones((1, 1, 2, 2)), bias=np.array([0.5]), stride=2)
    assert out.shape == (1, 1, 2, 2)
    assert np.array_equal(out[0, 0], [[10.5, 18.5], [42.5, 50.5]])
    # Cross-correlation, not flipped convolution: a kernel with a single 1 at its
    # top-left corner copies the pixel at each window's top-left corner.
    kernel = np.zeros((1, 1, 2, 2))
    kernel[0, 0, 0, 0] = 1
    assert np.array_equal(conv2d(x, kernel)[0, 0], x[0, 0, :3, :3])


def test_conv2d_is_fast_enough(rng):
    x, weight = rng.normal(size=(8, 3, 28, 28)), rng.normal(size=(16, 3, 3, 3))
    start = time.perf_counter()
    out = conv2d(x, weight, padding=1)
    assert time.perf_counter() - start < 0.5
    assert out.shape == (8, 16, 28, 28)


def test_conv2d_rejects_bad_input():
    x, weight = np.zeros((1, 3, 5, 5)), np.zeros((2, 3, 3, 3))
    with pytest.raises(ValueError, match="3 input channels but weight expects 4"):
        conv2d(x, np.zeros((2, 4, 3, 3)))
    with pytest.raises(ValueError, match=r"x must be \(N, C_in, H, W\)"):
        conv2d(np.zeros((3, 5, 5)), weight)
    with pytest.raises(ValueError, match=r"weight must be \(C_out, C_in, kH, kW\)"):
        conv2d(x, np.zeros((3, 3, 3)))
    with pytest.raises(ValueError, match=r"bias must be \(2,\)"):
        conv2d(x, weight, bias=np.zeros(3))
    with pytest.raises(ValueError, match="too small"):
        conv2d(x, np.zeros((2, 3, 6, 6)))
    with pytest.raises(ValueError, match=r"\(h, w\) pair"):
        conv2d(x, weight, stride=(1, 1, 1))
    with pytest.raises(TypeError, match="stride must be an int, got"):
        conv2d(x, weight, stride=1.5)
    with pytest.raises(ValueError, match="padding must be an int >= 0"):
        conv2d(x, weight, padding=-1)


POOL_CASES = [
    ((2, 3, 8, 8), 2, None, 0),
    ((2, 3, 9, 7), 2, None, 0),  # odd sizes: the last row/column is dropped
    ((1, 2, 10, 10), 3, 2, 1),
    ((2, 1, 11, 9), (3, 2), (2, 1), (1, 0)),
    ((1, 4, 7, 12), 3, 1, 1),
    ((2, 2, 12, 12), (4, 5), 3, 2),
]


@pytest.mark.parametrize("x_shape, kernel_size, stride, padding", POOL_CASES)
def test_max_pool2d_matches_torch(rng, x_shape, kernel_size, stride, padding):
    # All values negative: zero padding instead of -inf padding would show up as 0s.
    x = -1 - rng.random(size=x_shape)
    ours = max_pool2d(x, kernel_size, stride, padding)
    theirs = F.max_pool2d(torch.tensor(x), kernel_size, stride, padding).numpy()
    assert ours.shape == theirs.shape
    assert np.max(np.abs(ours - theirs)) <= 1e-10
    assert np.all(ours < 0)


def test_max_pool2d_rejects_bad_input():
    x = np.zeros((1, 1, 6, 6))
    with pytest.raises(ValueError, match="at most half the kernel size"):
        max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="at most half the kernel size"):
        max_pool2d(x, (3, 2), padding=(1, 2))
    with pytest.raises(ValueError, match=r"x must be \(N, C, H, W\)"):
        max_pool2d(np.zeros((6, 6)), 2)
    with pytest.raises(ValueError, match="too small"):
        max_pool2d(x, 7)
    with pytest.raises(TypeError, match="kernel_size must be an int, got"):
        max_pool2d(x, 2.0)


def test_conv_output_size_matches_torch_layers():
    checked = 0
    grid = itertools.product([1, 2, 5, 8, 13], [1, 2, 3, 5], [1, 2, 3], [0, 1, 2], [1, 2])
    for size, kernel, stride, padding, dilation in grid:
        x = torch.zeros(1, 1, size, size)
        layers = [nn.Conv2d(1, 1, kernel, stride, padding, dilation)]
        if padding <= kernel // 2:  # torch refuses other pooling paddings outright
            layers.append(nn.MaxPool2d(kernel, stride, padding, dilation))
        for layer in layers:
            try:
                torch_size = layer(x).shape[-1]
            except RuntimeError:  # torch: the input is too small for this kernel
                with pytest.raises(ValueError, match="too small"):
                    conv_output_size(size, kernel, stride, padding, dilation)
            else:
                assert conv_output_size(size, kernel, stride, padding, dilation) == torch_size
            checked += 1
    assert checked > 500


def test_conv_output_size_explains_the_books_bug():
    # Conv 3x3 pad 1 -> pool 2 -> conv 3x3 pad 1 -> pool 2 on a 28x28 digit.
    size = 28
    sizes = []
    for kernel, stride, padding in [(3, 1, 1), (2, 2, 0), (3, 1, 1), (2, 2, 0)]:
        size = conv_output_size(size, kernel, stride, padding)
        sizes.append(size)
    assert sizes == [28, 14, 14, 7]
    assert size == 7 != 4
    assert 64 * size * size == 3136


def test_conv_output_size_rejects_bad_arguments():
    assert conv_output_size(28, 3, padding=1) == 28
    assert conv_output_size(np.int64(28), 2, 2) == 14  # NumPy integers are fine
    with pytest.raises(TypeError, match="size must be an int, got"):
        conv_output_size(28.0, 3)
    with pytest.raises(TypeError, match="stride must be an int, got"):
        conv_output_size(28, 3, stride=True)
    with pytest.raises(TypeError, match="padding must be an int, got"):
        conv_output_size(28, 3, padding="1")
    for kwargs in [{"size": 0}, {"kernel": 0}, {"stride": 0}, {"dilation": 0}]:
        with pytest.raises(ValueError, match=f"{next(iter(kwargs))} must be an int >= 1"):
            conv_output_size(**{"size": 28, "kernel": 3, **kwargs})
    with pytest.raises(ValueError, match="padding must be an int >= 0"):
        conv_output_size(28, 3, padding=-1)
    with pytest.raises(ValueError, match="input of size 2 .* too small for a kernel of size 3"):
        conv_output_size(2, 3)


def test_conv_module_needs_numpy_only():
    code = "import sys, companion.cnn.conv; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
