"""Convolution (卷积) and max pooling (最大池化) from their definitions, in NumPy.

Shapes and arguments follow ``torch.nn.functional``: images are
``(N, C, H, W)`` (batch, channels, height, width) and a convolution's weight is
``(C_out, C_in, kH, kW)``. What deep-learning libraries call convolution is
cross-correlation: the kernel slides over the input without being flipped,

    out[n, o, i, j] = bias[o] + Σ_c Σ_p Σ_q x_pad[n, c, i·s + p·d, j·s + q·d] · w[o, c, p, q]

with stride s, dilation d and the input zero-padded on every side.

The loops below run over the kH·kW kernel offsets, not over the output pixels:
for a fixed offset (p, q), the input pixels that meet w[:, :, p, q] form one
strided slice of the padded input, so each offset costs one slice and one
matrix product.
"""

import numpy as np

from companion.runtime.checks import check_int


def _pair(value: int | tuple[int, int], name: str) -> tuple[int, int]:
    """An int or an (h, w) pair of ints as an (h, w) pair, as torch accepts them."""
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or an (h, w) pair, got {value!r}")
        return check_int(name, value[0], None), check_int(name, value[1], None)
    value = check_int(name, value, None)
    return value, value


def conv_output_size(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Output length along one axis of a convolution or pooling layer.

    floor((size + 2·padding − dilation·(kernel − 1) − 1) / stride) + 1, the
    formula PyTorch documents for ``Conv2d`` and ``MaxPool2d``: the padded input
    has size + 2·padding positions, a dilated kernel spans
    dilation·(kernel − 1) + 1 of them, and the window can start at every
    stride-th position that leaves room for that span.

    Args:
        size: input length (height or width), >= 1.
        kernel: kernel length, >= 1.
        stride: step between windows, >= 1.
        padding: positions added on each side, >= 0.
        dilation: spacing between kernel taps, >= 1 (1 is an ordinary kernel).

    Returns:
        The output length, >= 1.

    Raises:
        TypeError: If an argument is not an integer.
        ValueError: If an argument is out of range, or the padded input is
            shorter than the dilated kernel, so that no window fits.

    """
    size, kernel = check_int("size", size), check_int("kernel", kernel)
    stride, dilation = check_int("stride", stride), check_int("dilation", dilation)
    padding = check_int("padding", padding, minimum=0)
    span = dilation * (kernel - 1) + 1
    # Floor division rounds toward -inf, as floor() in the formula does.
    out = (size + 2 * padding - span) // stride + 1
    if out < 1:
        raise ValueError(
            f"input of size {size} (padded to {size + 2 * padding}) is too small for a "
            f"kernel of size {kernel} with dilation {dilation}, which spans {span}"
        )
    return out


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """2-D convolution (cross-correlation) as ``torch.nn.functional.conv2d`` computes it.

    Args:
        x: input images ``(N, C_in, H, W)``.
        weight: filters ``(C_out, C_in, kH, kW)``.
        bias: one number per filter ``(C_out,)``, or None for no bias.
        stride: step between windows, an int or an (h, w) pair.
        padding: zeros added on each side, an int or an (h, w) pair.
        dilation: spacing between kernel taps, an int or an (h, w) pair.

    Returns:
        ``(N, C_out, H_out, W_out)`` in float64, with H_out and W_out given by
        :func:`conv_output_size`.

    Raises:
        ValueError: If the shapes do not fit together or an argument is out of range.
        TypeError: If stride, padding or dilation is not an int or a pair of ints.

    """
    x, weight = np.asarray(x, dtype=float), np.asarray(weight, dtype=float)
    if x.ndim != 4:
        raise ValueError(f"x must be (N, C_in, H, W), got shape {x.shape}")
    if weight.ndim != 4:
        raise ValueError(f"weight must be (C_out, C_in, kH, kW), got shape {weight.shape}")
    n, c_in, h, w = x.shape
    c_out, w_c_in, kh, kw = weight.shape
    if w_c_in != c_in:
        raise ValueError(
            f"channel mismatch: x has {c_in} input channels but weight expects {w_c_in}"
        )
    if bias is not None:
        bias = np.asarray(bias, dtype=float)
        if bias.shape != (c_out,):
            raise ValueError(f"bias must be ({c_out},) for {c_out} filters, got {bias.shape}")
    (sh, sw), (ph, pw), (dh, dw) = (
        _pair(stride, "stride"),
        _pair(padding, "padding"),
        _pair(dilation, "dilation"),
    )
    h_out = conv_output_size(h, kh, sh, ph, dh)
    w_out = conv_output_size(w, kw, sw, pw, dw)

    x_pad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))  # (N, C_in, H + 2ph, W + 2pw)
    out = np.zeros((n, c_out, h_out, w_out))  # (N, C_out, H_out, W_out)
    for p in range(kh):
        for q in range(kw):
            # Kernel tap (p, q) meets input row i·sh + p·dh for output row i = 0..h_out-1,
            # and likewise for columns: one strided slice holds them all.
            top, left = p * dh, q * dw
            patch = x_pad[
                :,
                :,
                top : top + sh * (h_out - 1) + 1 : sh,
                left : left + sw * (w_out - 1) + 1 : sw,
            ]  # (N, C_in, H_out, W_out)
            # Sum over input channels c, one weight per (filter o, channel c) at this tap.
            out += np.einsum("nchw,oc->nohw", patch, weight[:, :, p, q])
    if bias is not None:
        out += bias[None, :, None, None]  # (1, C_out, 1, 1) broadcasts over N, H, W
    return out


def max_pool2d(
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """2-D max pooling as ``torch.nn.functional.max_pool2d`` computes it.

    Each output pixel is the largest input value in its kH × kW window, for
    every image and channel separately.

    Args:
        x: input ``(N, C, H, W)``.
        kernel_size: window size, an int or an (h, w) pair.
        stride: step between windows, an int or an (h, w) pair; None (the
            default) uses ``kernel_size``, so that windows do not overlap.
        padding: positions added on each side, an int or an (h, w) pair, at most
            half the kernel size. They hold -inf, so they never win the max.

    Returns:
        ``(N, C, H_out, W_out)`` in float64, with H_out and W_out given by
        :func:`conv_output_size`.

    Raises:
        ValueError: If x is not 4-D or an argument is out of range.
        TypeError: If an argument is not an int or a pair of ints.

    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 4:
        raise ValueError(f"x must be (N, C, H, W), got shape {x.shape}")
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = (kh, kw) if stride is None else _pair(stride, "stride")
    ph, pw = _pair(padding, "padding")
    # torch's rule: with more padding than that, a window could hold padding only.
    if ph > kh // 2 or pw > kw // 2:
        raise ValueError(
            f"padding must be at most half the kernel size, got padding {(ph, pw)} "
            f"for kernel_size {(kh, kw)}"
        )
    h_out = conv_output_size(x.shape[2], kh, sh, ph)
    w_out = conv_output_size(x.shape[3], kw, sw, pw)

    x_pad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    out = np.full(x.shape[:2] + (h_out, w_out), -np.inf)  # (N, C, H_out, W_out)
    for p in range(kh):
        for q in range(kw):
            # The same strided slice as in conv2d, without dilation: position (p, q)
            # of every window at once.
            patch = x_pad[
                :, :, p : p + sh * (h_out - 1) + 1 : sh, q : q + sw * (w_out - 1) + 1 : sw
            ]
            # np.maximum propagates NaN, as torch's max pooling does.
            out = np.maximum(out, patch)
    return out
