import numpy as np
import pytest
import torch

from companion.attention.reversal import BOS, PAD, VOCAB_SIZE, make_reversal
from companion.attention.transformer import Seq2SeqTransformer
from companion.rnn.char_lm import SequenceCrossEntropy
from companion.training.loop import fit


def tiny_transformer(num_layers: int, max_len: int) -> Seq2SeqTransformer:
    torch.manual_seed(0)
    return Seq2SeqTransformer(
        VOCAB_SIZE, VOCAB_SIZE, 16, 2, num_layers, 32, dropout=0.0, max_len=max_len
    )


@pytest.fixture
def model():
    return tiny_transformer(num_layers=2, max_len=12).eval()


@pytest.fixture
def batch():
    return make_reversal(6, 3, 8, np.random.default_rng(0))


def test_shapes(model, batch):
    src, tgt = batch
    assert model(src, tgt[:, :-1]).shape == (6, 9, VOCAB_SIZE)
    assert model.greedy_decode(src, BOS, steps=5).shape == (6, 5)
    # greedy decoding re-reads the whole prefix (BOS + 4 tokens) at its last step
    assert model.decoder[-1].cross_weights.shape == (6, 2, 5, 8)


def test_decoder_cannot_see_the_future(model, batch):
    src, tgt = batch
    tgt_in = tgt[:, :-1].clone()
    before = model(src, tgt_in)
    tgt_in[:, 5] = (tgt_in[:, 5] + 1) % VOCAB_SIZE
    after = model(src, tgt_in)
    assert torch.allclose(before[:, :5], after[:, :5], atol=1e-6)
    assert not torch.allclose(before[:, 5:], after[:, 5:], atol=1e-6)


def test_padding_in_the_source_is_ignored(model):
    src = torch.tensor([[4, 5, 6, PAD, PAD]])
    tgt_in = torch.tensor([[BOS, 6, 5]])
    before = model(src, tgt_in)
    # More padding adds only masked keys, so nothing the decoder sees changes.
    longer = torch.tensor([[4, 5, 6, PAD, PAD, PAD, PAD]])
    assert torch.allclose(before, model(longer, tgt_in), atol=1e-5)


def test_a_few_steps_reduce_the_loss():
    src, tgt = make_reversal(256, 2, 4, np.random.default_rng(1))
    model = tiny_transformer(num_layers=1, max_len=6)
    history = fit(
        model,
        ((src, tgt[:, :-1]), tgt[:, 1:]),
        optimizer=torch.optim.Adam(model.parameters(), 1e-2),
        epochs=10,
        batch_size=32,
        loss_fn=SequenceCrossEntropy(ignore_index=PAD),
        progress=False,
    )
    assert history.train_loss[-1] < 0.8 * history.train_loss[0]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="d_model"):
        Seq2SeqTransformer(10, 10, d_model=0)
    with pytest.raises(ValueError, match="divisible|num_heads"):
        Seq2SeqTransformer(10, 10, d_model=10, num_heads=3)
