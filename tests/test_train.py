import pytest
import torch
from torch import nn

from companion.training.loop import evaluate, fit, mixed_precision


def blobs(n=400, seed=0):
    """Two well-separated Gaussian classes in 2-D: any working loop learns them."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    x = torch.randn(n, 2, generator=g) + 3.0 * y[:, None].float()
    return x, y


def model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))


def test_fit_learns_and_records_history():
    m = model()
    history = fit(
        m,
        blobs(),
        optimizer=torch.optim.Adam(m.parameters(), lr=0.05),
        epochs=5,
        batch_size=32,
        val=blobs(seed=1),
        progress=False,
    )
    assert len(history.train_loss) == len(history.val_loss) == len(history.val_accuracy) == 5
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.val_accuracy[-1] > 0.95
    assert history.seconds > 0


def test_fit_is_reproducible_for_the_same_seed():
    runs = []
    for _ in range(2):
        m = model()
        runs.append(
            fit(
                m,
                blobs(),
                optimizer=torch.optim.SGD(m.parameters(), lr=0.1),
                epochs=2,
                batch_size=16,
                seed=3,
                progress=False,
            ).train_loss
        )
    assert runs[0] == runs[1]


def test_clipping_bounds_the_step():
    m = model()
    before = [p.detach().clone() for p in m.parameters()]
    x, y = blobs(n=8)
    fit(
        m,
        (x * 1e6, y),
        optimizer=torch.optim.SGD(m.parameters(), lr=1.0),
        epochs=1,
        batch_size=8,
        clip_grad_norm=0.5,
        progress=False,
    )
    step = torch.sqrt(
        sum(((p - b) ** 2).sum() for p, b in zip(m.parameters(), before, strict=True))
    )
    assert step.item() <= 0.5 + 1e-5


def test_evaluate_regression_has_no_accuracy():
    m = nn.Linear(2, 1)
    loss, acc = evaluate(m, (torch.zeros(10, 2), torch.zeros(10, 1)), nn.MSELoss())
    assert acc is None and loss >= 0


def test_bad_data_is_refused():
    m = model()
    sgd = torch.optim.SGD(m.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="pair"):
        fit(m, torch.zeros(3, 2), optimizer=sgd, epochs=1, batch_size=1)
    with pytest.raises(ValueError, match="same, non-zero length"):
        fit(
            m,
            (torch.zeros(3, 2), torch.zeros(2, dtype=torch.long)),
            optimizer=sgd,
            epochs=1,
            batch_size=1,
        )
    with pytest.raises(TypeError, match="torch tensors"):
        fit(m, ([[0.0, 0.0]], [0]), optimizer=sgd, epochs=1, batch_size=1)
    with pytest.raises(ValueError, match="epochs"):
        fit(m, blobs(), optimizer=sgd, epochs=0, batch_size=1)


def test_progress_bar_obeys_the_pipelines_switch(monkeypatch):
    from companion.runtime.progress import progress_bar

    monkeypatch.setenv("TQDM_DISABLE", "1")
    assert progress_bar(range(3), desc="x").disable
    monkeypatch.delenv("TQDM_DISABLE")
    assert progress_bar(range(3), desc="x", enabled=False).disable
    assert not progress_bar(range(3), desc="x").disable


def test_scheduler_is_stepped_once_per_batch():
    m = model()
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    schedule = torch.optim.lr_scheduler.LinearLR(
        opt, start_factor=1.0, end_factor=0.0, total_iters=25
    )
    fit(m, blobs(n=100), optimizer=opt, epochs=2, batch_size=8, scheduler=schedule, progress=False)
    assert schedule.last_epoch == 2 * 13  # 13 batches of at most 8 in each of 2 epochs
    assert opt.param_groups[0]["lr"] == 0.0


def test_evaluating_switches_to_eval_without_gradients_and_restores_the_mode():
    from companion.training.loop import evaluating

    m = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    with evaluating(m):
        assert not m.training and not torch.is_grad_enabled()
    assert m.training and torch.is_grad_enabled()
    m.eval()
    with pytest.raises(RuntimeError), evaluating(m):
        raise RuntimeError("restored even on error")
    assert not m.training


def test_mixed_precision_is_off_on_the_cpu_and_takes_a_device_name():
    a, b = torch.randn(4, 4), torch.randn(4, 4)
    for device in ("cpu", torch.device("cpu")):
        with mixed_precision(device):
            assert (a @ b).dtype == torch.float32  # bfloat16 only on CUDA


def test_mixed_precision_refuses_an_unknown_device():
    with pytest.raises(RuntimeError, match="device"):
        mixed_precision("gpu0")
