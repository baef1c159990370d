import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from companion.attention.masks import causal_mask, padding_mask
from companion.attention.multihead import MultiHeadAttention
from companion.attention.scores import (
    AdditiveScores,
    attention,
    attention_entropy,
    dot_product_scores,
    masked_softmax,
    scaled_dot_product_scores,
)

TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-10}


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return (a - b).abs().max().item()


def random_mask(*shape: int, generator: torch.Generator) -> torch.Tensor:
    """A random boolean mask in which every query keeps at least one key."""
    mask = torch.rand(*shape, generator=generator) < 0.6
    mask[..., 0] = True
    return mask


# --- scores -------------------------------------------------------------------------------


def test_dot_product_scores_are_q_k_transpose_and_scaled_divides_by_sqrt_d():
    torch.manual_seed(0)
    q, k = torch.randn(2, 3, 5, 8, dtype=torch.float64), torch.randn(2, 3, 7, 8).double()
    scores = dot_product_scores(q, k)
    assert scores.shape == (2, 3, 5, 7)
    assert scores[1, 2, 4, 6].item() == pytest.approx((q[1, 2, 4] * k[1, 2, 6]).sum().item())
    assert torch.allclose(scaled_dot_product_scores(q, k), scores / math.sqrt(8), atol=1e-12)


def test_scores_refuse_bad_inputs():
    with pytest.raises(ValueError, match="last dim d_k"):
        dot_product_scores(torch.randn(5, 4), torch.randn(6, 3))
    with pytest.raises(ValueError, match="at least 2 dims"):
        dot_product_scores(torch.randn(4), torch.randn(6, 4))
    with pytest.raises(TypeError, match="torch.Tensor"):
        scaled_dot_product_scores([[1.0]], torch.randn(1, 1))


def test_additive_scores_shape_values_and_gradients():
    torch.manual_seed(0)
    scorer = AdditiveScores(d_q=6, d_k=4, d_hidden=8).double()
    q = torch.randn(2, 5, 6, dtype=torch.float64, requires_grad=True)
    k = torch.randn(2, 7, 4, dtype=torch.float64, requires_grad=True)
    scores = scorer(q, k)
    assert scores.shape == (2, 5, 7)
    # One entry by the formula vᵀ tanh(W_q q + W_k k).
    by_hand = scorer.v.weight[0] @ torch.tanh(
        scorer.w_q.weight @ q[1, 3] + scorer.w_k.weight @ k[1, 6]
    )
    assert scores[1, 3, 6].item() == pytest.approx(by_hand.item(), abs=1e-12)
    (masked_softmax(scores) * torch.randn(2, 5, 7, dtype=torch.float64)).sum().backward()
    for tensor in (q, k, scorer.w_q.weight, scorer.w_k.weight, scorer.v.weight):
        assert tensor.grad is not None and tensor.grad.abs().sum() > 0


def test_additive_scores_refuse_bad_inputs():
    with pytest.raises(ValueError, match="d_hidden must be an int >= 1, got 0"):
        AdditiveScores(4, 4, 0)
    with pytest.raises(TypeError, match="d_q must be an int, got True"):
        AdditiveScores(True, 4, 4)
    with pytest.raises(ValueError, match=r"q \(\.\.\., q_len, 6\)"):
        AdditiveScores(6, 4, 8)(torch.randn(2, 5, 4), torch.randn(2, 7, 4))


# --- attention against torch's SDPA --------------------------------------------------------

SDPA_CASES = [
    # (q shape, k_len, d_v, mask kind)
    ((2, 3, 5, 8), 5, 8, None),
    ((2, 3, 5, 8), 5, 8, "causal"),
    ((2, 3, 5, 8), 5, 6, "padding"),
    ((2, 3, 4, 8), 9, 6, None),
    ((2, 3, 4, 8), 9, 6, "random"),
    ((2, 3, 4, 8), 9, 6, "padding"),
    ((3, 6, 16), 6, 4, "causal"),
    ((6, 16), 11, 4, "random"),
]


@pytest.mark.parametrize("q_shape, k_len, d_v, mask_kind", SDPA_CASES)
def test_attention_matches_torch_sdpa(q_shape, k_len, d_v, mask_kind):
    g = torch.Generator().manual_seed(1)
    *lead, q_len, d_k = q_shape
    q = torch.randn(*q_shape, generator=g)
    k = torch.randn(*lead, k_len, d_k, generator=g)
    v = torch.randn(*lead, k_len, d_v, generator=g)
    if mask_kind == "causal":
        mask = causal_mask(q_len)
    elif mask_kind == "padding":
        mask = padding_mask(torch.tensor([k_len, 2]), k_len)
    elif mask_kind == "random":
        mask = random_mask(q_len, k_len, generator=g)
    else:
        mask = None
    out, weights = attention(q, k, v, mask)
    assert out.shape == (*lead, q_len, d_v) and weights.shape == (*lead, q_len, k_len)
    assert max_diff(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask)) <= 1e-5
    assert torch.allclose(weights.sum(-1), torch.ones(()), atol=1e-6)
    if mask is not None:
        assert (weights.masked_select(~mask.expand_as(weights)) == 0).all()
        assert not mask.all(), "the case should mask something"


def test_unscaled_attention_is_softmax_of_plain_dot_products():
    torch.manual_seed(0)
    q, k, v = torch.randn(4, 8), torch.randn(6, 8), torch.randn(6, 3)
    out, weights = attention(q, k, v, scale=False)
    assert torch.allclose(weights, torch.softmax(q @ k.T, dim=-1), atol=1e-6)
    assert torch.allclose(out, weights @ v, atol=1e-6)


def test_attention_refuses_an_all_masked_row():
    q, k, v = torch.randn(3, 4), torch.randn(5, 4), torch.randn(5, 2)
    mask = torch.ones(3, 5, dtype=torch.bool)
    mask[1] = False
    with pytest.raises(ValueError, match="every key masked"):
        attention(q, k, v, mask)
    # Also when the all-False row only appears after broadcasting: the first query may only
    # see key 0 under a causal mask, and batch item 1 masks key 0 out.
    q, k, v = torch.randn(2, 3, 4), torch.randn(2, 3, 4), torch.randn(2, 3, 2)
    keys_kept = torch.tensor([[True, True, True], [False, True, True]])[:, None, :]  # (2, 1, 3)
    with pytest.raises(ValueError, match="every key masked"):
        attention(q, k, v, causal_mask(3) & keys_kept)


def test_attention_refuses_bad_inputs():
    q, k, v = torch.randn(2, 3, 4), torch.randn(2, 5, 4), torch.randn(2, 5, 6)
    with pytest.raises(ValueError, match="same length"):
        attention(q, k, torch.randn(2, 4, 6))
    with pytest.raises(TypeError, match="v must be a torch.Tensor"):
        attention(q, k, None)
    with pytest.raises(TypeError, match="boolean tensor"):
        attention(q, k, v, torch.ones(3, 5))
    with pytest.raises(ValueError, match="must broadcast"):
        attention(q, k, v, torch.ones(5, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="must broadcast"):  # would enlarge the output
        attention(q, k, v, torch.ones(7, 2, 3, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match="dropout_p"):
        attention(q, k, v, dropout_p=1.0)


def test_attention_dropout_zeroes_weights_and_output_uses_them():
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 16, 8), torch.randn(2, 16, 8), torch.randn(2, 16, 3)
    out, weights = attention(q, k, v, dropout_p=0.5)
    _, clean = attention(q, k, v)
    assert (weights == 0).float().mean().item() == pytest.approx(0.5, abs=0.1)
    kept = weights != 0
    assert torch.allclose(weights[kept], 2 * clean[kept], atol=1e-6)
    assert torch.allclose(out, weights @ v, atol=1e-6)


# --- masks ---------------------------------------------------------------------------------


def test_padding_mask_marks_real_tokens():
    mask = padding_mask(torch.tensor([1, 3, 4]), 4)
    assert mask.shape == (3, 1, 1, 4) and mask.dtype == torch.bool
    expected = torch.tensor(
        [[True, False, False, False], [True, True, True, False], [True, True, True, True]]
    )
    assert torch.equal(mask[:, 0, 0], expected)


def test_padding_mask_refuses_bad_lengths():
    with pytest.raises(ValueError, match=r"\[1, max_len=4\]"):
        padding_mask(torch.tensor([0, 2]), 4)
    with pytest.raises(ValueError, match=r"\[1, max_len=4\]"):
        padding_mask(torch.tensor([5, 2]), 4)
    with pytest.raises(ValueError, match="1-D"):
        padding_mask(torch.tensor([[1, 2]]), 4)
    with pytest.raises(TypeError, match="integer"):
        padding_mask(torch.tensor([1.0, 2.0]), 4)
    with pytest.raises(TypeError, match="integer"):
        padding_mask([1, 2], 4)
    with pytest.raises(TypeError, match="max_len must be an int"):
        padding_mask(torch.tensor([1, 2]), 4.0)


def test_causal_mask_is_lower_triangular():
    mask = causal_mask(3)
    assert mask.dtype == torch.bool
    expected = torch.tensor([[True, False, False], [True, True, False], [True, True, True]])
    assert torch.equal(mask, expected)
    with pytest.raises(ValueError, match=">= 1"):
        causal_mask(0)
    with pytest.raises(TypeError, match="int"):
        causal_mask(3.0)


def test_causal_attention_ignores_the_future():
    torch.manual_seed(0)
    q, k, v = torch.randn(1, 6, 4), torch.randn(1, 6, 4), torch.randn(1, 6, 2)
    out, _ = attention(q, k, v, causal_mask(6))
    k2, v2 = k.clone(), v.clone()
    k2[:, 4:], v2[:, 4:] = 100.0, -100.0  # change only positions 4 and 5
    out2, _ = attention(q, k2, v2, causal_mask(6))
    assert torch.allclose(out[:, :4], out2[:, :4], atol=1e-6)
    assert not torch.allclose(out[:, 4:], out2[:, 4:], atol=1e-3)


# --- multi-head attention against nn.MultiheadAttention -----------------------------------

MHA_CASES = [
    # (name, q_len, k_len, use causal mask, use key padding)
    ("self", 6, 6, False, False),
    ("self-causal", 6, 6, True, False),
    ("self-padding", 6, 6, False, True),
    ("self-causal-padding", 6, 6, True, True),
    ("cross", 4, 7, False, False),
    ("cross-padding", 4, 7, False, True),
]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name, q_len, k_len, causal, padding", MHA_CASES)
def test_multi_head_attention_matches_torch(dtype, name, q_len, k_len, causal, padding):
    torch.manual_seed(0)
    batch, d_model, heads = 3, 16, 4
    reference = nn.MultiheadAttention(d_model, heads, batch_first=True).to(dtype).eval()
    with torch.no_grad():  # torch starts with zero biases; make them count
        reference.in_proj_bias.normal_()
        reference.out_proj.bias.normal_()
    ours = MultiHeadAttention.from_torch(reference)
    assert not ours.training and ours.w_q.weight.dtype == dtype
    query = torch.randn(batch, q_len, d_model, dtype=dtype)
    key = query if name.startswith("self") else torch.randn(batch, k_len, d_model, dtype=dtype)
    value = query if name.startswith("self") else torch.randn(batch, k_len, d_model, dtype=dtype)

    # Our masks: True = may attend. torch's boolean masks: True = ignore, hence the ~.
    mask, torch_kwargs = None, {}
    if causal:
        mask = causal_mask(q_len)  # (q_len, k_len)
        torch_kwargs["attn_mask"] = ~mask
    if padding:
        keys = padding_mask(torch.tensor([k_len, 3, 1]), k_len)  # (batch, 1, 1, k_len)
        mask = keys if mask is None else mask & keys
        torch_kwargs["key_padding_mask"] = ~keys[:, 0, 0]  # (batch, k_len)

    out, weights = ours(query, key, value, mask, need_weights=True)
    ref_out, ref_mean = reference(query, key, value, need_weights=True, **torch_kwargs)
    _, ref_heads = reference(
        query, key, value, need_weights=True, average_attn_weights=False, **torch_kwargs
    )
    tol = TOLERANCE[dtype]
    assert out.shape == (batch, q_len, d_model) and weights.shape == (batch, heads, q_len, k_len)
    assert max_diff(out, ref_out) <= tol
    assert max_diff(weights.mean(dim=1), ref_mean) <= tol
    assert max_diff(weights, ref_heads) <= tol
    assert ours(query, key, value, mask)[1] is None


def test_from_torch_without_biases_and_gradients_match():
    torch.manual_seed(0)
    reference = nn.MultiheadAttention(8, 2, bias=False, batch_first=True).double()
    ours = MultiHeadAttention.from_torch(reference)
    assert ours.w_q.bias is None and ours.w_o.bias is None
    x = torch.randn(2, 5, 8, dtype=torch.float64)
    ours(x, x, x)[0].square().sum().backward()
    reference(x, x, x)[0].square().sum().backward()
    assert max_diff(ours.w_k.weight.grad, reference.in_proj_weight.grad[8:16]) <= 1e-10
    assert max_diff(ours.w_o.weight.grad, reference.out_proj.weight.grad) <= 1e-10


def test_three_dim_mask_is_per_batch_and_shared_by_heads():
    g = torch.Generator().manual_seed(0)
    mha = MultiHeadAttention(8, 2).eval()
    q, kv = torch.randn(2, 3, 8, generator=g), torch.randn(2, 5, 8, generator=g)
    mask = random_mask(2, 3, 5, generator=g)  # (batch, q_len, k_len)
    out3, w3 = mha(q, kv, kv, mask, need_weights=True)
    out4, w4 = mha(q, kv, kv, mask[:, None], need_weights=True)
    assert torch.equal(out3, out4) and torch.equal(w3, w4)
    assert (w3.masked_select(~mask[:, None].expand_as(w3)) == 0).all()


def test_multi_head_dropout_only_in_training():
    torch.manual_seed(0)
    mha = MultiHeadAttention(8, 2, dropout=0.5)
    x = torch.randn(2, 12, 8)
    _, w_train = mha(x, x, x, need_weights=True)
    assert (w_train == 0).any()
    mha.eval()
    out_a, w_eval = mha(x, x, x, need_weights=True)
    out_b, _ = mha(x, x, x)
    assert torch.equal(out_a, out_b) and (w_eval > 0).all()
    assert torch.allclose(w_eval.sum(-1), torch.ones(()), atol=1e-6)


def test_multi_head_attention_refuses_bad_arguments():
    with pytest.raises(ValueError, match="divisible by num_heads"):
        MultiHeadAttention(10, 3)
    with pytest.raises(ValueError, match=">= 1"):
        MultiHeadAttention(8, 0)
    with pytest.raises(ValueError, match="dropout"):
        MultiHeadAttention(8, 2, dropout=1.0)
    mha = MultiHeadAttention(8, 2)
    x = torch.randn(2, 5, 8)
    with pytest.raises(ValueError, match=r"query must be \(batch, len, 8\)"):
        mha(torch.randn(2, 5, 6), x, x)
    with pytest.raises(ValueError, match="at least 3 dims"):
        mha(x, torch.randn(5, 8), x)
    with pytest.raises(ValueError, match="share the batch size"):
        mha(x, x, torch.randn(2, 4, 8))
    with pytest.raises(ValueError, match="share the batch size"):
        mha(x, torch.randn(3, 5, 8), torch.randn(3, 5, 8))
    with pytest.raises(ValueError, match="every key masked"):
        mha(x, x, x, torch.zeros(5, 5, dtype=torch.bool))


def test_from_torch_refuses_what_it_cannot_copy():
    with pytest.raises(TypeError, match="nn.MultiheadAttention"):
        MultiHeadAttention.from_torch(nn.Linear(8, 8))
    with pytest.raises(ValueError, match="kdim = vdim"):
        MultiHeadAttention.from_torch(nn.MultiheadAttention(8, 2, kdim=4, vdim=4))
    with pytest.raises(ValueError, match="add_bias_kv"):
        MultiHeadAttention.from_torch(nn.MultiheadAttention(8, 2, add_bias_kv=True))
    with pytest.raises(ValueError, match="add_zero_attn"):
        MultiHeadAttention.from_torch(nn.MultiheadAttention(8, 2, add_zero_attn=True))


# --- why scale by √d_k --------------------------------------------------------------------


def scores_and_entropies(d_k: int, generator: torch.Generator) -> dict[str, float]:
    q = torch.randn(8, 32, d_k, generator=generator)
    k = torch.randn(8, 32, d_k, generator=generator)
    v = torch.zeros(8, 32, 1)
    _, scaled = attention(q, k, v)
    _, unscaled = attention(q, k, v, scale=False)
    return {
        "std": dot_product_scores(q, k).std().item(),
        "scaled_std": scaled_dot_product_scores(q, k).std().item(),
        "scaled_entropy": attention_entropy(scaled).mean().item(),
        "unscaled_entropy": attention_entropy(unscaled).mean().item(),
        "unscaled_max": unscaled.max(dim=-1).values.mean().item(),
    }


def test_scaling_keeps_the_softmax_from_saturating_as_d_k_grows():
    g = torch.Generator().manual_seed(0)
    small, large = scores_and_entropies(8, g), scores_and_entropies(512, g)
    uniform = math.log(32)
    # Unscaled scores' std grows like √d_k: √(512 / 8) = 8.
    assert large["std"] / small["std"] == pytest.approx(8, rel=0.2)
    # Scaled scores stay near unit std whatever d_k.
    for stats in (small, large):
        assert stats["scaled_std"] == pytest.approx(1, rel=0.1)
    # Scaled attention keeps a similar, high entropy at both sizes ...
    assert large["scaled_entropy"] == pytest.approx(small["scaled_entropy"], rel=0.1)
    assert large["scaled_entropy"] > 0.8 * uniform
    # ... while unscaled attention at d_k = 512 is nearly one-hot.
    assert large["unscaled_entropy"] < 0.1 * uniform
    assert large["unscaled_max"] > 0.9
    assert large["unscaled_entropy"] < small["unscaled_entropy"] < small["scaled_entropy"]


def test_attention_entropy_known_values():
    weights = torch.tensor([[0.25, 0.25, 0.25, 0.25], [1.0, 0.0, 0.0, 0.0], [0.5, 0.5, 0.0, 0.0]])
    entropy = attention_entropy(weights)
    assert not entropy.isnan().any()
    assert torch.allclose(entropy, torch.tensor([math.log(4), 0.0, math.log(2)]), atol=1e-6)
    with pytest.raises(ValueError, match="non-negative"):
        attention_entropy(torch.tensor([1.5, -0.5]))
    with pytest.raises(TypeError, match="floating-point"):
        attention_entropy(torch.tensor([1, 0]))
    with pytest.raises(ValueError, match="at least 1 dim"):
        attention_entropy(torch.tensor(1.0))
