import math

import numpy as np
import pytest
import torch

from companion.bert.model import BertConfig, BertForPretraining
from companion.bert.pretrain import evaluate_pretraining, pretrain, to_tensors
from companion.bert.pretraining_data import PairSampler, make_batch

VOCAB = 60


def _sampler():
    # Lines of consecutive ids (a masked token follows from its neighbours);
    # even documents use ids 5..29, odd ones 30..59.
    rng = np.random.default_rng(0)
    docs = []
    for d in range(40):
        low, high = (5, 26) if d % 2 == 0 else (30, VOCAB - 4)
        docs.append([list(range(s, s + 4)) for s in rng.integers(low, high, size=6)])
    return PairSampler(docs, max_tokens=13)


def _run(steps=200):
    torch.manual_seed(0)
    model = BertForPretraining(
        BertConfig(vocab_size=VOCAB, hidden_size=32, num_heads=2, intermediate_size=64, max_len=16)
    )
    sampler = _sampler()
    rng = np.random.default_rng(1)
    held_out = [make_batch(sampler, np.random.default_rng(2), 64, VOCAB)]
    history = pretrain(
        model,
        lambda: make_batch(sampler, rng, 32, VOCAB),
        steps=steps,
        lr=3e-3,
        warmup_steps=4,
        held_out=held_out,
        eval_every=100,
        progress=False,
    )
    return model, history


def test_pretrain_learns_and_is_reproducible():
    model, history = _run()
    assert history.steps == [0, 100, 200]
    assert math.isnan(history.train_loss[0]) and len(history.mlm_accuracy) == 3
    assert history.mlm_loss[-1] < history.mlm_loss[0] - 0.5  # from log(60) = 4.1 downwards
    assert history.nsp_accuracy[-1] > 0.6, history.nsp_accuracy  # even and odd documents differ
    _, again = _run()
    assert again.mlm_loss == history.mlm_loss and again.nsp_accuracy == history.nsp_accuracy


def test_evaluate_pretraining_counts_and_refuses_nothing():
    model = BertForPretraining(BertConfig(vocab_size=VOCAB, hidden_size=16, num_heads=2))
    batch = make_batch(_sampler(), np.random.default_rng(0), 16, VOCAB)
    metrics = evaluate_pretraining(model, [batch, batch], "cpu")
    assert metrics == evaluate_pretraining(model, [batch], "cpu")  # a mean, not a sum
    assert 0.0 <= metrics["mlm_accuracy"] <= 1.0 and 0.0 <= metrics["nsp_accuracy"] <= 1.0
    assert model.training  # evaluation restores the mode
    with pytest.raises(ValueError, match="at least one"):
        evaluate_pretraining(model, [], "cpu")
    tensors = to_tensors(batch, "cpu")
    assert tensors["input_ids"].dtype == torch.long


def test_pretrain_bad_arguments():
    model = BertForPretraining(BertConfig(vocab_size=VOCAB, hidden_size=16, num_heads=2))
    with pytest.raises(ValueError, match="steps"):
        pretrain(model, lambda: None, steps=0, lr=1e-3, warmup_steps=0, held_out=[], eval_every=1)
