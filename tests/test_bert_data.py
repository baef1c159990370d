import numpy as np
import pytest

from companion.bert.pretraining_data import (
    FIRST_REGULAR_ID,
    IGNORE_INDEX,
    IS_NEXT,
    NOT_NEXT,
    PairSampler,
    Speech,
    make_batch,
    mask_tokens,
    pack_pair,
    scene_documents,
    split_speeches,
)
from companion.bert.wordpiece import CLS_ID, MASK_ID, PAD_ID, SEP_ID, train_wordpiece

PLAY = """First Citizen:
Before we proceed any further, hear me speak.

All:
Speak, speak.

MARCIUS:

MENENIUS:
What work's, my countrymen, in hand?
Where go you with bats and clubs?
"""


def test_split_speeches_drops_empty_ones():
    speeches = split_speeches(PLAY)
    assert speeches == [
        Speech("First Citizen", ("Before we proceed any further, hear me speak.",)),
        Speech("All", ("Speak, speak.",)),
        Speech(
            "MENENIUS",
            ("What work's, my countrymen, in hand?", "Where go you with bats and clubs?"),
        ),
    ]
    with pytest.raises(ValueError, match="no speech"):
        split_speeches("just some words")
    with pytest.raises(TypeError):
        split_speeches(None)


def test_scene_documents_keep_the_speakers():
    speeches = split_speeches(PLAY)
    assert scene_documents(speeches, 2) == [
        [
            "First Citizen:",
            "Before we proceed any further, hear me speak.",
            "All:",
            "Speak, speak.",
        ],
        ["MENENIUS:", "What work's, my countrymen, in hand?", "Where go you with bats and clubs?"],
    ]
    with pytest.raises(ValueError, match=">= 1"):
        scene_documents(speeches, 0)
    with pytest.raises(TypeError):
        scene_documents(speeches, 2.5)


def _documents(rng, n_docs=30):
    # Token ids encode (document, line, position), so a test can tell where a span came from.
    docs = []
    for d in range(n_docs):
        lines = [[1000 * d + 10 * j + k + 10 for k in range(rng.integers(1, 8))] for j in range(8)]
        docs.append(lines)
    return docs


def test_pair_sampler_true_and_random_pairs():
    rng = np.random.default_rng(0)
    docs = _documents(rng)
    flat = [[t for line in doc for t in line] for doc in docs]
    line_starts = [{line[0] for line in doc} for doc in docs]
    sampler = PairSampler(docs, max_tokens=12)
    labels, lengths, totals = [], {IS_NEXT: [], NOT_NEXT: []}, []
    for _ in range(3000):
        a, b, label = sampler.sample(rng)
        assert a and b and len(a) + len(b) <= 12
        doc_a, doc_b = a[0] // 1000, b[0] // 1000
        assert all(t // 1000 == doc_a for t in a) and all(t // 1000 == doc_b for t in b)
        i = flat[doc_a].index(a[0])
        assert flat[doc_a][i : i + len(a)] == a  # A is contiguous text
        assert b[0] in line_starts[doc_b]  # B starts at a line boundary ...
        j = flat[doc_b].index(b[0])
        assert flat[doc_b][j : j + len(b)] == b  # ... is contiguous ...
        assert j + len(b) < len(flat[doc_b])  # ... and stops inside its document
        if label == IS_NEXT:  # B is exactly what follows A
            assert doc_b == doc_a and j == i + len(a)
        else:
            assert doc_b != doc_a
        labels.append(label)
        lengths[label].append(len(b))
        totals.append(len(a) + len(b))
    assert 0.46 < np.mean(labels) < 0.54
    # Random B is as long as true B: length is no clue to the label.
    assert abs(np.mean(lengths[IS_NEXT]) - np.mean(lengths[NOT_NEXT])) < 0.3
    # About a tenth of the pairs are shorter than the budget (BERT's short_seq_prob).
    assert 0.05 < np.mean(np.array(totals) < 12) < 0.15


def test_pair_sampler_refuses_too_little_text():
    short = [[[5, 6], [7]], [[8, 9], [10, 11]]]
    with pytest.raises(ValueError, match="two or more documents"):
        PairSampler(short, max_tokens=10)
    with pytest.raises(ValueError, match="max_tokens"):
        PairSampler(_documents(np.random.default_rng(0)), max_tokens=1)
    with pytest.raises(ValueError, match="short_prob"):
        PairSampler(_documents(np.random.default_rng(0)), max_tokens=10, short_prob=2.0)


def test_pack_pair_layout():
    ids, types, attention = pack_pair([11, 12], [13, 14, 15], max_len=10)
    assert ids.tolist() == [CLS_ID, 11, 12, SEP_ID, 13, 14, 15, SEP_ID, PAD_ID, PAD_ID]
    assert types.tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 0, 0]
    assert attention.tolist() == [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]
    with pytest.raises(ValueError, match="max_len"):
        pack_pair([11] * 5, [12] * 5, max_len=12)


def test_pack_pair_agrees_with_the_tokenizers_template():
    corpus = ["hear me speak, citizens", "speak, speak", "we are resolved to die"] * 4
    tokenizer = train_wordpiece(corpus, vocab_size=100)
    a = tokenizer.encode("hear me speak", add_special_tokens=False).ids
    b = tokenizer.encode("we are resolved", add_special_tokens=False).ids
    reference = tokenizer.encode("hear me speak", "we are resolved")
    ids, types, attention = pack_pair(a, b, max_len=len(reference.ids) + 2)
    n = len(reference.ids)
    assert ids[:n].tolist() == reference.ids and types[:n].tolist() == reference.type_ids
    assert attention.sum() == n and (ids[n:] == PAD_ID).all()


def test_mask_tokens_rates_and_what_is_never_chosen():
    rng = np.random.default_rng(0)
    vocab = 1000
    batch = []
    for length in rng.integers(20, 120, size=400):  # padded rows of varying length
        ids = np.full(128, PAD_ID)
        ids[:length] = rng.integers(FIRST_REGULAR_ID, vocab, size=length)
        ids[0], ids[length // 2], ids[length - 1] = CLS_ID, SEP_ID, SEP_ID
        batch.append(ids)
    ids = np.stack(batch)
    masked, labels = mask_tokens(ids, rng, vocab_size=vocab)
    regular = ids >= FIRST_REGULAR_ID
    chosen = labels != IGNORE_INDEX
    n = regular.sum()  # about 27,000 tokens: the rates below hold within ±4 standard errors
    assert not chosen[~regular].any()  # never [CLS], [SEP] or padding
    assert (masked[~regular] == ids[~regular]).all()
    assert (labels[chosen] == ids[chosen]).all()
    assert abs(chosen.sum() / n - 0.15) < 4 * np.sqrt(0.15 * 0.85 / n)
    k = chosen.sum()
    to_mask = (masked == MASK_ID) & chosen
    changed = (masked != ids) & chosen & ~to_mask
    unchanged = (masked == ids) & chosen
    tolerance = 4 * np.sqrt(0.1 * 0.9 / k)
    assert abs(to_mask.sum() / k - 0.8) < 4 * np.sqrt(0.8 * 0.2 / k)
    # A random replacement equals the original with probability 1/995, so it
    # adds ~0.0001 to "unchanged": far below the tolerance.
    assert abs(changed.sum() / k - 0.1) < tolerance
    assert abs(unchanged.sum() / k - 0.1) < tolerance
    assert (masked[changed] >= FIRST_REGULAR_ID).all()  # random tokens are ordinary tokens
    assert ((masked == MASK_ID) == to_mask).all()  # [MASK] appears only where chosen


def test_mask_tokens_bad_input():
    rng = np.random.default_rng(0)
    ids = np.array([[CLS_ID, 7, 8, SEP_ID]])
    with pytest.raises(ValueError, match="mask_prob"):
        mask_tokens(ids, rng, vocab_size=10, mask_prob=1.5)
    with pytest.raises(ValueError, match="token ids"):
        mask_tokens(ids, rng, vocab_size=8)
    with pytest.raises(ValueError, match="special"):
        mask_tokens(ids, rng, vocab_size=3)
    with pytest.raises(TypeError, match="integers"):
        mask_tokens(ids.astype(float), rng, vocab_size=10)


def test_make_batch_shapes_and_reproducibility():
    docs = _documents(np.random.default_rng(0))
    sampler = PairSampler(docs, max_tokens=13)
    vocab = 30_000
    first = make_batch(sampler, np.random.default_rng(5), batch_size=8, vocab_size=vocab)
    again = make_batch(sampler, np.random.default_rng(5), batch_size=8, vocab_size=vocab)
    assert set(first) == {
        "input_ids",
        "token_type_ids",
        "attention_mask",
        "mlm_labels",
        "nsp_labels",
    }
    for name in ("input_ids", "token_type_ids", "attention_mask", "mlm_labels"):
        assert first[name].shape == (8, 16) and first[name].dtype == np.int64
        assert (first[name] == again[name]).all()
    assert first["nsp_labels"].shape == (8,)
    assert (first["input_ids"][:, 0] == CLS_ID).all()
    with pytest.raises(ValueError, match="batch_size"):
        make_batch(sampler, np.random.default_rng(5), batch_size=0, vocab_size=vocab)
    balanced = make_batch(sampler, np.random.default_rng(5), 10, vocab, balanced=True)
    assert balanced["nsp_labels"].tolist() == [IS_NEXT, NOT_NEXT] * 5


def test_pair_sampler_draws_the_label_asked_for():
    sampler = PairSampler(_documents(np.random.default_rng(0)), max_tokens=12)
    rng = np.random.default_rng(1)
    assert all(sampler.sample(rng, NOT_NEXT)[2] == NOT_NEXT for _ in range(20))
    assert all(sampler.sample(rng, IS_NEXT)[2] == IS_NEXT for _ in range(20))
    with pytest.raises(ValueError, match="label"):
        sampler.sample(rng, 2)
