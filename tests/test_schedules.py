import pytest

from companion.training.optim import warmup_linear


def test_warmup_linear_rises_to_one_then_falls_to_zero():
    f = warmup_linear(4, 12)
    assert [f(s) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert f(8) == 0.5 and f(12) == 0.0 and f(20) == 0.0
    assert warmup_linear(0, 4)(0) == 1.0  # no warm-up: start at the peak


@pytest.mark.parametrize(("warmup", "total"), [(10, 10), (0, 0), (-1, 5)])
def test_warmup_linear_refuses_impossible_lengths(warmup, total):
    with pytest.raises(ValueError, match="warmup_steps"):
        warmup_linear(warmup, total)
