import numpy as np
import pytest
import torch
from sentence_support import tiny_bert

from companion.transfer.finetune import finetune
from companion.transfer.lora import add_lora
from companion.transfer.sentence import SentenceClassifier, predict


def word_task(n, seed):
    """Sentences of filler tokens with one cue word: token 5 means class 1, token 6 class 0."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    ids = []
    for label in labels:
        filler = rng.integers(7, 15, rng.integers(1, 6)).tolist()
        filler.insert(rng.integers(0, len(filler) + 1), 5 if label else 6)
        ids.append([2, *filler, 3])
    return ids, labels


def train_tiny(epochs, lr=3e-2):
    train, val = word_task(96, seed=0), word_task(32, seed=1)
    torch.manual_seed(0)
    model = SentenceClassifier(tiny_bert(), dropout=0.0)
    history = finetune(model, train, val, pad_id=0, epochs=epochs, lr=lr, batch_size=16,
                       evals_per_epoch=2, seed=0)  # fmt: skip
    return model, val, history


def test_finetune_learns_the_cue_word():
    _, _, history = train_tiny(epochs=8)
    assert history.step == list(range(3, 49, 3))  # 6 steps an epoch, two validation points each
    assert len(history.val_accuracy) == len(history.train_loss) == 16
    assert history.best_val_accuracy == max(history.val_accuracy) >= 0.9
    assert history.train_loss[-1] < history.train_loss[0]


def test_finetune_returns_with_the_best_validation_checkpoint():
    # A rate too high for the task: validation accuracy peaks, then falls back,
    # so the last checkpoint is not the best and the best must be put back.
    model, val, history = train_tiny(epochs=3, lr=0.1)
    assert history.val_accuracy[-1] < history.best_val_accuracy
    assert history.best_step == history.step[int(np.argmax(history.val_accuracy))]
    assert np.mean(predict(model, val[0], pad_id=0) == val[1]) == history.best_val_accuracy


def test_finetune_is_reproducible_and_leaves_frozen_weights_alone():
    train, val = word_task(32, seed=0), word_task(8, seed=1)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = add_lora(
            SentenceClassifier(tiny_bert()), rank=2, alpha=4, target_modules=("query", "value")
        )
        frozen = {n: p.clone() for n, p in model.named_parameters() if not p.requires_grad}
        history = finetune(model, train, val, pad_id=0, epochs=2, lr=1e-2, batch_size=8, seed=3)
        for name, p in model.named_parameters():
            if name in frozen:
                assert torch.equal(p, frozen[name])
        runs.append((history.train_loss, history.val_accuracy))
        # The LoRA weights put back are those of the best checkpoint.
        assert np.mean(predict(model, val[0], pad_id=0) == val[1]) == history.best_val_accuracy
    assert runs[0] == runs[1]


def test_finetune_refuses_bad_input():
    train, val = word_task(8, seed=0), word_task(4, seed=1)
    model = SentenceClassifier(tiny_bert())
    with pytest.raises(ValueError, match="train"):
        finetune(model, (train[0], train[1][:-1]), val, pad_id=0, epochs=1, lr=1e-3)
    with pytest.raises(ValueError, match="val"):
        finetune(model, train, ([], []), pad_id=0, epochs=1, lr=1e-3)
    with pytest.raises(ValueError, match="epochs"):
        finetune(model, train, val, pad_id=0, epochs=0, lr=1e-3)
    with pytest.raises(ValueError, match="lr"):
        finetune(model, train, val, pad_id=0, epochs=1, lr=0.0)
