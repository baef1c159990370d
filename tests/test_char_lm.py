import math

import numpy as np
import pytest
import torch

from companion.rnn.char_lm import (
    CharLSTM,
    CharVocab,
    SequenceCrossEntropy,
    make_windows,
    sample,
    split_text,
    unigram_entropy,
)
from companion.training.loop import evaluate, fit

TEXT = "to be or not to be, that is the question. " * 40


def test_vocab_round_trip_and_errors():
    vocab = CharVocab(TEXT)
    assert vocab.chars == sorted(set(TEXT))
    assert vocab.decode(vocab.encode("to be")) == "to be"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("xyz!")
    with pytest.raises(ValueError, match="non-empty"):
        CharVocab("")


def test_unigram_entropy_known_values():
    assert unigram_entropy("aaaa") == 0.0
    assert unigram_entropy("abab") == pytest.approx(math.log(2))
    assert unigram_entropy("abcd") == pytest.approx(math.log(4))
    with pytest.raises(ValueError, match="empty"):
        unigram_entropy("")


def test_split_and_windows_shift_by_one():
    train, val = split_text("abcdefghij", 0.2)
    assert (train, val) == ("abcdefgh", "ij")
    x, y = make_windows(np.arange(11), 5)
    assert x.tolist() == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert y.tolist() == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]
    with pytest.raises(ValueError, match="too few"):
        make_windows(np.arange(3), 5)
    with pytest.raises(ValueError, match="val_fraction"):
        split_text("abc", 1.0)


def test_a_small_lstm_learns_a_repetitive_text_and_samples_from_it():
    vocab = CharVocab(TEXT)
    x, y = make_windows(vocab.encode(TEXT), 32)
    torch.manual_seed(0)
    model = CharLSTM(len(vocab), 32)
    history = fit(
        model,
        (x, y),
        optimizer=torch.optim.Adam(model.parameters(), lr=1e-2),
        epochs=15,
        batch_size=16,
        loss_fn=SequenceCrossEntropy(),
        progress=False,
    )
    loss, accuracy = evaluate(model, (x, y), SequenceCrossEntropy())
    assert loss < 0.5 * unigram_entropy(TEXT) and accuracy > 0.6
    assert history.train_loss[-1] < history.train_loss[0]
    text = sample(model, vocab, "to ", 30, temperature=0.5, seed=1)
    assert text.startswith("to ") and len(text) == 33
    assert text == sample(model, vocab, "to ", 30, temperature=0.5, seed=1)  # seeded
    with pytest.raises(ValueError, match="temperature"):
        sample(model, vocab, "to ", 5, temperature=0)


def test_bad_model_arguments_are_refused():
    with pytest.raises(ValueError, match="vocab_size >= 2"):
        CharLSTM(1, 8)
    with pytest.raises(ValueError, match="dropout"):
        CharLSTM(10, 8, dropout=1.0)
