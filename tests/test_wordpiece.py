import pytest

from companion.bert.wordpiece import (
    CLS_ID,
    MASK_ID,
    PAD_ID,
    SEP_ID,
    SPECIAL_TOKENS,
    encode_lines,
    train_wordpiece,
)

CORPUS = [
    "First Citizen: Before we proceed any further, hear me speak.",
    "All: Speak, speak.",
    "First Citizen: You are all resolved rather to die than to famish?",
    "All: Resolved. resolved.",
    "First Citizen: First, you know Caius Marcius is chief enemy to the people.",
    "All: We know't, we know't.",
] * 5


@pytest.fixture(scope="module")
def tokenizer():
    return train_wordpiece(CORPUS, vocab_size=120)


def test_special_tokens_come_first(tokenizer):
    assert [tokenizer.token_to_id(t) for t in SPECIAL_TOKENS] == list(range(len(SPECIAL_TOKENS)))
    assert (PAD_ID, CLS_ID, SEP_ID, MASK_ID) == (0, 2, 3, 4)
    assert tokenizer.get_vocab_size() == 120


def test_training_is_deterministic(tokenizer):
    # The library alone numbers "##x" pieces in hash-map order; see train_wordpiece.
    for _ in range(3):
        assert train_wordpiece(CORPUS, vocab_size=120).get_vocab() == tokenizer.get_vocab()


def test_uncased_pieces_and_round_trip(tokenizer):
    encoding = tokenizer.encode("SPEAK, Citizen?", add_special_tokens=False)
    assert encoding.tokens[:2] == ["speak", ","]
    assert all(t != "[UNK]" for t in encoding.tokens)
    assert tokenizer.decode(encoding.ids) == "speak, citizen?"
    # A word the corpus never saw is cut into pieces, the later ones marked ##.
    pieces = tokenizer.encode("unspeakable", add_special_tokens=False).tokens
    assert len(pieces) > 1 and all(p.startswith("##") for p in pieces[1:])


def test_pair_template(tokenizer):
    encoding = tokenizer.encode("all you", "speak")
    assert encoding.tokens == ["[CLS]", "all", "you", "[SEP]", "speak", "[SEP]"]
    assert encoding.type_ids == [0, 0, 0, 0, 1, 1]


def test_encode_lines_has_no_special_tokens(tokenizer):
    ids = encode_lines(tokenizer, ["hear me", "speak, speak"])
    assert len(ids) == 2 and all(i >= len(SPECIAL_TOKENS) for line in ids for i in line)
    with pytest.raises(TypeError, match="list of strings"):
        encode_lines(tokenizer, "hear me")


def test_bad_arguments():
    with pytest.raises(ValueError, match="vocab_size"):
        train_wordpiece(CORPUS, vocab_size=10)
    with pytest.raises(TypeError, match="vocab_size must be an int, got True"):
        train_wordpiece(CORPUS, vocab_size=True)
    with pytest.raises(ValueError, match="no text"):
        train_wordpiece(["", "  \n"], vocab_size=200)
