"""Choosing the device a chapter runs on."""

import importlib.util
import sys

_EXPLICIT = ("cpu", "cuda", "mps")


def resolve_device(spec: str = "auto") -> str:
    """Turn a chapter's ``DEVICE`` parameter into a torch device string.

    ``"auto"`` picks CUDA, then Apple's MPS, then the CPU; without torch
    installed it is ``"cpu"``. An explicit ``"cpu"``, ``"cuda"``, ``"cuda:N"``
    or ``"mps"`` is checked against what this machine has, so that a chapter
    asked to run on a GPU it cannot see fails at once instead of silently
    running for an hour on the CPU.

    Args:
        spec: ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``.

    Returns:
        The device string, for example ``"cuda"`` or ``"cpu"``.

    """
    if not isinstance(spec, str):
        raise TypeError(f"device must be a string such as 'auto' or 'cpu', got {spec!r}")
    kind = spec.split(":", 1)[0]
    if spec != "auto" and kind not in _EXPLICIT:
        raise ValueError(f"unknown device {spec!r}: use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'")
    if spec == "cpu":
        return "cpu"
    if importlib.util.find_spec("torch") is None:
        if spec == "auto":
            return "cpu"
        raise RuntimeError(f"device {spec!r} needs PyTorch: pip install torch")
    import torch

    cuda = torch.cuda.is_available()
    mps = torch.backends.mps.is_available()
    if spec == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if (kind == "cuda" and not cuda) or (kind == "mps" and not mps):
        raise RuntimeError(
            f"device {spec!r} was asked for but this machine has none; "
            "set DEVICE = 'auto' (or 'cpu') in the chapter's parameters cell"
        )
    return spec


# The process's peak before the last reset_cuda_peak(): torch keeps one counter,
# which a measurement of one piece of code resets (companion.training.peak_cuda_bytes).
_peak_before_resets = 0


def cuda_peak_bytes() -> int | None:
    """The most GPU memory this process has held in tensors, or None if it has not used CUDA.

    torch's ``max_memory_allocated``, with the peaks before each
    :func:`reset_cuda_peak` kept: what a chapter needed of the GPU, all of it.
    Imports nothing: a process that has not imported torch has not used CUDA.
    """
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_initialized():
        return None
    return max(_peak_before_resets, torch.cuda.max_memory_allocated())


def reset_cuda_peak() -> None:
    """Start torch's peak-memory counter afresh, keeping the process's peak for later."""
    global _peak_before_resets
    import torch

    _peak_before_resets = max(_peak_before_resets, torch.cuda.max_memory_allocated())
    torch.cuda.reset_peak_memory_stats()
