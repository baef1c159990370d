"""A BERT-style WordPiece tokenizer trained on a corpus with Hugging Face ``tokenizers``.

The tokenizer lower-cases and strips accents (an "uncased" BERT), splits on
white space and punctuation, then cuts each word into the longest pieces of
its vocabulary, left to right; a piece that continues a word carries the
prefix ``##``. (The library's ``WordPieceTrainer`` chooses its pieces by
byte-pair-encoding merge counts rather than by the likelihood criterion of
the original WordPiece; the vocabulary is used in the same way.)

The special tokens get the first ids, in the order of :data:`SPECIAL_TOKENS`,
so that ``[PAD]`` is 0 whatever the corpus.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

from companion.runtime.checks import check_int

if TYPE_CHECKING:
    from tokenizers import Tokenizer

#: BERT's special tokens; their ids are their positions in this tuple.
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
PAD_ID, UNK_ID, CLS_ID, SEP_ID, MASK_ID = range(len(SPECIAL_TOKENS))


def train_wordpiece(texts: Iterable[str], vocab_size: int, min_frequency: int = 2) -> Tokenizer:
    """Train an uncased WordPiece tokenizer on ``texts`` and return it.

    Args:
        texts: the training corpus, as strings (lines, documents, ...).
        vocab_size: the size of the vocabulary, special tokens and single
            characters included; at least 100.
        min_frequency: a merge must occur this often to enter the vocabulary.

    Returns:
        A ``tokenizers.Tokenizer`` whose ``encode(a)`` gives ``[CLS] a [SEP]``
        and ``encode(a, b)`` the pair ``[CLS] a [SEP] b [SEP]`` with segment
        (type) ids 0 for the first part and 1 for the second. The same texts
        and sizes always give the same vocabulary with the same ids.

    Raises:
        ValueError: if ``vocab_size`` < 100 or the corpus holds no text.

    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    check_int("vocab_size", vocab_size, minimum=100)
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise ValueError("the corpus holds no text to learn a vocabulary from")
    normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=True)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()

    # Determinism. The trainer numbers the word-continuing characters ("##e")
    # in the order it meets them in a hash map, which changes from process to
    # process, and breaks ties between equally frequent merges by those
    # numbers: the vocabulary then differs from run to run. Declaring the
    # continuing characters up front, sorted, fixes their numbers and so every
    # tie. They are declared as "special" only to seed the trainer; the
    # tokenizer is rebuilt below from the plain vocabulary.
    # Normalising the set of characters, not the whole text, is enough and fast.
    alphabet = normalizer.normalize_str("".join(sorted({c for t in texts for c in t})))
    continuing = sorted({c for c in alphabet if not (c.isspace() or _is_punctuation(c))})
    seed_tokens = list(SPECIAL_TOKENS) + [f"##{c}" for c in continuing]
    trainer = trainers.WordPieceTrainer(
        vocab_size=max(vocab_size, len(seed_tokens) + 1),
        min_frequency=min_frequency,
        special_tokens=seed_tokens,
        show_progress=False,
    )
    draft = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    draft.normalizer, draft.pre_tokenizer = normalizer, pre_tokenizer
    draft.train_from_iterator(texts, trainer=trainer)

    tokenizer = Tokenizer(models.WordPiece(vocab=draft.get_vocab(), unk_token="[UNK]"))
    tokenizer.normalizer, tokenizer.pre_tokenizer = normalizer, pre_tokenizer
    tokenizer.decoder = decoders.WordPiece(prefix="##")
    tokenizer.add_special_tokens(list(SPECIAL_TOKENS))
    _add_pair_template(tokenizer)
    if [tokenizer.token_to_id(t) for t in SPECIAL_TOKENS] != list(range(len(SPECIAL_TOKENS))):
        raise RuntimeError("the trainer did not give the special tokens the first ids")
    return tokenizer


def _is_punctuation(char: str) -> bool:
    """BERT's rule: the pre-tokenizer splits these off as words of their own."""
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _add_pair_template(tokenizer: Tokenizer) -> None:
    from tokenizers import processors

    # BERT's input template: segment (type) id 0 for [CLS] A [SEP], 1 for B [SEP].
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", CLS_ID), ("[SEP]", SEP_ID)],
    )


def encode_lines(tokenizer: Tokenizer, lines: list[str]) -> list[list[int]]:
    """The piece ids of each line, without special tokens (one batched call, in Rust)."""
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise TypeError("lines must be a list of strings")
    return [e.ids for e in tokenizer.encode_batch(lines, add_special_tokens=False)]
