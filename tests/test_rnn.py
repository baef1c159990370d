import pytest
import torch
from torch import nn

from companion.rnn.cells import LSTMFromScratch, RNNFromScratch


@pytest.fixture
def x():
    torch.manual_seed(0)
    return torch.randn(3, 9, 4, dtype=torch.float64)


def test_rnn_matches_torch_with_copied_weights_and_initial_state(x):
    reference = nn.RNN(4, 6, batch_first=True).double()
    h0 = torch.randn(1, 3, 6, dtype=torch.float64)
    out, h = RNNFromScratch.from_torch(reference)(x, h0[0])
    ref_out, ref_h = reference(x, h0)
    assert out.shape == (3, 9, 6)
    assert torch.allclose(out, ref_out, atol=1e-12) and torch.allclose(h, ref_h[0], atol=1e-12)


def test_lstm_matches_torch_with_copied_weights_and_initial_state(x):
    reference = nn.LSTM(4, 6, batch_first=True).double()
    h0, c0 = torch.randn(1, 3, 6, dtype=torch.float64), torch.randn(1, 3, 6, dtype=torch.float64)
    out, (h, c) = LSTMFromScratch.from_torch(reference)(x, (h0[0], c0[0]))
    ref_out, (ref_h, ref_c) = reference(x, (h0, c0))
    assert torch.allclose(out, ref_out, atol=1e-12)
    assert torch.allclose(h, ref_h[0], atol=1e-12) and torch.allclose(c, ref_c[0], atol=1e-12)


def test_gradients_match_torch(x):
    reference = nn.LSTM(4, 6, batch_first=True).double()
    ours = LSTMFromScratch.from_torch(reference)
    ours(x)[0].sum().backward()
    reference(x)[0].sum().backward()
    assert torch.allclose(ours.weight_hh.grad, reference.weight_hh_l0.grad, atol=1e-10)


def test_bad_input_is_refused(x):
    with pytest.raises(ValueError, match="sizes"):
        RNNFromScratch(0, 3)
    with pytest.raises(ValueError, match=r"\(batch, time, 5\)"):
        RNNFromScratch(5, 3)(x)
    with pytest.raises(ValueError, match="one-layer"):
        LSTMFromScratch.from_torch(nn.LSTM(4, 6, num_layers=2))
