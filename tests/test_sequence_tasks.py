import numpy as np
import pytest
import torch

from companion.rnn.sequence_tasks import SequenceClassifier, delayed_recall, input_gradient_norms


def test_delayed_recall_labels_the_marked_first_symbol():
    x, y = delayed_recall(500, 20, 5, np.random.default_rng(0))
    assert x.shape == (500, 20, 6) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert torch.equal(x[:, 0, :5].argmax(dim=1), y)
    assert torch.all(x[:, 0, 5] == 1) and torch.all(x[:, 1:, 5] == 0)
    assert torch.all(x[:, :, :5].sum(dim=2) == 1)  # one symbol per step
    assert set(y.tolist()) == set(range(5))  # every class occurs


def test_lstm_forget_bias_and_shapes():
    model = SequenceClassifier("lstm", 6, 8, 5, forget_bias=1.0)
    assert torch.all(model.recurrent.bias_ih_l0[8:16] == 1.0)
    assert torch.all(model.recurrent.bias_hh_l0[8:16] == 0.0)
    assert model(torch.zeros(2, 7, 6)).shape == (2, 5)


def test_rnn_gradient_vanishes_faster_than_lstms():
    x, y = delayed_recall(64, 40, 4, np.random.default_rng(1))
    ratios = {}
    for cell in ("rnn", "lstm"):
        torch.manual_seed(0)
        norms = input_gradient_norms(SequenceClassifier(cell, 5, 16, 4), x, y)
        assert norms.shape == (40,)
        ratios[cell] = norms[0] / norms[-1]
    assert ratios["rnn"] < 1e-3 * ratios["lstm"]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="symbols >= 2"):
        delayed_recall(10, 5, 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="cell must be"):
        SequenceClassifier("transformer", 3, 4, 2)
    with pytest.raises(ValueError, match=r"\(batch, time, input\)"):
        input_gradient_norms(SequenceClassifier("rnn", 3, 4, 2), torch.zeros(2, 3), torch.zeros(2))
