import numpy as np
import pytest
import torch

from companion.attention.reversal import BOS, DIGIT0, EOS, PAD, exact_match, make_reversal, to_text


def test_targets_are_the_reversed_sources():
    src, tgt = make_reversal(200, 3, 9, np.random.default_rng(0))
    assert src.shape == (200, 9) and tgt.shape == (200, 11)
    assert torch.all(tgt[:, 0] == BOS)
    for s, t in zip(src, tgt, strict=True):
        assert to_text(t[1:]) == to_text(s)[::-1]
        length = int((s != PAD).sum())
        assert 3 <= length <= 9 and t[length + 1] == EOS
    assert {int((s != PAD).sum()) for s in src} == set(range(3, 10))


def test_exact_match_ignores_what_follows_eos():
    target = torch.tensor([[DIGIT0 + 1, DIGIT0 + 2, EOS, PAD], [DIGIT0, EOS, PAD, PAD]])
    good = torch.tensor([[DIGIT0 + 1, DIGIT0 + 2, EOS, DIGIT0], [DIGIT0, EOS, EOS, DIGIT0]])
    assert exact_match(good, target) == 1.0
    one_wrong = good.clone()
    one_wrong[0, 1] = DIGIT0
    assert exact_match(one_wrong, target) == 0.5
    no_eos = good.clone()
    no_eos[1, 1] = DIGIT0
    assert exact_match(no_eos, target) == 0.5


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="min_len"):
        make_reversal(10, 5, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="batch sizes"):
        exact_match(torch.zeros(2, 3), torch.zeros(3, 3))
