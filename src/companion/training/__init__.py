"""Training helpers shared by the torch chapters.

The loop, optimisers and schedules, parameter counts, checkpoints and timing.
"""

from .benchmark import median_seconds, peak_cuda_bytes
from .loop import (
    DEVICE_BUDGET_BYTES,
    History,
    evaluate,
    evaluating,
    fit,
    load_weights,
    mixed_precision,
    save_weights,
)
from .optim import adamw, warmup_linear
from .parameters import ParameterCount, count_parameters

__all__ = [
    "DEVICE_BUDGET_BYTES",
    "History",
    "ParameterCount",
    "adamw",
    "count_parameters",
    "evaluate",
    "evaluating",
    "fit",
    "load_weights",
    "median_seconds",
    "mixed_precision",
    "peak_cuda_bytes",
    "save_weights",
    "warmup_linear",
]
