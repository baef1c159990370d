"""Timing and peak memory of a piece of torch code, done carefully enough to quote."""

import statistics
import time
from collections.abc import Callable

import torch

from companion.runtime.device import reset_cuda_peak


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()  # GPU work is asynchronous: wait for it before reading the clock


def median_seconds(
    fn: Callable[[], object], repeats: int = 5, warmup: int = 1, device: str = "cpu"
) -> float:
    """The median wall time of ``fn()`` over ``repeats`` runs, after ``warmup`` untimed runs.

    The median, not the mean, so that one run disturbed by the rest of the
    machine does not move the result.
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"need repeats >= 1 and warmup >= 0, got {repeats}, {warmup}")
    for _ in range(warmup):
        fn()
    _sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_cuda_bytes(fn: Callable[[], object]) -> int:
    """The peak GPU memory that ``fn()`` allocates beyond what was already allocated.

    Only CUDA exposes this; on other devices the chapters report the size of
    the tensors that an algorithm must hold instead, and say so.
    """
    if not torch.cuda.is_available():
        raise RuntimeError("peak_cuda_bytes needs a CUDA device")
    torch.cuda.synchronize()
    reset_cuda_peak()  # the chapter's own peak is kept (companion.runtime.device)
    before = torch.cuda.memory_allocated()
    fn()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - before
