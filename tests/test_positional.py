import math

import pytest
import torch

from companion.attention.positional import PositionalEncoding, shift_matrix, sinusoidal_encoding


def test_table_values_at_hand_computed_positions():
    pe = sinusoidal_encoding(50, 4, dtype=torch.float64)
    assert pe.shape == (50, 4)
    # d_model = 4: ω_0 = 1, ω_1 = 1 / 10000^(2/4) = 1/100.
    assert pe[0].tolist() == [0.0, 1.0, 0.0, 1.0]
    expected = {
        (1, 0): math.sin(1),
        (1, 1): math.cos(1),
        (2, 2): math.sin(0.02),
        (2, 3): math.cos(0.02),
        (49, 0): math.sin(49),
        (49, 3): math.cos(0.49),
    }
    for (pos, dim), value in expected.items():
        assert pe[pos, dim].item() == pytest.approx(value, abs=1e-12)


def test_table_default_dtype_and_pairs_on_the_unit_circle():
    pe = sinusoidal_encoding(5000, 64)
    assert pe.dtype == torch.float32
    # Last pair: ω = 1 / 10000^(62/64).
    omega = 10000 ** (-62 / 64)
    assert pe[4321, 63].item() == pytest.approx(math.cos(4321 * omega), abs=1e-6)
    assert pe[4321, 0].item() == pytest.approx(math.sin(4321), abs=1e-6)
    radius = pe[:, 0::2] ** 2 + pe[:, 1::2] ** 2
    assert torch.allclose(radius, torch.ones(()), atol=1e-6)


@pytest.mark.parametrize("dtype, tol", [(torch.float32, 1e-5), (torch.float64, 1e-10)])
def test_shifting_by_k_is_a_fixed_rotation(dtype, tol):
    d_model = 32
    pe = sinusoidal_encoding(1200, d_model, dtype=dtype)
    for k in (1, 2, 5, 17, 100, 999):
        m = shift_matrix(k, d_model, dtype=dtype)
        # Whole table at once: row pos + k equals M_k applied to row pos, for every pos.
        assert (pe[k:] - pe[:-k] @ m.T).abs().max().item() <= tol
        # And the column-vector form for a single position.
        assert (pe[37 + k] - m @ pe[37]).abs().max().item() <= tol
    # Negative shifts move back.
    m_back = shift_matrix(-3, d_model, dtype=dtype)
    assert (pe[:-3] - pe[3:] @ m_back.T).abs().max().item() <= tol


def test_shift_matrices_are_rotations_that_compose():
    m2, m3, m5 = (shift_matrix(k, 8, dtype=torch.float64) for k in (2, 3, 5))
    identity = torch.eye(8, dtype=torch.float64)
    assert torch.allclose(shift_matrix(0, 8, dtype=torch.float64), identity)
    assert torch.allclose(m3 @ m3.T, identity, atol=1e-12)
    assert torch.allclose(m2 @ m3, m5, atol=1e-12)
    assert torch.allclose(shift_matrix(-3, 8, dtype=torch.float64), m3.T, atol=1e-12)
    # Block diagonal: nothing couples different frequency pairs.
    blocks = torch.block_diag(*(m5[i : i + 2, i : i + 2] for i in range(0, 8, 2)))
    assert torch.equal(m5, blocks)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="even and >= 2"):
        sinusoidal_encoding(10, 5)
    with pytest.raises(ValueError, match="d_model must be an int >= 2"):
        sinusoidal_encoding(10, 0)
    with pytest.raises(ValueError, match="max_len must be an int >= 1"):
        sinusoidal_encoding(0, 4)
    with pytest.raises(TypeError, match="max_len must be an int"):
        sinusoidal_encoding(10.0, 4)
    with pytest.raises(TypeError, match="k must be an int"):
        shift_matrix(1.5, 4)
    with pytest.raises(ValueError, match="even and >= 2"):
        shift_matrix(1, 3)


def test_positional_encoding_adds_the_table():
    torch.manual_seed(0)
    layer = PositionalEncoding(8, max_len=20)
    x = torch.randn(3, 11, 8)
    assert torch.equal(layer(x), x + sinusoidal_encoding(20, 8)[:11])
    assert "pe" not in layer.state_dict()  # recomputed, not saved
    assert layer.double().pe.dtype == torch.float64  # but it follows .to()
    assert layer(torch.zeros(1, 20, 8, dtype=torch.float64)).shape == (1, 20, 8)


def test_positional_encoding_dropout_only_in_training():
    torch.manual_seed(0)
    layer = PositionalEncoding(16, max_len=64, dropout=0.5)
    x = torch.randn(4, 64, 16)
    assert (layer(x) == 0).float().mean().item() == pytest.approx(0.5, abs=0.05)
    layer.eval()
    assert torch.equal(layer(x), x + layer.pe)


def test_positional_encoding_refuses_bad_input():
    layer = PositionalEncoding(8, max_len=10)
    with pytest.raises(ValueError, match="exceeds max_len=10"):
        layer(torch.zeros(2, 11, 8))
    with pytest.raises(ValueError, match=r"\(batch, seq, 8\)"):
        layer(torch.zeros(2, 5, 6))
    with pytest.raises(ValueError, match=r"\(batch, seq, 8\)"):
        layer(torch.zeros(5, 8))
    with pytest.raises(TypeError, match="torch.Tensor"):
        layer([[0.0] * 8])
    with pytest.raises(ValueError, match="dropout"):
        PositionalEncoding(8, dropout=1.0)
    with pytest.raises(ValueError, match="even"):
        PositionalEncoding(7)
