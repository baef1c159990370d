"""What every chapter needs to run: device, seeds, progress bars, plotting style.

Nothing here imports torch at import time.
"""

from .device import resolve_device
from .plotting import plot_curves, use_book_style
from .progress import progress_bar
from .seed import seed_everything
from .tensorflow_beside_torch import load_triton_first

__all__ = [
    "load_triton_first",
    "plot_curves",
    "progress_bar",
    "resolve_device",
    "seed_everything",
    "use_book_style",
]
