import numpy as np
import pytest
import torch

from companion.foundations import linear_regression as lr


@pytest.fixture
def data():
    return lr.make_regression(
        300, np.array([1.5, -2.0, 0.7]), noise=0.3, rng=np.random.default_rng(1)
    )


def test_gradient_matches_autograd(data):
    X, y = data
    w = np.array([0.3, -0.1, 2.0])
    wt = torch.tensor(w, requires_grad=True)
    ((torch.tensor(X) @ wt - torch.tensor(y)) ** 2).mean().backward()
    assert np.allclose(lr.mse_gradient(w, X, y), wt.grad.numpy(), atol=1e-12)
    assert lr.mse_loss(w, X, y) == pytest.approx(((X @ w - y) ** 2).mean())


def test_full_batch_descent_reaches_least_squares(data):
    X, y = data
    result = lr.gradient_descent(X, y, lr=0.5 * lr.max_stable_learning_rate(X), epochs=300)
    assert np.allclose(result.w, lr.least_squares(X, y), atol=1e-8)
    assert len(result.losses) == 301 and result.steps == 300


def test_learning_rate_above_the_limit_diverges_and_below_converges(data):
    X, y = data
    limit = lr.max_stable_learning_rate(X)
    assert lr.gradient_descent(X, y, lr=1.05 * limit, epochs=60).losses[-1] > 1e3
    assert lr.gradient_descent(X, y, lr=0.95 * limit, epochs=400).losses[-1] < 0.2


def test_minibatch_and_sgd_count_steps_and_get_close(data):
    X, y = data
    rng = np.random.default_rng(0)
    mini = lr.gradient_descent(X, y, lr=0.05, epochs=30, batch_size=32, rng=rng)
    sgd = lr.gradient_descent(X, y, lr=0.01, epochs=5, batch_size=1, rng=rng)
    assert mini.steps == 30 * 10 and sgd.steps == 5 * 300
    best = lr.mse_loss(lr.least_squares(X, y), X, y)
    assert mini.losses[-1] - best < 0.01 and sgd.losses[-1] - best < 0.05


def test_same_rng_seed_gives_identical_runs(data):
    X, y = data
    a = lr.gradient_descent(X, y, lr=0.05, epochs=3, batch_size=8, rng=np.random.default_rng(7))
    b = lr.gradient_descent(X, y, lr=0.05, epochs=3, batch_size=8, rng=np.random.default_rng(7))
    assert np.array_equal(a.w, b.w)


def test_bad_arguments_are_refused(data):
    X, y = data
    with pytest.raises(ValueError, match="lr must be a number > 0"):
        lr.gradient_descent(X, y, lr=0, epochs=1)
    with pytest.raises(ValueError, match="batch_size"):
        lr.gradient_descent(X, y, lr=0.1, epochs=1, batch_size=0)
    with pytest.raises(ValueError, match="rng"):
        lr.gradient_descent(X, y, lr=0.1, epochs=1, batch_size=4)
    with pytest.raises(ValueError, match=r"\(n, d\)"):
        lr.gradient_descent(X[:5], y, lr=0.1, epochs=1)
    with pytest.raises(ValueError, match="features"):
        lr.make_regression(10, np.array([1.0]), noise=0.1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="samples, features"):
        lr.add_bias_column(np.zeros(3))
