import numpy as np
import pytest
import torch

from companion.foundations import optimizers as opt

CASES = [
    (lambda: opt.SGD(0.1), torch.optim.SGD, {"lr": 0.1}),
    (lambda: opt.Momentum(0.05, 0.8), torch.optim.SGD, {"lr": 0.05, "momentum": 0.8}),
    (lambda: opt.RMSprop(0.03, alpha=0.9), torch.optim.RMSprop, {"lr": 0.03, "alpha": 0.9}),
    (lambda: opt.Adam(0.3, betas=(0.8, 0.99)), torch.optim.Adam, {"lr": 0.3, "betas": (0.8, 0.99)}),
]


def banana(p):
    """A gentle Rosenbrock-style curved valley, so that every case's learning rate is stable."""
    return (1 - p[0]) ** 2 + 2 * (p[1] - p[0] ** 2) ** 2


def banana_grad(p):
    return np.array([-2 * (1 - p[0]) - 8 * p[0] * (p[1] - p[0] ** 2), 4 * (p[1] - p[0] ** 2)])


@pytest.mark.parametrize("make, torch_class, kwargs", CASES)
@pytest.mark.parametrize(
    "fn, grad", [(opt.elongated_bowl, opt.elongated_bowl_grad), (banana, banana_grad)]
)
def test_paths_match_torch_optim(make, torch_class, kwargs, fn, grad):
    start, steps = np.array([-1.2, 1.0]), 60
    ours = opt.descend(make(), grad, start, steps)
    p = torch.tensor(start, requires_grad=True)
    torch_opt = torch_class([p], **kwargs)
    theirs = [p.detach().clone().numpy()]
    for _ in range(steps):
        torch_opt.zero_grad()
        fn(p).backward()
        torch_opt.step()
        theirs.append(p.detach().clone().numpy())
    assert ours.shape == (steps + 1, 2)
    assert np.allclose(ours, np.array(theirs), rtol=1e-9, atol=1e-9)


def test_every_optimiser_makes_progress_on_the_bowl():
    for make, _, _ in CASES:
        path = opt.descend(make(), opt.elongated_bowl_grad, np.array([-5.0, -2.0]), 200)
        assert opt.elongated_bowl(path[-1]) < 0.05 * opt.elongated_bowl(path[0])


def test_bad_hyperparameters_are_refused():
    with pytest.raises(ValueError, match="lr must be a number > 0"):
        opt.SGD(0)
    with pytest.raises(ValueError, match="momentum"):
        opt.Momentum(0.1, momentum=1.0)
    with pytest.raises(ValueError, match="alpha"):
        opt.RMSprop(0.1, alpha=1.5)
    with pytest.raises(ValueError, match="beta2 must be a number >= 0.0 and < 1.0, got 1.0"):
        opt.Adam(0.1, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="steps"):
        opt.descend(opt.SGD(0.1), opt.elongated_bowl_grad, np.zeros(2), -1)
    with pytest.raises(NotImplementedError):
        opt.Optimizer(0.1).step(np.zeros(2), np.zeros(2))
