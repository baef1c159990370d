import matplotlib
import pytest

matplotlib.use("Agg")

from companion.runtime.plotting import plot_curves, use_book_style  # noqa: E402


def test_plot_curves_draws_each_curve_from_first_x():
    use_book_style()
    ax = plot_curves(
        {"a": [3.0, 2.0, 1.0], "b": [1.0, 1.0]}, xlabel="epoch", ylabel="loss", first_x=1
    )
    lines = ax.get_lines()
    assert [list(line.get_xdata()) for line in lines] == [[1, 2, 3], [1, 2]]
    assert ax.get_xlabel() == "epoch"
    with pytest.raises(ValueError, match="at least one curve"):
        plot_curves({}, xlabel="x", ylabel="y")
