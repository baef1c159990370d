"""Choosing the device a chapter runs on."""

import importlib.util

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
