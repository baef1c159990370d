import numpy as np
import pytest
import torch
from sentence_support import tiny_bert, tiny_tokenizer
from torch import nn

from companion.transfer.sentence import (
    SentenceClassifier,
    embed,
    length_batches,
    mean_pool,
    pad_batch,
    predict,
    tokenize,
)


def test_tokenize_adds_special_tokens_and_cuts_to_max_len(tmp_path):
    tokenizer = tiny_tokenizer(tmp_path)
    ids = tokenize(tokenizer, ["good film", "the very very very bad plot"], max_len=5)
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    assert ids[0] == [
        cls,
        tokenizer.convert_tokens_to_ids("good"),
        tokenizer.convert_tokens_to_ids("film"),
        sep,
    ]
    assert len(ids[1]) == 5 and ids[1][0] == cls and ids[1][-1] == sep


def test_tokenize_refuses_bad_input(tmp_path):
    tokenizer = tiny_tokenizer(tmp_path)
    with pytest.raises(TypeError):
        tokenize(tokenizer, "good film")  # one string, not a list of them
    with pytest.raises(ValueError):
        tokenize(tokenizer, ["good"], max_len=1)


def test_pad_batch_pads_to_the_longest():
    ids, mask = pad_batch([[5, 6, 7], [8]], pad_id=0)
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0]]
    assert mask.tolist() == [[1, 1, 1], [1, 0, 0]]
    with pytest.raises(ValueError):
        pad_batch([], pad_id=0)
    with pytest.raises(ValueError):
        pad_batch([[1], []], pad_id=0)


def test_length_batches_cover_every_index_once():
    lengths = np.random.default_rng(0).integers(1, 30, 101)
    for seed in (None, 4):
        batches = length_batches(lengths, 8, seed=seed, pool=3)
        assert sorted(np.concatenate(batches).tolist()) == list(range(101))
        assert max(len(b) for b in batches) == 8
    ordered = np.concatenate(length_batches(lengths, 8))
    assert np.all(np.diff(lengths[ordered]) >= 0)  # evaluation: sorted by length
    shuffled = length_batches(lengths, 8, seed=4, pool=3)
    assert all(
        np.array_equal(a, b)
        for a, b in zip(shuffled, length_batches(lengths, 8, seed=4, pool=3), strict=True)
    )
    # Within a batch lengths are close: each batch comes from one sorted pool.
    spread = np.mean([np.ptp(lengths[b]) for b in shuffled])
    assert spread < np.ptp(lengths) / 2
    with pytest.raises(ValueError):
        length_batches(lengths, 0)
    with pytest.raises(ValueError):
        length_batches([], 4)


def test_mean_pool_averages_real_tokens_only():
    hidden = torch.arange(2 * 3 * 2, dtype=torch.float32).reshape(2, 3, 2)
    mask = torch.tensor([[1, 1, 0], [1, 0, 0]])
    pooled = mean_pool(hidden, mask)
    assert torch.allclose(pooled[0], hidden[0, :2].mean(0))
    assert torch.allclose(pooled[1], hidden[1, 0])
    assert torch.equal(mean_pool(hidden, torch.zeros(2, 3, dtype=torch.long)), torch.zeros(2, 2))
    with pytest.raises(ValueError):
        mean_pool(hidden, mask[:, :2])


def test_sentence_classifier_ignores_padding_and_drops_the_pooler():
    encoder = tiny_bert()
    assert encoder.pooler is not None
    torch.manual_seed(0)
    model = SentenceClassifier(encoder, num_classes=3).eval()
    assert encoder.pooler is None
    short, padded_batch = pad_batch([[2, 5, 3]], 0), pad_batch([[2, 5, 3], [2, 5, 6, 7, 8, 3]], 0)
    with torch.no_grad():
        alone = model(*short)
        in_batch = model(*padded_batch)
    assert in_batch.shape == (2, 3)
    assert torch.allclose(alone[0], in_batch[0], atol=1e-5)


def test_sentence_classifier_refuses_bad_input():
    with pytest.raises(TypeError):
        SentenceClassifier(nn.Linear(2, 2))
    with pytest.raises(ValueError):
        SentenceClassifier(tiny_bert(), num_classes=1)


def test_embed_and_predict_return_rows_in_input_order():
    encoder = tiny_bert()
    torch.manual_seed(0)
    model = SentenceClassifier(encoder, num_classes=2)
    ids = [[2, 5, 6, 7, 3], [2, 9, 3], [2, 10, 11, 3], [2, 12, 3]]
    vectors = embed(encoder, ids, pad_id=0, batch_size=2)
    labels = predict(model, ids, pad_id=0, batch_size=3)
    assert model.training  # predict runs in eval mode and restores the mode
    assert vectors.shape == (4, 8) and labels.shape == (4,)
    model.eval()
    with torch.no_grad():
        for i, seq in enumerate(ids):
            one = pad_batch([seq], 0)
            expected = mean_pool(
                encoder(input_ids=one[0], attention_mask=one[1]).last_hidden_state, one[1]
            )
            np.testing.assert_allclose(vectors[i], expected[0].numpy(), atol=1e-5)
            assert labels[i] == model(*one).argmax(1).item()
    with pytest.raises(ValueError):
        embed(encoder, [], pad_id=0)
