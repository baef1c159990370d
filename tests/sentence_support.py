"""A tiny, randomly initialised BERT and a word-level BERT tokenizer for the sentence tests.

They stand in for all-MiniLM-L6-v2 (the real model is exercised by the transfer
chapter): the same classes, a few thousand parameters, no download.
"""

from pathlib import Path

import torch

WORDS = ["good", "bad", "film", "great", "awful", "plot", "the", "a", "very", "not"]


def tiny_tokenizer(folder: Path):
    """A ``BertTokenizerFast`` over :data:`WORDS` and the special tokens, written to ``folder``."""
    from transformers import BertTokenizerFast

    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    return BertTokenizerFast(vocab_file=str(vocab), do_lower_case=True)


def tiny_bert(seed: int = 0, vocab_size: int = len(WORDS) + 5):
    """A one-layer BertModel, 8 numbers wide, with dropout switched off."""
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        max_position_embeddings=32,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    return BertModel(config).eval()
