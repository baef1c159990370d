"""What every chapter needs to run: device, seeds, progress bars, plotting style.

And what every module of the package needs: the one-line argument checks
(:mod:`.checks`) and names imported on first use (:mod:`.lazy`). Nothing here
imports torch, and the plotting helpers bring in Matplotlib only when asked
for, so the data layer can use the checks without it.
"""

from .checks import check_choice, check_int, check_number, check_probability, check_tensor
from .device import resolve_device
from .lazy import lazy_names
from .progress import progress_bar
from .seed import seed_everything
from .tensorflow_beside_torch import load_triton_first

__getattr__ = lazy_names(__name__, {"plot_curves": "plotting", "use_book_style": "plotting"})

__all__ = [
    "check_choice",
    "check_int",
    "check_number",
    "check_probability",
    "check_tensor",
    "lazy_names",
    "load_triton_first",
    "plot_curves",
    "progress_bar",
    "resolve_device",
    "seed_everything",
    "use_book_style",
]
