"""Plotting helpers shared by the chapters, so that every figure looks the same."""

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator


def use_book_style() -> None:
    """Set the book's Matplotlib defaults: readable sizes, light grids, no top/right spines."""
    plt.rcParams.update(
        {
            "figure.figsize": (7.0, 3.6),
            "figure.dpi": 110,
            "savefig.bbox": "tight",
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
            "legend.frameon": False,
        }
    )


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    *,
    xlabel: str,
    ylabel: str,
    title: str | None = None,
    logy: bool = False,
    first_x: int = 0,
    ax: Axes | None = None,
) -> Axes:
    """Draw one line per named curve (loss per epoch, say) on ``ax`` or a new figure.

    The i-th value of each curve is drawn at x = ``first_x`` + i, on integer
    ticks: use ``first_x=1`` for values measured after each epoch, 0 for
    curves that start with the value before training.
    """
    if not curves:
        raise ValueError("plot_curves needs at least one curve")
    if ax is None:
        _, ax = plt.subplots()
    for label, values in curves.items():
        ax.plot(range(first_x, first_x + len(values)), values, label=label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if title:
        ax.set_title(title)
    if logy:
        ax.set_yscale("log")
    ax.legend()
    return ax
